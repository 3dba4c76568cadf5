package io.chorus.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.chorus.config.ConfigException;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared model holder on the real onnxruntime, with the generated test models. */
class OnnxModelTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void aGeneratedTextModelRunsOnTheRealRuntime(@TempDir Path dir) throws Exception {
    Path file = OnnxModels.text(dir.resolve("text.onnx"), new float[][] {{0, 0}, {1, 2}, {3, 4}}, false);
    OnnxModel model = await(OnnxModel.open(vertx, "TEST_MODEL", file, 1, m -> m));
    assertThat(model.id()).startsWith("onnx-").hasSize(5 + 16);
    TensorInfo ids = model.input("input_ids");
    assertThat(ids.type).isEqualTo(ai.onnxruntime.OnnxJavaType.INT64);
    assertThat(ids.getShape()).containsExactly(-1, -1);
    float[][][] out = await(model.submit((env, session) -> {
      try (OnnxTensor in = OnnxTensor.createTensor(env, new long[][] {{2, 1, 0}});
           OnnxTensor mask = OnnxTensor.createTensor(env, new long[][] {{1, 1, 0}});
           OrtSession.Result r = session.run(Map.of("input_ids", in, "attention_mask", mask))) {
        return (float[][][]) r.get(0).getValue();
      }
    }));
    assertThat(out[0][0]).containsExactly(3f, 4f);
    assertThat(out[0][1]).containsExactly(1f, 2f);
    model.close();
    assertThatThrownBy(() -> await(model.submit((env, session) -> 1))).hasMessageContaining("closed");
  }

  @Test
  void aGeneratedAudioModelRuns(@TempDir Path dir) throws Exception {
    OnnxModel model = await(OnnxModel.open(vertx, "TEST_MODEL", OnnxModels.audio(dir.resolve("a.onnx")), 1, m -> m));
    float[][] out = await(model.submit((env, session) -> {
      try (OnnxTensor in = OnnxTensor.createTensor(env, new float[][] {{1, -1, 2, -2}, {0, 0, 0, 3}});
           OrtSession.Result r = session.run(Map.of("pcm", in))) {
        return (float[][]) r.get(0).getValue();
      }
    }));
    assertThat(out[0]).containsExactly(2.5f, 1.5f);
    assertThat(out[1]).containsExactly(2.25f, 0.75f);
    model.close();
  }

  @Test
  void aModelThatDoesNotFitOrIsNoModelNamesTheSetting(@TempDir Path dir) throws Exception {
    Path audio = OnnxModels.audio(dir.resolve("a.onnx"));
    assertThatThrownBy(() -> await(OnnxModel.open(vertx, "TEST_MODEL", audio, 1, m -> {
      throw m.unfit("an input input_ids");
    }))).cause().isInstanceOf(ConfigException.class)
        .hasMessageContaining("TEST_MODEL: ").hasMessageContaining("does not fit: an input input_ids")
        .hasMessageContaining("pcm: FLOAT[-1, -1]").hasMessageContaining("embedding: FLOAT[-1, 2]");
    Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
    assertThatThrownBy(() -> await(OnnxModel.open(vertx, "TEST_MODEL", junk, 1, m -> m))).cause()
        .hasMessageContaining("TEST_MODEL: ").hasMessageContaining("is not an ONNX model");
    assertThatThrownBy(() -> await(OnnxModel.open(vertx, "TEST_MODEL", dir.resolve("missing.onnx"), 1, m -> m))).cause()
        .hasMessageContaining("TEST_MODEL: ").hasMessageContaining("is not a readable file");
  }
}

package io.chorus.onnx;

import com.google.protobuf.CodedOutputStream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Tiny but real ONNX models for tests (no model can be downloaded here): {@code ModelProto} bytes written field
 * by field with protobuf's {@link CodedOutputStream}, by the field numbers of onnx/onnx.proto, and run by the
 * real onnxruntime. Also a WordPiece {@code tokenizer.json} for the text models.
 */
public final class OnnxModels {
  static final int FLOAT = 1;
  static final int INT64 = 7;

  private OnnxModels() {
  }

  /**
   * A sentence-transformers-like text model: inputs {@code input_ids} and {@code attention_mask} (and
   * {@code token_type_ids} when asked) INT64 [batch, seq]; output {@code last_hidden_state} FLOAT
   * [batch, seq, dim], row {@code input_ids} of {@code table} per token (Gather), so mean pooling is the
   * caller's work.
   */
  public static Path text(Path file, float[][] table, boolean tokenTypes) {
    int dim = table[0].length;
    Msg graph = new Msg().str(2, "text")
        .msg(5, tensor("table", new long[] {table.length, dim}, flat(table)))
        .msg(1, node("Gather", List.of("table", "input_ids"), "last_hidden_state", new Msg().str(1, "axis").i64(3, 0).i64(20, 2)))
        .msg(11, value("input_ids", INT64, "batch", "seq"))
        .msg(11, value("attention_mask", INT64, "batch", "seq"));
    if (tokenTypes) {
      graph.msg(11, value("token_type_ids", INT64, "batch", "seq"));
    }
    graph.msg(12, value("last_hidden_state", FLOAT, "batch", "seq", dim));
    return write(file, graph);
  }

  /**
   * An audio model: input {@code pcm} FLOAT [batch, samples]; output {@code embedding} FLOAT [batch, 2] =
   * (mean of x², mean of |x|) per row: two tracks of the same power and crest factor are alike to it,
   * whatever their spectrum.
   */
  public static Path audio(Path file) {
    Msg axes = new Msg().str(1, "axes").i64(8, 1).i64(20, 7);
    Msg graph = new Msg().str(2, "audio")
        .msg(1, node("Mul", List.of("pcm", "pcm"), "sq", null))
        .msg(1, node("ReduceMean", List.of("sq"), "power", axes))
        .msg(1, node("Abs", List.of("pcm"), "abs", null))
        .msg(1, node("ReduceMean", List.of("abs"), "level", axes))
        .msg(1, node("Concat", List.of("power", "level"), "embedding", new Msg().str(1, "axis").i64(3, 1).i64(20, 2)))
        .msg(11, value("pcm", FLOAT, "batch", "samples"))
        .msg(12, value("embedding", FLOAT, "batch", 2));
    return write(file, graph);
  }

  /** A WordPiece tokenizer.json (BERT normalisation, lower case) over {@code words}: ids 0-3 are [PAD] [UNK] [CLS] [SEP]. */
  public static Path tokenizer(Path file, List<String> words) {
    JsonObject vocab = new JsonObject();
    List<String> all = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]"));
    all.addAll(words);
    JsonArray added = new JsonArray();
    for (int i = 0; i < all.size(); i++) {
      vocab.put(all.get(i), i);
      if (i < 4) {
        added.add(new JsonObject().put("id", i).put("content", all.get(i)).put("single_word", false).put("lstrip", false)
            .put("rstrip", false).put("normalized", false).put("special", true));
      }
    }
    JsonObject cls = new JsonObject().put("SpecialToken", new JsonObject().put("id", "[CLS]").put("type_id", 0));
    JsonObject sep = new JsonObject().put("SpecialToken", new JsonObject().put("id", "[SEP]").put("type_id", 0));
    JsonObject a = new JsonObject().put("Sequence", new JsonObject().put("id", "A").put("type_id", 0));
    JsonObject b = new JsonObject().put("Sequence", new JsonObject().put("id", "B").put("type_id", 1));
    JsonObject json = new JsonObject().put("version", "1.0").putNull("truncation").putNull("padding").put("added_tokens", added)
        .put("normalizer", new JsonObject().put("type", "BertNormalizer").put("clean_text", true).put("handle_chinese_chars", true)
            .putNull("strip_accents").put("lowercase", true))
        .put("pre_tokenizer", new JsonObject().put("type", "BertPreTokenizer"))
        .put("post_processor", new JsonObject().put("type", "TemplateProcessing")
            .put("single", new JsonArray().add(cls).add(a).add(sep))
            .put("pair", new JsonArray().add(cls).add(a).add(sep).add(b).add(sep))
            .put("special_tokens", new JsonObject()
                .put("[CLS]", new JsonObject().put("id", "[CLS]").put("ids", new JsonArray().add(2)).put("tokens", new JsonArray().add("[CLS]")))
                .put("[SEP]", new JsonObject().put("id", "[SEP]").put("ids", new JsonArray().add(3)).put("tokens", new JsonArray().add("[SEP]")))))
        .put("decoder", new JsonObject().put("type", "WordPiece").put("prefix", "##").put("cleanup", true))
        .put("model", new JsonObject().put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
            .put("max_input_chars_per_word", 100).put("vocab", vocab));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, json.encodePrettily());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** What a launch of the production launcher left: its exit code and its standard error. */
  public record Launch(int exit, String stderr) {
  }

  /**
   * {@code io.chorus.Main} in its own JVM on the test classpath with {@code env} (and no endpoints): a node
   * that must stop while its configuration is validated, before it connects to anything.
   */
  public static Launch launchNode(Path dir, Map<String, String> env) {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", classpath, "io.chorus.Main").directory(dir.toFile())
        .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile());
    io.chorus.Main.ENDPOINTS.forEach(pb.environment()::remove);
    pb.environment().putAll(env);
    pb.environment().put("CHORUS_DATA_DIR", dir.resolve("data").toString());
    try {
      Process p = pb.start();
      try {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          throw new AssertionError("the node did not exit within 120 s");
        }
      } finally {
        p.destroyForcibly();
      }
      return new Launch(p.exitValue(), Files.readString(dir.resolve("stderr.txt")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Path write(Path file, Msg graph) {
    Msg model = new Msg().i64(1, 8).str(2, "chorus-tests").msg(7, graph).msg(8, new Msg().str(1, "").i64(2, 13));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, model.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static float[] flat(float[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, out, r * rows[0].length, rows[0].length);
    }
    return out;
  }

  /** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian floats). */
  private static Msg tensor(String name, long[] dims, float[] data) {
    ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : data) {
      raw.putFloat(f);
    }
    Msg t = new Msg();
    for (long d : dims) {
      t.i64(1, d);
    }
    return t.i64(2, FLOAT).str(8, name).raw(9, raw.array());
  }

  /** NodeProto: input (1), output (2), name (3), op_type (4), attribute (5). */
  private static Msg node(String op, List<String> inputs, String output, Msg attribute) {
    Msg n = new Msg();
    inputs.forEach(i -> n.str(1, i));
    n.str(2, output).str(3, op + "_" + output).str(4, op);
    if (attribute != null) {
      n.msg(5, attribute);
    }
    return n;
  }

  /** ValueInfoProto name (1), type (2): TypeProto.tensor_type (1) {elem_type (1), shape (2) {dim (1) {dim_value (1) | dim_param (2)}}}. */
  private static Msg value(String name, int elemType, Object... dims) {
    Msg shape = new Msg();
    for (Object d : dims) {
      shape.msg(1, d instanceof String p ? new Msg().str(2, p) : new Msg().i64(1, ((Number) d).longValue()));
    }
    return new Msg().str(1, name).msg(2, new Msg().msg(1, new Msg().i64(1, elemType).msg(2, shape)));
  }

  /** A protobuf message written field by field. */
  static final class Msg {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(buf);

    Msg i64(int field, long v) {
      return io(() -> out.writeInt64(field, v));
    }

    Msg str(int field, String s) {
      return io(() -> out.writeString(field, s));
    }

    Msg raw(int field, byte[] b) {
      return io(() -> out.writeByteArray(field, b));
    }

    Msg msg(int field, Msg m) {
      return raw(field, m.bytes());
    }

    byte[] bytes() {
      io(out::flush);
      return buf.toByteArray();
    }

    private Msg io(IoStep step) {
      try {
        step.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    private interface IoStep {
      void run() throws IOException;
    }
  }
}

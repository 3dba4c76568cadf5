package io.chorus.audio;

import io.chorus.onnx.OnnxModels;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Similar songs from a configured ONNX audio-embedding model (issue 18), end to end on a real node with the
 * real onnxruntime. The generated model embeds a window as (mean x², mean |x|): to it a loud tone and white
 * noise of the same power are alike, while a quiet tone is far; the handcrafted vector says the
 * opposite (same spectrum), checked here too. {@code /similar} must rank by the model, with its cosine scores,
 * and the rows must name the model. A model of the wrong shape stops the node at start.
 */
class SimilarModelTest {
  static final String PW = "a long enough password";
  static final int RATE = Fingerprinter.SAMPLE_RATE;

  static float[] tone(double hz, double amplitude, int seconds) {
    float[] x = new float[RATE * seconds];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / RATE));
    }
    return x;
  }

  /** Uniform white noise of mean power {@code power} (amplitude √(3·power)). */
  static float[] noise(double power, int seconds) {
    Random random = new Random(18);
    double amplitude = Math.sqrt(3 * power);
    float[] x = new float[RATE * seconds];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (amplitude * (2 * random.nextDouble() - 1));
    }
    return x;
  }

  @Test
  void similarRanksByTheConfiguredModel(@TempDir Path dir) {
    // (another pitch for the quiet one: the same pitch would be the same recording to the fingerprints)
    float[] loud = tone(440, 0.5, 20);
    float[] quiet = tone(494, 0.05, 20);
    float[] hiss = noise(0.125, 20);   // the loud tone's power: 0.5² / 2
    // the handcrafted default's answer: the quiet tone (the same spectrum) is nearer than the noise
    SoundFeatures features = new SoundFeatures();
    FeatureIndex handcrafted = new FeatureIndex();
    UUID[] ids = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
    handcrafted.put(ids[0], features.compute(loud));
    handcrafted.put(ids[1], features.compute(quiet));
    handcrafted.put(ids[2], features.compute(hiss));
    assertThat(handcrafted.nearest(handcrafted.vector(ids[0]), 1, o -> o == 0).get(0).trackId()).isEqualTo(ids[1]);

    Path model = OnnxModels.audio(dir.resolve("audio.onnx"));
    try (TestCluster tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "AUDIO_EMBEDDING_MODEL", model.toString(),
        "AUDIO_EMBEDDING_WINDOW_SECONDS", 5))) {
      Rest rest = tc.rest();
      String name = "wave-" + UUID.randomUUID().toString().substring(0, 8);
      JsonObject user = rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", PW));
      String owner = user.getJsonObject("user").getString("id");
      UUID artist = UUID.randomUUID();
      tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Tones " + artist, "tones " + artist);
      UUID loudId = track(tc, owner, artist, "loud tone");
      UUID quietId = track(tc, owner, artist, "quiet tone");
      UUID hissId = track(tc, owner, artist, "hiss");
      AudioFeature audio = AudioFeature.of(tc.node().nodeId());
      TestServices.await(audio.index(loudId, loud));
      TestServices.await(audio.index(quietId, quiet));
      TestServices.await(audio.index(hissId, hiss));

      Rest.Reply r = rest.get(tc.port(), "/api/v1/tracks/" + loudId + "/similar?limit=50", null);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      List<String> order = r.json().getJsonArray("tracks").stream().map(t -> ((JsonObject) t).getString("id")).toList();
      assertThat(order).contains(hissId.toString(), quietId.toString());
      assertThat(order.indexOf(hissId.toString())).as("the model's neighbour first").isLessThan(order.indexOf(quietId.toString()));
      // scores are the model's: (1 + cos) / 2 of the (mean x², mean |x|) embeddings
      JsonArray tracks = r.json().getJsonArray("tracks");
      double hissScore = score(tracks, hissId);
      double quietScore = score(tracks, quietId);
      assertThat(hissScore).isCloseTo((1 + cos(embed(loud), embed(hiss))) / 2, within(1e-3));
      assertThat(quietScore).isCloseTo((1 + cos(embed(loud), embed(quiet))) / 2, within(1e-3));

      // the OpenSubsonic calls and My Wave's API answer from the same vectors
      Rest.Reply created = rest.post(tc.port(), "/api/v1/me/subsonic/credentials", user.getString("access_token"),
          new JsonObject().put("kind", "app_password").put("name", "player"));
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      String auth = "u=" + name + "&p=" + created.json().getString("password") + "&v=1.16.1&c=test&f=json&id=" + loudId;
      JsonObject songs = subsonic(rest, tc, "getSimilarSongs2?count=50&" + auth).getJsonObject("similarSongs2");
      List<String> subsonicOrder = songs.getJsonArray("song").stream().map(t -> ((JsonObject) t).getString("id")).toList();
      assertThat(subsonicOrder.indexOf(hissId.toString())).isNotNegative().isLessThan(subsonicOrder.indexOf(quietId.toString()));
      JsonArray sonic = subsonic(rest, tc, "getSonicSimilarTracks?count=50&" + auth).getJsonArray("sonicMatch");
      JsonObject firstOfOurs = sonic.stream().map(JsonObject.class::cast)
          .filter(m -> List.of(hissId.toString(), quietId.toString()).contains(m.getJsonObject("entry").getString("id"))).findFirst().orElseThrow();
      assertThat(firstOfOurs.getJsonObject("entry").getString("id")).isEqualTo(hissId.toString());
      assertThat(firstOfOurs.getDouble("similarity")).isCloseTo(hissScore, within(1e-3));
      List<UUID> wave = TestServices.await(audio.similar().nearestTo(List.of(loudId), 50, List.of())).stream()
          .map(SimilarTracks.Neighbour::trackId).toList();
      assertThat(wave.indexOf(hissId)).isNotNegative().isLessThan(wave.indexOf(quietId));

      // the rows name the model; a row of another embedder is never loaded into this index
      List<Map<String, Object>> rows = tc.sql("SELECT embedder, array_length(vector, 1) AS n FROM track_features WHERE track_id = ?", loudId);
      assertThat(rows).hasSize(1);
      assertThat((String) rows.get(0).get("embedder")).startsWith("onnx-").endsWith("-16000-80000");
      assertThat(((Number) rows.get(0).get("n")).intValue()).isEqualTo(2);
    }
  }

  @Test
  void aModelOfTheWrongShapeStopsTheNodeNamingTheSetting(@TempDir Path dir) {
    Path text = OnnxModels.text(dir.resolve("text.onnx"), new float[][] {{0, 1}, {1, 0}}, false);
    OnnxModels.Launch launch = OnnxModels.launchNode(dir, Map.of("AUDIO_EMBEDDING_MODEL", text.toString()));
    assertThat(launch.exit()).as(launch.stderr()).isEqualTo(2);
    assertThat(launch.stderr()).contains("AUDIO_EMBEDDING_MODEL: " + text + " does not fit: one input FLOAT [batch, samples]")
        .contains("input_ids: INT64[-1, -1]");
    assertThat(dir.resolve("data")).as("nothing started").doesNotExist();
  }

  static JsonObject subsonic(Rest rest, TestCluster tc, String call) {
    Rest.Reply r = rest.get(tc.port(), "/rest/" + call, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject body = r.json().getJsonObject("subsonic-response");
    assertThat(body.getString("status")).as(r.body()).isEqualTo("ok");
    return body;
  }

  static double score(JsonArray tracks, UUID id) {
    return tracks.stream().map(JsonObject.class::cast).filter(t -> t.getString("id").equals(id.toString())).findFirst().orElseThrow()
        .getDouble("score");
  }

  /** The model's embedding as the node computes it: 16 kHz, 5 s windows, (mean x², mean |x|) each, averaged. */
  static double[] embed(float[] pcm) {
    float[] x = ModelSound.resample(pcm, RATE, 16000);
    int window = 5 * 16000;
    double[] sum = new double[2];
    double weights = 0;
    for (int start = 0; start < x.length; start += window) {
      int len = Math.min(window, x.length - start);
      double p = 0;
      double a = 0;
      for (int i = start; i < start + len; i++) {
        p += x[i] * x[i];
        a += Math.abs(x[i]);
      }
      double w = (double) len / window;
      sum[0] += w * p / window;
      sum[1] += w * a / window;
      weights += w;
    }
    return new double[] {sum[0] / weights, sum[1] / weights};
  }

  static double cos(double[] a, double[] b) {
    return (a[0] * b[0] + a[1] * b[1]) / Math.sqrt((a[0] * a[0] + a[1] * a[1]) * (b[0] * b[0] + b[1] * b[1]));
  }

  static UUID track(TestCluster tc, String owner, UUID artist, String title) {
    UUID id = UUID.randomUUID();
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status, moderation,"
            + " duration_ms) VALUES (?, ?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', 'ready', 'approved', 20000)",
        id, UUID.fromString(owner), title, artist, HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64),
        "tracks/" + id + "/original");
    return id;
  }
}

package io.chorus.search;

import io.chorus.onnx.OnnxModels;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Title vectors from a configured ONNX sentence-embedding model (issue 19), end to end over REST on a real
 * node: two generated models whose embedding tables say different words are synonyms, a real WordPiece
 * tokenizer.json, the real onnxruntime. Model A makes «гроза» a synonym of "Thunderstorm", which neither the
 * text ranking nor the default n-gram vector can find; the index records the model; restarted with model B
 * (where «гроза» means "Sunny") the index is rebuilt, so the answer follows B. A model that does not fit stops
 * the node at start.
 */
class SearchEmbeddingModelTest {
  static final String PW = "a long enough password";
  static final List<String> WORDS = List.of("thunderstorm", "гроза", "sunny", "day");

  /**
   * Rows: [PAD] [UNK] [CLS] [SEP] thunderstorm гроза sunny day; dimension 4. Unknown words embed to zero, so a
   * title (or a transliterated/re-keyed form of the query) of unknown words has no vector: with an [UNK] vector
   * of its own, every such title would be a perfect match for every such query form.
   */
  static float[][] table(float[] thunderstorm, float[] groza, float[] sunny) {
    return new float[][] {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, thunderstorm, groza, sunny, {0, 0, 1, 0}};
  }

  static final float[] E0 = {1, 0, 0, 0};
  static final float[] E1 = {0, 1, 0, 0};

  TestCluster tc;
  Rest rest;

  @Test
  void aConfiguredModelFindsSynonymsTheIndexNotesItAndAnotherModelRebuilds(@TempDir Path dir) {
    Path tokenizer = OnnxModels.tokenizer(dir.resolve("tokenizer.json"), WORDS);
    Path a = OnnxModels.text(dir.resolve("a.onnx"), table(E0, E0, E1), true);
    Path b = OnnxModels.text(dir.resolve("b.onnx"), table(E1, E0, E0), false);
    String node = "embedding-test-" + UUID.randomUUID();
    Map<String, Object> config = new HashMap<>(Map.of("RATE_LIMIT_REGISTER", 100_000, "CHORUS_NODE_NAME", node,
        "SEARCH_DIR", dir.resolve("search").toString(), "SEARCH_EMBEDDING_MODEL", a.toString(),
        "SEARCH_EMBEDDING_TOKENIZER", tokenizer.toString()));
    UUID thunder = UUID.randomUUID();
    UUID sunny = UUID.randomUUID();
    // the default vector cannot relate the two spellings: only a model can
    assertThat(TitleVector.cosine(TitleVector.of("Thunderstorm", "Weather Band"), TitleVector.query("гроза")))
        .isLessThan(Hybrid.MIN_SIMILARITY);
    try {
      tc = TestCluster.start(1, config);
      rest = tc.rest();
      String owner = rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject()
          .put("username", "emb-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW)).getJsonObject("user").getString("id");
      track(thunder, "Thunderstorm", owner);
      track(sunny, "Sunny Day", owner);
      // the rest of a library: titles the model does not know (the suite's other tests add many more)
      for (String other : List.of("Yellow Submarine", "Группа крови", "Groza Night Drive")) {
        track(UUID.randomUUID(), other, owner);
      }
      await(() -> tracks("sunny day").contains(sunny.toString()), "the rows swept into the index");
      // hybrid: the text ranking finds the title; the model's vectors find the synonym the text cannot
      assertThat(tracks("sunny day")).first().isEqualTo(sunny.toString());
      assertThat(tracks("гроза")).contains(thunder.toString()).doesNotContain(sunny.toString());
      String builtByA = await(() -> embedder(dir, node), "the index commits its embedder");
      assertThat(builtByA).startsWith("onnx-").isNotEqualTo(TitleEmbedder.NGRAM.id());
      tc.close();
      tc = null;

      config.put("SEARCH_EMBEDDING_MODEL", b.toString());
      tc = TestCluster.start(1, config);
      rest = tc.rest();
      // rebuilt from PostgreSQL with B's vectors (a kept index would still answer with A's)
      assertThat(embedder(dir, node)).startsWith("onnx-").isNotEqualTo(builtByA);
      await(() -> tracks("гроза").contains(sunny.toString()), "B's synonym found");
      assertThat(tracks("гроза")).doesNotContain(thunder.toString());
    } finally {
      if (tc != null) {
        tc.close();
      }
    }
  }

  @Test
  void aModelWithOtherInputsStopsTheNodeNamingTheSetting(@TempDir Path dir) {
    Path audio = OnnxModels.audio(dir.resolve("audio.onnx"));
    Path tokenizer = OnnxModels.tokenizer(dir.resolve("tokenizer.json"), WORDS);
    OnnxModels.Launch launch = OnnxModels.launchNode(dir, Map.of("SEARCH_EMBEDDING_MODEL", audio.toString(),
        "SEARCH_EMBEDDING_TOKENIZER", tokenizer.toString()));
    assertThat(launch.exit()).as(launch.stderr()).isEqualTo(2);
    assertThat(launch.stderr()).contains("SEARCH_EMBEDDING_MODEL: " + audio + " does not fit: inputs input_ids and attention_mask")
        .contains("pcm: FLOAT[-1, -1]");
    assertThat(dir.resolve("data")).as("nothing started").doesNotExist();
  }

  @Test
  void settingsDefaultToTheNgramVectorAndAModelIsForLuceneOnly(@TempDir Path dir) {
    io.vertx.core.json.JsonObject json = io.chorus.config.ConfigLoader.defaults();
    SearchEmbeddingConfig none = SearchEmbeddingConfig.of(io.chorus.config.ChorusConfig.parse(json));
    assertThat(none.model()).isNull();
    assertThat(none.maxTokens()).isEqualTo(128);
    Path model = dir.resolve("m.onnx");
    SearchEmbeddingConfig beside = SearchEmbeddingConfig.of(io.chorus.config.ChorusConfig.parse(json.copy().put("SEARCH_EMBEDDING_MODEL", model.toString())));
    assertThat(beside.tokenizer()).isEqualTo(dir.resolve("tokenizer.json"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SearchEmbeddingConfig.of(io.chorus.config.ChorusConfig.parse(json.copy()
            .put("SEARCH_EMBEDDING_MODEL", model.toString()).put("SEARCH_URL", "http://opensearch:9200"))))
        .isInstanceOf(io.chorus.config.ConfigException.class).hasMessageStartingWith("SEARCH_EMBEDDING_MODEL: ");
  }

  /** The embedder the index's last commit names (null before the first commit). */
  static String embedder(Path dir, String node) {
    try (FSDirectory d = FSDirectory.open(dir.resolve("search").resolve(node))) {
      return SegmentInfos.readLatestCommit(d).getUserData().get(SearchIndex.EMBEDDER);
    } catch (IOException e) {
      return null;
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }

  void track(UUID id, String title, String owner) {
    List<Map<String, Object>> artist = tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, 'Weather Band', 'weather band')"
        + " ON CONFLICT (name_key) DO UPDATE SET name = artists.name RETURNING id", UUID.randomUUID());
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status,"
            + " moderation) VALUES (?, ?::uuid, ?, ?, ?, ?, 1000, 'mp3', 'audio/mpeg', 'ready', 'approved')",
        id, owner, title, artist.get(0).get("id"),
        HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64), "tracks/" + id + "/original");
  }

  List<String> tracks(String q) {
    Rest.Reply r = rest.get(tc.port(), "/api/v1/search?types=tracks&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8), null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    JsonArray list = r.json().getJsonObject("results").getJsonArray("tracks");
    list.forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  void await(BooleanSupplier condition, String what) {
    await(() -> condition.getAsBoolean() ? "yes" : null, what);
  }

  <T> T await(java.util.function.Supplier<T> value, String what) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      T v = value.get();
      if (v != null) {
        return v;
      }
      assertThat(System.currentTimeMillis()).as("waiting for: " + what).isLessThan(deadline);
      TestServices.await(tc.client().timer(50));
    }
  }
}

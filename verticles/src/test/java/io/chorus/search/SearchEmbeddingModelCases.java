package io.chorus.search;

import io.chorus.onnx.OnnxModels;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
 * node, against each engine (a subclass adds the engine's settings and reads what its index records): two
 * generated models whose embedding tables say different words are synonyms, a real WordPiece tokenizer.json,
 * the real onnxruntime. Model A makes «гроза» a near synonym of "Thunderstorm", which neither the text ranking
 * nor the default n-gram vector can find; the index records the model; restarted with model B (where «гроза»
 * means "Sunny") another index is built from PostgreSQL, so the answer follows B. More pending tracks than the
 * vector search's window are nearer to the query than the public answer: permissions must filter inside the
 * HNSW search, not after it. Only the query as typed is embedded: "sunny" re-keyed is a word model A puts
 * beside «гроза».
 */
abstract class SearchEmbeddingModelCases {
  static final String PW = "a long enough password";
  /** "sunny" typed on the Russian layout: a gibberish word, which a model may still place anywhere. */
  static final String REKEYED = KeyboardLayout.swap("sunny");
  /** More than {@link Hybrid#WINDOW}: a filter applied after the vector search would leave none of the public tracks. */
  static final int PENDING = Hybrid.WINDOW + 10;
  static final List<String> WORDS = words();

  static List<String> words() {
    List<String> words = new ArrayList<>(List.of("thunderstorm", "гроза", "sunny", "day", REKEYED));
    for (int i = 0; i < PENDING; i++) {
      words.add("pending" + i);
    }
    return words;
  }

  /**
   * Rows: [PAD] [UNK] [CLS] [SEP] thunderstorm гроза sunny day ыгттн pending0..; dimension 4. The pending titles'
   * words are all nearer to E0 («гроза» in both models) than any public title, each a little differently (many
   * equal vectors would leave the HNSW graph unable to find all of them). Unknown words embed to zero,
   * so a title (or a transliterated form of the query) of unknown words has no vector: with an [UNK] vector of
   * its own, every such title would be a perfect match for every such query form.
   */
  static float[][] table(float[] thunderstorm, float[] groza, float[] sunny, float[] rekeyed) {
    List<float[]> rows = new ArrayList<>(List.of(new float[] {0, 0, 0, 0}, new float[] {0, 0, 0, 0}, new float[] {0, 0, 0, 0},
        new float[] {0, 0, 0, 0}, thunderstorm, groza, sunny, new float[] {0, 0, 1, 0}, rekeyed));
    for (int i = 0; i < PENDING; i++) {
      rows.add(new float[] {1, -0.005f * (i + 1), 0, 0});   // cosine with E0 > 0.95
    }
    return rows.toArray(new float[0][]);
  }

  static final float[] E0 = {1, 0, 0, 0};
  static final float[] E1 = {0, 1, 0, 0};
  static final float[] ZERO = {0, 0, 0, 0};
  /** Cosine 0.8 with E0: a neighbour of «гроза», less alike than the pending «Гроза» tracks. */
  static final float[] NEAR_E0 = {0.8f, 0, 0, 0.6f};
  /** Model A: «гроза» ≈ "Thunderstorm"; the re-keyed "sunny" = «гроза». */
  static float[][] modelA() {
    return table(NEAR_E0, E0, E1, E0);
  }

  /** Model B: «гроза» = "sunny". */
  static float[][] modelB() {
    return table(E1, E0, E0, ZERO);
  }

  TestCluster tc;
  Rest rest;

  /** The engine's settings (none: the per-node Lucene index). */
  abstract Map<String, Object> engine(Path dir);

  /**
   * The embedders the indexes of this run record, oldest first, once every one records one (else null): one
   * Lucene index rebuilt in place; an OpenSearch index per embedder.
   */
  abstract List<String> builtBy(Path dir, String node);

  /** True when a new embedder's index leaves the old one as it was (OpenSearch: another index), false when it replaces it. */
  abstract boolean keepsOldIndex();

  @Test
  void aConfiguredModelFindsSynonymsTheIndexNotesItAndAnotherModelRebuilds(@TempDir Path dir) {
    Path tokenizer = OnnxModels.tokenizer(dir.resolve("tokenizer.json"), WORDS);
    Path a = OnnxModels.text(dir.resolve("a.onnx"), modelA(), true);
    Path b = OnnxModels.text(dir.resolve("b.onnx"), modelB(), false);
    String node = "embedding-test-" + UUID.randomUUID();
    Map<String, Object> config = new HashMap<>(Map.of("RATE_LIMIT_REGISTER", 100_000, "CHORUS_NODE_NAME", node,
        "SEARCH_DIR", dir.resolve("search").toString(), "SEARCH_EMBEDDING_MODEL", a.toString(),
        "SEARCH_EMBEDDING_TOKENIZER", tokenizer.toString()));
    config.putAll(engine(dir));
    UUID thunder = UUID.randomUUID();
    UUID sunny = UUID.randomUUID();
    List<UUID> pending = new ArrayList<>();
    List<UUID> all = new ArrayList<>(List.of(thunder, sunny));
    // the default vector cannot relate the two spellings: only a model can
    assertThat(TitleVector.cosine(TitleVector.of("Thunderstorm", "Weather Band"), TitleVector.query("гроза")))
        .isLessThan(Hybrid.MIN_SIMILARITY);
    try {
      tc = TestCluster.start(1, config);
      rest = tc.rest();
      String owner = register().getJsonObject("user").getString("id");
      JsonObject stranger = register();
      String strangerToken = stranger.getString("access_token");
      // nearer to «гроза» than any public title, by both models (only by the vectors), and visible only to their owner
      for (int i = 0; i < PENDING; i++) {
        UUID id = UUID.randomUUID();
        pending.add(id);
        track(id, "Pending" + i, stranger.getJsonObject("user").getString("id"), "pending");
      }
      all.addAll(pending);
      track(thunder, "Thunderstorm", owner, "approved");
      track(sunny, "Sunny Day", owner, "approved");
      // the rest of a library: titles the model does not know (the suite's other tests add many more)
      for (String other : List.of("Yellow Submarine", "Группа крови", "Groza Night Drive")) {
        UUID id = UUID.randomUUID();
        all.add(id);
        track(id, other, owner, "approved");
      }
      await(() -> tracks("sunny day", null).contains(sunny.toString())
          && tracks("гроза", strangerToken).stream().filter(id -> pending.contains(UUID.fromString(id))).count() >= 10,
          "the rows swept into the index");
      // hybrid: the text ranking finds the title; the model's vectors find the synonym the text cannot
      assertThat(tracks("sunny day", null)).first().isEqualTo(sunny.toString());
      assertThat(tracks("гроза", null)).as("the public neighbour past the window of pending ones")
          .contains(thunder.toString()).doesNotContain(sunny.toString()).doesNotContainAnyElementsOf(strings(pending));
      // "ыгттн" (the re-keyed "sunny") is «гроза» to model A: embedding it would bring "Thunderstorm"
      assertThat(tracks("sunny", null)).contains(sunny.toString()).doesNotContain(thunder.toString());
      List<String> first = await(() -> builtBy(dir, node), "the index records its embedder");
      assertThat(first).hasSize(1);
      String builtByA = first.get(0);
      assertThat(builtByA).startsWith("onnx-").isNotEqualTo(TitleEmbedder.NGRAM.id());
      tc.close();
      tc = null;

      config.put("SEARCH_EMBEDDING_MODEL", b.toString());
      tc = TestCluster.start(1, config);
      rest = tc.rest();
      // built from PostgreSQL with B's vectors (a kept index would still answer with A's)
      List<String> after = builtBy(dir, node);
      assertThat(after).isNotNull();
      assertThat(after.get(after.size() - 1)).startsWith("onnx-").isNotEqualTo(builtByA);
      assertThat(after).as("the old index as it was, or replaced").hasSize(keepsOldIndex() ? 2 : 1);
      if (keepsOldIndex()) {
        assertThat(after.get(0)).isEqualTo(builtByA);
      }
      await(() -> tracks("гроза", null).contains(sunny.toString()), "B's synonym found");
      assertThat(tracks("гроза", null)).doesNotContain(thunder.toString()).doesNotContainAnyElementsOf(strings(pending));
      assertThat(tracks("гроза", strangerToken)).containsAnyElementsOf(strings(pending));
    } finally {
      if (tc != null) {
        // the suite's other classes share the database: a moderator's search there would see the pending rows
        tc.sql("DELETE FROM tracks WHERE id::text = ANY(string_to_array(?, ','))", String.join(",", strings(all)));
        tc.close();
      }
    }
  }

  static List<String> strings(List<UUID> ids) {
    return ids.stream().map(UUID::toString).toList();
  }

  JsonObject register() {
    return rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject()
        .put("username", "emb-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
  }

  void track(UUID id, String title, String owner, String moderation) {
    List<Map<String, Object>> artist = tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, 'Weather Band', 'weather band')"
        + " ON CONFLICT (name_key) DO UPDATE SET name = artists.name RETURNING id", UUID.randomUUID());
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status,"
            + " moderation) VALUES (?, ?::uuid, ?, ?, ?, ?, 1000, 'mp3', 'audio/mpeg', 'ready', ?)",
        id, owner, title, artist.get(0).get("id"),
        HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64), "tracks/" + id + "/original",
        moderation);
  }

  List<String> tracks(String q, String token) {
    Rest.Reply r = rest.get(tc.port(), "/api/v1/search?types=tracks&limit=50&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8), token);
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
    return TestServices.until(what, 30_000, 50, value, () -> "");
  }
}

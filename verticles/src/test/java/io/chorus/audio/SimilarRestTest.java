package io.chorus.audio;

import io.chorus.infra.Infra;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Similar songs on a real node with real music: tracks rows as the library leaves them, analysed directly
 * and through Kafka (track.processed with the PCM in S3); {@code GET /api/v1/tracks/{id}/similar}, the
 * duplicate links (drascula's track re-encoded to MP3 is the same recording), approval counted at query
 * time, and the OpenSubsonic calls through the npm {@code subsonic-api} client.
 */
class SimilarRestTest {
  static final String PW = "a long enough password";
  static final Path DRASCULA = Path.of("/usr/share/scummvm/drascula/audio");
  static TestCluster tc;
  static Rest rest;
  static int port;
  static String alice;
  static String aliceId;
  static String aliceToken;
  static String bobToken;
  static String appPassword;
  static UUID warzone;
  static final List<UUID> warzoneTracks = new ArrayList<>();
  static final List<UUID> singularityTracks = new ArrayList<>();
  static UUID pending;
  static UUID original;
  static UUID copy;
  static UUID drascula2;
  static UUID fromKafka;
  static final Corpus corpus = new Corpus();

  @BeforeAll
  static void start() throws Exception {
    List<Corpus.Song> wz = corpus.decode(Corpus.files(Corpus.WARZONE, ".opus").subList(0, 4), 2, 60);
    List<Corpus.Song> sg = corpus.decode(Corpus.files(Corpus.SINGULARITY, ".ogg").subList(0, 5), 2, 60);
    List<Corpus.Song> dr = corpus.decode(Corpus.files(DRASCULA, ".ogg").subList(0, 2), 2, 60);
    assertThat(wz).hasSize(4);
    assertThat(sg).hasSizeGreaterThanOrEqualTo(5);
    assertThat(dr).hasSize(2);
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000));
    rest = tc.rest();
    port = tc.port();
    alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject a = rest.postOk(port, "/api/v1/auth/register", null, new JsonObject().put("username", alice).put("password", PW));
    aliceId = a.getJsonObject("user").getString("id");
    aliceToken = a.getString("access_token");
    JsonObject b = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "bob-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    bobToken = b.getString("access_token");
    Rest.Reply created = rest.post(port, "/api/v1/me/subsonic/credentials", aliceToken, new JsonObject().put("kind", "app_password").put("name", "phone"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    appPassword = created.json().getString("password");

    warzone = artist("Warzone");
    UUID singularity = artist("Singularity");
    UUID scumm = artist("Drascula");
    AudioFeature audio = AudioFeature.of(tc.node().nodeId());
    OffsetDateTime t0 = OffsetDateTime.now().minusDays(1);
    int minute = 0;
    for (Corpus.Song s : wz) {
      UUID id = track(aliceId, "wz " + s.name(), warzone, "approved", t0.plusMinutes(minute++));
      warzoneTracks.add(id);
      TestServices.await(audio.index(id, s.pcm()));
    }
    for (Corpus.Song s : sg.subList(0, 3)) {
      UUID id = track(aliceId, "sg " + s.name(), singularity, "approved", t0.plusMinutes(minute++));
      singularityTracks.add(id);
      TestServices.await(audio.index(id, s.pcm()));
    }
    pending = track(b.getJsonObject("user").getString("id"), "Bob's pending demo", singularity, "pending", t0.plusMinutes(minute++));
    TestServices.await(audio.index(pending, sg.get(3).pcm()));
    // the same recording uploaded twice (other bytes: an MP3 re-encode), the original first
    original = track(aliceId, "Drascula theme", scumm, "approved", t0.plusMinutes(minute++));
    TestServices.await(audio.index(original, dr.get(0).pcm()));
    copy = track(aliceId, "Drascula theme (mp3)", scumm, "approved", t0.plusMinutes(minute++));
    TestServices.await(audio.index(copy, corpus.mp3(dr.get(0).pcm(), 128)));
    drascula2 = track(aliceId, "Drascula 2", scumm, "approved", t0.plusMinutes(minute++));
    TestServices.await(audio.index(drascula2, dr.get(1).pcm()));

    // through the pipeline: the PCM in S3 and a track.processed event (after a malformed one)
    fromKafka = track(aliceId, "sg from kafka", singularity, "approved", t0.plusMinutes(minute));
    singularityTracks.add(fromKafka);
    String key = "analysis/" + fromKafka + ".f32";
    try (S3Client s3 = Infra.s3Client(tc.config().s3())) {
      s3.putObject(PutObjectRequest.builder().bucket(tc.config().s3().bucket()).key(key).build(), RequestBody.fromBytes(Corpus.floats(sg.get(4).pcm())));
    }
    JsonObject event = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("track_id", fromKafka.toString())
        .put("analysis", new JsonObject().put("pcm_key", key).put("format", "f32le").put("sample_rate", 11025).put("channels", 1));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", tc.config().kafka().bootstrapServers(),
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"))) {
      producer.send(new ProducerRecord<>("track.processed", fromKafka.toString(), "{\"track_id\": 42}")).get();
      producer.send(new ProducerRecord<>("track.processed", fromKafka.toString(), event.encode())).get();
    }
    long deadline = System.currentTimeMillis() + 90_000;
    while (!audio.similar().nearest(fromKafka, 1).toCompletionStage().toCompletableFuture().get().iterator().hasNext()) {
      assertThat(System.currentTimeMillis()).as("track.processed analysed within 90 s").isLessThan(deadline);
      TestServices.await(tc.client().timer(100));
    }
  }

  static UUID artist(String name) {
    UUID id = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", id, name + " " + id, name.toLowerCase() + " " + id);
    return id;
  }

  static UUID track(String owner, String title, UUID artist, String moderation, OffsetDateTime created) {
    UUID id = UUID.randomUUID();
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status, moderation,"
            + " duration_ms, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', 'ready', ?, 60000, ?, ?)",
        id, UUID.fromString(owner), title, artist, HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64),
        "tracks/" + id + "/original", moderation, created, created);
    return id;
  }

  @AfterAll
  static void stop() {
    if (tc != null) {
      tc.close();
    }
  }

  static JsonObject similar(UUID id, int limit, String token) {
    Rest.Reply r = rest.get(port, "/api/v1/tracks/" + id + "/similar?limit=" + limit, token);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static List<String> ids(JsonArray tracks) {
    return tracks.stream().map(t -> ((JsonObject) t).getString("id")).toList();
  }

  @Test
  void similarTracksAreApprovedOtherTracksBestFirst() {
    UUID seed = warzoneTracks.get(0);
    long t0 = System.nanoTime();
    JsonObject body = similar(seed, 5, null);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    JsonArray tracks = body.getJsonArray("tracks");
    assertThat(tracks).hasSize(5);
    assertThat(ids(tracks)).doesNotContain(seed.toString(), pending.toString()).doesNotHaveDuplicates();
    double previous = 1;
    for (Object o : tracks) {
      JsonObject t = (JsonObject) o;
      assertThat(t.getString("moderation")).isEqualTo("approved");
      assertThat(t.getString("title")).isNotBlank();
      assertThat(t.getDouble("score")).isPositive().isLessThanOrEqualTo(previous);
      previous = t.getDouble("score");
    }
    assertThat(body.getValue("duplicate_of")).isNull();
    // other test classes sharing the database may upload the same recording (a real copy); never another of ours
    List<String> ours = new java.util.ArrayList<>();
    warzoneTracks.forEach(t -> ours.add(t.toString()));
    singularityTracks.forEach(t -> ours.add(t.toString()));
    assertThat(body.getJsonArray("duplicates").getList()).doesNotContainAnyElementsOf(ours);
    // the cost of the query-time approval check: the whole request, warm, many times
    long[] times = new long[30];
    for (int i = 0; i < times.length; i++) {
      long s0 = System.nanoTime();
      similar(warzoneTracks.get(i % warzoneTracks.size()), 20, null);
      times[i] = System.nanoTime() - s0;
    }
    java.util.Arrays.sort(times);
    System.out.printf("GET /similar (limit 5, 10 tracks indexed): first %d ms; warm p50 %.1f ms, max %.1f ms%n", tookMs,
        times[times.length / 2] / 1e6, times[times.length - 1] / 1e6);
  }

  @Test
  void theSameRecordingIsLinkedAndNeverSimilar() {
    assertThat(tc.sql("SELECT overlap FROM track_duplicates WHERE track_id = ? AND duplicate_of = ?", copy, original)).hasSize(1);
    assertThat(((Number) tc.sql("SELECT overlap FROM track_duplicates WHERE track_id = ?", copy).get(0).get("overlap")).doubleValue())
        .isGreaterThan(0.8);
    // (other test classes sharing the database may upload real copies of drascula2: only its link to ours counts)
    assertThat(tc.sql("SELECT 1 FROM track_duplicates WHERE (track_id = ? AND duplicate_of IN (?, ?)) OR (duplicate_of = ? AND track_id IN (?, ?))",
        drascula2, original, copy, drascula2, original, copy))
        .as("another track of the same game is not a copy").isEmpty();
    JsonObject ofCopy = similar(copy, 100, null);
    assertThat(ofCopy.getString("duplicate_of")).isEqualTo(original.toString());
    assertThat(ofCopy.getJsonArray("duplicates").getList()).contains(original.toString());
    assertThat(ids(ofCopy.getJsonArray("tracks"))).doesNotContain(original.toString(), copy.toString()).isNotEmpty();
    JsonObject ofOriginal = similar(original, 100, null);
    assertThat(ofOriginal.getValue("duplicate_of")).isNull();
    assertThat(ofOriginal.getJsonArray("duplicates").getList()).contains(copy.toString());
    assertThat(ids(ofOriginal.getJsonArray("tracks"))).doesNotContain(original.toString(), copy.toString());
    // in any other track's answer the recording counts once
    List<String> all = ids(similar(warzoneTracks.get(1), 100, null).getJsonArray("tracks"));
    assertThat(all.stream().filter(id -> id.equals(original.toString()) || id.equals(copy.toString()))).hasSize(1);
  }

  @Test
  void aPendingSeedIsSeenByItsOwnerOnlyAndNeverAnswered() {
    assertThat(rest.get(port, "/api/v1/tracks/" + pending + "/similar", null).errorCode(404)).isEqualTo("not_found");
    assertThat(rest.get(port, "/api/v1/tracks/" + pending + "/similar", aliceToken).errorCode(404)).isEqualTo("not_found");
    JsonObject own = similar(pending, 100, bobToken);
    assertThat(ids(own.getJsonArray("tracks"))).isNotEmpty().doesNotContain(pending.toString());
    for (UUID seed : warzoneTracks) {
      assertThat(ids(similar(seed, 100, bobToken).getJsonArray("tracks"))).doesNotContain(pending.toString());
    }
  }

  @Test
  void badLimitsAndIdsAreClearErrors() {
    UUID seed = warzoneTracks.get(0);
    for (String limit : List.of("0", "101", "-3", "many", "%D9%A3", "%2B3", "+3", "%203", "3%20")) {   // ٣ (Arabic-Indic 3) is no ASCII digit; + is a space
      assertThat(rest.get(port, "/api/v1/tracks/" + seed + "/similar?limit=" + limit, null).errorCode(400)).as(limit).isEqualTo("invalid_argument");
    }
    assertThat(similar(seed, 100, null).getJsonArray("tracks")).hasSizeLessThanOrEqualTo(100);
    assertThat(rest.get(port, "/api/v1/tracks/" + seed + "/similar", null).json().getJsonArray("tracks")).isNotEmpty();
    assertThat(rest.get(port, "/api/v1/tracks/" + UUID.randomUUID() + "/similar", null).errorCode(404)).isEqualTo("not_found");
    assertThat(rest.get(port, "/api/v1/tracks/not-a-track/similar", null).errorCode(404)).isEqualTo("not_found");
  }

  @Test
  void approvalCountsAtQueryTime() {
    UUID seed = singularityTracks.get(0);
    String top = ids(similar(seed, 1, null).getJsonArray("tracks")).get(0);
    tc.sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?", UUID.fromString(top));
    try {
      List<String> after = ids(similar(seed, 100, null).getJsonArray("tracks"));
      assertThat(after).isNotEmpty().doesNotContain(top);
    } finally {
      tc.sql("UPDATE tracks SET moderation = 'approved' WHERE id = ?", UUID.fromString(top));
    }
    assertThat(ids(similar(seed, 1, null).getJsonArray("tracks"))).containsExactly(top);
  }

  @Test
  void theKafkaPathStoresAVectorAndARestartLoadsEverything() {
    List<Map<String, Object>> row = tc.sql("SELECT version, array_length(vector, 1) AS n FROM track_features WHERE track_id = ?", fromKafka);
    assertThat(row).hasSize(1);
    assertThat(((Number) row.get(0).get("version")).intValue()).isEqualTo(SoundFeatures.VERSION);
    assertThat(((Number) row.get(0).get("n")).intValue()).isEqualTo(SoundFeatures.DIMS);
    assertThat(ids(similar(fromKafka, 3, null).getJsonArray("tracks"))).hasSize(3).doesNotContain(fromKafka.toString());

    Similarity fresh = TestServices.await(AudioFeature.of(tc.node().nodeId()).reloaded());
    for (UUID id : List.of(warzoneTracks.get(0), original, copy, fromKafka, pending)) {
      assertThat(fresh.index().contains(id)).as("reloaded vector of " + id).isTrue();
    }
    assertThat(fresh.duplicates().groupOf(copy)).contains(original, copy).doesNotContain(drascula2);
    // one track per group of copies: which copy stands for its group may differ by a rounding of the corpus
    // statistics, so groups are compared (another test class may have uploaded a copy of one of ours)
    List<UUID> before = TestServices.await(AudioFeature.of(tc.node().nodeId()).similar().nearest(warzoneTracks.get(2), 4))
        .stream().map(n -> fresh.duplicates().root(n.trackId())).toList();
    List<UUID> reloaded = TestServices.await(fresh.nearest(warzoneTracks.get(2), 4)).stream()
        .map(n -> fresh.duplicates().root(n.trackId())).toList();
    assertThat(reloaded).isEqualTo(before);
  }

  @Test
  void nearestToSeedsLeavesOutSeedsTheirCopiesAndExclusions() {
    SimilarTracks api = AudioFeature.of(tc.node().nodeId()).similar();
    List<UUID> got = TestServices.await(api.nearestTo(List.of(warzoneTracks.get(0), copy), 100, List.of(singularityTracks.get(0))))
        .stream().map(SimilarTracks.Neighbour::trackId).toList();
    assertThat(got).isNotEmpty().doesNotContain(warzoneTracks.get(0), copy, original, singularityTracks.get(0), pending);
    assertThat(TestServices.await(api.nearestTo(List.of(UUID.randomUUID()), 5, List.of()))).isEmpty();
    assertThat(TestServices.await(api.nearest(UUID.randomUUID(), 5))).isEmpty();
  }

  /** An artist known only through another user's pending upload does not exist for Subsonic's similar songs. */
  @Test
  void anArtistWithNothingVisibleIsNotFound() {
    JsonObject me = rest.get(port, "/api/v1/users/me", bobToken).json();
    String bobId = me.containsKey("user") ? me.getJsonObject("user").getString("id") : me.getString("id");
    UUID hiddenArtist = artist("Bob only");
    track(bobId, "Bob's other demo", hiddenArtist, "pending", OffsetDateTime.now());
    String call = "/rest/getSimilarSongs2?f=json&u=" + alice + "&p=" + appPassword + "&id=" + hiddenArtist;
    JsonObject answer = rest.get(port, call, null).json().getJsonObject("subsonic-response");
    assertThat(answer.getString("status")).as(answer.encode()).isEqualTo("failed");
    assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(70);
  }

  @Test
  void aSubsonicClientGetsSimilarSongs() {
    NodeScripts.requireInstalled("subsonic-api");
    JsonObject r = NodeScripts.run("test/subsonic-similar.mjs", Duration.ofSeconds(60), "http://127.0.0.1:" + port, alice, appPassword,
        warzone.toString(), warzoneTracks.get(0).toString(), pending.toString(), drascula2.toString());
    assertThat(r.getJsonArray("extensions").stream().map(e -> ((JsonObject) e).getString("name"))).contains("sonicSimilarity", "formPost");

    JsonArray byArtist = r.getJsonObject("byArtist").getJsonArray("song");
    assertThat(byArtist).hasSize(5);
    for (Object o : byArtist) {
      JsonObject song = (JsonObject) o;
      assertThat(song.getString("artistId")).as("an artist's own songs are the seeds, not the answer").isNotEqualTo(warzone.toString());
      assertThat(song.getString("id")).isNotEqualTo(pending.toString());
    }
    JsonArray bySong = r.getJsonObject("bySong").getJsonArray("song");
    assertThat(ids(bySong)).hasSize(3).doesNotContain(warzoneTracks.get(0).toString());

    JsonObject sonic = r.getJsonObject("sonic");
    assertThat(sonic.getString("status")).isEqualTo("ok");
    JsonArray matches = sonic.getJsonArray("sonicMatch");
    assertThat(matches).hasSize(4);
    List<String> rest4 = ids(similar(warzoneTracks.get(0), 4, aliceToken).getJsonArray("tracks"));
    List<String> sonicIds = matches.stream().map(m -> ((JsonObject) m).getJsonObject("entry").getString("id")).toList();
    assertThat(sonicIds).as("the same answer as REST").isEqualTo(rest4);
    double previous = 1;
    for (Object o : matches) {
      JsonObject m = (JsonObject) o;
      assertThat(m.getJsonObject("entry").getString("title")).isNotBlank();
      assertThat(m.getDouble("similarity")).isPositive().isLessThanOrEqualTo(previous);
      previous = m.getDouble("similarity");
    }
    JsonArray path = r.getJsonObject("path").getJsonArray("sonicMatch");
    List<String> steps = path.stream().map(m -> ((JsonObject) m).getJsonObject("entry").getString("id")).toList();
    assertThat(steps).hasSize(5).doesNotHaveDuplicates().doesNotContain(pending.toString());
    assertThat(steps.get(0)).isEqualTo(warzoneTracks.get(0).toString());
    assertThat(steps.get(4)).isEqualTo(drascula2.toString());
    assertThat(path.getJsonObject(0).getDouble("similarity")).isEqualTo(1.0);
    assertThat(path.getJsonObject(4).getDouble("similarity")).isPositive().isLessThan(1.0);
    assertThat(r.getJsonObject("sonicHidden").getString("status")).isEqualTo("failed");
    assertThat(r.getJsonObject("sonicHidden").getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(r.getJsonObject("sonicMissing").getJsonObject("error").getInteger("code")).isEqualTo(10);
    assertThat(r.getJsonObject("unknownArtist").getJsonObject("error").getInteger("code")).isEqualTo(70);
  }
}

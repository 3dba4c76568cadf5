package io.chorus.audio.wave;

import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * My Wave over REST on a real node (PostgreSQL, Kafka, the library's outbox relay): a catalogue of 6
 * artists of 10 approved tracks (artist 0 the most played) plus tracks that must never be served
 * (pending, rejected, taken down, still processing). The assertions are properties (approved only, no
 * repeats in the window, a dislike drops the artist, a like or plays raise it, a new listener starts from
 * popular and new tracks), so they hold with and without a similarity index.
 */
class WaveRestTest {
  static final String PW = "a long enough password";
  static final int WINDOW = 30;
  static TestCluster tc;
  static Rest rest;
  static int port;
  static final List<UUID> artists = new ArrayList<>();
  /** tracks.get(a): artist a's approved tracks. */
  static final List<List<UUID>> tracks = new ArrayList<>();
  static final Set<UUID> hidden = new HashSet<>();
  static UUID owner;
  static UUID pending;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000,
        "WAVE_REPEAT_WINDOW", WINDOW, "WAVE_EXPLORATION_PERCENT", 20, "LIBRARY_OUTBOX_POLL_MS", 100));
    rest = tc.rest();
    port = tc.port();
    owner = UUID.randomUUID();
    tc.sql("INSERT INTO users (id, username, display_name, password_hash) VALUES (?, ?, 'Wave owner', 'x')", owner,
        "wave-owner-" + owner.toString().substring(0, 8));
    String tag = UUID.randomUUID().toString().substring(0, 8);
    for (int a = 0; a < 6; a++) {
      UUID artist = UUID.randomUUID();
      tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Wave artist " + a + " " + tag, "wave artist " + a + " " + tag);
      artists.add(artist);
      List<UUID> list = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        list.add(track(artist, "Album " + a + " " + tag, a == 0 ? 1_000_000L + i : i, "approved", "ready"));
      }
      tracks.add(list);
    }
    // tempting (the most played, by the most played artist) but never to be served
    for (String[] state : new String[][] {{"pending", "ready"}, {"rejected", "ready"}, {"removed", "ready"}, {"approved", "processing"},
        {"approved", "failed"}}) {
      hidden.add(track(artists.get(0), "Album 0 " + tag, 5_000_000L, state[0], state[1]));
    }
    pending = track(artists.get(0), "Album 0 " + tag, 5_000_000L, "pending", "ready");
    hidden.add(pending);
  }

  static UUID track(UUID artist, String album, long plays, String moderation, String status) {
    UUID id = UUID.randomUUID();
    String hex = id.toString().replace("-", "");
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, album_title, content_sha256, original_key, original_size, format, mime, status,"
            + " moderation, duration_ms, play_count) VALUES (?, ?, ?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', ?, ?, 180000, ?)",
        id, owner, "Wave track " + hex.substring(0, 6), artist, album, hex + hex, "tracks/" + id + "/original", status, moderation, plays);
    return id;
  }

  @AfterAll
  static void stop() {
    if (tc != null) {
      tc.close();
    }
  }

  record User(String id, String token) {
  }

  static User register() {
    JsonObject r = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "wave-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    return new User(r.getJsonObject("user").getString("id"), r.getString("access_token"));
  }

  static JsonObject wave(User u, int limit) {
    Rest.Reply r = rest.get(port, "/api/v1/wave?limit=" + limit, u.token());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject body = r.json();
    assertThat(body.getJsonArray("albums")).isNotNull();
    return body;
  }

  static List<UUID> ids(JsonObject wave) {
    List<UUID> out = new ArrayList<>();
    wave.getJsonArray("tracks").forEach(o -> out.add(UUID.fromString(((JsonObject) o).getString("id"))));
    return out;
  }

  static long byArtist(List<UUID> ids, int artist) {
    return ids.stream().filter(tracks.get(artist)::contains).count();
  }

  static Rest.Reply feedback(User u, Object trackId, Object event) {
    return rest.post(port, "/api/v1/wave/feedback", u.token(), new JsonObject().put("track_id", trackId).put("event", event));
  }

  static void assertApproved(List<UUID> ids) {
    assertThat(ids).doesNotContainAnyElementsOf(hidden);
    for (UUID id : ids) {
      Map<String, Object> row = tc.sql("SELECT moderation, status FROM tracks WHERE id = ?", id).get(0);
      assertThat(row).as("track %s", id).containsEntry("moderation", "approved").containsEntry("status", "ready");
    }
  }

  /**
   * Answers asked at once for one listener (two tabs, a doubled request) are served one after the other: each read the
   * window before any was recorded, so five concurrent answers of 6 repeated each other's tracks though 60 were there
   * and the window (30) holds all five.
   */
  @Test
  void concurrentAnswersForOneListenerNeverRepeatATrack() throws Exception {
    User u = register();
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> asked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      asked.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/wave?limit=6"))
          .header("Authorization", "Bearer " + u.token()).build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
    }
    List<UUID> all = new ArrayList<>();
    for (var f : asked) {
      java.net.http.HttpResponse<String> r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      List<UUID> ids = ids(new JsonObject(r.body()));
      assertThat(ids).hasSize(6);
      all.addAll(ids);
    }
    assertThat(all).as("30 tracks served at once, within the window of %d", WINDOW).doesNotHaveDuplicates();
  }

  @Test
  void aNewListenerStartsFromPopularAndNewApprovedTracks() {
    User u = register();
    JsonObject first = wave(u, 10);
    List<UUID> ids = ids(first);
    assertThat(ids).hasSize(10).doesNotHaveDuplicates();
    assertApproved(ids);
    assertThat(byArtist(ids, 0)).as("the most played artist: %s", first.encodePrettily()).isPositive();
    List<String> reasons = first.getJsonArray("tracks").stream().map(o -> ((JsonObject) o).getString("reason")).toList();
    assertThat(reasons).as(first.encodePrettily()).contains("popular", "new").containsOnly("popular", "new", "explore");
    JsonObject t = first.getJsonArray("tracks").getJsonObject(0);
    assertThat(t.getString("title")).isNotBlank();
    assertThat(t.getLong("duration_ms")).isPositive();
  }

  @Test
  void approvedOnlyAndNoRepeatWithinTheWindow() {
    User u = register();
    List<UUID> served = new ArrayList<>();
    for (int i = 0; i < WINDOW / 10; i++) {
      List<UUID> ids = ids(wave(u, 10));
      assertThat(ids).hasSize(10);
      served.addAll(ids);
    }
    assertThat(served).as("%d tracks served in a window of %d", served.size(), WINDOW).doesNotHaveDuplicates();
    assertApproved(served);
    assertThat(tc.sql("SELECT count(*) AS n FROM wave_served WHERE user_id = ?::uuid", u.id()).get(0).get("n")).isEqualTo((long) WINDOW);
  }

  @Test
  void aDislikedTrackAndItsArtistDropAtOnce() {
    User u = register();
    List<UUID> before = ids(wave(u, 10));
    assertThat(byArtist(before, 0)).as("the popular artist is served before the dislike").isPositive();
    UUID disliked = before.stream().filter(tracks.get(0)::contains).findFirst().orElseThrow();
    Rest.Reply r = feedback(u, disliked.toString(), "dislike");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getString("event")).isEqualTo("dislike");
    for (int i = 0; i < 3; i++) {
      List<UUID> after = ids(wave(u, 10));
      assertThat(after).doesNotContain(disliked);
      assertThat(byArtist(after, 0)).as("answer %d after the dislike: %s", i, after).isZero();
    }
  }

  /** A dislike taken back by a later like lets the track come back; two skips after one like keep it out. */
  @Test
  void aLaterLikeForgivesADislikeAndMoreSkipsThanLikesKeepATrackOut() {
    User u = register();
    UUID forgiven = tracks.get(5).get(3);
    UUID skipped = tracks.get(4).get(3);
    // the forgiven track's artist liked as well (three other tracks), so that the track is among the wave's candidates
    // whatever else the database holds: its artist's affinity after the dislike and the like alone is negative, which
    // leaves it to the popular, new and explore pools (60 tracks each), and a full suite run leaves other classes'
    // approved tracks there (CI: it was not served)
    for (Object[] f : new Object[][] {{forgiven, "dislike"}, {forgiven, "like"}, {skipped, "like"}, {skipped, "skip"}, {skipped, "skip"},
        {tracks.get(5).get(0), "like"}, {tracks.get(5).get(1), "like"}, {tracks.get(5).get(2), "like"}}) {
      Rest.Reply r = feedback(u, f[0].toString(), f[1]);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
    // a crowd of popular, newer approved tracks of an artist with no opinion, as a full suite leaves: the forgiven track
    // must still be served (removed afterwards: the other tests count the class's own catalogue)
    UUID crowd = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", crowd, "Crowd " + crowd, "crowd " + crowd);
    List<UUID> many = new ArrayList<>();
    try {
      for (int i = 0; i < 400; i++) {
        many.add(track(crowd, "Crowd album " + crowd, 2_000_000L + i, "approved", "ready"));
      }
      List<UUID> all = ids(wave(u, 100));
      assertApproved(all);
      assertThat(all).as("a later like forgives the dislike").contains(forgiven);
      assertThat(all).as("skipped twice, liked once").doesNotContain(skipped);
    } finally {
      for (UUID id : many) {
        tc.sql("DELETE FROM tracks WHERE id = ?", id);
      }
    }
  }

  @Test
  void aLikedTracksAlbumAndArtistRiseAtOnce() {
    User u = register();
    List<UUID> before = ids(wave(u, 10));
    UUID liked = tracks.get(4).get(0);
    assertThat(feedback(u, liked.toString(), "like").status()).isEqualTo(200);
    JsonObject next = wave(u, 10);
    List<UUID> after = ids(next);
    assertThat(byArtist(after, 4)).as("before: %d of artist 4; after: %s", byArtist(before, 4), next.encodePrettily())
        .isGreaterThanOrEqualTo(3).isGreaterThan(byArtist(before, 4));
  }

  @Test
  void aLibraryLikeCountsToo() {
    User u = register();
    UUID liked = tracks.get(3).get(0);
    Rest.Reply r = rest.call(HttpMethod.PUT, port, "/api/v1/tracks/" + liked + "/like", u.token(), null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(204);
    assertThat(byArtist(ids(wave(u, 10)), 3)).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aPlayStoredWithAnInfiniteTimeDoesNotBreakTheWave() {
    // what a scrobble with a time past PostgreSQL's range left before scrobble times were checked
    User u = register();
    tc.sql("INSERT INTO wave_signals (event_id, user_id, track_id, kind, happened_at) VALUES (?, ?::uuid, ?, 'play', 'infinity')",
        UUID.randomUUID(), u.id(), tracks.get(2).get(0));
    tc.sql("INSERT INTO wave_signals (event_id, user_id, track_id, kind, happened_at) VALUES (?, ?::uuid, ?, 'play', '-infinity')",
        UUID.randomUUID(), u.id(), tracks.get(2).get(1));
    List<UUID> ids = ids(wave(u, 10));
    assertThat(ids).hasSize(10);
    assertApproved(ids);
  }

  @Test
  void playsFromKafkaTeachTheTasteOncePerEvent() throws Exception {
    User u = register();
    UUID replayed = UUID.randomUUID();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      events.add(played(i == 0 ? replayed : UUID.randomUUID(), tracks.get(2).get(i), u.id()).encode());
    }
    events.add(played(replayed, tracks.get(2).get(0), u.id()).encode());
    events.add(played(UUID.randomUUID(), tracks.get(2).get(1), null).encode());
    events.add("not json");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", tc.config().kafka().bootstrapServers(),
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"))) {
      for (String e : events) {
        producer.send(new ProducerRecord<>("track.played", u.id(), e)).get();
      }
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (signals(u) < 3) {
      assertThat(System.currentTimeMillis()).as("3 play signals within 60 s").isLessThan(deadline);
      TestServices.await(tc.client().timer(100));
    }
    assertThat(tc.sql("SELECT count(*) AS n FROM wave_signals WHERE event_id = ?", replayed).get(0).get("n")).isEqualTo(1L);
    assertThat(byArtist(ids(wave(u, 10)), 2)).isGreaterThanOrEqualTo(3);
    assertThat(signals(u)).as("a replayed event counts once").isEqualTo(3);
  }

  static long signals(User u) {
    return (Long) tc.sql("SELECT count(*) AS n FROM wave_signals WHERE user_id = ?::uuid AND kind = 'play'", u.id()).get(0).get("n");
  }

  static JsonObject played(UUID eventId, UUID track, String user) {
    return new JsonObject().put("event_id", eventId.toString()).put("track_id", track.toString()).put("user_id", user)
        .put("ms_played", 180_000).put("played_at", Instant.now().toString()).put("source", "stream");
  }

  @Test
  void feedbackIsAnnouncedOnKafka() {
    User u = register();
    Rest.Reply r = feedback(u, tracks.get(1).get(5).toString(), "skip");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    String eventId = r.json().getString("event_id");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", tc.config().kafka().bootstrapServers(),
        "group.id", "wave-test-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"))) {
      consumer.subscribe(List.of("wave.feedback"));
      long deadline = System.currentTimeMillis() + 60_000;
      JsonObject found = null;
      while (found == null) {
        assertThat(System.currentTimeMillis()).as("the feedback on wave.feedback within 60 s").isLessThan(deadline);
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) {
          JsonObject e = new JsonObject(rec.value());
          if (eventId.equals(e.getString("event_id"))) {
            found = e;
            assertThat(rec.key()).isEqualTo(u.id());
          }
        }
      }
      assertThat(found.getString("user_id")).isEqualTo(u.id());
      assertThat(found.getString("track_id")).isEqualTo(tracks.get(1).get(5).toString());
      assertThat(found.getString("event")).isEqualTo("skip");
    }
    assertThat(tc.sql("SELECT kind FROM wave_signals WHERE event_id = ?::uuid", eventId)).hasSize(1);
  }

  @Test
  void badRequestsGetClearErrors() {
    User u = register();
    assertThat(rest.get(port, "/api/v1/wave", null).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.get(port, "/api/v1/wave", "not-a-token").errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(port, "/api/v1/wave/feedback", null, new JsonObject().put("track_id", tracks.get(1).get(0).toString())
        .put("event", "like")).errorCode(401)).isEqualTo("unauthenticated");
    // the token is checked before the body is read: a body over the 4 KiB limit is 401 without one, 413 with one
    JsonObject oversized = new JsonObject().put("track_id", tracks.get(1).get(0).toString()).put("event", "like").put("pad", "x".repeat(5000));
    assertThat(rest.post(port, "/api/v1/wave/feedback", null, oversized).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.call(HttpMethod.PUT, port, "/api/v1/rooms/ABCD23/wave", null, null, oversized.copy().put("enabled", true))
        .errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(port, "/api/v1/wave/feedback", u.token(), oversized).errorCode(413)).isEqualTo("payload_too_large");
    for (String limit : List.of("0", "101", "-1", "ten", "1.5", "", "%D9%A3")) {   // ٣ (Arabic-Indic 3) is no ASCII digit
      assertThat(rest.get(port, "/api/v1/wave?limit=" + limit, u.token()).errorCode(400)).as(limit).isEqualTo("invalid_argument");
    }
    assertThat(ids(wave(u, 1))).hasSize(1);
    assertThat(ids(wave(u, 100))).isNotEmpty();
    assertThat(feedback(u, UUID.randomUUID().toString(), "like").errorCode(404)).isEqualTo("not_found");
    assertThat(feedback(u, pending.toString(), "like").errorCode(404)).as("another's pending track looks missing").isEqualTo("not_found");
    assertThat(feedback(u, tracks.get(1).get(0).toString(), "love").errorCode(400)).isEqualTo("invalid_argument");
    assertThat(feedback(u, tracks.get(1).get(0).toString(), null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(feedback(u, tracks.get(1).get(0).toString(), 3).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(feedback(u, "not-a-uuid", "like").errorCode(400)).isEqualTo("invalid_argument");
    assertThat(feedback(u, null, "like").errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(port, "/api/v1/wave/feedback", u.token(), "[1,2]").errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.post(port, "/api/v1/wave/feedback", u.token(), "{not json").errorCode(400)).isEqualTo("malformed_json");
    assertThat(tc.sql("SELECT count(*) AS n FROM wave_signals WHERE user_id = ?::uuid", u.id()).get(0).get("n")).isEqualTo(0L);
  }
}

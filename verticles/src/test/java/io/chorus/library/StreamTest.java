package io.chorus.library;

import io.chorus.infra.Infra;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/v1/tracks/{id}/stream: Range, validators, signed URLs, visibility, takedown, renditions, MP3, plays. */
@ChorusCluster(config = {"RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000", "RATE_LIMIT_LOGIN_PER_USERNAME=100000",
    "ADMIN_USERNAME=stream-admin", "ADMIN_PASSWORD=stream admin password"})
class StreamTest {
  static TestCluster tc;
  static LibraryClient api;
  static S3Client s3;
  static Path tmp;
  static String owner;
  static String admin;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    api = new LibraryClient(c.port());
    s3 = Infra.s3Client(c.config().s3());
    tmp = TestMusic.tempDir();
    owner = api.newUser("listener");
    admin = api.login("stream-admin", "stream admin password");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  /** Uploads a real drascula track (owner), optionally approved. */
  static JsonObject upload(Path file, boolean approve) {
    JsonObject t = api.upload(owner, file, file.getFileName().toString(), Map.of()).expect(202).json().getJsonObject("track");
    if (approve) {
      tc.sql("UPDATE tracks SET moderation = 'approved' WHERE id = ?::uuid", t.getString("id"));
    }
    return t;
  }

  /** A moderator's takedown through the API (which drops the nodes' stream rows, unlike an SQL update). */
  static void takedown(String id) {
    api.json("POST", "/api/v1/moderation/tracks/" + id, admin, new JsonObject().put("decision", "takedown").put("reason", "test")).expect(200);
  }

  static String stream(JsonObject t) {
    return "/api/v1/tracks/" + t.getString("id") + "/stream";
  }

  @Test
  void rangeRequestsAreServedFromS3() {
    Path file = TestMusic.drascula("audio", "track10.ogg");
    byte[] all = TestMusic.bytes(file);
    int size = all.length;
    JsonObject t = upload(file, false);
    String etag = "\"" + TestMusic.sha256(file) + "\"";

    LibraryClient.Reply full = api.get(stream(t), owner).expect(200);
    assertThat(full.body()).isEqualTo(all);
    assertThat(full.header("accept-ranges")).isEqualTo("bytes");
    assertThat(full.header("etag")).isEqualTo(etag);
    assertThat(full.header("content-type")).isEqualTo("audio/ogg");
    assertThat(full.header("content-length")).isEqualTo(Integer.toString(size));

    assertRange(t, "bytes=0-99", all, 0, 99);
    assertRange(t, "bytes=1000-1999", all, 1000, 1999);
    assertRange(t, "bytes=-500", all, size - 500, size - 1);
    assertRange(t, "bytes=" + (size - 10) + "-", all, size - 10, size - 1);
    assertRange(t, "bytes=" + (size - 5) + "-" + (size + 1000), all, size - 5, size - 1);   // clipped to the end

    LibraryClient.Reply beyond = api.get(stream(t), owner, Map.of("Range", "bytes=" + size + "-"));
    assertThat(beyond.error(416)).isEqualTo("range_not_satisfiable");
    assertThat(beyond.header("content-range")).isEqualTo("bytes */" + size);

    // If-Range: a stale validator gets the whole file, the current one the range
    LibraryClient.Reply stale = api.get(stream(t), owner, Map.of("Range", "bytes=0-99", "If-Range", "\"something-else\"")).expect(200);
    assertThat(stale.body()).isEqualTo(all);
    assertThat(api.get(stream(t), owner, Map.of("Range", "bytes=0-99", "If-Range", etag)).expect(206).body()).hasSize(100);
    assertThat(api.get(stream(t), owner, Map.of("If-None-Match", etag)).expect(304).body()).isEmpty();
    // If-None-Match compares weakly: a weak tag, a list and * match too; If-Range compares strongly
    for (String none : List.of("W/" + etag, "\"other\", " + etag, "\"other\",W/" + etag, "*")) {
      assertThat(api.get(stream(t), owner, Map.of("If-None-Match", none)).expect(304).body()).as(none).isEmpty();
    }
    assertThat(api.get(stream(t), owner, Map.of("If-None-Match", "\"other\", W/\"more\"")).expect(200).body()).isEqualTo(all);
    assertThat(api.get(stream(t), owner, Map.of("Range", "bytes=0-99", "If-Range", "W/" + etag)).expect(200).body()).isEqualTo(all);
    // several ranges at once are not supported: the whole file, as the RFC allows
    assertThat(api.get(stream(t), owner, Map.of("Range", "bytes=0-1,5-6")).expect(200).body()).isEqualTo(all);

    LibraryClient.Reply head = api.send("HEAD", stream(t), owner, Map.of(), null).expect(200);
    assertThat(head.header("content-length")).isEqualTo(Integer.toString(size));
    assertThat(head.body()).isEmpty();
    LibraryClient.Reply headRange = api.send("HEAD", stream(t), owner, Map.of("Range", "bytes=10-19"), null).expect(206);
    assertThat(headRange.header("content-range")).isEqualTo("bytes 10-19/" + size);

    assertThat(api.get(stream(t) + "?format=flac", owner).error(400)).isEqualTo("invalid_argument");
    // a malformed max_bitrate is refused even where it has no effect, as POST …/stream-url refuses it
    for (String q : List.of("?max_bitrate=abc", "?format=original&max_bitrate=-1", "?format=opus&max_bitrate=", "?format=mp3&max_bitrate=1.5")) {
      assertThat(api.get(stream(t) + q, owner).error(400)).as(q).isEqualTo("invalid_argument");
    }
    assertThat(api.get("/api/v1/tracks/00000000-0000-0000-0000-000000000000/stream", owner).error(404)).isEqualTo("not_found");
    assertThat(api.get("/api/v1/tracks/not-a-uuid/stream", owner).error(404)).isEqualTo("not_found");
  }

  @Test
  void aFileAboveSixteenMibGoesUpInPartsAndStreamsAcrossThem() {
    Path wav = TestMusic.make(TestMusic.drascula("audio", "track1.ogg"), tmp.resolve("long.wav"), 120, List.of("-c:a", "pcm_s16le"));
    byte[] all = TestMusic.bytes(wav);
    assertThat(all.length).isGreaterThan(16 * 1024 * 1024);   // the multipart S3 upload (8 MiB parts)
    double parts = io.chorus.testing.TestServices.metric(tc.port(), "chorus_library_s3_parts_total");
    JsonObject t = upload(wav, false);
    assertThat(t.getString("format")).isEqualTo("wav");
    assertThat(io.chorus.testing.TestServices.metric(tc.port(), "chorus_library_s3_parts_total"))
        .isEqualTo(parts + (all.length + 8 * 1024 * 1024 - 1) / (8 * 1024 * 1024));
    byte[] stored = s3.getObjectAsBytes(b -> b.bucket(tc.config().s3().bucket()).key("tracks/" + t.getString("id") + "/original")).asByteArray();
    assertThat(stored).isEqualTo(all);
    int boundary = 8 * 1024 * 1024;
    assertRange(t, "bytes=" + (boundary - 100) + "-" + (boundary + 99), all, boundary - 100, boundary + 99);
    assertThat(api.get(stream(t), owner).expect(200).body()).isEqualTo(all);
  }

  static void assertRange(JsonObject t, String range, byte[] all, int from, int to) {
    LibraryClient.Reply r = api.get(stream(t), owner, Map.of("Range", range)).expect(206);
    assertThat(r.header("content-range")).as(range).isEqualTo("bytes " + from + "-" + to + "/" + all.length);
    assertThat(r.body()).as(range).isEqualTo(Arrays.copyOfRange(all, from, to + 1));
  }

  @Test
  void signedUrlsStreamWithoutAHeaderAndRefuseForgedOrExpiredOnes() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("signed.mp3"), 3, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, false);   // pending: only the owner (and moderators) may stream it
    LibraryClient.Reply issued = api.json("POST", stream(t) + "-url", owner, new JsonObject().put("format", "original")).expect(200);
    String url = issued.json().getString("url");
    assertThat(url).startsWith(stream(t) + "?format=original&").contains("&exp=").contains("&sig=");
    Instant expires = Instant.parse(issued.json().getString("expires_at"));
    assertThat(expires).isBetween(Instant.now().plusSeconds(3500), Instant.now().plusSeconds(3700));

    assertThat(api.get(url, null).expect(200).body()).isEqualTo(TestMusic.bytes(file));
    assertThat(api.get(url, null, Map.of("Range", "bytes=0-9")).expect(206).body()).hasSize(10);
    // anonymous without a signature: a pending track is not there
    assertThat(api.get(stream(t), null).error(404)).isEqualTo("not_found");

    assertThat(api.get(url.replace("format=original", "format=mp3"), null).error(403)).isEqualTo("forbidden");
    String sig = url.substring(url.indexOf("&sig=") + 5);
    String otherSig = (sig.charAt(0) == 'A' ? "B" : "A") + sig.substring(1);
    assertThat(api.get(url.replace(sig, otherSig), null).error(403)).isEqualTo("forbidden");
    assertThat(api.get(url.replaceAll("&u=[^&]+", ""), null).error(403)).isEqualTo("forbidden");
    String exp = url.replaceAll(".*&exp=(\\d+).*", "$1");
    assertThat(api.get(url.replace("&exp=" + exp, "&exp=" + (Long.parseLong(exp) + 3600)), null).error(403)).isEqualTo("forbidden");

    // signed correctly, with the platform's secret, but long ago
    StreamUrls urls = new StreamUrls(tc.config().security().tokenSecret(), 3600);
    String old = urls.sign(t.getString("id"), "original", null,
        new io.chorus.web.SignedIn(LibraryClient.userId(owner), "", 0), Instant.now().getEpochSecond() - 7200);
    assertThat(api.get(old, null).error(401)).isEqualTo("unauthenticated");

    // someone else cannot get a URL for a pending track they cannot see
    String other = api.newUser("other");
    assertThat(api.json("POST", stream(t) + "-url", other, new JsonObject()).error(404)).isEqualTo("not_found");
    assertThat(api.json("POST", stream(t) + "-url", owner, new JsonObject().put("format", "wma")).error(400)).isEqualTo("invalid_argument");
  }

  /**
   * A signed URL is checked as it was signed: {@code exp} with a 0 in front (the same number) answered 200, since the
   * parsed number was what got signed.
   */
  @Test
  void aSignedUrlIsTheExactTextSigned() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("exact.mp3"), 2, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, false);
    String url = api.json("POST", stream(t) + "-url", owner, new JsonObject()).expect(200).json().getString("url");
    api.get(url, null, Map.of("Range", "bytes=0-9")).expect(206);
    String exp = url.replaceAll(".*&exp=(\\d+).*", "$1");
    for (String spelled : List.of("0" + exp, "00" + exp, "+" + exp)) {
      assertThat(api.get(url.replace("&exp=" + exp, "&exp=" + spelled), null).error(403)).as(spelled).isEqualTo("forbidden");
    }
  }

  /**
   * A bad token beside a signature is 401, as on every anonymous-capable read: it answered 200 (the signature was
   * looked at and the header never).
   */
  @Test
  void aBadTokenBesideASignatureIs401() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("beside.mp3"), 2, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, false);
    String url = api.json("POST", stream(t) + "-url", owner, new JsonObject()).expect(200).json().getString("url");
    for (String bad : List.of("garbage.x.y", "garbage")) {
      assertThat(api.get(url, bad, Map.of("Range", "bytes=0-9")).error(401)).as(bad).isEqualTo("unauthenticated");
    }
    // a valid token beside it changes nothing: the signature says who streams
    api.get(url, owner, Map.of("Range", "bytes=0-9")).expect(206);
  }

  @Test
  void onlyVisibleTracksStreamAndATakedownStopsThem() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("visible.mp3"), 2, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, false);
    String other = api.newUser("other");
    assertThat(api.get(stream(t), other).error(404)).isEqualTo("not_found");
    assertThat(api.get(stream(t), null).error(404)).isEqualTo("not_found");
    api.get(stream(t), admin).expect(200);
    String signed = api.json("POST", stream(t) + "-url", owner, new JsonObject()).expect(200).json().getString("url");

    tc.sql("UPDATE tracks SET moderation = 'approved' WHERE id = ?::uuid", t.getString("id"));
    api.get(stream(t), other).expect(200);
    api.get(stream(t), null).expect(200);

    takedown(t.getString("id"));   // the node keeps the approved row: the takedown drops it (StreamRowsTest: on every node)
    assertThat(api.get(stream(t), owner).error(410)).isEqualTo("gone");
    assertThat(api.get(stream(t), other).error(410)).isEqualTo("gone");
    assertThat(api.get(signed, null).error(410)).isEqualTo("gone");
    // no new signed URL either: the same 410 as the stream (api.md's stream-url row), not a 404
    assertThat(api.json("POST", stream(t) + "-url", owner, new JsonObject()).error(410)).isEqualTo("gone");
    assertThat(api.json("POST", stream(t) + "-url", null, new JsonObject()).error(410)).isEqualTo("gone");
    api.get(stream(t), admin).expect(200);   // moderators still can (to review it)
    api.json("POST", stream(t) + "-url", admin, new JsonObject()).expect(200);
  }

  @Test
  void aCompletedPlayCountsOnceAndGoesThroughTheOutbox() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("plays.mp3"), 3, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, true);
    String id = t.getString("id");
    tc.sql("UPDATE tracks SET duration_ms = 3000 WHERE id = ?::uuid", id);
    String user = LibraryClient.userId(owner);

    api.get(stream(t), owner).expect(200);
    awaitPlays(id, 1);
    Map<String, Object> play = tc.sql("SELECT user_id::text AS u, ms_played, source FROM plays WHERE track_id = ?::uuid", id).get(0);
    assertThat(play.get("u")).isEqualTo(user);
    assertThat(((Number) play.get("ms_played")).longValue()).isEqualTo(3000);
    assertThat(play.get("source")).isEqualTo("stream");
    List<Map<String, Object>> out = tc.sql("SELECT payload::text AS p FROM library_outbox WHERE topic = 'track.played' AND message_key = ?", id);
    assertThat(out).hasSize(1);
    JsonObject event = new JsonObject((String) out.get(0).get("p"));
    assertThat(event.getString("track_id")).isEqualTo(id);
    assertThat(event.getString("user_id")).isEqualTo(user);
    assertThat(event.getLong("ms_played")).isEqualTo(3000);
    assertThat(event.getString("source")).isEqualTo("stream");
    assertThat(event.getString("played_at")).isNotBlank();
    assertThat(tc.sql("SELECT event_id::text AS e FROM plays WHERE track_id = ?::uuid", id).get(0).get("e")).isEqualTo(event.getString("event_id"));

    // a range short of the end is no play; HEAD is none; nor is the tail a browser reads for the duration (Chromium
    // loading an <audio> element of an Ogg file: the last 72,983 and 7,447 bytes, which counted two plays), nor a
    // quarter of the file; then an anonymous listener who seeked a third into the file reaches the end
    long size = t.getLong("size");
    api.get(stream(t), owner, Map.of("Range", "bytes=0-99")).expect(206);
    api.send("HEAD", stream(t), owner, Map.of(), null).expect(200);
    api.get(stream(t), owner, Map.of("Range", "bytes=-100")).expect(206);
    api.get(stream(t), owner, Map.of("Range", "bytes=" + (size - size / 4) + "-")).expect(206);
    api.get(stream(t), null, Map.of("Range", "bytes=" + size / 3 + "-")).expect(206);
    awaitPlays(id, 2);
    assertThat(tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?::uuid AND user_id IS NULL", id).get(0).get("n")).isEqualTo(1L);
    assertThat(tc.sql("SELECT count(*) AS n FROM library_outbox WHERE topic = 'track.played' AND message_key = ?", id).get(0).get("n"))
        .isEqualTo(2L);
  }

  /**
   * A player that streams with count_play=false reports the plays it heard (POST …/plays); a retried report (the same
   * event_id) counts once. There was no such route: a browser's plays were counted from its reads of the file (its
   * tail for the duration, twice per load) and not at all when it played the end from its cache.
   */
  @Test
  void aPlayerReportsThePlaysItHeard() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("reported.mp3"), 3, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, true);
    String id = t.getString("id");
    String plays = "/api/v1/tracks/" + id + "/plays";
    api.get(stream(t) + "?count_play=false", owner).expect(200);
    String event = java.util.UUID.randomUUID().toString();
    assertThat(api.json("POST", plays, owner, new JsonObject().put("event_id", event).put("ms_played", 2500)).expect(201).json()
        .getBoolean("counted")).isTrue();
    assertThat(api.json("POST", plays, owner, new JsonObject().put("event_id", event)).expect(200).json().getBoolean("counted")).isFalse();
    assertThat(api.json("POST", plays, null, new JsonObject()).error(401)).isEqualTo("unauthenticated");
    assertThat(api.json("POST", plays, owner, new JsonObject().put("event_id", "not-a-uuid")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.json("POST", plays, owner, new JsonObject().put("ms_played", -1)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.json("POST", plays, owner, new JsonObject().put("ms_played", "long")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.json("POST", "/api/v1/tracks/" + java.util.UUID.randomUUID() + "/plays", owner, new JsonObject()).error(404))
        .isEqualTo("not_found");
    awaitPlays(id, 1);
    Map<String, Object> play = tc.sql("SELECT event_id::text AS e, ms_played, source FROM plays WHERE track_id = ?::uuid", id).get(0);
    assertThat(play).containsEntry("e", event).containsEntry("source", "player");
    assertThat(((Number) play.get("ms_played")).longValue()).isEqualTo(2500);
    JsonObject out = new JsonObject((String) tc.sql("SELECT payload::text AS p FROM library_outbox WHERE topic = 'track.played' AND message_key = ?", id)
        .get(0).get("p"));
    assertThat(out.getString("source")).isEqualTo("player");
    assertThat(out.getString("event_id")).isEqualTo(event);
    // a track the caller may not see (another user's, not approved) is not found for them
    JsonObject hidden = upload(TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("reported-hidden.mp3"), 4,
        List.of("-c:a", "libmp3lame")), false);
    String other = api.newUser("other-listener");
    assertThat(api.json("POST", "/api/v1/tracks/" + hidden.getString("id") + "/plays", other, new JsonObject()).error(404))
        .isEqualTo("not_found");
  }

  /**
   * One user's plays of one track count at most once per its duration, whatever their event ids: a loop of reports
   * with fresh event_ids added a play each (1,000 requests, 1,000 plays, and play_count, "most played" and the wave's
   * popularity followed). Another user's play of the same track still counts.
   */
  @Test
  void aUsersPlaysOfATrackCountOncePerItsDuration() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("looped.mp3"), 3, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, true);
    String id = t.getString("id");
    tc.sql("UPDATE tracks SET duration_ms = 240000 WHERE id = ?::uuid", id);
    String plays = "/api/v1/tracks/" + id + "/plays";
    assertThat(api.json("POST", plays, owner, new JsonObject()).expect(201).json().getBoolean("counted")).isTrue();
    for (int i = 0; i < 20; i++) {
      assertThat(api.json("POST", plays, owner, new JsonObject().put("event_id", java.util.UUID.randomUUID().toString()))
          .expect(200).json().getBoolean("counted")).as("report %d within the track's duration", i).isFalse();
    }
    String listener = api.newUser("second-listener");
    assertThat(api.json("POST", plays, listener, new JsonObject()).expect(201).json().getBoolean("counted")).isTrue();
    awaitPlays(id, 2);
    assertThat(tc.sql("SELECT count(*) AS n FROM library_outbox WHERE topic = 'track.played' AND message_key = ?", id).get(0).get("n"))
        .isEqualTo(2L);
    // once the track could have ended, the next play counts
    tc.sql("UPDATE plays SET played_at = played_at - interval '4 minutes' WHERE track_id = ?::uuid", id);
    assertThat(api.json("POST", plays, owner, new JsonObject()).expect(201).json().getBoolean("counted")).isTrue();
    awaitPlays(id, 3);
  }

  /**
   * A stream without a user (no token, no signature) counts per client address as a user's plays do: a loop of
   * anonymous reads of the whole file added a play each (play_count, "most played" and the wave's popularity
   * followed). The address is kept only as a hash.
   */
  @Test
  void anAnonymousListenersPlaysCountOncePerDurationByAddress() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("anonymous.mp3"), 3, List.of("-c:a", "libmp3lame"));
    JsonObject t = upload(file, true);
    String id = t.getString("id");
    tc.sql("UPDATE tracks SET duration_ms = 240000 WHERE id = ?::uuid", id);
    api.get(stream(t), null).expect(200);
    awaitPlays(id, 1);
    Object listener = tc.sql("SELECT listener FROM plays WHERE track_id = ?::uuid", id).get(0).get("listener");
    assertThat(listener).isIn(Plays.anonymousListener("127.0.0.1"), Plays.anonymousListener("0:0:0:0:0:0:0:1"));

    // the rule as the stream path applies it (Plays.record, one transaction per play), decided where it can be seen:
    // the same address again within the duration does not count, another address does, and of 20 concurrent plays
    // of a third address exactly one counts
    java.util.UUID track = java.util.UUID.fromString(id);
    io.vertx.sqlclient.Pool pg = tc.pg();
    java.util.function.Function<String, io.vertx.core.Future<Boolean>> play = address -> pg.withTransaction(conn ->
        Plays.record(conn, "track.played", java.util.UUID.randomUUID(), null, Plays.anonymousListener(address), track, null, Instant.now(), "stream"));
    String address = listener.equals(Plays.anonymousListener("127.0.0.1")) ? "127.0.0.1" : "0:0:0:0:0:0:0:1";
    assertThat(io.chorus.testing.TestServices.await(play.apply(address))).as("the same address within the duration").isFalse();
    assertThat(io.chorus.testing.TestServices.await(play.apply("192.0.2.7"))).as("another address").isTrue();
    List<io.vertx.core.Future<Boolean>> racing = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      racing.add(play.apply("198.51.100.9"));
    }
    io.chorus.testing.TestServices.await(io.vertx.core.Future.all(racing));
    assertThat(racing.stream().filter(io.vertx.core.Future::result).count()).as("concurrent plays of one address").isEqualTo(1L);
    awaitPlays(id, 3);
    assertThat(tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?::uuid AND user_id IS NULL AND listener IS NOT NULL", id)
        .get(0).get("n")).isEqualTo(3L);
  }

  static void awaitPlays(String id, long n) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      long plays = ((Number) tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?::uuid", id).get(0).get("n")).longValue();
      long count = ((Number) tc.sql("SELECT play_count FROM tracks WHERE id = ?::uuid", id).get(0).get("play_count")).longValue();
      if (plays == n && count == n) {
        return;
      }
      assertThat(plays).as("plays of %s", id).isLessThanOrEqualTo(n);
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("expected " + n + " plays of " + id + ", found " + plays + " rows and play_count " + count);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);   // the play is written after the response ended
    }
  }

  @Test
  void theOpusRenditionIsServedOnceProcessingSetIt() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("rendition.flac"), 3, List.of("-c:a", "flac"));
    JsonObject t = upload(file, false);
    String id = t.getString("id");
    assertThat(api.get(stream(t) + "?format=opus", owner).error(409)).isEqualTo("conflict");

    // what processing does (not on this branch): the rendition object and the row
    byte[] opus = TestMusic.bytes(TestMusic.opus());
    s3.putObject(b -> b.bucket(tc.config().s3().bucket()).key("tracks/" + id + "/opus").contentType("audio/ogg"), RequestBody.fromBytes(opus));
    tc.sql("UPDATE tracks SET rendition_key = ?, status = 'ready' WHERE id = ?::uuid", "tracks/" + id + "/opus", id);

    LibraryClient.Reply r = api.get(stream(t) + "?format=opus", owner, Map.of("Range", "bytes=100-199")).expect(206);
    assertThat(r.header("content-type")).isEqualTo("audio/ogg");
    assertThat(r.header("content-range")).isEqualTo("bytes 100-199/" + opus.length);
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(opus, 100, 200));
    assertThat(r.header("etag")).isNotBlank().isNotEqualTo("\"" + TestMusic.sha256(file) + "\"");
  }

  /**
   * A track that failed processing is 409 with the reason in every format: {@code format=opus} answered 409 while
   * {@code format=mp3} transcoded the file and answered 200 (and {@code original} served it).
   */
  @Test
  void aFailedTrackIs409InEveryFormat() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("failed.flac"), 2, List.of("-c:a", "flac"));
    JsonObject t = upload(file, false);
    String reason = "ffmpeg could not decode the file: it contains no audio";
    tc.sql("UPDATE tracks SET status = 'failed', failure_reason = ? WHERE id = ?::uuid", reason, t.getString("id"));
    for (String format : List.of("original", "opus", "mp3")) {
      LibraryClient.Reply r = api.get(stream(t) + "?format=" + format, owner);
      assertThat(r.error(409)).as(format).isEqualTo("conflict");
      assertThat(r.json().getJsonObject("error").getString("message")).as(format).isEqualTo("the track failed processing: " + reason);
    }
    // nor is a URL handed out for it any more (it was 200 with a URL that could only answer 409)
    LibraryClient.Reply url = api.json("POST", stream(t) + "-url", owner, new JsonObject().put("format", "original"));
    assertThat(url.error(409)).isEqualTo("conflict");
    assertThat(url.json().getJsonObject("error").getString("message")).isEqualTo("the track failed processing: " + reason);
    // nor is a play of it counted: the player's report is refused as its stream is (it answered 201 counted)
    LibraryClient.Reply played = api.json("POST", "/api/v1/tracks/" + t.getString("id") + "/plays", owner, new JsonObject());
    assertThat(played.error(409)).isEqualTo("conflict");
    assertThat(played.json().getJsonObject("error").getString("message")).isEqualTo("the track failed processing: " + reason);
    assertThat(api.get("/api/v1/tracks/" + t.getString("id"), owner).expect(200).json().getJsonObject("track").getLong("play_count")).isZero();
  }

  @Test
  void mp3IsTranscodedOnceAndCached() throws Exception {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("transcode.flac"), 4, List.of("-c:a", "flac"));
    JsonObject t = upload(file, false);
    String id = t.getString("id");
    double before = io.chorus.testing.TestServices.metric(tc.port(), "chorus_library_transcodes_total");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<LibraryClient.Reply> replies = new ArrayList<>();
    try {
      List<Future<LibraryClient.Reply>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(pool.submit(() -> api.get(stream(t) + "?format=mp3&max_bitrate=96", owner)));
      }
      for (Future<LibraryClient.Reply> f : fs) {
        replies.add(f.get().expect(200));
      }
    } finally {
      pool.shutdownNow();
    }
    // three concurrent first requests, one transcode
    assertThat(io.chorus.testing.TestServices.metric(tc.port(), "chorus_library_transcodes_total")).isEqualTo(before + 1);
    byte[] mp3 = replies.get(0).body();
    assertThat(replies.get(0).header("content-type")).isEqualTo("audio/mpeg");
    assertThat(mp3.length).isGreaterThan(1000);
    assertThat((mp3[0] == 'I' && mp3[1] == 'D' && mp3[2] == '3') || ((mp3[0] & 0xFF) == 0xFF && (mp3[1] & 0xE0) == 0xE0)).isTrue();
    for (LibraryClient.Reply r : replies) {
      assertThat(r.body()).isEqualTo(mp3);
      assertThat(r.header("etag")).isEqualTo(replies.get(0).header("etag"));
    }
    byte[] cached = s3.getObjectAsBytes(b -> b.bucket(tc.config().s3().bucket()).key("tracks/" + id + "/mp3-96")).asByteArray();
    assertThat(cached).isEqualTo(mp3);
    // the cached copy serves ranges
    LibraryClient.Reply range = api.get(stream(t) + "?format=mp3&max_bitrate=96", owner, Map.of("Range", "bytes=0-49")).expect(206);
    assertThat(range.body()).isEqualTo(Arrays.copyOf(mp3, 50));
    assertThat(io.chorus.testing.TestServices.metric(tc.port(), "chorus_library_transcodes_total")).isEqualTo(before + 1);
    // out-of-range bitrates are clamped; nonsense is refused
    api.get(stream(t) + "?format=mp3&max_bitrate=5000", owner).expect(200);
    assertThat(s3.headObject(b -> b.bucket(tc.config().s3().bucket()).key("tracks/" + id + "/mp3-320")).contentLength()).isPositive();
    assertThat(api.get(stream(t) + "?format=mp3&max_bitrate=fast", owner).error(400)).isEqualTo("invalid_argument");
  }

  @Test
  void aStreamedFileIsSentFromTheNodesCopyAndTheRowStillDecides() {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve("cached.mp3"), 5, List.of("-c:a", "libmp3lame"));
    byte[] all = TestMusic.bytes(file);
    JsonObject t = upload(file, true);
    String id = t.getString("id");
    String etag = "\"" + TestMusic.sha256(file) + "\"";
    String hits = "chorus_library_stream_cache_hits_total";
    double before = io.chorus.testing.TestServices.metric(tc.port(), hits);
    assertThat(api.get(stream(t), null).expect(200).body()).isEqualTo(all);   // relayed from S3; the copy fills meanwhile

    long deadline = System.nanoTime() + 30_000_000_000L;
    LibraryClient.Reply r = api.get(stream(t), null, Map.of("Range", "bytes=100-1099")).expect(206);
    while (io.chorus.testing.TestServices.metric(tc.port(), hits) == before) {
      assertThat(System.nanoTime()).as("a stream served from the node's copy within 30 s").isLessThan(deadline);
      r = api.get(stream(t), null, Map.of("Range", "bytes=100-1099")).expect(206);
    }
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(all, 100, 1100));
    assertThat(r.header("content-range")).isEqualTo("bytes 100-1099/" + all.length);
    // the copy answers alone now: S3's object is gone, the node still sends the same bytes and validators
    s3.deleteObject(b -> b.bucket(tc.config().s3().bucket()).key("tracks/" + id + "/original"));
    LibraryClient.Reply full = api.get(stream(t), null).expect(200);
    assertThat(full.body()).isEqualTo(all);
    assertThat(full.header("etag")).isEqualTo(etag);
    assertThat(full.header("content-length")).isEqualTo(Integer.toString(all.length));
    assertThat(api.get(stream(t), null, Map.of("Range", "bytes=-10")).expect(206).body()).isEqualTo(Arrays.copyOfRange(all, all.length - 10, all.length));
    assertThat(api.get(stream(t), null, Map.of("Range", "bytes=" + all.length + "-")).error(416)).isEqualTo("range_not_satisfiable");
    assertThat(io.chorus.testing.TestServices.metric(tc.port(), hits)).isGreaterThanOrEqualTo(before + 3);

    // the row still decides: a takedown stops the cached copy at once
    takedown(id);
    assertThat(api.get(stream(t), null).error(410)).isEqualTo("gone");
    assertThat(api.get(stream(t), owner).error(410)).isEqualTo("gone");
  }
}

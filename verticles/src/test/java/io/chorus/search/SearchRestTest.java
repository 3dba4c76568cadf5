package io.chorus.search;

import io.chorus.bus.Addresses;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Search over REST on a real node with PostgreSQL and Kafka: rows inserted as the library leaves them,
 * found the way people type; permissions; changes announced on Kafka and takedowns on the bus; bad
 * input; a restart that keeps the index and catches up. On the embedded Lucene index here, on OpenSearch in
 * {@link SearchRestTestOnOpenSearch} (the same cases).
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class SearchRestTest {
  static final String PW = "a long enough password";
  static final String ADMIN = "search-admin";
  static final String NODE = "search-test-" + UUID.randomUUID();
  static final Map<String, Object> CONFIG = Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000,
      "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000, "ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", PW, "CHORUS_NODE_NAME", NODE);
  /** The node configuration of the running class (the OpenSearch subclass adds SEARCH_URL). */
  static Map<String, Object> config = CONFIG;
  static TestCluster tc;
  static Rest rest;
  static String alice;
  static String aliceId;
  static String aliceToken;
  static String bobToken;
  static String adminToken;
  static KafkaProducer<String, String> producer;
  /** The test's own Vert.x (the producer, poll timers): it outlives the node restart. */
  static io.vertx.core.Vertx vx;
  static io.chorus.config.ChorusConfig.Db db;
  static String topic;
  static UUID KINO;
  static UUID COVER;
  static UUID ARIA;
  static UUID NAUTILUS;
  static UUID QUEEN;
  static UUID PENDING;
  static UUID PUBLIC_LIST;
  static UUID PRIVATE_LIST;

  /** Here the embedded Lucene index; for {@link SearchRestTestOnOpenSearch} (same cases) OpenSearch. */
  @BeforeAll
  static void start(TestInfo info) {
    boolean openSearch = info.getTestClass().filter(SearchRestTestOnOpenSearch.class::equals).isPresent();
    startWith(openSearch ? SearchRestTestOnOpenSearch.config() : CONFIG);
  }

  /** Starts the node with {@code cfg} and lays fresh fixture rows (both engines' classes share one database). */
  static void startWith(Map<String, Object> cfg) {
    config = cfg;
    if (KINO != null) {
      // the other engine's class ran first in this JVM: its rows would be found too
      sql("DELETE FROM tracks WHERE id IN (?, ?, ?, ?, ?, ?)", KINO, COVER, ARIA, NAUTILUS, QUEEN, PENDING);
      sql("DELETE FROM playlists WHERE id IN (?, ?)", PUBLIC_LIST, PRIVATE_LIST);
    }
    KINO = UUID.randomUUID();
    COVER = UUID.randomUUID();
    ARIA = UUID.randomUUID();
    NAUTILUS = UUID.randomUUID();
    QUEEN = UUID.randomUUID();
    PENDING = UUID.randomUUID();
    PUBLIC_LIST = UUID.randomUUID();
    PRIVATE_LIST = UUID.randomUUID();
    tc = TestCluster.start(1, config);
    rest = tc.rest();
    alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject a = rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject().put("username", alice).put("password", PW));
    aliceId = a.getJsonObject("user").getString("id");
    aliceToken = a.getString("access_token");
    bobToken = rest.postOk(tc.port(), "/api/v1/auth/register", null,
        new JsonObject().put("username", "bob-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW)).getString("access_token");
    adminToken = rest.postOk(tc.port(), "/api/v1/auth/login", null, new JsonObject().put("username", ADMIN).put("password", PW))
        .getString("access_token");
    vx = io.vertx.core.Vertx.vertx();
    db = tc.config().db();
    topic = tc.config().source().getString("LIBRARY_TOPIC_UPLOADED");
    producer = KafkaProducer.create(vx, Map.of("bootstrap.servers", tc.config().kafka().bootstrapServers(),
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"));

    // rows as upload, processing and moderation leave them; the sweep of changed rows picks them up
    track(KINO, "Группа крови", "Кино", "approved", true);
    track(COVER, "Gruppa Krovi", "Cover Band", "approved", true);
    track(ARIA, "Беспечный ангел", "Ария", "approved", true);
    track(NAUTILUS, "Крылья", "Nautilus Pompilius", "approved", true);
    track(QUEEN, "Bohemian Rhapsody", "Queen", "approved", true);
    track(PENDING, "Звезда по имени Солнце", "Кино", "pending", true);
    sql("INSERT INTO playlists (id, owner_id, name, description, public) VALUES (?, ?::uuid, 'Летние хиты', 'sunny songs', true),"
        + " (?, ?::uuid, 'Секретный плейлист', '', false)", PUBLIC_LIST, aliceId, PRIVATE_LIST, aliceId);
    TestServices.until("fixture rows indexed", 10_000, 50, () -> ids(search("rhapsody", null, "tracks"), "tracks").contains(QUEEN.toString()));
    // an artist becomes public after its approved tracks are in: re-read once the sweep put them
    TestServices.until("fixture artists indexed", 10_000, 50,
        () -> search("ария", null, "artists").json().getJsonObject("results").getJsonArray("artists").encode().contains("Ария"));
  }

  @AfterAll
  static void stop() {
    if (tc != null) {
      tc.close();
    }
    if (vx != null) {
      TestServices.await(vx.close());
    }
  }

  /** A track row (and its artist); {@code fresh}: updated now (the sweep sees it), else an hour ago (only an event can announce it). */
  static void track(UUID id, String title, String artist, String moderation, boolean fresh) {
    List<Map<String, Object>> a = sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, lower(?))"
        + " ON CONFLICT (name_key) DO UPDATE SET name = artists.name RETURNING id", UUID.randomUUID(), artist, artist);
    sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status,"
            + " moderation, updated_at) VALUES (?, ?::uuid, ?, ?, ?, ?, 1000, 'mp3', 'audio/mpeg', 'ready', ?, now() - ?::interval)",
        id, aliceId, title, a.get(0).get("id"), HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64),
        "tracks/" + id + "/original", moderation, fresh ? "0 seconds" : "1 hour");
  }

  static List<Map<String, Object>> sql(String query, Object... params) {
    return io.chorus.testing.Sql.query(db, query, params);
  }

  static Rest.Reply search(String q, String token, String types) {
    return rest.get(tc.port(), "/api/v1/search?q=" + enc(q) + (types == null ? "" : "&types=" + types), token);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static List<String> ids(Rest.Reply r, String type) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    JsonArray list = r.json().getJsonObject("results").getJsonArray(type);
    list.forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  static List<String> tracks(String q, String token) {
    return ids(search(q, token, "tracks"), "tracks");
  }

  static void announce(UUID track) {
    JsonObject event = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("track_id", track.toString())
        .put("owner_id", aliceId).put("format", "mp3");
    TestServices.await(producer.send(KafkaProducerRecord.create(topic, track.toString(), event.encode())));
  }

  /** Web pages search with a bearer token from their own origin, so search follows CORS_ALLOWED_ORIGINS (here "*") like /api/v1's other routes. */
  @Test
  void corsPreflightAndAnswersNameTheOrigin() {
    for (String path : List.of("/api/v1/search", "/api/v1/search/suggest")) {
      io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> preflight = TestServices.await(rest.web
          .request(io.vertx.core.http.HttpMethod.OPTIONS, tc.port(), "127.0.0.1", path).putHeader("Origin", "https://app.example")
          .putHeader("Access-Control-Request-Method", "GET").putHeader("Access-Control-Request-Headers", "authorization").send());
      assertThat(preflight.statusCode()).as(path + ": " + preflight.bodyAsString()).isEqualTo(204);
      assertThat(preflight.getHeader("Access-Control-Allow-Origin")).as(path).isIn("*", "https://app.example");
      io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> answer = TestServices.await(rest.web
          .get(tc.port(), "127.0.0.1", path + "?q=kino").putHeader("Origin", "https://app.example").send());
      assertThat(answer.statusCode()).as(path + ": " + answer.bodyAsString()).isEqualTo(200);
      assertThat(answer.getHeader("Access-Control-Allow-Origin")).as(path).isIn("*", "https://app.example");
    }
  }

  @Test
  void findsWhatPeopleType() {
    assertThat(tracks("kino", null)).first().isEqualTo(KINO.toString());
    assertThat(tracks("группа крови", null)).contains(KINO.toString(), COVER.toString());
    assertThat(tracks("rbyj", null)).contains(KINO.toString());
    assertThat(tracks("Bohemain Rapsody", null)).first().isEqualTo(QUEEN.toString());
    assertThat(tracks("nautilus krylya", null)).first().isEqualTo(NAUTILUS.toString());
    assertThat(tracks("ангел беспечный", null)).first().isEqualTo(ARIA.toString());
    assertThat(tracks("кино группа крови", null)).first().isEqualTo(KINO.toString());
    JsonObject hit = search("крови", null, "tracks").json().getJsonObject("results").getJsonArray("tracks").getJsonObject(0);
    assertThat(hit.getString("highlight")).contains("<em>");
    assertThat(hit.getJsonObject("artist").getString("name")).isIn("Кино", "Cover Band");
    // artists, grouped with the other types
    JsonObject all = search("ария", null, null).json().getJsonObject("results");
    assertThat(all.fieldNames()).contains("tracks", "albums", "artists", "playlists", "users");
    assertThat(all.getJsonArray("artists").encode()).contains("Ария");
  }

  @Test
  void suggestsAsYouType() {
    Rest.Reply r = rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc("nautil"), null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getJsonArray("suggestions").encode()).contains("Nautilus Pompilius");
    assertThat(r.json().getJsonArray("suggestions").size()).isLessThanOrEqualTo(10);
    assertThat(rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc("uheg"), null).json().getJsonArray("suggestions").encode())
        .contains("Группа крови");
  }

  @Test
  void permissions() {
    String q = "звезда по имени солнце";
    assertThat(tracks(q, null)).doesNotContain(PENDING.toString());
    assertThat(tracks(q, bobToken)).doesNotContain(PENDING.toString());
    assertThat(tracks(q, aliceToken)).contains(PENDING.toString());
    assertThat(tracks(q, adminToken)).contains(PENDING.toString());
    assertThat(ids(search("летние хиты", null, "playlists"), "playlists")).containsExactly(PUBLIC_LIST.toString());
    assertThat(ids(search("секретный плейлист", null, "playlists"), "playlists")).isEmpty();
    assertThat(ids(search("секретный плейлист", bobToken, "playlists"), "playlists")).isEmpty();
    assertThat(ids(search("секретный плейлист", aliceToken, "playlists"), "playlists")).containsExactly(PRIVATE_LIST.toString());
    // a private playlist is its owner's alone (GET /playlists/{id} is 404 to everyone else): moderators and admins see
    // everything else (alice's pending track above), but not its name in search, typed, untyped or suggested
    assertThat(ids(search("секретный плейлист", adminToken, "playlists"), "playlists")).isEmpty();
    assertThat(ids(search("секретный плейлист", adminToken, null), "playlists")).isEmpty();
    assertThat(ids(search("летние хиты", adminToken, "playlists"), "playlists")).containsExactly(PUBLIC_LIST.toString());
    assertThat(rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc("секретный"), adminToken).json().getJsonArray("suggestions").encode())
        .doesNotContain(PRIVATE_LIST.toString());
    assertThat(rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc("секретный"), aliceToken).json().getJsonArray("suggestions").encode())
        .contains(PRIVATE_LIST.toString());
    TestServices.until("alice found by username", 10_000, 50, () -> ids(search(alice, null, "users"), "users").contains(aliceId));
    assertThat(search("кино", "not-a-token", null).errorCode(401)).isEqualTo("unauthenticated");
    // a bad token is 401 whatever the parameters hold, limit as well as q and types
    for (String query : List.of("q=kino&limit=ten", "q=kino&limit=0", "q=kino&types=songs", "q=")) {
      assertThat(rest.get(tc.port(), "/api/v1/search?" + query, "not-a-token").errorCode(401)).as(query).isEqualTo("unauthenticated");
    }
    assertThat(rest.get(tc.port(), "/api/v1/search?q=kino&limit=ten", null).errorCode(400)).isEqualTo("invalid_argument");
  }

  @Test
  void kafkaEventsUpdateAndDelete() {
    UUID id = UUID.randomUUID();
    String word = "Мимикрия" + id.toString().substring(0, 4).replaceAll("[0-9]", "");
    track(id, "Ночная " + word, "Silent Band", "approved", false);
    announce(id);
    TestServices.until("the announced track found", 10_000, 50, () -> tracks("ночная мимикрия", null).contains(id.toString()));
    sql("UPDATE tracks SET title = 'Утренний туман' WHERE id = ?", id);
    announce(id);
    TestServices.until("the new title found", 10_000, 50, () -> tracks("утренний туман", null).contains(id.toString()));
    assertThat(tracks("ночная мимикрия", null)).doesNotContain(id.toString());
    sql("DELETE FROM tracks WHERE id = ?", id);
    announce(id);
    TestServices.until("the deleted track gone", 10_000, 50, () -> !tracks("утренний туман", null).contains(id.toString()));
  }

  @Test
  void takedownVanishesAtOnce() {
    UUID id = UUID.randomUUID();
    track(id, "Запрещённая песня", "Banned Band", "approved", false);
    announce(id);
    TestServices.until("the track found", 10_000, 50, () -> tracks("запрещенная песня", null).contains(id.toString()));
    sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?", id);
    long at = System.currentTimeMillis();
    tc.node().vertx().eventBus().publish(Addresses.LIBRARY_TAKEDOWN,
        new JsonObject().put("type", "takedown").put("subject_type", "track").put("subject_id", id.toString()));
    // the target is 1 s; the bound leaves room for a machine shared with other builds
    TestServices.until("the takedown gone", 3_000, 50, () -> !tracks("запрещенная песня", null).contains(id.toString()));
    assertThat(System.currentTimeMillis() - at).isLessThan(3_000);
    assertThat(tracks("запрещенная песня", aliceToken)).doesNotContain(id.toString());
    assertThat(tracks("запрещенная песня", adminToken)).contains(id.toString());
  }

  /**
   * The artist of an owner's pending track: the owner finds it, as they find the track and as GET /artists shows
   * it to them; others do not (moderators do) until the track is approved; a takedown hides it from the owner too.
   */
  @Test
  void theOwnerOfAPendingTrackFindsItsArtist() {
    String word = "Ozhidanie" + UUID.randomUUID().toString().replaceAll("[^a-f]", "").substring(0, 4);
    UUID id = UUID.randomUUID();
    track(id, "Песня на проверке", word, "pending", true);
    announce(id);
    String artist = artistId(word);
    TestServices.until("the owner finds the pending track", 10_000, 50, () -> tracks(word, aliceToken).contains(id.toString()));
    TestServices.until("the owner finds its artist", 10_000, 50, () -> ids(search(word, aliceToken, "artists"), "artists").contains(artist));
    assertThat(ids(search(word, null, "artists"), "artists")).isEmpty();
    assertThat(ids(search(word, bobToken, "artists"), "artists")).isEmpty();
    assertThat(ids(search(word, adminToken, "artists"), "artists")).contains(artist);
    assertThat(rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc(word), bobToken).json().getJsonArray("suggestions").encode())
        .doesNotContain(artist);

    sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?", id);
    tc.node().vertx().eventBus().publish(Addresses.LIBRARY_TAKEDOWN,
        new JsonObject().put("type", "takedown").put("subject_type", "track").put("subject_id", id.toString()));
    TestServices.until("the artist of a takedown hidden from its owner", 10_000, 50,
        () -> !ids(search(word, aliceToken, "artists"), "artists").contains(artist));
  }

  /**
   * A track or album moved to another artist by PATCH: the artist it left, with nothing approved any more, is
   * found by nobody but moderators (as GET /artists says). That artist is old: no sweep of new artist rows sees it.
   */
  @Test
  void anArtistLeftByItsLastTrackOrAlbumIsHidden() {
    String word = "Fantomgruppa" + UUID.randomUUID().toString().replaceAll("[^a-f]", "").substring(0, 4);
    UUID track = UUID.randomUUID();
    track(track, "Призрачная баллада", word, "approved", true);
    String leftByTrack = artistId(word);
    TestServices.until("the artist found", 10_000, 50, () -> ids(search(word, null, "artists"), "artists").contains(leftByTrack));
    sql("UPDATE artists SET created_at = now() - interval '1 hour' WHERE id = ?::uuid", leftByTrack);
    Rest.Reply moved = rest.call(io.vertx.core.http.HttpMethod.PATCH, tc.port(), "/api/v1/tracks/" + track, aliceToken, null,
        new JsonObject().put("artist", "Novaja " + word + "x"));
    assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    TestServices.until("the artist left by its track hidden", 10_000, 50, () -> !ids(search(word, null, "artists"), "artists").contains(leftByTrack));
    assertThat(rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc(word), null).json().getJsonArray("suggestions").encode())
        .doesNotContain(leftByTrack);
    assertThat(ids(search(word, adminToken, "artists"), "artists")).as("moderators still find it").contains(leftByTrack);

    String albumArtist = word + "alb";
    JsonObject album = rest.postOk(tc.port(), "/api/v1/albums", aliceToken, new JsonObject().put("title", "Туманный альбом").put("artist", albumArtist))
        .getJsonObject("album");
    assertThat(rest.post(tc.port(), "/api/v1/moderation/albums/" + album.getString("id"), adminToken,
        new JsonObject().put("decision", "approve").put("reason", "test")).status()).isEqualTo(200);
    String leftByAlbum = artistId(albumArtist);
    TestServices.until("the album's artist found", 10_000, 50, () -> ids(search(albumArtist, null, "artists"), "artists").contains(leftByAlbum));
    sql("UPDATE artists SET created_at = now() - interval '1 hour' WHERE id = ?::uuid", leftByAlbum);
    Rest.Reply albumMoved = rest.call(io.vertx.core.http.HttpMethod.PATCH, tc.port(), "/api/v1/albums/" + album.getString("id"), aliceToken, null,
        new JsonObject().put("artist", "Drugoj " + word));
    assertThat(albumMoved.status()).as(albumMoved.body()).isEqualTo(200);
    TestServices.until("the artist left by its album hidden", 10_000, 50,
        () -> !ids(search(albumArtist, null, "artists"), "artists").contains(leftByAlbum));
  }

  static String artistId(String name) {
    return String.valueOf(sql("SELECT id FROM artists WHERE name_key = lower(?)", name).get(0).get("id"));
  }

  /** A hit's track_count counts the entries anyone may see, as GET /playlists/{id} does: a takedown or a delete lowers it. */
  @Test
  void aPlaylistHitCountsOnlyTracksAnyoneMaySee() {
    String word = "Kollekcija" + UUID.randomUUID().toString().replaceAll("[^a-f]", "").substring(0, 4);
    UUID kept = UUID.randomUUID();
    UUID takenDown = UUID.randomUUID();
    UUID deleted = UUID.randomUUID();
    UUID pending = UUID.randomUUID();
    track(kept, "Первая песня", "Count Band", "approved", false);
    track(takenDown, "Вторая песня", "Count Band", "approved", false);
    track(deleted, "Третья песня", "Count Band", "approved", false);
    track(pending, "Четвёртая песня", "Count Band", "pending", false);
    UUID list = UUID.randomUUID();
    sql("INSERT INTO playlists (id, owner_id, name, description, public) VALUES (?, ?::uuid, ?, '', true)", list, aliceId, word);
    sql("INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES (?, ?, 0), (?, ?, 1), (?, ?, 2), (?, ?, 3)",
        list, kept, list, takenDown, list, deleted, list, pending);
    sql("UPDATE playlists SET updated_at = now() WHERE id = ?", list);
    TestServices.until("3 tracks anyone may see", 10_000, 50, () -> trackCount(word, list) == 3);
    assertThat(rest.get(tc.port(), "/api/v1/playlists/" + list, null).json().getJsonObject("playlist").getLong("entry_count")).isEqualTo(3);
    // an older playlist: the sweep's overlap no longer re-reads it by chance, only a change of its tracks can
    sql("UPDATE playlists SET updated_at = now() - interval '1 hour' WHERE id = ?", list);

    Rest.Reply down = rest.post(tc.port(), "/api/v1/moderation/tracks/" + takenDown, adminToken,
        new JsonObject().put("decision", "takedown").put("reason", "test"));
    assertThat(down.status()).as(down.body()).isEqualTo(200);
    TestServices.until("the taken-down track not counted", 10_000, 50, () -> trackCount(word, list) == 2);
    assertThat(rest.get(tc.port(), "/api/v1/playlists/" + list, null).json().getJsonObject("playlist").getLong("entry_count")).isEqualTo(2);

    assertThat(rest.call(io.vertx.core.http.HttpMethod.DELETE, tc.port(), "/api/v1/tracks/" + deleted, aliceToken, null, null).status()).isEqualTo(204);
    TestServices.until("the deleted track not counted", 10_000, 50, () -> trackCount(word, list) == 1);
    assertThat(rest.get(tc.port(), "/api/v1/playlists/" + list, null).json().getJsonObject("playlist").getLong("entry_count")).isEqualTo(1);
  }

  static long trackCount(String q, UUID list) {
    Rest.Reply r = search(q, null, "playlists");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    for (Object o : r.json().getJsonObject("results").getJsonArray("playlists")) {
      if (list.toString().equals(((JsonObject) o).getString("id"))) {
        return ((JsonObject) o).getLong("track_count");
      }
    }
    return -1;
  }

  @Test
  void badInput() {
    assertThat(search("", null, null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.get(tc.port(), "/api/v1/search", null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(search("a".repeat(513), null, null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(search("x".repeat(600), null, null).errorCode(400)).isEqualTo("invalid_argument");
    // a 10 KB query does not even fit the HTTP server's request line: 414 before any handler runs
    assertThat(search("x".repeat(10_000), null, null).status()).isEqualTo(414);
    assertThat(search("\u0000\u0007", null, null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(search("кино", null, "tracks,songs").errorCode(400)).isEqualTo("invalid_argument");
    for (String limit : List.of("0", "101", "-5", "abc", "99999999999", "%D9%A3", "%EF%BC%93", "+5", "%205", "5%09")) {   // ٣, fullwidth ３, a space (+), a tab
      assertThat(rest.get(tc.port(), "/api/v1/search?q=kino&limit=" + limit, null).errorCode(400)).isEqualTo("invalid_argument");
    }
    assertThat(rest.get(tc.port(), "/api/v1/search?q=kino&cursor=forged", null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.get(tc.port(), "/api/v1/search/suggest?q=", null).errorCode(400)).isEqualTo("invalid_argument");
    for (String q : List.of("AC/DC OR *:(", "title:\"кино", "\\ ~ ^2 [a TO z] {}", "+-&&||!", "кино\u202e\u200b", "*", "?")) {
      Rest.Reply r = search(q, null, null);
      assertThat(r.status()).as(q + ": " + r.body()).isEqualTo(200);
      assertThat(rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc(q), null).status()).isEqualTo(200);
    }
    // a NUL anywhere in a URI is refused before any route (docs/api.md, Input rules)
    assertThat(search("кино\u0000", null, null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(search("\u00a0\u2007\u202f", null, null).errorCode(400)).as("only no-break spaces").isEqualTo("invalid_argument");
    assertThat(tracks("кино\u00a0", null)).contains(KINO.toString());
  }

  /** An empty entry is an unknown type wherever it stands (",": two of them), not "no type" and so an empty answer. */
  @Test
  void typesWithAnEmptyEntryAreRefused() {
    for (String types : List.of(",", "tracks,", ",tracks", "tracks,,users")) {
      Rest.Reply r = search("кино", null, types);
      assertThat(r.errorCode(400)).as(types).isEqualTo("invalid_argument");
      assertThat(r.json().getJsonObject("error").getString("message")).as(types).startsWith("unknown type ''");
    }
    assertThat(ids(search("кино", null, ""), "tracks")).as("blank: all types").contains(KINO.toString());
  }

  /** The 512-character bound on q counts code points (the Input rules), not UTF-16 units. */
  @Test
  void queryLengthCountsCodePoints() {
    String emoji = "\uD83D\uDE00";
    assertThat(search(emoji.repeat(300), null, "tracks").status()).as("300 emoji: 600 UTF-16 units").isEqualTo(200);
    assertThat(search("\uD835\uDC00".repeat(257), null, "tracks").status()).isEqualTo(200);
    assertThat(search(emoji.repeat(256) + "a".repeat(256), null, "tracks").status()).as("512 code points").isEqualTo(200);
    assertThat(search(emoji.repeat(256) + "a".repeat(257), null, "tracks").errorCode(400)).as("513 code points").isEqualTo("invalid_argument");
  }

  /** Decomposed text (NFD: "e" + U+0301, as macOS keyboards and copies give it) matches the stored NFC name. */
  @Test
  void aDecomposedQueryMatchesItsComposedTitle() {
    UUID list = UUID.randomUUID();
    // a word of its own: the OpenSearch subclass runs against the same PostgreSQL, and its playlist must not be the hit
    String word = "zyx" + new java.util.Random().ints(6, 'a', 'z' + 1).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append);
    sql("INSERT INTO playlists (id, owner_id, name, description, public) VALUES (?, ?::uuid, ?, '', true)", list, aliceId, "Été Olé " + word);
    TestServices.until("the playlist indexed", 10_000, 50, () -> ids(search("été " + word, null, "playlists"), "playlists").contains(list.toString()));
    assertThat(ids(search("e\u0301te\u0301 " + word, null, "playlists"), "playlists")).contains(list.toString());
    assertThat(ids(search("ole\u0301 " + word, null, "playlists"), "playlists")).contains(list.toString());
    Rest.Reply suggest = rest.get(tc.port(), "/api/v1/search/suggest?q=" + enc(word + " e\u0301te\u0301"), null);
    assertThat(suggest.status()).as(suggest.body()).isEqualTo(200);
    assertThat(suggest.json().getJsonArray("suggestions").encode()).contains(list.toString());
    // the bound counts the composed form: 300 decomposed letters (600 code points, 300 composed) are a query
    assertThat(search("e\u0301".repeat(300), null, "playlists").status()).isEqualTo(200);
  }

  @Test
  void pagesWithCursor() {
    Rest.Reply first = rest.get(tc.port(), "/api/v1/search?types=tracks&limit=1&q=" + enc("группа крови"), null);
    String cursor = first.json().getString("next_cursor");
    assertThat(cursor).as(first.body()).isNotNull();
    Rest.Reply second = rest.get(tc.port(), "/api/v1/search?types=tracks&limit=1&q=" + enc("группа крови") + "&cursor=" + cursor, null);
    assertThat(ids(second, "tracks")).hasSize(1).doesNotContainAnyElementsOf(ids(first, "tracks"));
    // an empty cursor is an absent one: the first page, as /tracks, /albums and the moderation lists answer it
    Rest.Reply empty = rest.get(tc.port(), "/api/v1/search?types=tracks&limit=1&q=" + enc("группа крови") + "&cursor=", null);
    assertThat(empty.status()).as(empty.body()).isEqualTo(200);
    assertThat(ids(empty, "tracks")).isEqualTo(ids(first, "tracks"));
    assertThat(empty.json().getString("next_cursor")).isEqualTo(cursor);
    // a cursor belongs to its query
    assertThat(rest.get(tc.port(), "/api/v1/search?types=tracks&limit=1&q=kino&cursor=" + cursor, null).errorCode(400))
        .isEqualTo("invalid_argument");
  }

  /** Last (by name): restarts the node; the index is kept and what Kafka announced meanwhile is caught up. */
  /**
   * More rows than one sweep page (1000) changed within the sweep's overlap (a bulk insert): every sweep read the same
   * first page again, so a playlist created after them (playlists have no event, only the sweep) was never indexed.
   */
  @Test
  void sweepReadsABulkLargerThanAPageToItsEnd() {
    String tag = UUID.randomUUID().toString().substring(0, 6);
    sql("INSERT INTO playlists (id, owner_id, name, description, public, updated_at)"
        + " SELECT gen_random_uuid(), ?::uuid, 'Bulk ' || g, '', false, now() - interval '1 second' FROM generate_series(1, 1000) g", aliceId);
    UUID later = UUID.randomUUID();
    sql("INSERT INTO playlists (id, owner_id, name, description, public) VALUES (?, ?::uuid, ?, '', true)", later, aliceId, "Marmalade " + tag);
    TestServices.until("the playlist changed after a full sweep page is indexed", 20_000, 50,
        () -> ids(search("marmalade " + tag, null, "playlists"), "playlists").contains(later.toString()));
  }

  @Test
  void zzRestartKeepsTheIndexAndCatchesUp() {
    UUID kept = UUID.randomUUID();
    track(kept, "Старая пластинка", "Vinyl Band", "approved", false);
    announce(kept);
    TestServices.until("the track found before the restart", 10_000, 50, () -> tracks("старая пластинка", null).contains(kept.toString()));
    tc.close();   // the node's close commits the index
    UUID missed = UUID.randomUUID();
    track(missed, "Пропущенный звонок", "Phone Band", "approved", false);
    announce(missed);
    // deleted without an event: only a kept index can still know it (a rebuild from PostgreSQL would not)
    tc = null;
    sql("DELETE FROM tracks WHERE id = ?", kept);
    tc = TestCluster.start(1, config);
    rest = tc.rest();
    assertThat(tracks("старая пластинка", null)).contains(kept.toString());
    TestServices.until("the event sent while down caught up", 10_000, 50, () -> tracks("пропущенный звонок", null).contains(missed.toString()));
  }
}

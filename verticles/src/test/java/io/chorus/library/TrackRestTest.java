package io.chorus.library;

import io.chorus.infra.Infra;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** GET/PATCH/DELETE /api/v1/tracks/{id} and the listing, with the visibility and edit rights of Access, on two nodes. */
@ChorusCluster(nodes = 2, config = {"RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000", "RATE_LIMIT_LOGIN_PER_USERNAME=100000",
    "ADMIN_USERNAME=tracks-admin", "ADMIN_PASSWORD=tracks admin password"})
class TrackRestTest {
  static TestCluster tc;
  static LibraryClient a;
  static LibraryClient b;
  static S3Client s3;
  static Path tmp;
  static String admin;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    a = new LibraryClient(c.port(0));
    b = new LibraryClient(c.port(1));
    s3 = Infra.s3Client(c.config().s3());
    tmp = TestMusic.tempDir();
    admin = a.login("tracks-admin", "tracks admin password");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  static JsonObject upload(String token, String album, String title) {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve(UUID.randomUUID() + ".mp3"), 1,
        List.of("-c:a", "libmp3lame", "-b:a", "64k"));
    return a.upload(token, file, title + ".mp3", LibraryClient.fields("album", album, "artist", "Lister"))
        .expect(202).json().getJsonObject("track");
  }

  static void approve(JsonObject t) {
    tc.sql("UPDATE tracks SET moderation = 'approved' WHERE id = ?::uuid", t.getString("id"));
  }

  static String path(JsonObject t) {
    return "/api/v1/tracks/" + t.getString("id");
  }

  @Test
  void aPendingTrackIsSeenByItsOwnerAndModeratorsOnly() {
    String owner = a.newUser("own");
    String other = a.newUser("oth");
    JsonObject t = upload(owner, "Seen", "pending one");
    JsonObject got = b.get(path(t), owner).expect(200).json().getJsonObject("track");   // through the other node
    assertThat(got.getString("title")).isEqualTo("pending one");
    assertThat(got.getString("moderation")).isEqualTo("pending");
    assertThat(got.getBoolean("liked")).isFalse();
    assertThat(got.getJsonArray("tags")).isEmpty();
    assertThat(got.getValue("waveform")).isNull();
    assertThat(got.fieldNames()).contains("id", "title", "artist", "album", "track_no", "year", "genre", "tags", "owner_id", "format",
        "mime", "size", "status", "failure_reason", "moderation", "moderation_reason", "duration_ms", "loudness_lufs", "replay_gain_db",
        "waveform", "has_cover", "play_count", "created_at", "updated_at");
    assertThat(b.get(path(t), other).error(404)).isEqualTo("not_found");
    assertThat(b.get(path(t), null).error(404)).isEqualTo("not_found");
    assertThat(b.get(path(t), "bad.token.here").error(401)).isEqualTo("unauthenticated");
    b.get(path(t), admin).expect(200);

    approve(t);
    b.get(path(t), other).expect(200);
    assertThat(b.get(path(t), null).expect(200).json().getJsonObject("track").containsKey("liked")).isFalse();

    tc.sql("UPDATE tracks SET moderation = 'rejected', moderation_reason = 'noise' WHERE id = ?::uuid", t.getString("id"));
    assertThat(b.get(path(t), other).error(404)).isEqualTo("not_found");
    assertThat(b.get(path(t), owner).expect(200).json().getJsonObject("track").getString("moderation_reason")).isEqualTo("noise");
    tc.sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?::uuid", t.getString("id"));
    assertThat(b.get(path(t), owner).error(404)).isEqualTo("not_found");
    b.get(path(t), admin).expect(200);
  }

  /** With CORS_ALLOWED_ORIGINS=* (the default) every origin is allowed, also an app's own scheme (file://, tauri://, capacitor://). */
  @Test
  void theDefaultCorsPolicyAllowsAnyOriginAppSchemesIncluded() {
    for (String origin : List.of("https://app.example", "file://", "tauri://localhost", "capacitor://localhost", "null")) {
      LibraryClient.Reply preflight = a.send("OPTIONS", "/api/v1/tracks", null, Map.of("Origin", origin, "Access-Control-Request-Method", "GET",
          "Access-Control-Request-Headers", "authorization"), null);
      assertThat(preflight.status()).as(origin + ": " + preflight.text()).isEqualTo(204);
      assertThat(preflight.header("Access-Control-Allow-Origin")).as(origin).isIn("*", origin);
      LibraryClient.Reply list = a.send("GET", "/api/v1/tracks?limit=1", null, Map.of("Origin", origin), null);
      assertThat(list.status()).as(origin + ": " + list.text()).isEqualTo(200);
      assertThat(list.header("Access-Control-Allow-Origin")).as(origin).isIn("*", origin);
    }
  }

  /** HEAD is answered wherever GET is, with GET's status and head (Content-Length included) and no body; never where GET records something. */
  @Test
  void headIsAnsweredLikeGetWithoutTheBody() {
    String owner = a.newUser("head");
    JsonObject t = upload(owner, "Heads", "head one");
    for (String path : List.of("/health", "/ready", path(t), "/api/v1/tracks?limit=1")) {
      LibraryClient.Reply get = a.get(path, owner);
      LibraryClient.Reply head = a.send("HEAD", path, owner, Map.of(), null);
      assertThat(head.status()).as(path + ": " + get.text()).isEqualTo(get.status()).isNotEqualTo(404);
      assertThat(head.body()).as(path).isEmpty();
      assertThat(head.header("Content-Type")).as(path).isEqualTo(get.header("Content-Type"));
      assertThat(head.header("Content-Length")).as(path).isEqualTo(Integer.toString(get.body().length));
    }
    assertThat(a.send("HEAD", "/metrics", null, Map.of(), null).status()).isEqualTo(200);
    // GET /api/v1/wave records the tracks it serves: HEAD is refused there
    LibraryClient.Reply wave = a.send("HEAD", "/api/v1/wave", owner, Map.of(), null);
    assertThat(wave.status()).isEqualTo(405);
    assertThat(wave.header("Allow")).isEqualTo("GET");
  }

  @Test
  void onlyTheOwnerOrAModeratorMayPatch() {
    String owner = a.newUser("pown");
    String other = a.newUser("poth");
    JsonObject t = upload(owner, "Patch", "before");
    assertThat(a.json("PATCH", path(t), other, new JsonObject().put("title", "x")).error(404)).isEqualTo("not_found");
    approve(t);
    assertThat(a.json("PATCH", path(t), other, new JsonObject().put("title", "x")).error(403)).isEqualTo("forbidden");
    assertThat(a.json("PATCH", path(t), null, new JsonObject().put("title", "x")).error(401)).isEqualTo("unauthenticated");

    JsonObject edit = new JsonObject().put("title", "After — 変更").put("artist", "New Artist").put("album", "New Album").put("track_no", 7)
        .put("year", 1999).put("genre", "Chiptune").put("tags", new JsonArray().add("Retro").add("game").add("retro"));
    JsonObject after = b.json("PATCH", path(t), owner, edit).expect(200).json().getJsonObject("track");
    assertThat(after.getString("title")).isEqualTo("After — 変更");
    assertThat(after.getJsonObject("artist").getString("name")).isEqualTo("New Artist");
    assertThat(after.getString("album")).isEqualTo("New Album");
    assertThat(after.getInteger("track_no")).isEqualTo(7);
    assertThat(after.getInteger("year")).isEqualTo(1999);
    assertThat(after.getString("genre")).isEqualTo("Chiptune");
    assertThat(after.getJsonArray("tags")).containsExactly("game", "retro");
    assertThat(after.getString("updated_at")).isGreaterThan(t.getString("updated_at"));
    // approval is of the track, not of its metadata (api.md, Visibility): the owner's edit stays approved, public as edited
    assertThat(after.getString("moderation")).isEqualTo("approved");
    assertThat(a.get(path(t), other).expect(200).json().getJsonObject("track").getString("title")).isEqualTo("After — 変更");

    // left-out fields stay; null clears
    JsonObject cleared = a.json("PATCH", path(t), admin, new JsonObject().put("artist", (String) null).put("year", (Integer) null))
        .expect(200).json().getJsonObject("track");
    assertThat(cleared.getValue("artist")).isNull();
    assertThat(cleared.getValue("year")).isNull();
    assertThat(cleared.getString("title")).isEqualTo("After — 変更");
    // a blank text clears as null does (the title excepted: it cannot be cleared), as PATCH /albums/{id} does
    a.json("PATCH", path(t), owner, new JsonObject().put("artist", "Someone")).expect(200);
    JsonObject blank = a.json("PATCH", path(t), owner, new JsonObject().put("artist", "").put("album", "  ").put("genre", "\u00a0"))
        .expect(200).json().getJsonObject("track");
    assertThat(blank.getValue("artist")).isNull();
    assertThat(blank.getValue("album")).isNull();
    assertThat(blank.getValue("genre")).isNull();

    for (JsonObject bad : List.of(new JsonObject().put("year", 10000), new JsonObject().put("title", "  "),
        new JsonObject().put("owner_id", UUID.randomUUID().toString()), new JsonObject(), new JsonObject().put("tags", "rock"),
        new JsonObject().put("track_no", 1.5), new JsonObject().put("title", "x".repeat(256)), new JsonObject().put("title", "a\u202eb"),
        new JsonObject().put("title", "\u00a0"), new JsonObject().put("title", "\u0301"), new JsonObject().put("artist", "a\u0000b"),
        new JsonObject().put("genre", "g\u2066"), new JsonObject().put("tags", new JsonArray().add("ok").add("\u200b")))) {
      assertThat(a.json("PATCH", path(t), owner, bad).error(400)).as(bad.encode()).isEqualTo("invalid_argument");
    }
    assertThat(a.send("PATCH", path(t), owner, Map.of("Content-Type", "application/json"),
        java.net.http.HttpRequest.BodyPublishers.ofString("{not json")).error(400)).isEqualTo("malformed_json");
    // JSON that is not an object is the client's error (it was a ClassCastException: 500)
    for (String notAnObject : List.of("[]", "[{\"title\":\"x\"}]", "\"title\"", "42", "true")) {
      assertThat(a.send("PATCH", path(t), owner, Map.of("Content-Type", "application/json"),
          java.net.http.HttpRequest.BodyPublishers.ofString(notAnObject)).error(400)).as(notAnObject).isEqualTo("malformed_json");
    }
    JsonObject nfc = a.json("PATCH", path(t), owner, new JsonObject().put("title", "  Cafe\u0301 ")).expect(200).json().getJsonObject("track");
    assertThat(nfc.getString("title")).as("trimmed and NFC, as every typed name").isEqualTo("Caf\u00e9");
    assertThat(a.json("POST", path(t) + "/stream-url", owner, new JsonObject().put("format", 123)).error(400)).isEqualTo("invalid_argument");
  }

  @Test
  void deleteRemovesTheRowItsObjectsAndItsReferences() {
    String owner = a.newUser("down");
    String other = a.newUser("doth");
    JsonObject t = upload(owner, "Delete", "doomed");
    String id = t.getString("id");
    approve(t);
    assertThat(a.send("DELETE", path(t), other, Map.of(), null).error(403)).isEqualTo("forbidden");
    assertThat(a.send("DELETE", path(t), null, Map.of(), null).error(401)).isEqualTo("unauthenticated");

    // references: an album entry, a playlist entry, a like, a play
    String ownerId = LibraryClient.userId(owner);
    UUID album = UUID.randomUUID();
    UUID playlist = UUID.randomUUID();
    tc.sql("INSERT INTO albums (id, owner_id, title) VALUES (?, ?::uuid, 'A')", album, ownerId);
    tc.sql("INSERT INTO album_tracks (album_id, track_id, position) VALUES (?, ?::uuid, 1)", album, id);
    tc.sql("INSERT INTO playlists (id, owner_id, name) VALUES (?, ?::uuid, 'P')", playlist, ownerId);
    tc.sql("INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES (?, ?::uuid, 1)", playlist, id);
    tc.sql("INSERT INTO likes (user_id, subject_type, subject_id) VALUES (?::uuid, 'track', ?::uuid)", ownerId, id);
    assertThat(a.get(path(t), owner).expect(200).json().getJsonObject("track").getBoolean("liked")).isTrue();
    a.get(path(t) + "/stream", owner).expect(200);
    awaitRows("SELECT 1 FROM plays WHERE track_id = ?::uuid", id, 1);

    b.send("DELETE", path(t), owner, Map.of(), null).expect(204);
    assertThat(a.get(path(t), owner).error(404)).isEqualTo("not_found");
    assertThat(a.send("DELETE", path(t), owner, Map.of(), null).error(404)).isEqualTo("not_found");
    for (String table : List.of("album_tracks", "playlist_tracks", "plays")) {
      assertThat(tc.sql("SELECT 1 FROM " + table + " WHERE track_id = ?::uuid", id)).as(table).isEmpty();
    }
    assertThat(tc.sql("SELECT 1 FROM likes WHERE subject_id = ?::uuid", id)).isEmpty();
    assertThat(tc.sql("SELECT 1 FROM albums WHERE id = ?", album)).hasSize(1);   // the album stays, without the track
    awaitNoObjects(id);

    // a moderator may delete someone else's track
    JsonObject t2 = upload(owner, "Delete", "moderated");
    a.send("DELETE", path(t2), admin, Map.of(), null).expect(204);
    awaitNoObjects(t2.getString("id"));
  }

  /** The album filter ignores case beyond ASCII whatever the database's locale (the test cluster's is C). */
  @Test
  void theAlbumFilterIgnoresTheCaseOfEveryScript() {
    String owner = a.newUser("uown");
    String album = "Ünïcödé Älbum ΣΟΦΙΑ " + UUID.randomUUID();
    String id = upload(owner, album, "accented").getString("id");
    for (String asked : List.of(album, album.toLowerCase(java.util.Locale.ROOT), album.toUpperCase(java.util.Locale.ROOT))) {
      String q = "/api/v1/tracks?owner=me&album=" + java.net.URLEncoder.encode(asked, java.nio.charset.StandardCharsets.UTF_8);
      assertThat(a.get(q, owner).expect(200).json().getJsonArray("tracks").stream().map(o -> ((JsonObject) o).getString("id")))
          .as(asked).containsExactly(id);
    }
  }

  @Test
  void theListingPagesWithACursorAndFollowsVisibility() {
    String owner = a.newUser("lown");
    String other = a.newUser("loth");
    String album = "Cursor " + UUID.randomUUID();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(upload(owner, album, "song " + i).getString("id"));
    }
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      String q = "/api/v1/tracks?owner=me&limit=2" + (cursor == null ? "" : "&cursor=" + cursor);
      JsonObject page = b.get(q, owner).expect(200).json();
      page.getJsonArray("tracks").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      cursor = page.getString("next_cursor");
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).isEqualTo(newestFirst);

    String q = "/api/v1/tracks?album=" + java.net.URLEncoder.encode(album.toUpperCase(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(a.get(q, owner).expect(200).json().getJsonArray("tracks")).hasSize(5);
    assertThat(a.get(q, other).expect(200).json().getJsonArray("tracks")).isEmpty();   // pending: not theirs
    assertThat(a.get(q, null).expect(200).json().getJsonArray("tracks")).isEmpty();
    assertThat(a.get(q, admin).expect(200).json().getJsonArray("tracks")).hasSize(5);

    tc.sql("UPDATE tracks SET moderation = 'approved' WHERE id = ANY(?::uuid[])", (Object) new String[] {ids.get(1), ids.get(3)});
    JsonArray visible = a.get(q + "&owner=" + LibraryClient.userId(owner), other).expect(200).json().getJsonArray("tracks");
    assertThat(visible.stream().map(o -> ((JsonObject) o).getString("id")).toList()).containsExactly(ids.get(3), ids.get(1));
    assertThat(a.get(q, null).expect(200).json().getJsonArray("tracks")).hasSize(2);

    String artistId = a.get("/api/v1/tracks/" + ids.get(0), owner).json().getJsonObject("track").getJsonObject("artist").getString("id");
    assertThat(a.get(q + "&artist=" + artistId, owner).expect(200).json().getJsonArray("tracks")).hasSize(5);
    assertThat(a.get(q + "&artist=lister", owner).expect(200).json().getJsonArray("tracks")).hasSize(5);
    assertThat(a.get(q + "&artist=nobody", owner).expect(200).json().getJsonArray("tracks")).isEmpty();

    // any case in every script: the embedded database's lower() folds ASCII only, so «Альбом» was found by no spelling
    String cyrillic = "Альбом " + UUID.randomUUID().toString().substring(0, 6);
    String cyrillicId = upload(owner, cyrillic, "песня").getString("id");
    for (String spelled : List.of(cyrillic, cyrillic.toUpperCase(java.util.Locale.ROOT), cyrillic.toLowerCase(java.util.Locale.ROOT))) {
      JsonArray found = a.get("/api/v1/tracks?album=" + java.net.URLEncoder.encode(spelled, java.nio.charset.StandardCharsets.UTF_8), owner)
          .expect(200).json().getJsonArray("tracks");
      assertThat(found.stream().map(o -> ((JsonObject) o).getString("id")).toList()).as(spelled).containsExactly(cyrillicId);
    }

    assertThat(a.get("/api/v1/tracks?cursor=garbage", owner).error(400)).isEqualTo("invalid_argument");
    // an empty cursor is an absent one (the first page), on every paged list (api.md, Paging)
    assertThat(a.get("/api/v1/tracks?owner=me&limit=2&cursor=", owner).expect(200).json().getJsonArray("tracks")).hasSize(2);
    assertThat(a.get("/api/v1/tracks?limit=0", owner).error(400)).isEqualTo("invalid_argument");
    assertThat(a.get("/api/v1/tracks?limit=201", owner).error(400)).isEqualTo("invalid_argument");
    // ASCII digits only: Arabic-Indic ٣ is not 3
    assertThat(a.get("/api/v1/tracks?limit=%D9%A3", owner).error(400)).isEqualTo("invalid_argument");
    assertThat(a.get("/api/v1/tracks?owner=me", null).error(400)).isEqualTo("invalid_argument");
  }

  static void awaitRows(String sql, String id, int n) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (tc.sql(sql, id).size() != n) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("expected " + n + " rows of " + sql);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);   // written after the response
    }
  }

  /** The S3 objects go after the row (asynchronously): poll until none is left. */
  static void awaitNoObjects(String id) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!s3.listObjectsV2(r -> r.bucket(tc.config().s3().bucket()).prefix("tracks/" + id + "/")).contents().isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("S3 objects of deleted track " + id + " are still there");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
    }
  }
}

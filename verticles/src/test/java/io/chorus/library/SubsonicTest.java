package io.chorus.library;

import io.chorus.infra.Infra;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** OpenSubsonic (issue 17) driven by the real npm `subsonic-api` client and by raw XML requests. */
class SubsonicTest {
  static final String PW = "a long enough password";
  static final String ALLOWED_ORIGIN = "https://player.example";
  static final Path COVER = Path.of("/usr/share/games/warzone2100/music/albums/original_soundtrack/albumcover.png");
  static final Path SONG_FILE = Path.of("/usr/share/games/warzone2100/music/albums/original_soundtrack/track3.opus");
  static TestCluster tc;
  static Rest rest;
  static int port;
  static String alice;
  static String aliceId;
  static String bobId;
  static String appPassword;
  static String apiKey;
  static UUID album;
  static UUID song;
  static UUID song2;
  static UUID hidden;

  @BeforeAll
  static void start() throws Exception {
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000,
        "CORS_ALLOWED_ORIGINS", ALLOWED_ORIGIN));
    rest = tc.rest();
    port = tc.port();
    alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject a = rest.postOk(port, "/api/v1/auth/register", null, new JsonObject().put("username", alice).put("password", PW));
    aliceId = a.getJsonObject("user").getString("id");
    String token = a.getString("access_token");
    JsonObject b = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "bob-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    bobId = b.getJsonObject("user").getString("id");

    Rest.Reply created = rest.post(port, "/api/v1/me/subsonic/credentials", token, new JsonObject().put("kind", "app_password").put("name", "phone"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    appPassword = created.json().getString("password");
    Rest.Reply key = rest.post(port, "/api/v1/me/subsonic/credentials", token, new JsonObject().put("kind", "api_key").put("name", "desktop"));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    apiKey = key.json().getString("api_key");
    JsonArray listed = rest.get(port, "/api/v1/me/subsonic/credentials", token).json().getJsonArray("credentials");
    assertThat(listed).hasSize(2);
    assertThat(listed.encode()).doesNotContain(appPassword).doesNotContain(apiKey);

    // the library's rows as the upload, processing and moderation steps leave them
    UUID artist = UUID.randomUUID();
    album = UUID.randomUUID();
    song = UUID.randomUUID();
    song2 = UUID.randomUUID();
    hidden = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "The Aurora Ensemble " + artist, "aurora " + artist);
    tc.sql("INSERT INTO albums (id, owner_id, title, artist_id, year, cover_key, moderation) VALUES (?, ?, 'Northern Lights', ?, 2021, ?, 'approved')",
        album, UUID.fromString(aliceId), artist, "albums/" + album + "/cover");
    track(song, aliceId, "Aurora Rising", artist, "approved", 215_000);
    track(song2, aliceId, "Second Light", artist, "approved", 180_000);
    track(hidden, bobId, "Bob's pending demo", null, "pending", 60_000);
    tc.sql("INSERT INTO album_tracks (album_id, track_id, position) VALUES (?, ?, 1), (?, ?, 0)", album, song, album, song2);
    for (Path p : List.of(COVER, SONG_FILE)) {
      if (!Files.isReadable(p)) {
        fail("test music missing: " + p + " (Debian package warzone2100-music; scripts/install-test-deps installs it)");
      }
    }
    tc.sql("UPDATE tracks SET original_size = ? WHERE id = ?", Files.size(SONG_FILE), song);
    try (S3Client s3 = Infra.s3Client(tc.config().s3())) {
      s3.putObject(PutObjectRequest.builder().bucket(tc.config().s3().bucket()).key("tracks/" + song + "/original").contentType("audio/ogg").build(),
          RequestBody.fromFile(SONG_FILE));
      s3.putObject(PutObjectRequest.builder().bucket(tc.config().s3().bucket()).key("albums/" + album + "/cover").contentType("image/png").build(),
          RequestBody.fromFile(COVER));
    }
  }

  static void track(UUID id, String owner, String title, UUID artist, String moderation, long durationMs) {
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status, moderation,"
            + " duration_ms, bitrate, replay_gain_db, true_peak_db) VALUES (?, ?, ?, ?, ?, ?, 123456, 'opus', 'audio/ogg', 'ready', ?, ?, 128000, -3.5, -1.0)",
        id, UUID.fromString(owner), title, artist, sha(id), "tracks/" + id + "/original", moderation, durationMs);
  }

  static String sha(UUID id) {
    return HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64);
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  @Test
  void aRealSubsonicClientBrowsesSearchesStarsAndScrobbles() {
    NodeScripts.requireInstalled("subsonic-api");
    JsonObject r = NodeScripts.run("test/subsonic-client.mjs", Duration.ofSeconds(60), "http://127.0.0.1:" + port, alice, appPassword, apiKey,
        album.toString(), song.toString(), hidden.toString());
    assertThat(r.getJsonObject("ping").getString("status")).isEqualTo("ok");
    assertThat(r.getJsonObject("pingByKey").getString("status")).isEqualTo("ok");
    assertThat(r.getJsonObject("pingWrong").getString("status")).isEqualTo("failed");
    assertThat(r.getJsonObject("pingWrong").getJsonObject("error").getInteger("code")).isEqualTo(40);
    assertThat(r.getJsonObject("license").getBoolean("valid")).isTrue();
    assertThat(r.getJsonObject("folders").getJsonArray("musicFolder")).hasSize(1);
    assertThat(r.getJsonArray("extensions").stream().map(e -> ((JsonObject) e).getString("name")))
        .contains("apiKeyAuthentication", "formPost");

    JsonObject index = r.getJsonObject("artists").getJsonArray("index").getJsonObject(0);
    assertThat(index.getString("name")).as("'The' is an ignored article").isEqualTo("A");
    assertThat(r.getJsonObject("artist").getJsonArray("album")).hasSize(1);
    JsonObject al = r.getJsonObject("album");
    assertThat(al.getString("name")).isEqualTo("Northern Lights");
    assertThat(al.getInteger("songCount")).isEqualTo(2);
    assertThat(al.getInteger("duration")).isEqualTo(395);
    assertThat(al.getString("coverArt")).isEqualTo(album.toString());
    JsonArray songs = al.getJsonArray("song");
    assertThat(songs.stream().map(s -> ((JsonObject) s).getString("title"))).containsExactly("Second Light", "Aurora Rising");
    JsonObject s = r.getJsonObject("song");
    assertThat(s.getString("albumId")).isEqualTo(album.toString());
    assertThat(s.getInteger("duration")).isEqualTo(215);
    assertThat(s.getInteger("bitRate")).isEqualTo(128);
    assertThat(s.getString("suffix")).isEqualTo("opus");
    assertThat(s.getJsonObject("replayGain").getDouble("trackGain")).isEqualTo(-3.5);
    assertThat(r.getJsonObject("hiddenSong").getJsonObject("error").getInteger("code")).as("another user's pending track").isEqualTo(70);
    assertThat(r.getJsonObject("newest").getJsonArray("album").stream().map(x -> ((JsonObject) x).getString("id"))).contains(album.toString());

    assertThat(r.getJsonObject("search").getJsonArray("song").stream().map(x -> ((JsonObject) x).getString("id"))).contains(song.toString());
    assertThat(r.getJsonObject("search").getJsonArray("album")).hasSize(1);
    assertThat(r.getJsonObject("searchAll").getJsonArray("song").stream().map(x -> ((JsonObject) x).getString("id")))
        .contains(song.toString(), song2.toString()).doesNotContain(hidden.toString());

    assertThat(r.getJsonObject("created").getString("name")).isEqualTo("Road trip");
    assertThat(r.getJsonObject("playlist").getJsonArray("entry")).as("a track may be listed twice").hasSize(2);
    assertThat(r.getJsonObject("playlists").getJsonArray("playlist").stream().map(x -> ((JsonObject) x).getString("name"))).contains("Road trip");

    assertThat(r.getJsonObject("star").getString("status")).isEqualTo("ok");
    assertThat(r.getJsonObject("starred").getJsonArray("album").stream().map(x -> ((JsonObject) x).getString("id"))).containsExactly(album.toString());
    assertThat(r.getValue("starredSong")).isNotNull();
    assertThat(r.getValue("unstarredSong")).isNull();

    assertThat(r.getJsonObject("scrobble").getString("status")).isEqualTo("ok");
    assertThat(r.getInteger("songAfterScrobble")).as("the same scrobble twice counts once").isEqualTo(1);
    assertThat(tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ? AND source = 'scrobble'", song).get(0).get("n")).isEqualTo(1L);
    assertThat(tc.sql("SELECT count(*) AS n FROM library_outbox WHERE message_key = ? AND payload->>'source' = 'scrobble'", song.toString())
        .get(0).get("n")).isEqualTo(1L);

    JsonObject cover = r.getJsonObject("cover");
    assertThat(cover.getInteger("status")).isEqualTo(200);
    assertThat(cover.getString("type")).isEqualTo("image/png");
    assertThat(cover.getLong("bytes")).isEqualTo(COVER.toFile().length());
    long songBytes = SONG_FILE.toFile().length();
    assertThat(r.getJsonObject("stream").getInteger("status")).as(r.encodePrettily()).isEqualTo(200);
    assertThat(r.getJsonObject("stream").getString("type")).isEqualTo("audio/ogg");
    assertThat(r.getJsonObject("stream").getLong("bytes")).isEqualTo(songBytes);
    assertThat(r.getJsonObject("download").getLong("bytes")).isEqualTo(songBytes);
    assertThat(r.getJsonObject("hiddenStream").getInteger("status")).as("another user's pending track does not stream").isEqualTo(404);
    assertThat(r.getJsonObject("unknownAlbum").getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(r.getJsonObject("missingParam").getJsonObject("error").getInteger("code")).isEqualTo(10);
  }

  @Test
  void xmlAnswersAndPlainOrHexPasswordsWithTheViewSuffixOrWithout() throws Exception {
    String hex = "enc:" + HexFormat.of().formatHex(appPassword.getBytes(StandardCharsets.UTF_8));
    Element ok = xml("/rest/getAlbum.view?v=1.16.1&c=test&u=" + alice + "&p=" + hex + "&id=" + album);
    assertThat(ok.getAttribute("status")).isEqualTo("ok");
    assertThat(ok.getAttribute("openSubsonic")).isEqualTo("true");
    Element albumEl = (Element) ok.getElementsByTagName("album").item(0);
    assertThat(albumEl.getAttribute("name")).isEqualTo("Northern Lights");
    assertThat(albumEl.getElementsByTagName("song").getLength()).isEqualTo(2);

    Element plain = xml("/rest/ping?v=1.16.1&c=test&u=" + alice + "&p=" + URLEncoder.encode(appPassword, StandardCharsets.UTF_8));
    assertThat(plain.getAttribute("status")).isEqualTo("ok");

    // the account password is never a Subsonic password: a leaked MD5 token must not expose it
    Element account = xml("/rest/ping.view?v=1.16.1&c=test&u=" + alice + "&p=" + URLEncoder.encode(PW, StandardCharsets.UTF_8));
    assertThat(account.getAttribute("status")).isEqualTo("failed");
    assertThat(((Element) account.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("40");

    Element both = xml("/rest/ping.view?u=" + alice + "&p=x&apiKey=" + apiKey);
    assertThat(((Element) both.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("43");
    Element badKey = xml("/rest/ping.view?apiKey=nope");
    assertThat(((Element) badKey.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("44");
    Element none = xml("/rest/ping.view");
    assertThat(((Element) none.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("10");
    // OpenSubsonic: the extensions must be readable without credentials (clients look for apiKeyAuthentication first)
    for (String path : List.of("/rest/getOpenSubsonicExtensions.view", "/rest/getOpenSubsonicExtensions?v=1.16.1&c=test&apiKey=nope")) {
      Element extensions = xml(path);
      assertThat(extensions.getAttribute("status")).as(path).isEqualTo("ok");
      List<String> names = new java.util.ArrayList<>();
      org.w3c.dom.NodeList listed = extensions.getElementsByTagName("openSubsonicExtensions");
      for (int i = 0; i < listed.getLength(); i++) {
        names.add(((Element) listed.item(i)).getAttribute("name"));
      }
      assertThat(names).as(path).contains("apiKeyAuthentication", "formPost");
    }
    HttpResponse<String> json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/rest/getOpenSubsonicExtensions?f=json")).build(), HttpResponse.BodyHandlers.ofString());
    JsonObject extensionsJson = new JsonObject(json.body()).getJsonObject("subsonic-response");
    assertThat(extensionsJson.getString("status")).as(json.body()).isEqualTo("ok");
    assertThat(extensionsJson.getJsonArray("openSubsonicExtensions").encode()).contains("\"apiKeyAuthentication\"");
    // only it: every other method still needs them
    Element noLicense = xml("/rest/getLicense.view");
    assertThat(((Element) noLicense.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("10");
    Element unknown = xml("/rest/getVideoInfo.view?id=1&apiKey=" + apiKey);   // a method Chorus does not implement
    assertThat(((Element) unknown.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("70");
    Element badInt = xml("/rest/getAlbumList2.view?type=newest&size=abc&apiKey=" + apiKey);
    assertThat(badInt.getAttribute("status")).isEqualTo("failed");
    // ASCII digits only: Arabic-Indic ٣ is not 3 (error 0, as for abc)
    for (String query : List.of("getAlbumList2.view?type=newest&size=%D9%A3", "search3.view?query=a&songCount=%D9%A3",
        "getAlbumList2.view?type=newest&size=501", "search3.view?query=a&songCount=501", "search3.view?query=a&albumOffset=-1",
        "getSimilarSongs2.view?id=" + UUID.randomUUID() + "&count=%D9%A3",
        // nor a padded number (a query's + is a space)
        "getAlbumList2.view?type=newest&size=+3", "getSimilarSongs2.view?id=" + UUID.randomUUID() + "&count=%203",
        "search3.view?query=a&songCount=3%20")) {
      Element arabic = xml("/rest/" + query + "&apiKey=" + apiKey);
      assertThat(arabic.getAttribute("status")).as(query).isEqualTo("failed");
      assertThat(((Element) arabic.getElementsByTagName("error").item(0)).getAttribute("code")).as(query).isEqualTo("0");
    }
  }

  @Test
  void formPostAndJsonpWork() throws Exception {
    HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/getSong.view"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("f=json&apiKey=" + apiKey + "&id=" + song)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(post.body()).getJsonObject("subsonic-response").getJsonObject("song").getString("title")).isEqualTo("Aurora Rising");
    HttpResponse<String> jsonp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/rest/ping.view?f=jsonp&callback=cb&apiKey=" + apiKey)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(jsonp.body()).startsWith("cb({\"subsonic-response\"");
  }

  @Test
  void credentialsNeedASignInAndCanBeRevoked() {
    String token = rest.postOk(port, "/api/v1/auth/login", null, new JsonObject().put("username", alice).put("password", PW)).getString("access_token");
    assertThat(rest.post(port, "/api/v1/me/subsonic/credentials", null, new JsonObject()).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(port, "/api/v1/me/subsonic/credentials", token, new JsonObject().put("kind", "root")).errorCode(400)).isEqualTo("invalid_argument");
    // the token is checked before the body, and a bad body is told in our words (no Java class, no Jackson option)
    assertThat(rest.post(port, "/api/v1/me/subsonic/credentials", null, new JsonObject().put("kind", "root")).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(port, "/api/v1/me/subsonic/credentials", null, "{\"kind\":").errorCode(401)).isEqualTo("unauthenticated");
    // its size too: a body over the 4 KiB limit is 401 without a token, 413 with one
    JsonObject oversized = new JsonObject().put("kind", "api_key").put("name", "x".repeat(5000));
    assertThat(rest.post(port, "/api/v1/me/subsonic/credentials", null, oversized).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(port, "/api/v1/me/subsonic/credentials", token, oversized).errorCode(413)).isEqualTo("payload_too_large");
    Rest.Reply array = rest.post(port, "/api/v1/me/subsonic/credentials", token, "[]");
    assertThat(array.errorCode(400)).isEqualTo("malformed_json");
    assertThat(array.json().getJsonObject("error").getString("message")).isEqualTo("the body must be a JSON object");
    Rest.Reply cut = rest.post(port, "/api/v1/me/subsonic/credentials", token, "{\"kind\":");
    assertThat(cut.errorCode(400)).isEqualTo("malformed_json");
    assertThat(cut.json().getJsonObject("error").getString("message")).isEqualTo("the body is not valid JSON");
    JsonObject extra = rest.postOk(port, "/api/v1/me/subsonic/credentials", token, new JsonObject().put("kind", "api_key").put("name", "temp"));
    String key = extra.getString("api_key");
    assertThat(ping("apiKey=" + key)).isEqualTo("ok");
    Rest.Reply del = rest.call(io.vertx.core.http.HttpMethod.DELETE, port, "/api/v1/me/subsonic/credentials/" + extra.getString("id"), token, null, null);
    assertThat(del.status()).isEqualTo(204);
    // authentication comes before the id's check: no token is 401 whatever the id; with one a malformed id is 400
    assertThat(rest.call(io.vertx.core.http.HttpMethod.DELETE, port, "/api/v1/me/subsonic/credentials/bad", null, null, null).errorCode(401))
        .isEqualTo("unauthenticated");
    assertThat(rest.call(io.vertx.core.http.HttpMethod.DELETE, port, "/api/v1/me/subsonic/credentials/bad", token, null, null).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(ping("apiKey=" + key)).isEqualTo("failed");
  }

  @Test
  void hiddenOrUnknownIdsAreNotFoundAndRecordNothingAndBadNamesAreRefused() throws Exception {
    String auth = "v=1.16.1&c=test&apiKey=" + apiKey;
    UUID unknown = UUID.randomUUID();
    // an artist that exists only through another user's pending song: hidden from alice
    UUID hiddenArtist = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", hiddenArtist, "Bob's secret band " + hiddenArtist, "secret " + hiddenArtist);
    track(UUID.randomUUID(), bobId, "Bob's secret demo", hiddenArtist, "pending", 60_000);
    Object songPlays = tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?", song).get(0).get("n");
    for (String q : List.of("scrobble.view?submission=true&time=1700000000001&id=" + hidden, "scrobble.view?id=" + unknown,
        "scrobble.view?id=" + song + "&id=" + hidden, "star.view?id=" + hidden, "star.view?id=" + unknown, "star.view?albumId=" + unknown,
        "star.view?artistId=" + unknown, "star.view?artistId=" + hiddenArtist, "star.view?id=" + song + "&albumId=" + unknown)) {
      Element e = xml("/rest/" + q + "&" + auth);
      assertThat(e.getAttribute("status")).as(q).isEqualTo("failed");
      assertThat(((Element) e.getElementsByTagName("error").item(0)).getAttribute("code")).as(q).isEqualTo("70");
    }
    assertThat(tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ? OR track_id = ?", hidden, unknown).get(0).get("n"))
        .as("another user's pending track and an unknown id are not played").isEqualTo(0L);
    assertThat(tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?", song).get(0).get("n"))
        .as("a refused call records nothing, not even its visible ids").isEqualTo(songPlays);
    assertThat(tc.sql("SELECT count(*) AS n FROM likes WHERE user_id = ? AND (subject_id = ? OR subject_id = ? OR subject_id = ?)",
        UUID.fromString(aliceId), hidden, unknown, hiddenArtist).get(0).get("n")).isEqualTo(0L);
    assertThat(xml("/rest/unstar.view?id=" + unknown + "&" + auth).getAttribute("status")).as("unstarring is idempotent").isEqualTo("ok");

    // a time PostgreSQL cannot hold (it was stored as 'infinity' and broke the user's wave for good), before 2000 or
    // over a day ahead is a bad number: nothing is played, counted or announced
    Object playCount = tc.sql("SELECT play_count AS n FROM tracks WHERE id = ?", song).get(0).get("n");
    Object outbox = tc.sql("SELECT count(*) AS n FROM library_outbox WHERE message_key = ?", song.toString()).get(0).get("n");
    long dayAndAHour = 25 * 3600 * 1000L;
    for (String time : List.of("99999999999999999", "-5", "0", "946684799999", String.valueOf(System.currentTimeMillis() + dayAndAHour),
        "+" + System.currentTimeMillis())) {   // a query's + is a space: a padded number is no number
      Element e = xml("/rest/scrobble.view?submission=true&time=" + time + "&id=" + song + "&" + auth);
      assertThat(e.getAttribute("status")).as(time).isEqualTo("failed");
      assertThat(((Element) e.getElementsByTagName("error").item(0)).getAttribute("code")).as(time).isEqualTo("0");
    }
    assertThat(tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?", song).get(0).get("n")).isEqualTo(songPlays);
    assertThat(tc.sql("SELECT play_count AS n FROM tracks WHERE id = ?", song).get(0).get("n")).isEqualTo(playCount);
    assertThat(tc.sql("SELECT count(*) AS n FROM library_outbox WHERE message_key = ?", song.toString()).get(0).get("n")).isEqualTo(outbox);

    for (String name : List.of("a%E2%80%AEb", "%C2%A0", "x".repeat(256))) {
      Element e = xml("/rest/createPlaylist.view?name=" + name + "&" + auth);
      assertThat(e.getAttribute("status")).as(name).isEqualTo("failed");
      assertThat(((Element) e.getElementsByTagName("error").item(0)).getAttribute("message")).as(name).startsWith("name must");
    }
    HttpResponse<String> nul = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/rest/createPlaylist.view?name=a%00b&" + auth)).build(), HttpResponse.BodyHandlers.ofString());
    // Subsonic's error 0 in its own format, as for a form POST (contract B, 6)
    assertThat(nul.statusCode()).isEqualTo(200);
    assertThat(nul.body()).contains("status=\"failed\"").contains("code=\"0\"");
    assertThat(nul.body()).doesNotContain("UTF8").doesNotContain("22021");
  }

  @Test
  void aSongsCoverArtIsItsAlbumsCoverWhenItHasNoArtOfItsOwn() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    // the song's coverArt names the album; players ask with the song's id as well (Navidrome answers both)
    HttpResponse<byte[]> bySong = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/getCoverArt.view?id=" + song
        + "&f=json&apiKey=" + apiKey)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(bySong.statusCode()).as(new String(bySong.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(bySong.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(bySong.body()).isEqualTo(Files.readAllBytes(COVER));
    // a song in no album and without art of its own has none
    UUID loose = UUID.randomUUID();
    track(loose, aliceId, "No art anywhere", null, "approved", 60_000);
    HttpResponse<String> none = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/getCoverArt.view?id=" + loose
        + "&f=json&apiKey=" + apiKey)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).as(none.body()).isEqualTo(404);
    assertThat(new JsonObject(none.body()).getJsonObject("subsonic-response").getJsonObject("error").getInteger("code")).isEqualTo(70);
  }

  /**
   * Subsonic's maxBitRate is a ceiling ("the server will attempt to limit the bitrate to this value"): stream?id with
   * maxBitRate=320 and no format transcoded a song of a few dozen kbps to a 320 kbps MP3 (clients such as DSub send it
   * by default). The original is sent when its average bit rate is within the ceiling, as Navidrome does; over it, the
   * MP3 at the ceiling (64–320 kbps).
   */
  @Test
  void maxBitRateIsACeilingTheOriginalWithinItAnMp3Over() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    String auth = "f=json&apiKey=" + apiKey;
    // songs of their own (a complete stream counts a play) on the suite's song file: said to last 215 s (a few dozen
    // kbps on average) and 1 s (thousands of kbps, over any ceiling)
    UUID plain = UUID.randomUUID();
    UUID dense = UUID.randomUUID();
    for (Object[] row : List.of(new Object[] {plain, 215_000}, new Object[] {dense, 1000})) {
      tc.sql("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format, mime, status, moderation,"
              + " duration_ms, bitrate) VALUES (?, ?, 'Ceiling', ?, ?, ?, 'opus', 'audio/ogg', 'ready', 'approved', ?, 128000)",
          row[0], UUID.fromString(aliceId), sha((UUID) row[0]), "tracks/" + song + "/original", Files.size(SONG_FILE), row[1]);
    }
    HttpResponse<byte[]> within = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/stream.view?id=" + plain
        + "&maxBitRate=320&" + auth)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(within.statusCode()).isEqualTo(200);
    assertThat(within.headers().firstValue("Content-Type")).hasValue("audio/ogg");
    assertThat(within.body()).isEqualTo(Files.readAllBytes(SONG_FILE));
    for (String max : List.of("1411", "32")) {
      HttpResponse<byte[]> over = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/stream.view?id=" + dense
          + "&maxBitRate=" + max + "&" + auth)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(over.statusCode()).as("maxBitRate=%s: %s", max, new String(over.body(), StandardCharsets.UTF_8)).isEqualTo(200);
      assertThat(over.headers().firstValue("Content-Type")).as("maxBitRate=" + max).hasValue("audio/mpeg");
    }
  }

  @Test
  void mediaMethodsAnswerNotFoundAsHttp404AndBadNumbersAndNulsAreErrors() throws Exception {
    String auth = "f=json&apiKey=" + apiKey;
    HttpClient client = HttpClient.newHttpClient();
    for (String q : List.of("getCoverArt.view?id=" + UUID.randomUUID(), "getCoverArt.view?id=not-a-uuid", "stream.view?id=not-a-uuid",
        "stream.view?id=" + UUID.randomUUID(), "download.view?id=" + UUID.randomUUID(), "stream.view?id=" + hidden)) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/" + q + "&" + auth)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(q + ": " + r.body()).isEqualTo(404);
      // the Subsonic error in the body, for every media method (contract B, 8)
      assertThat(new JsonObject(r.body()).getJsonObject("subsonic-response").getJsonObject("error").getInteger("code")).as(q).isEqualTo(70);
    }
    // a taken-down track: 410, the Subsonic error in the body, in the format asked for (XML without f)
    UUID removed = UUID.randomUUID();
    track(removed, aliceId, "Taken down", null, "removed", 60_000);
    HttpResponse<String> gone = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/download.view?id=" + removed
        + "&apiKey=" + apiKey)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(410);
    assertThat(gone.body()).contains("<subsonic-response").contains("status=\"failed\"").contains("code=\"70\"");
    HttpResponse<String> negative = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/stream.view?id=" + song
        + "&maxBitRate=-5&" + auth)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(negative.body()).getJsonObject("subsonic-response").getJsonObject("error").getInteger("code")).isEqualTo(0);
    HttpResponse<String> arabic = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/stream.view?id=" + song
        + "&maxBitRate=%D9%A3%D9%A2%D9%A0&" + auth)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(arabic.body()).getJsonObject("subsonic-response").getJsonObject("error").getInteger("code")).as("maxBitRate=٣٢٠")
        .isEqualTo(0);
    HttpResponse<String> nul = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/search3.view"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(auth + "&query=a%00b")).build(), HttpResponse.BodyHandlers.ofString());
    JsonObject failed = new JsonObject(nul.body()).getJsonObject("subsonic-response");
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getJsonObject("error").getString("message")).contains("NUL").doesNotContain("UTF8");
    // a NUL in the query is the same Subsonic error 0, not the router's JSON 400 (contract B, 6)
    HttpResponse<String> queryNul = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/ping.view?" + auth
        + "&x=a%00b")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(queryNul.statusCode()).as(queryNul.body()).isEqualTo(200);
    JsonObject queryFailed = new JsonObject(queryNul.body()).getJsonObject("subsonic-response");
    assertThat(queryFailed.getString("status")).isEqualTo("failed");
    assertThat(queryFailed.getJsonObject("error").getInteger("code")).isEqualTo(0);
  }

  /** getPlaylists?username= asks for another user's playlists: the admin role only (error 50 for others); one's own name as without it. */
  @Test
  void anotherUsersPlaylistsNeedTheAdminRole() throws Exception {
    String carol = "carol-" + UUID.randomUUID().toString().substring(0, 8);
    String carolToken = rest.postOk(port, "/api/v1/auth/register", null, new JsonObject().put("username", carol).put("password", PW))
        .getString("access_token");
    rest.postOk(port, "/api/v1/playlists", carolToken, new JsonObject().put("name", "Carol's public").put("public", true));
    rest.postOk(port, "/api/v1/playlists", carolToken, new JsonObject().put("name", "Carol's private"));
    String dave = "dave-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject d = rest.postOk(port, "/api/v1/auth/register", null, new JsonObject().put("username", dave).put("password", PW));
    tc.sql("UPDATE users SET roles = ARRAY['user', 'admin'] WHERE id = ?", UUID.fromString(d.getJsonObject("user").getString("id")));
    String adminKey = rest.postOk(port, "/api/v1/me/subsonic/credentials", d.getString("access_token"),
        new JsonObject().put("kind", "api_key").put("name", "admin")).getString("api_key");

    // a user asking for another user (or a name nobody has): not authorised, and nothing told of who exists
    for (String name : List.of(carol, "nobody-" + UUID.randomUUID().toString().substring(0, 8))) {
      JsonObject refused = subsonic("getPlaylists.view?username=" + name, apiKey);
      assertThat(refused.getString("status")).as(name).isEqualTo("failed");
      assertThat(refused.getJsonObject("error").getInteger("code")).as(name).isEqualTo(50);
    }
    // one's own name (in any case): the same answer as without it
    JsonObject mine = subsonic("getPlaylists.view", apiKey);
    assertThat(subsonic("getPlaylists.view?username=" + alice, apiKey)).isEqualTo(mine);
    assertThat(subsonic("getPlaylists.view?username=" + alice.toUpperCase(java.util.Locale.ROOT), apiKey)).isEqualTo(mine);
    // an admin gets that user's playlists (the public ones: a private one is its owner's alone, as in REST); an unknown name is 70
    JsonObject theirs = subsonic("getPlaylists.view?username=" + carol, adminKey);
    assertThat(theirs.getString("status")).as(theirs.encode()).isEqualTo("ok");
    assertThat(theirs.getJsonObject("playlists").getJsonArray("playlist")).extracting(o -> ((JsonObject) o).getString("name"))
        .containsExactly("Carol's public");
    assertThat(theirs.getJsonObject("playlists").getJsonArray("playlist").getJsonObject(0).getString("owner")).isEqualTo(carol);
    assertThat(subsonic("getPlaylists.view?username=nobody-" + UUID.randomUUID().toString().substring(0, 8), adminKey)
        .getJsonObject("error").getInteger("code")).isEqualTo(70);
  }

  /** A new account with an API key: {@code [user id, api key, access token, username]}. */
  private static String[] account(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject u = rest.postOk(port, "/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", PW));
    String key = rest.postOk(port, "/api/v1/me/subsonic/credentials", u.getString("access_token"),
        new JsonObject().put("kind", "api_key").put("name", prefix)).getString("api_key");
    return new String[] {u.getJsonObject("user").getString("id"), key, u.getString("access_token"), name};
  }

  /**
   * getArtists and getIndexes list the artists in alphabetical order as a person reads it, not by the bytes of their
   * names (the test cluster's database is C: lower() and ORDER BY put "Édith" and "Ärzte" after "Zed"): "Édith"
   * under E next to "Edith", "Ärzte" under A, Cyrillic after Latin, the article ignored for the order as for the letter.
   */
  @Test
  void artistsAreListedAlphabeticallyUnderFoldedLetters() throws Exception {
    String[] kim = account("kim");
    String tag = " " + UUID.randomUUID().toString().substring(0, 8);
    for (String name : List.of("Zed", "Кино", "Édith", "Ärzte", "Edith", "The Adam", "Øystein", "Ёлка", "Ели")) {
      UUID artist = UUID.randomUUID();
      tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, name + tag, (name + tag).toLowerCase(java.util.Locale.ROOT));
      track(UUID.randomUUID(), kim[0], "Song of " + name, artist, "pending", 100_000);
    }
    for (String method : List.of("getArtists.view", "getIndexes.view")) {
      JsonObject r = subsonic(method, kim[1]);
      assertThat(r.getString("status")).as(r.encode()).isEqualTo("ok");
      JsonArray index = r.getJsonObject(method.startsWith("getArtists") ? "artists" : "indexes").getJsonArray("index");
      List<String> mine = new java.util.ArrayList<>();
      List<String> letters = new java.util.ArrayList<>();
      for (Object i : index) {
        String letter = ((JsonObject) i).getString("name");
        letters.add(letter);
        for (Object a : ((JsonObject) i).getJsonArray("artist")) {
          String name = ((JsonObject) a).getString("name");
          if (name.endsWith(tag)) {
            mine.add(letter + ":" + name.substring(0, name.length() - tag.length()));
          }
        }
      }
      assertThat(mine).as(method).containsExactly("A:The Adam", "A:Ärzte", "E:Edith", "E:Édith", "O:Øystein", "Z:Zed", "Е:Ели", "Е:Ёлка", "К:Кино");
      assertThat(letters).as(method + ": each letter once, in order").doesNotHaveDuplicates();
      assertThat(letters.indexOf("A")).isLessThan(letters.indexOf("E"));
      assertThat(letters.indexOf("Z")).isLessThan(letters.indexOf("Е"));
      assertThat(letters.indexOf("Е")).isLessThan(letters.indexOf("К"));
    }
  }

  /**
   * The lists that page through names (search3, getAlbumList2's alphabetical types, an artist's albums) page in the
   * order a person reads them whatever the database's locale (the test cluster's is C, whose byte order put "Édith"
   * and "Ärzte" after "Zed", and upper case before lower).
   */
  @Test
  void pagedListsOrderNamesAsAPersonReadsThem() throws Exception {
    String[] ida = account("ida");
    String tag = UUID.randomUUID().toString().substring(0, 8);
    UUID artist = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Sorter " + tag, "sorter " + tag);
    List<String> names = List.of("Zed", "Édith", "ärzte", "Edith", "apple", "Кино", "Bravo");
    for (String name : names) {
      UUID albumId = UUID.randomUUID();
      tc.sql("INSERT INTO albums (id, owner_id, title, artist_id, moderation) VALUES (?, ?, ?, ?, 'pending')", albumId,
          UUID.fromString(ida[0]), name + " " + tag, artist);
      track(UUID.randomUUID(), ida[0], name + " " + tag, artist, "pending", 100_000);
    }
    List<String> expected = List.of("apple", "ärzte", "Bravo", "Edith", "Édith", "Zed", "Кино");
    JsonObject found = subsonic("search3.view?query=" + tag + "&songCount=3&albumCount=500", ida[1]).getJsonObject("searchResult3");
    assertThat(titles(found.getJsonArray("song"), tag)).containsExactlyElementsOf(expected.subList(0, 3));
    JsonObject next = subsonic("search3.view?query=" + tag + "&songCount=4&songOffset=3", ida[1]).getJsonObject("searchResult3");
    assertThat(titles(next.getJsonArray("song"), tag)).containsExactlyElementsOf(expected.subList(3, 7));
    assertThat(titles(found.getJsonArray("album"), tag)).containsExactlyElementsOf(expected);
    JsonArray byName = subsonic("getAlbumList2.view?type=alphabeticalByName&size=500", ida[1]).getJsonObject("albumList2").getJsonArray("album");
    assertThat(titles(byName, tag)).containsExactlyElementsOf(expected);
    JsonArray ofArtist = subsonic("getArtist.view?id=" + artist, ida[1]).getJsonObject("artist").getJsonArray("album");
    assertThat(titles(ofArtist, tag)).containsExactlyElementsOf(expected);
  }

  @Test
  void albumsByArtistIgnoreTheArticleAsGetArtistsDoes() throws Exception {
    // alphabeticalByArtist put "The Beatles" under T, where getArtists (ignoredArticles) files it under B
    String[] gus = account("gus");
    String tag = UUID.randomUUID().toString().substring(0, 8);
    for (String name : List.of("Cream", "The Beatles", "Abba", "Los Lobos")) {
      UUID artist = UUID.randomUUID();
      tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, name + " " + tag, (name + " " + tag).toLowerCase(java.util.Locale.ROOT));
      tc.sql("INSERT INTO albums (id, owner_id, title, artist_id, moderation) VALUES (?, ?, ?, ?, 'pending')", UUID.randomUUID(),
          UUID.fromString(gus[0]), name + " " + tag, artist);
    }
    JsonArray byArtist = subsonic("getAlbumList2.view?type=alphabeticalByArtist&size=500", gus[1]).getJsonObject("albumList2").getJsonArray("album");
    assertThat(titles(byArtist, tag)).containsExactly("Abba", "The Beatles", "Cream", "Los Lobos");
  }

  /** The names (title, else name) in {@code list} that end with " " + {@code tag}, without it, in order. */
  private static List<String> titles(JsonArray list, String tag) {
    return list.stream().map(x -> ((JsonObject) x).getString(((JsonObject) x).containsKey("title") ? "title" : "name"))
        .filter(n -> n.endsWith(" " + tag)).map(n -> n.substring(0, n.length() - tag.length() - 1)).toList();
  }

  /** The folder model (getIndexes, getMusicDirectory) and the lists players fill screens with (random, starred, by genre). */
  @Test
  void playersBrowseFoldersRandomSongsStarredAndGenres() throws Exception {
    String[] erin = account("erin");
    UUID artist = UUID.randomUUID();
    UUID loose = UUID.randomUUID();
    UUID krautrock = UUID.randomUUID();
    UUID oldKrautrock = UUID.randomUUID();
    UUID bobsKrautrock = UUID.randomUUID();
    String genre = "Krautrock " + krautrock.toString().substring(0, 8);
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Zed Motorik " + artist, "zed " + artist);
    track(loose, aliceId, "A song in no album", artist, "approved", 100_000);
    track(krautrock, aliceId, "Motorik", null, "approved", 100_000);
    track(oldKrautrock, aliceId, "Motorik 1971", null, "approved", 100_000);
    track(bobsKrautrock, bobId, "Bob's krautrock", null, "pending", 100_000);
    tc.sql("UPDATE tracks SET genre = ?, year = 1995 WHERE id = ? OR id = ?", genre, krautrock, bobsKrautrock);
    tc.sql("UPDATE tracks SET genre = ?, year = 1971 WHERE id = ?", genre.toUpperCase(java.util.Locale.ROOT), oldKrautrock);

    // getIndexes: the artists getArtists lists, each a directory; getMusicDirectory opens an artist, then an album
    JsonObject indexes = subsonic("getIndexes.view", erin[1]);
    assertThat(indexes.getString("status")).as(indexes.encode()).isEqualTo("ok");
    assertThat(indexes.getJsonObject("indexes").getLong("lastModified")).isPositive();
    List<String> indexed = indexes.getJsonObject("indexes").getJsonArray("index").stream()
        .flatMap(i -> ((JsonObject) i).getJsonArray("artist").stream()).map(a -> ((JsonObject) a).getString("id")).toList();
    List<String> artists = subsonic("getArtists.view", erin[1]).getJsonObject("artists").getJsonArray("index").stream()
        .flatMap(i -> ((JsonObject) i).getJsonArray("artist").stream()).map(a -> ((JsonObject) a).getString("id")).toList();
    assertThat(indexed).isEqualTo(artists).contains(artist.toString());
    String albumArtist = subsonic("getAlbum.view?id=" + album, erin[1]).getJsonObject("album").getString("artistId");
    JsonObject artistDir = subsonic("getMusicDirectory.view?id=" + albumArtist, erin[1]).getJsonObject("directory");
    assertThat(artistDir.getString("id")).isEqualTo(albumArtist);
    JsonObject albumChild = artistDir.getJsonArray("child").getJsonObject(0);
    assertThat(albumChild.getString("id")).isEqualTo(album.toString());
    assertThat(albumChild.getBoolean("isDir")).isTrue();
    assertThat(albumChild.getString("title")).isEqualTo("Northern Lights");
    assertThat(albumChild.getString("parent")).isEqualTo(albumArtist);
    JsonObject albumDir = subsonic("getMusicDirectory.view?id=" + album, erin[1]).getJsonObject("directory");
    assertThat(albumDir.getString("name")).isEqualTo("Northern Lights");
    assertThat(albumDir.getString("parent")).isEqualTo(albumArtist);
    assertThat(ids(albumDir.getJsonArray("child"))).containsExactly(song2.toString(), song.toString());
    assertThat(albumDir.getJsonArray("child").getJsonObject(0).getBoolean("isDir")).isFalse();
    assertThat(ids(subsonic("getMusicDirectory.view?id=" + artist, erin[1]).getJsonObject("directory").getJsonArray("child")))
        .as("an artist's songs in no album are in its directory").containsExactly(loose.toString());
    for (String id : List.of(hidden.toString(), UUID.randomUUID().toString(), "1", song.toString())) {
      assertThat(subsonic("getMusicDirectory.view?id=" + id, erin[1]).getJsonObject("error").getInteger("code")).as(id).isEqualTo(70);
    }
    Element xmlIndexes = xml("/rest/getIndexes.view?apiKey=" + erin[1]);
    assertThat(((Element) xmlIndexes.getElementsByTagName("indexes").item(0)).getAttribute("ignoredArticles")).contains("The");

    // getRandomSongs: visible songs only, at most size, filtered by genre (any case) and years
    List<String> random = ids(subsonic("getRandomSongs.view?size=500", erin[1]).getJsonObject("randomSongs").getJsonArray("song"));
    assertThat(random).contains(song.toString(), song2.toString(), krautrock.toString(), oldKrautrock.toString())
        .doesNotContain(hidden.toString(), bobsKrautrock.toString()).doesNotHaveDuplicates();
    assertThat(subsonic("getRandomSongs.view?size=1", erin[1]).getJsonObject("randomSongs").getJsonArray("song")).hasSize(1);
    assertThat(subsonic("getRandomSongs.view", erin[1]).getJsonObject("randomSongs").getJsonArray("song").size()).isBetween(1, 10);
    String g = URLEncoder.encode(genre.toLowerCase(java.util.Locale.ROOT), StandardCharsets.UTF_8);
    assertThat(ids(subsonic("getRandomSongs.view?size=50&genre=" + g, erin[1]).getJsonObject("randomSongs").getJsonArray("song")))
        .containsExactlyInAnyOrder(krautrock.toString(), oldKrautrock.toString());
    assertThat(ids(subsonic("getRandomSongs.view?genre=" + g + "&fromYear=1990&toYear=2000", erin[1]).getJsonObject("randomSongs")
        .getJsonArray("song"))).containsExactly(krautrock.toString());
    assertThat(subsonic("getRandomSongs.view?size=501", erin[1]).getJsonObject("error").getInteger("code")).isEqualTo(0);

    // getGenres and getSongsByGenre: visible songs' genres, spelled once whatever the case
    JsonObject genres = subsonic("getGenres.view", erin[1]).getJsonObject("genres");
    JsonObject kraut = genres.getJsonArray("genre").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("value").equalsIgnoreCase(genre)).findFirst().orElseThrow();
    assertThat(kraut.getLong("songCount")).as("Bob's pending song is not counted").isEqualTo(2);
    assertThat(ids(subsonic("getSongsByGenre.view?genre=" + g, erin[1]).getJsonObject("songsByGenre").getJsonArray("song")))
        .containsExactly(krautrock.toString(), oldKrautrock.toString());
    assertThat(subsonic("getSongsByGenre.view", erin[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    Element genreXml = (Element) xml("/rest/getGenres.view?apiKey=" + erin[1]).getElementsByTagName("genre").item(0);
    assertThat(genreXml.getTextContent()).isNotBlank();
    assertThat(genreXml.getAttribute("songCount")).isNotBlank();

    // getStarred2 and getStarred: what the caller starred and still sees, newest first
    assertThat(subsonic("star.view?id=" + song + "&albumId=" + album + "&artistId=" + artist, erin[1]).getString("status")).isEqualTo("ok");
    JsonObject starred2 = subsonic("getStarred2.view", erin[1]).getJsonObject("starred2");
    assertThat(ids(starred2.getJsonArray("song"))).containsExactly(song.toString());
    assertThat(ids(starred2.getJsonArray("album"))).containsExactly(album.toString());
    assertThat(starred2.getJsonArray("album").getJsonObject(0).getString("name")).isEqualTo("Northern Lights");
    assertThat(ids(starred2.getJsonArray("artist"))).containsExactly(artist.toString());
    assertThat(starred2.getJsonArray("song").getJsonObject(0).getString("starred")).isNotNull();
    JsonObject starred = subsonic("getStarred.view", erin[1]).getJsonObject("starred");
    assertThat(ids(starred.getJsonArray("album"))).containsExactly(album.toString());
    assertThat(starred.getJsonArray("album").getJsonObject(0).getBoolean("isDir")).isTrue();
    assertThat(ids(starred.getJsonArray("song"))).containsExactly(song.toString());
    assertThat(subsonic("unstar.view?id=" + song, erin[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("getStarred2.view", erin[1]).getJsonObject("starred2").getJsonArray("song")).isEmpty();
    assertThat(subsonic("getStarred2.view", apiKey).getString("status")).isEqualTo("ok");
  }

  /** updatePlaylist and deletePlaylist, as players edit and delete the playlists they made with createPlaylist. */
  @Test
  void playersRenameEditAndDeleteTheirPlaylists() throws Exception {
    String[] fay = account("fay");
    String[] gus = account("gus");
    JsonObject made = subsonic("createPlaylist.view?name=Drive&songId=" + song + "&songId=" + song2 + "&songId=" + song, fay[1]);
    String id = made.getJsonObject("playlist").getString("id");

    // rename, comment, make public; remove the first and third entries (indexes into getPlaylist's entries), append one
    JsonObject updated = subsonic("updatePlaylist.view?playlistId=" + id + "&name=Night%20drive&comment=For%20the%20road&public=true"
        + "&songIndexToRemove=0&songIndexToRemove=2&songIdToAdd=" + song, fay[1]);
    assertThat(updated.getString("status")).as(updated.encode()).isEqualTo("ok");
    JsonObject p = subsonic("getPlaylist.view?id=" + id, fay[1]).getJsonObject("playlist");
    assertThat(p.getString("name")).isEqualTo("Night drive");
    assertThat(p.getString("comment")).isEqualTo("For the road");
    assertThat(p.getBoolean("public")).isTrue();
    assertThat(ids(p.getJsonArray("entry"))).containsExactly(song2.toString(), song.toString());
    assertThat(tc.sql("SELECT position AS n FROM playlist_tracks WHERE playlist_id = ? ORDER BY position", UUID.fromString(id)))
        .extracting(r -> r.get("n")).as("positions stay dense").containsExactly(0, 1);
    JsonObject viaRest = rest.get(port, "/api/v1/playlists/" + id, fay[2]).json().getJsonObject("playlist");
    assertThat(viaRest.getString("description")).isEqualTo("For the road");

    // a bad value changes nothing: an index out of range, a hidden song, a bad name or public
    for (String bad : List.of("songIndexToRemove=2", "songIndexToRemove=x", "songIdToAdd=" + hidden, "name=a%E2%80%AEb", "public=yes")) {
      JsonObject refused = subsonic("updatePlaylist.view?playlistId=" + id + "&" + bad + (bad.startsWith("name=") ? "" : "&name=Renamed"), fay[1]);
      assertThat(refused.getString("status")).as(bad).isEqualTo("failed");
      assertThat(refused.getJsonObject("error").getInteger("code")).as(bad).isEqualTo(bad.startsWith("songIdToAdd") ? 70 : 0);
    }
    assertThat(subsonic("getPlaylist.view?id=" + id, fay[1]).getJsonObject("playlist").getString("name")).isEqualTo("Night drive");
    assertThat(subsonic("updatePlaylist.view", fay[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);

    // another user may read the public playlist but neither change nor delete it; nobody sees an unknown one
    assertThat(subsonic("updatePlaylist.view?playlistId=" + id + "&name=Mine", gus[1]).getJsonObject("error").getInteger("code")).isEqualTo(50);
    assertThat(subsonic("deletePlaylist.view?id=" + id, gus[1]).getJsonObject("error").getInteger("code")).isEqualTo(50);
    assertThat(subsonic("updatePlaylist.view?playlistId=" + UUID.randomUUID() + "&name=x", fay[1]).getJsonObject("error").getInteger("code"))
        .isEqualTo(70);
    assertThat(subsonic("deletePlaylist.view?id=" + UUID.randomUUID(), fay[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    // createPlaylist with a playlistId (replace the songs) answers as updatePlaylist: another's public one 50, one the caller
    // cannot see (unknown, or another's private one) 70, as getPlaylist has it; it was 50 for all three
    assertThat(subsonic("createPlaylist.view?playlistId=" + id + "&songId=" + song, gus[1]).getJsonObject("error").getInteger("code"))
        .isEqualTo(50);
    assertThat(subsonic("createPlaylist.view?playlistId=" + UUID.randomUUID() + "&songId=" + song, fay[1]).getJsonObject("error")
        .getInteger("code")).isEqualTo(70);
    String secret = subsonic("createPlaylist.view?name=Secret&songId=" + song, fay[1]).getJsonObject("playlist").getString("id");
    assertThat(subsonic("getPlaylist.view?id=" + secret, gus[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("createPlaylist.view?playlistId=" + secret + "&songId=" + song2, gus[1]).getJsonObject("error").getInteger("code"))
        .isEqualTo(70);
    assertThat(ids(subsonic("getPlaylist.view?id=" + secret, fay[1]).getJsonObject("playlist").getJsonArray("entry")))
        .as("nothing changed").containsExactly(song.toString());
    assertThat(ids(subsonic("getPlaylist.view?id=" + id, fay[1]).getJsonObject("playlist").getJsonArray("entry")))
        .containsExactly(song2.toString(), song.toString());
    assertThat(subsonic("deletePlaylist.view", fay[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    HttpResponse<String> head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/rest/deletePlaylist.view?f=json&id=" + id + "&apiKey=" + fay[1])).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).as("HEAD changes nothing").isEqualTo(405);

    // the owner deletes it, as REST's DELETE does (its deletion is announced to search)
    assertThat(subsonic("deletePlaylist.view?id=" + id, fay[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("getPlaylist.view?id=" + id, fay[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(tc.sql("SELECT count(*) AS n FROM playlists WHERE id = ?", UUID.fromString(id)).get(0).get("n")).isEqualTo(0L);
    assertThat(tc.sql("SELECT count(*) AS n FROM library_outbox WHERE message_key = ? AND payload->>'type' = 'playlist.deleted'", id)
        .get(0).get("n")).isEqualTo(1L);
  }

  /** What players ask when they sign in and show a song: the user and its roles, the scan status, the lyrics. */
  @Test
  void playersReadTheirUserTheScanStatusAndLyrics() throws Exception {
    String[] hal = account("hal");
    JsonObject user = subsonic("getUser.view?username=" + hal[3].toUpperCase(java.util.Locale.ROOT), hal[1]);
    assertThat(user.getString("status")).as(user.encode()).isEqualTo("ok");
    assertThat(user.getJsonObject("user").getString("username")).isEqualTo(hal[3]);
    assertThat(user.getJsonObject("user").getBoolean("streamRole")).isTrue();
    assertThat(user.getJsonObject("user").getBoolean("adminRole")).isFalse();
    assertThat(subsonic("getUser.view?username=" + alice, hal[1]).getJsonObject("error").getInteger("code")).isEqualTo(50);
    assertThat(subsonic("getUser.view", hal[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    Element userXml = (Element) xml("/rest/getUser.view?username=" + hal[3] + "&apiKey=" + hal[1]).getElementsByTagName("user").item(0);
    assertThat(userXml.getAttribute("downloadRole")).isEqualTo("true");
    assertThat(userXml.getElementsByTagName("folder").item(0).getTextContent()).isEqualTo("1");

    JsonObject scan = subsonic("getScanStatus.view", hal[1]).getJsonObject("scanStatus");
    assertThat(scan.getBoolean("scanning")).isFalse();
    assertThat(scan.getLong("count")).isGreaterThanOrEqualTo(2);
    JsonObject lyrics = subsonic("getLyrics.view?artist=Aurora&title=Rising", hal[1]);
    assertThat(lyrics.getString("status")).isEqualTo("ok");
    assertThat(lyrics.getJsonObject("lyrics")).isNotNull();
  }

  private static JsonObject subsonic(String call, String key) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/" + call
        + (call.contains("?") ? "&" : "?") + "f=json&apiKey=" + key)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getJsonObject("subsonic-response");
  }

  /**
   * search3 and the genre filters ignore case beyond ASCII whatever the database's locale (the test cluster's is C,
   * under which PostgreSQL's lower() leaves 'É' as it is): an accented name is found as written, in lower and in upper case.
   */
  @Test
  void searchAndGenresIgnoreTheCaseOfEveryScript() throws Exception {
    String[] ida = account("ida");
    UUID artist = UUID.randomUUID();
    UUID accented = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    String tag = artist.toString().substring(0, 8);
    String name = "Éric Ñoño " + tag;
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, name, name.toLowerCase(java.util.Locale.ROOT));
    track(accented, aliceId, "Ünïcödé Σοφία " + tag, artist, "approved", 100_000);
    track(other, aliceId, "Électro " + tag, null, "approved", 100_000);
    tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", "Électro " + tag, accented);
    tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", "électro " + tag, other);
    for (String q : List.of("Éric Ñoño " + tag, "éric ñoño " + tag, "ÉRIC ÑOÑO " + tag)) {
      JsonObject found = subsonic("search3.view?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8), ida[1]).getJsonObject("searchResult3");
      assertThat(ids(found.getJsonArray("artist"))).as(q).containsExactly(artist.toString());
      assertThat(ids(found.getJsonArray("song"))).as(q).containsExactly(accented.toString());
    }
    for (String q : List.of("ünïcödé σοφία " + tag, "ÜNÏCÖDÉ ΣΟΦΊΑ " + tag)) {
      JsonObject found = subsonic("search3.view?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8), ida[1]).getJsonObject("searchResult3");
      assertThat(ids(found.getJsonArray("song"))).as(q).containsExactly(accented.toString());
    }
    String g = URLEncoder.encode("ÉLECTRO " + tag, StandardCharsets.UTF_8);
    assertThat(ids(subsonic("getSongsByGenre.view?genre=" + g, ida[1]).getJsonObject("songsByGenre").getJsonArray("song")))
        .containsExactlyInAnyOrder(accented.toString(), other.toString());
    assertThat(ids(subsonic("getRandomSongs.view?size=50&genre=" + g, ida[1]).getJsonObject("randomSongs").getJsonArray("song")))
        .containsExactlyInAnyOrder(accented.toString(), other.toString());
    List<JsonObject> electro = subsonic("getGenres.view", ida[1]).getJsonObject("genres").getJsonArray("genre").stream()
        .map(o -> (JsonObject) o).filter(o -> o.getString("value").endsWith(tag)).toList();
    assertThat(electro).as("one genre whatever the case").hasSize(1);
    assertThat(electro.get(0).getInteger("songCount")).isEqualTo(2);
  }

  /** {@code getAlbumList2?type=recent} lists the caller's played albums only (contract B, 7). */
  /**
   * A user's scrobbles of one song count at most once per its duration, in whatever order they arrive: each distinct
   * {@code time} counted a play (a loop of scrobbles a second apart made any song the most played). A scrobble closer
   * than the song's length to a counted one is answered ok and not counted.
   */
  @Test
  void scrobblesOfOneSongCountAtMostOncePerItsDuration() throws Exception {
    String auth = "v=1.16.1&c=test&apiKey=" + apiKey;
    UUID looped = UUID.randomUUID();
    track(looped, aliceId, "Looped", null, "approved", 200_000);
    long t = System.currentTimeMillis() - 3_600_000;
    for (long at : new long[] {t, t + 1_000, t + 199_999, t - 150_000, t + 200_000, t + 201_000, t - 200_000}) {
      assertThat(xml("/rest/scrobble.view?submission=true&time=" + at + "&id=" + looped + "&" + auth).getAttribute("status"))
          .as("time %d", at).isEqualTo("ok");
    }
    // one request naming the song three times at once counts it once
    assertThat(xml("/rest/scrobble.view?submission=true&id=" + looped + "&id=" + looped + "&id=" + looped + "&time=" + (t + 900_000)
        + "&time=" + (t + 901_000) + "&time=" + (t + 902_000) + "&" + auth).getAttribute("status")).isEqualTo("ok");
    assertThat(tc.sql("SELECT (extract(epoch FROM played_at) * 1000)::bigint AS at FROM plays WHERE track_id = ? ORDER BY played_at", looped)
        .stream().map(r -> ((Number) r.get("at")).longValue()).toList()).containsExactly(t - 200_000, t, t + 200_000, t + 900_000);
    assertThat(tc.sql("SELECT play_count AS n FROM tracks WHERE id = ?", looped).get(0).get("n")).isEqualTo(4L);
    assertThat(tc.sql("SELECT count(*) AS n FROM library_outbox WHERE message_key = ? AND topic = 'track.played'", looped.toString())
        .get(0).get("n")).isEqualTo(4L);
  }

  @Test
  void recentAlbumsAreTheCallersPlaysOnly() throws Exception {
    JsonObject u = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "carol-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    String key = rest.postOk(port, "/api/v1/me/subsonic/credentials", u.getString("access_token"),
        new JsonObject().put("kind", "api_key").put("name", "recent")).getString("api_key");
    HttpClient client = HttpClient.newHttpClient();
    URI recent = URI.create("http://127.0.0.1:" + port + "/rest/getAlbumList2.view?type=recent&f=json&apiKey=" + key);
    JsonObject none = new JsonObject(client.send(HttpRequest.newBuilder(recent).build(), HttpResponse.BodyHandlers.ofString()).body())
        .getJsonObject("subsonic-response");
    assertThat(none.getString("status")).isEqualTo("ok");
    assertThat(none.getJsonObject("albumList2").getJsonArray("album", new JsonArray())).isEmpty();

    tc.sql("INSERT INTO plays (event_id, user_id, track_id) VALUES (?, ?, ?)", UUID.randomUUID(),
        UUID.fromString(u.getJsonObject("user").getString("id")), song);
    JsonObject played = new JsonObject(client.send(HttpRequest.newBuilder(recent).build(), HttpResponse.BodyHandlers.ofString()).body())
        .getJsonObject("subsonic-response");
    assertThat(ids(played.getJsonObject("albumList2").getJsonArray("album"))).containsExactly(album.toString());
  }

  @Test
  void frequentAlbumsAreThePlayedOnesTheMostPlayedFirst() throws Exception {
    // type=frequent listed every album, the never played ones after the rest; Navidrome lists played albums only
    String[] fay = account("fay");
    UUID quiet = UUID.randomUUID();
    UUID quietSong = UUID.randomUUID();
    tc.sql("INSERT INTO albums (id, owner_id, title, moderation) VALUES (?, ?, 'Never played', 'pending')", quiet, UUID.fromString(fay[0]));
    track(quietSong, fay[0], "Quiet song", null, "pending", 60_000);
    tc.sql("INSERT INTO album_tracks (album_id, track_id, position) VALUES (?, ?, 0)", quiet, quietSong);
    JsonArray frequent = subsonic("getAlbumList2.view?type=frequent&size=500", fay[1]).getJsonObject("albumList2").getJsonArray("album");
    assertThat(ids(frequent)).doesNotContain(quiet.toString());
    assertThat(frequent.stream().allMatch(a -> ((JsonObject) a).getLong("playCount") > 0)).as(frequent.encode()).isTrue();
    tc.sql("UPDATE tracks SET play_count = 1000000 WHERE id = ?", quietSong);
    JsonArray played = subsonic("getAlbumList2.view?type=frequent&size=1", fay[1]).getJsonObject("albumList2").getJsonArray("album");
    assertThat(ids(played)).containsExactly(quiet.toString());
  }

  @Test
  void theCredentialCapHoldsUnderConcurrentRequests() throws Exception {
    JsonObject u = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "cap-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    String token = u.getString("access_token");
    HttpClient client = HttpClient.newHttpClient();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 30; i++) {
      sent.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/me/subsonic/credentials"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("kind", "app_password").put("name", "c" + i).encode())).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Long> statuses = sent.stream().map(java.util.concurrent.CompletableFuture::join)
        .collect(java.util.stream.Collectors.groupingBy(HttpResponse::statusCode, java.util.stream.Collectors.counting()));
    assertThat(statuses).containsEntry(201, 20L).containsEntry(409, 10L);
    assertThat(rest.get(port, "/api/v1/me/subsonic/credentials", token).json().getJsonArray("credentials")).hasSize(20);
  }

  /** The credentials API is called from web pages with a bearer token, so it follows CORS_ALLOWED_ORIGINS like /api/v1's other routes. */
  @Test
  void theCredentialsApiFollowsTheConfiguredCorsOrigins() throws Exception {
    String token = rest.postOk(port, "/api/v1/auth/login", null, new JsonObject().put("username", alice).put("password", PW))
        .getString("access_token");
    HttpClient client = HttpClient.newHttpClient();
    for (String path : List.of("/api/v1/me/subsonic/credentials", "/api/v1/me/subsonic/credentials/" + UUID.randomUUID())) {
      for (String method : List.of("POST", "GET", "DELETE")) {
        HttpResponse<String> preflight = client.send(preflight(path, ALLOWED_ORIGIN, method), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).as(method + " " + path + ": " + preflight.body()).isIn(200, 204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).as(method + " " + path).hasValue(ALLOWED_ORIGIN);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains(method);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase()).contains("authorization");
      }
      HttpResponse<String> other = client.send(preflight(path, "https://evil.example", "GET"), HttpResponse.BodyHandlers.ofString());
      assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
      assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      assertThat(new JsonObject(other.body()).getJsonObject("error").getString("code")).isEqualTo("forbidden");
    }
    HttpResponse<String> listed = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/me/subsonic/credentials"))
        .header("Origin", ALLOWED_ORIGIN).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
    assertThat(listed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
    HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/me/subsonic/credentials"))
        .header("Origin", "https://evil.example").header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(refused.body()).doesNotContain("\"credentials\"");
  }

  /** Titles with characters beyond the Basic Multilingual Plane (emoji, musical symbols) keep them in XML answers as in JSON. */
  @Test
  void xmlAnswersKeepSupplementaryCharacters() throws Exception {
    UUID emoji = UUID.randomUUID();
    String title = "Night \uD83C\uDFB5 \uD834\uDD1E Drive";
    track(emoji, aliceId, title, null, "approved", 60_000);
    Element xmlSong = (Element) xml("/rest/getSong.view?id=" + emoji + "&apiKey=" + apiKey).getElementsByTagName("song").item(0);
    assertThat(xmlSong.getAttribute("title")).isEqualTo(title);
    HttpResponse<String> json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/rest/getSong.view?f=json&id=" + emoji + "&apiKey=" + apiKey)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(json.body()).getJsonObject("subsonic-response").getJsonObject("song").getString("title")).isEqualTo(title);
  }

  /** HEAD answers GET's headers, Content-Length included, for Subsonic answers (JSON, XML) and cover art alike. */
  @Test
  void headSaysTheLengthGetWouldSend() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (String call : List.of("ping.view?f=json", "getSong.view?id=" + song, "getCoverArt.view?id=" + album, "getSong.view?f=json&id=bogus")) {
      URI uri = URI.create("http://127.0.0.1:" + port + "/rest/" + call + "&apiKey=" + apiKey);
      HttpResponse<byte[]> get = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
      HttpResponse<Void> head = client.send(HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(head.statusCode()).as(call).isEqualTo(get.statusCode());
      assertThat(head.headers().firstValueAsLong("Content-Length")).as(call).hasValue((long) get.body().length);
    }
  }

  /** download names the file it sends (title.format, in UTF-8 and an ASCII fallback), as players and browsers save it; stream does not. */
  @Test
  void aDownloadIsAnAttachmentNamedAfterTheSong() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    // HEAD, which counts no play (the first test counts the song's plays)
    HttpResponse<Void> download = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/download.view?id=" + song
        + "&apiKey=" + apiKey)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.headers().firstValueAsLong("Content-Length")).hasValue(Files.size(SONG_FILE));
    assertThat(download.headers().firstValue("Content-Disposition"))
        .hasValue("attachment; filename=\"Aurora Rising.opus\"; filename*=UTF-8''Aurora%20Rising.opus");
    HttpResponse<Void> stream = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/stream.view?id=" + song
        + "&apiKey=" + apiKey)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Disposition")).isEmpty();
    assertThat(StreamRoutes.attachment("Мелодия \"1\" / *", "mp3"))
        .isEqualTo("attachment; filename=\"_______ _1_ _ *.mp3\"; filename*=UTF-8''%D0%9C%D0%B5%D0%BB%D0%BE%D0%B4%D0%B8%D1%8F%20%221%22%20_%20%2A.mp3");
  }

  /** A song carries OpenSubsonic's samplingRate and channelCount, as processing probed them (a 96 kHz mono file here). */
  @Test
  void songsCarryTheirSampleRateAndChannels() throws Exception {
    UUID hiRes = UUID.randomUUID();
    track(hiRes, aliceId, "Hi-res mono", null, "approved", 60_000);
    tc.sql("UPDATE tracks SET sample_rate = 96000, channels = 1 WHERE id = ?", hiRes);
    JsonObject json = subsonic("getSong.view?id=" + hiRes, apiKey).getJsonObject("song");
    assertThat(json.getInteger("samplingRate")).as(json.encode()).isEqualTo(96000);
    assertThat(json.getInteger("channelCount")).isEqualTo(1);
    Element xmlSong = (Element) xml("/rest/getSong.view?id=" + hiRes + "&apiKey=" + apiKey).getElementsByTagName("song").item(0);
    assertThat(xmlSong.getAttribute("samplingRate")).isEqualTo("96000");
    assertThat(xmlSong.getAttribute("channelCount")).isEqualTo("1");
    JsonObject found = subsonic("search3.view?query=" + URLEncoder.encode("Hi-res mono", StandardCharsets.UTF_8), apiKey).getJsonObject("searchResult3");
    assertThat(found.getJsonArray("song").getJsonObject(0).getInteger("samplingRate")).isEqualTo(96000);
  }

  /** A playlist description's line breaks and tabs survive XML (a literal one in an attribute is read back as a space). */
  @Test
  void xmlAttributesKeepLineBreaksAndTabs() throws Exception {
    String token = rest.postOk(port, "/api/v1/auth/login", null, new JsonObject().put("username", alice).put("password", PW))
        .getString("access_token");
    String description = "first line\nsecond line\n\tindented";
    String id = rest.postOk(port, "/api/v1/playlists", token, new JsonObject().put("name", "notes").put("description", description)
        .put("public", true)).getJsonObject("playlist").getString("id");
    Element playlist = (Element) xml("/rest/getPlaylist.view?id=" + id + "&apiKey=" + apiKey).getElementsByTagName("playlist").item(0);
    assertThat(playlist.getAttribute("comment")).isEqualTo(description);
  }

  /**
   * A form POST whose multipart Content-Type the form decoder cannot read is the client's error, not a 500, and on /rest a
   * Subsonic error (HTTP 200, code 0, in the format the query's f asks for) like a form body that does not decode, not the
   * /api/v1 JSON error: with Connection: close, the connection closing once the body has arrived.
   */
  @Test
  void aFormPostWithAnUnreadableMultipartTypeIsASubsonicError() throws Exception {
    for (String type : List.of("multipart/form-data; boundary=", "multipart/form-data; boundary=x; charset=bogus")) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/ping.view?f=json"))
          .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString("f=json&apiKey=" + apiKey)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(200);
      JsonObject answer = new JsonObject(r.body()).getJsonObject("subsonic-response");
      assertThat(answer).as(type + ": " + r.body()).isNotNull();
      assertThat(answer.getString("status")).as(type).isEqualTo("failed");
      assertThat(answer.getJsonObject("error").getInteger("code")).as(type).isEqualTo(0);
      assertThat(answer.getJsonObject("error").getString("message")).as(type).contains("boundary");
      // XML by default, on a raw socket: the answer, then the connection closes (read to its end)
      byte[] body = ("apiKey=" + apiKey).getBytes(StandardCharsets.UTF_8);
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("POST /rest/ping.view HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + type + "\r\nContent-Length: "
            + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(raw).as(type + ": " + raw).startsWith("HTTP/1.1 200 ");
        assertThat(raw.toLowerCase(java.util.Locale.ROOT)).as(raw).contains("connection: close").contains("content-type: text/xml");
        assertThat(raw).as(raw).contains("<subsonic-response").contains("status=\"failed\"").contains("code=\"0\"").doesNotContain("\"error\":{");
      }
    }
  }

  /** A form body /rest cannot take (over 64 KiB, bad percent-encoding) is a Subsonic error (HTTP 200, code 0), in the format asked for. */
  @Test
  void anUnreadableOrOversizedFormBodyIsASubsonicError() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (String body : List.of("apiKey=" + apiKey + "&x=%ZZ", "apiKey=" + apiKey + "&pad=" + "a".repeat(70 * 1024))) {
      String what = body.length() > 100 ? "oversized" : body;
      HttpResponse<String> json = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/ping.view?f=json"))
          .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(json.statusCode()).as(what + ": " + json.body()).isEqualTo(200);
      JsonObject r = new JsonObject(json.body()).getJsonObject("subsonic-response");
      assertThat(r.getString("status")).as(what).isEqualTo("failed");
      assertThat(r.getJsonObject("error").getInteger("code")).as(what).isEqualTo(0);
      assertThat(r.getJsonObject("error").getString("message")).as(what).isNotBlank().doesNotContain("Exception");
      HttpResponse<String> xml = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/ping.view"))
          .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(xml.statusCode()).as(what + ": " + xml.body()).isEqualTo(200);
      assertThat(xml.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("text/xml");
      assertThat(xml.body()).as(what).contains("status=\"failed\"").contains("code=\"0\"").doesNotContain("Exception");
    }
  }

  /**
   * A query that is not valid percent-encoding is a Subsonic error 0 (HTTP 200), as an unreadable form body is, in the
   * format f asks for (when f itself can be read), XML by default: never the /api/v1 JSON 400.
   */
  @Test
  void aQueryThatIsNotValidPercentEncodingIsASubsonicError() throws Exception {
    for (String[] c : new String[][] {{"/rest/ping?u=%zz", "xml"}, {"/rest/ping.view?f=json&u=%zz&apiKey=" + apiKey, "json"},
        {"/rest/getAlbumList2?type=newest&x=%&f=json", "json"}, {"/rest/ping?f=jsonp&callback=cb&p=%G1", "jsonp"}}) {
      String answer;
      try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
        sock.getOutputStream().write(("GET " + c[0] + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        answer = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
      assertThat(answer).as(c[0]).startsWith("HTTP/1.1 200").doesNotContain("invalid_argument");
      String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
      String type = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
      switch (c[1]) {
        case "xml" -> {
          assertThat(type).as(c[0]).contains("content-type: text/xml");
          assertThat(body).as(c[0]).contains("<subsonic-response").contains("status=\"failed\"").contains("code=\"0\"");
        }
        case "json" -> {
          JsonObject r = new JsonObject(body).getJsonObject("subsonic-response");
          assertThat(r.getString("status")).as(c[0]).isEqualTo("failed");
          assertThat(r.getJsonObject("error").getInteger("code")).as(c[0]).isEqualTo(0);
          assertThat(r.getJsonObject("error").getString("message")).as(c[0]).contains("percent-encoding");
        }
        default -> assertThat(body).as(c[0]).startsWith("cb({\"subsonic-response\":").contains("\"code\":0");
      }
    }
  }

  /** /rest serves GET, POST and HEAD only; HEAD never changes anything (no play, no scrobble). */
  @Test
  void otherHttpMethodsAre405AndHeadChangesNothing() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (String verb : List.of("DELETE", "PUT", "PATCH")) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/download.view?f=json&id=" + song
          + "&apiKey=" + apiKey)).method(verb, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(verb + ": " + r.body()).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).as(verb).hasValue("GET, POST, HEAD");
      assertThat(new JsonObject(r.body()).getJsonObject("subsonic-response").getString("status")).as(verb).isEqualTo("failed");
    }
    HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/download.view?id=" + song
        + "&apiKey=" + apiKey)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length")).hasValue(Long.toString(SONG_FILE.toFile().length()));
    assertThat(head.body()).isEmpty();
    Object plays = tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?", song).get(0).get("n");
    HttpResponse<String> scrobble = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/scrobble.view?id=" + song
        + "&apiKey=" + apiKey)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(scrobble.statusCode()).isEqualTo(405);
    assertThat(scrobble.headers().firstValue("Allow")).hasValue("GET, POST");
    // an accepted scrobble is stored before its answer: a refused one has stored nothing
    assertThat(tc.sql("SELECT count(*) AS n FROM plays WHERE track_id = ?", song).get(0).get("n")).isEqualTo(plays);
  }

  /** Browser players call /rest from their own origin: a form POST's preflight and every answer follow CORS_ALLOWED_ORIGINS. */
  @Test
  void theSubsonicApiFollowsTheConfiguredCorsOrigins() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> preflight = client.send(preflight("/rest/ping.view", ALLOWED_ORIGIN, "POST"), HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).as(preflight.body()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
    HttpResponse<String> ping = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/ping.view?f=json&apiKey=" + apiKey))
        .header("Origin", ALLOWED_ORIGIN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(ping.body()).getJsonObject("subsonic-response").getString("status")).isEqualTo("ok");
    assertThat(ping.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
    HttpResponse<String> stream = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/stream.view?id=" + song
        + "&apiKey=" + apiKey)).header("Origin", ALLOWED_ORIGIN).header("Range", "bytes=0-9").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(stream.statusCode()).isEqualTo(206);
    assertThat(stream.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
    HttpResponse<String> other = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/ping.view?f=json&apiKey=" + apiKey))
        .header("Origin", "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    // a Subsonic client reads Subsonic answers only: the refusal is a Subsonic error (50, not authorised), f=json as asked
    JsonObject refused = new JsonObject(other.body()).getJsonObject("subsonic-response");
    assertThat(refused).as(other.body()).isNotNull();
    assertThat(refused.getString("status")).isEqualTo("failed");
    assertThat(refused.getJsonObject("error").getInteger("code")).isEqualTo(50);
    assertThat(refused.getJsonObject("error").getString("message")).isNotBlank();
    // XML by default, for a form POST's preflight and for a media method too
    for (HttpRequest foreign : List.of(preflight("/rest/ping.view", "https://evil.example", "POST"),
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rest/stream.view?id=" + song + "&apiKey=" + apiKey))
            .header("Origin", "https://evil.example").build())) {
      HttpResponse<String> xml = client.send(foreign, HttpResponse.BodyHandlers.ofString());
      assertThat(xml.statusCode()).as(foreign + ": " + xml.body()).isEqualTo(403);
      assertThat(xml.headers().firstValue("Access-Control-Allow-Origin")).as(foreign.toString()).isEmpty();
      assertThat(xml.headers().firstValue("Content-Type").orElse("")).as(foreign.toString()).startsWith("text/xml");
      assertThat(xml.body()).as(foreign.toString()).contains("<subsonic-response").contains("status=\"failed\"").contains("code=\"50\"");
    }
  }

  private static HttpRequest preflight(String path, String origin, String method) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin).header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", "authorization,content-type").build();
  }

  @Test
  void search3IgnoresCaseInEveryScriptAndLatinDiacriticsWhateverTheDatabaseLocale() throws Exception {
    // the embedded database runs under the C locale, whose lower() folds ASCII only: "кино" never met «Кино»
    String tag = UUID.randomUUID().toString().substring(0, 6);
    UUID kino = UUID.randomUUID();
    UUID motorhead = UUID.randomUUID();
    UUID royksopp = UUID.randomUUID();
    UUID blood = UUID.randomUUID();
    UUID spades = UUID.randomUUID();
    UUID plane = UUID.randomUUID();
    UUID eple = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)", kino, "Кино " + tag, "кино " + tag,
        motorhead, "Motörhead " + tag, "motörhead " + tag, royksopp, "Røyksopp " + tag, "røyksopp " + tag);
    track(blood, aliceId, "Группа крови", kino, "approved", 60_000);
    track(spades, aliceId, "Ace of Spades", motorhead, "approved", 60_000);
    track(plane, aliceId, "Ça plane pour moi " + tag, null, "approved", 60_000);
    track(eple, aliceId, "Eple", royksopp, "approved", 60_000);
    try {
      Map<String, List<String>> expected = Map.of(
          "кино", List.of("Кино " + tag, "Группа крови"),
          "КИНО", List.of("Кино " + tag, "Группа крови"),
          "ГРУППА", List.of("Группа крови"),
          "motorhead " + tag, List.of("Motörhead " + tag, "Ace of Spades"),
          "MOTÖRHEAD " + tag, List.of("Motörhead " + tag, "Ace of Spades"),
          "royksopp " + tag, List.of("Røyksopp " + tag, "Eple"),
          "ÇA PLANE POUR MOI " + tag, List.of("Ça plane pour moi " + tag),
          // typed decomposed (c + U+0327): the query is NFC, as stored names are
          "c\u0327a plane pour moi " + tag, List.of("Ça plane pour moi " + tag),
          // every word, in any order, in the title, the artist or the album ("queen bohemian")
          "КРОВИ " + tag, List.of("Группа крови"));
      for (Map.Entry<String, List<String>> e : expected.entrySet()) {
        Element r = xml("/rest/search3.view?apiKey=" + apiKey + "&query=" + URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8));
        assertThat(r.getAttribute("status")).as(e.getKey()).isEqualTo("ok");
        List<String> found = new java.util.ArrayList<>();
        for (String tagName : List.of("artist", "song")) {
          org.w3c.dom.NodeList nodes = r.getElementsByTagName(tagName);
          for (int i = 0; i < nodes.getLength(); i++) {
            Element el = (Element) nodes.item(i);
            found.add(tagName.equals("artist") ? el.getAttribute("name") : el.getAttribute("title"));
          }
        }
        assertThat(found).as(e.getKey()).containsAll(e.getValue());
      }
      Element none = xml("/rest/search3.view?apiKey=" + apiKey + "&query=" + URLEncoder.encode("кину " + tag, StandardCharsets.UTF_8));
      assertThat(none.getElementsByTagName("artist").getLength()).isZero();
      // a quoted query is one phrase: neither the title nor the artist holds "крови <tag>"
      Element phrase = xml("/rest/search3.view?apiKey=" + apiKey + "&query=" + URLEncoder.encode("\"крови " + tag + "\"", StandardCharsets.UTF_8));
      assertThat(phrase.getAttribute("status")).isEqualTo("ok");
      assertThat(phrase.getElementsByTagName("song").getLength()).isZero();
    } finally {
      tc.sql("DELETE FROM tracks WHERE id IN (?, ?, ?, ?)", blood, spades, plane, eple);
      tc.sql("DELETE FROM artists WHERE id IN (?, ?, ?)", kino, motorhead, royksopp);
    }
  }

  @Test
  void search2AnswersSearch3sMatchesWithAlbumsAsDirectories() throws Exception {
    // older Subsonic clients search with search2 (the folder model): it was "not implemented" (70)
    Element r = xml("/rest/search2.view?apiKey=" + apiKey + "&query=" + URLEncoder.encode("northern LIGHTS", StandardCharsets.UTF_8));
    assertThat(r.getAttribute("status")).isEqualTo("ok");
    assertThat(r.getElementsByTagName("searchResult2").getLength()).isEqualTo(1);
    Element al = (Element) r.getElementsByTagName("album").item(0);
    assertThat(al.getAttribute("id")).isEqualTo(album.toString());
    assertThat(al.getAttribute("isDir")).isEqualTo("true");
    assertThat(al.getAttribute("title")).isEqualTo("Northern Lights");
    Element songs = xml("/rest/search2.view?apiKey=" + apiKey + "&query=aurora%20rising&songCount=5");
    assertThat(songs.getElementsByTagName("song").getLength()).isEqualTo(1);
    assertThat(((Element) songs.getElementsByTagName("song").item(0)).getAttribute("id")).isEqualTo(song.toString());
    Element hiddenSong = xml("/rest/search2.view?apiKey=" + apiKey + "&query=" + URLEncoder.encode("Bob's pending", StandardCharsets.UTF_8));
    assertThat(hiddenSong.getElementsByTagName("song").getLength()).as("another user's pending track").isZero();
    Element bad = xml("/rest/search2.view?apiKey=" + apiKey + "&query=a&songCount=501");
    assertThat(((Element) bad.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("0");
  }

  @Test
  void aGenreInAnyCaseIsOneGenreInEveryScript() throws Exception {
    // the embedded database's lower() (C locale) folds ASCII only: «Рок» and «РОК» were two genres, genre=рок found neither
    String tag = UUID.randomUUID().toString().substring(0, 6);
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    track(a, aliceId, "Genre one " + tag, null, "approved", 60_000);
    track(b, aliceId, "Genre two " + tag, null, "approved", 60_000);
    tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", "Рок-" + tag, a);
    tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", "РОК-" + tag.toUpperCase(java.util.Locale.ROOT), b);
    try {
      Element genres = xml("/rest/getGenres.view?apiKey=" + apiKey);
      org.w3c.dom.NodeList listed = genres.getElementsByTagName("genre");
      List<String> counts = new java.util.ArrayList<>();
      for (int i = 0; i < listed.getLength(); i++) {
        Element g = (Element) listed.item(i);
        if (g.getTextContent().toLowerCase(java.util.Locale.ROOT).equals("рок-" + tag)) {
          counts.add(g.getAttribute("songCount"));
        }
      }
      assertThat(counts).as("one genre whatever its case").containsExactly("2");
      Element songs = xml("/rest/getSongsByGenre.view?apiKey=" + apiKey + "&genre=" + URLEncoder.encode("рок-" + tag, StandardCharsets.UTF_8));
      assertThat(songs.getElementsByTagName("song").getLength()).isEqualTo(2);
      Element random = xml("/rest/getRandomSongs.view?apiKey=" + apiKey + "&size=10&genre=" + URLEncoder.encode("РоК-" + tag, StandardCharsets.UTF_8));
      assertThat(random.getElementsByTagName("song").getLength()).isEqualTo(2);
    } finally {
      tc.sql("DELETE FROM tracks WHERE id IN (?, ?)", a, b);
    }
  }

  @Test
  void getAlbumListAnswersEveryTypeWithAlbumsAsDirectories() throws Exception {
    // DSub, Sonixd and other folder-model clients page the library with getAlbumList (v1): it was "not implemented" (70)
    for (String type : List.of("random", "newest", "highest", "frequent", "recent", "alphabeticalByName", "alphabeticalByArtist",
        "starred", "byYear&fromYear=2020&toYear=2022", "byGenre&genre=Rock")) {
      JsonObject r = subsonic("getAlbumList.view?size=500&type=" + type, apiKey);
      assertThat(r.getString("status")).as(type + ": " + r.encode()).isEqualTo("ok");
      assertThat(r.getJsonObject("albumList").getJsonArray("album")).as(type).isNotNull();
    }
    JsonArray byName = subsonic("getAlbumList.view?type=alphabeticalByName&size=500", apiKey).getJsonObject("albumList").getJsonArray("album");
    JsonObject northern = byName.stream().map(a -> (JsonObject) a).filter(a -> a.getString("id").equals(album.toString())).findFirst().orElseThrow();
    assertThat(northern.getBoolean("isDir")).isTrue();
    assertThat(northern.getString("title")).isEqualTo("Northern Lights");
    assertThat(northern.getString("parent")).isEqualTo(northern.getString("artistId")).isNotNull();
    assertThat(northern.getString("coverArt")).isEqualTo(album.toString());
    assertThat(northern.getInteger("year")).isEqualTo(2021);
    assertThat(northern.getString("created")).isNotNull();
    JsonArray byYear = subsonic("getAlbumList.view?type=byYear&fromYear=2021&toYear=2021&size=500", apiKey)
        .getJsonObject("albumList").getJsonArray("album");
    assertThat(ids(byYear)).contains(album.toString());
    Element xmlList = xml("/rest/getAlbumList?type=newest&size=500&u=" + alice + "&p=" + appPassword);
    assertThat(xmlList.getAttribute("status")).isEqualTo("ok");
    assertThat(xmlList.getElementsByTagName("albumList").getLength()).isEqualTo(1);
    assertThat(subsonic("getAlbumList.view?type=sideways", apiKey).getJsonObject("error").getInteger("code")).isEqualTo(10);
    assertThat(subsonic("getAlbumList.view?type=newest&size=501", apiKey).getJsonObject("error").getInteger("code")).isZero();
  }

  /**
   * getAlbumList2/getAlbumList byGenre lists every album holding a song of the genre, as getGenres counts it: it matched
   * only the album's greatest genre, so an album of a Rock and a Pop song was counted under Pop by getGenres
   * ({@code albumCount} 1) yet byGenre Pop listed nothing.
   */
  @Test
  void byGenreListsEveryAlbumHoldingASongOfTheGenre() throws Exception {
    String[] reader = account("genre");
    UUID mixed = UUID.randomUUID();
    UUID rock = UUID.randomUUID();
    UUID pop = UUID.randomUUID();
    String tag = mixed.toString().substring(0, 8);
    tc.sql("INSERT INTO albums (id, owner_id, title, moderation) VALUES (?, ?, ?, 'approved')", mixed, UUID.fromString(aliceId), "Mixed " + tag);
    track(rock, aliceId, "Zz rocker " + tag, null, "approved", 100_000);   // titles after the shared songs: search3's first page stays theirs
    track(pop, aliceId, "Zz popper " + tag, null, "approved", 100_000);
    tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", "Rock " + tag, rock);
    tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", "Pop " + tag, pop);
    tc.sql("INSERT INTO album_tracks (album_id, track_id, position) VALUES (?, ?, 0), (?, ?, 1)", mixed, rock, mixed, pop);
    for (String genre : List.of("Rock " + tag, "Pop " + tag, "POP " + tag)) {
      JsonObject counted = subsonic("getGenres.view", reader[1]).getJsonObject("genres").getJsonArray("genre").stream()
          .map(o -> (JsonObject) o).filter(o -> o.getString("value").equalsIgnoreCase(genre)).findFirst().orElseThrow();
      assertThat(counted.getInteger("albumCount")).as(genre).isEqualTo(1);
      String g = URLEncoder.encode(genre, StandardCharsets.UTF_8);
      assertThat(ids(subsonic("getAlbumList2.view?type=byGenre&size=500&genre=" + g, reader[1]).getJsonObject("albumList2").getJsonArray("album")))
          .as(genre).containsExactly(mixed.toString());
      assertThat(ids(subsonic("getAlbumList.view?type=byGenre&size=500&genre=" + g, reader[1]).getJsonObject("albumList").getJsonArray("album")))
          .as(genre).containsExactly(mixed.toString());
    }
    // a genre only a song the reader may not see carries lists no album
    UUID pending = UUID.randomUUID();
    track(pending, bobId, "Zz hidden " + tag, null, "pending", 100_000);
    tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", "Secret " + tag, pending);
    tc.sql("INSERT INTO album_tracks (album_id, track_id, position) VALUES (?, ?, 2)", mixed, pending);
    assertThat(subsonic("getAlbumList2.view?type=byGenre&size=500&genre=" + URLEncoder.encode("Secret " + tag, StandardCharsets.UTF_8), reader[1])
        .getJsonObject("albumList2").getJsonArray("album")).isEmpty();
  }

  /** getGenres lists the genres in name order as a person reads it: the byte order put "Électro" after "Rock". */
  @Test
  void genresAreListedInReadingOrder() throws Exception {
    String[] reader = account("genres");
    String tag = UUID.randomUUID().toString().substring(0, 8);
    for (String genre : List.of("Rock", "Électro", "ambient", "Blues")) {
      UUID id = UUID.randomUUID();
      track(id, aliceId, "Zz " + genre + " song " + tag, null, "approved", 100_000);   // titles after the shared songs: search3's first page stays theirs
      tc.sql("UPDATE tracks SET genre = ? WHERE id = ?", genre + " " + tag, id);
    }
    assertThat(subsonic("getGenres.view", reader[1]).getJsonObject("genres").getJsonArray("genre").stream()
        .map(o -> ((JsonObject) o).getString("value")).filter(v -> v.endsWith(tag)).toList())
        .containsExactly("ambient " + tag, "Blues " + tag, "Électro " + tag, "Rock " + tag);
  }

  @Test
  void whatPlayersAskForWhileBrowsingIsAnEmptyAnswerNotAnError() throws Exception {
    // Symfonium, Feishin, DSub, Substreamer ask for these at start or on opening an artist or album: each was error 70
    String artistId = subsonic("getAlbum.view?id=" + album, apiKey).getJsonObject("album").getString("artistId");
    for (String[] call : new String[][] {{"getArtistInfo2.view?id=" + artistId, "artistInfo2"}, {"getArtistInfo.view?id=" + artistId, "artistInfo"},
        {"getAlbumInfo2.view?id=" + album, "albumInfo"}, {"getAlbumInfo.view?id=" + album, "albumInfo"}, {"getNowPlaying.view", "nowPlaying"},
        {"getBookmarks.view", "bookmarks"}, {"getPodcasts.view", "podcasts"}, {"getNewestPodcasts.view", "newestPodcasts"},
        {"getInternetRadioStations.view", "internetRadioStations"}, {"startScan.view", "scanStatus"}}) {
      JsonObject r = subsonic(call[0], apiKey);
      assertThat(r.getString("status")).as(call[0] + ": " + r.encode()).isEqualTo("ok");
      assertThat(r.getJsonObject(call[1])).as(call[0]).isNotNull();
    }
    JsonObject queue = subsonic("getPlayQueue.view", apiKey);
    assertThat(queue.getString("status")).as(queue.encode()).isEqualTo("ok");
    assertThat(subsonic("startScan.view", apiKey).getJsonObject("scanStatus").getBoolean("scanning")).isFalse();
    // an artist's or album's info still needs an id the caller may see
    assertThat(subsonic("getArtistInfo2.view?id=" + UUID.randomUUID(), apiKey).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("getAlbumInfo2.view?id=" + UUID.randomUUID(), apiKey).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("getArtistInfo2.view", apiKey).getJsonObject("error").getInteger("code")).isEqualTo(10);
    // getTopSongs: the artist's songs by name (any case), the most played first
    String artistName = subsonic("getArtist.view?id=" + artistId, apiKey).getJsonObject("artist").getString("name");
    JsonObject top = subsonic("getTopSongs.view?count=10&artist=" + URLEncoder.encode(artistName.toUpperCase(java.util.Locale.ROOT),
        StandardCharsets.UTF_8), apiKey);
    assertThat(top.getString("status")).as(top.encode()).isEqualTo("ok");
    assertThat(ids(top.getJsonObject("topSongs").getJsonArray("song"))).contains(song.toString(), song2.toString()).doesNotContain(hidden.toString());
    assertThat(subsonic("getTopSongs.view?artist=nobody-" + UUID.randomUUID(), apiKey).getJsonObject("topSongs").getJsonArray("song")).isEmpty();
    Element xmlRadio = xml("/rest/getInternetRadioStations.view?apiKey=" + apiKey);
    assertThat(xmlRadio.getAttribute("status")).isEqualTo("ok");
    assertThat(xmlRadio.getElementsByTagName("internetRadioStations").getLength()).isEqualTo(1);
  }

  @Test
  void tokenInfoNamesTheUserOfAnApiKey() throws Exception {
    // the apiKeyAuthentication extension (advertised) has clients ask tokenInfo for the key's username: it was 70
    JsonObject info = subsonic("tokenInfo.view", apiKey);
    assertThat(info.getString("status")).as(info.encode()).isEqualTo("ok");
    assertThat(info.getJsonObject("tokenInfo").getString("username")).isEqualTo(alice);
    Element xmlInfo = xml("/rest/tokenInfo?apiKey=" + apiKey);
    assertThat(((Element) xmlInfo.getElementsByTagName("tokenInfo").item(0)).getAttribute("username")).isEqualTo(alice);
    Element bad = xml("/rest/tokenInfo?apiKey=not-a-key");
    assertThat(((Element) bad.getElementsByTagName("error").item(0)).getAttribute("code")).isEqualTo("44");
  }

  @Test
  void aSongInNoAlbumHasItsArtistsDirectoryAsParent() throws Exception {
    // folder-model clients (DSub) go up and group by parent: an artist's songs in no album had none
    UUID artist = UUID.randomUUID();
    UUID loose = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Loose Ends " + artist, "loose " + artist);
    track(loose, aliceId, "Out on its own", artist, "approved", 90_000);
    JsonObject dir = subsonic("getMusicDirectory.view?id=" + artist, apiKey).getJsonObject("directory");
    assertThat(ids(dir.getJsonArray("child"))).containsExactly(loose.toString());
    assertThat(dir.getJsonArray("child").getJsonObject(0).getString("parent")).isEqualTo(artist.toString());
    Element xmlDir = xml("/rest/getMusicDirectory.view?id=" + artist + "&apiKey=" + apiKey);
    assertThat(((Element) xmlDir.getElementsByTagName("child").item(0)).getAttribute("parent")).isEqualTo(artist.toString());
  }

  @Test
  void starWithTheIdOfAnAlbumOrArtistDirectoryStarsThatAlbumOrArtist() throws Exception {
    // the folder model's albums and artists are directories: DSub stars them with id=, which was taken for a song (70)
    String[] ivy = account("ivy");
    String artistId = subsonic("getAlbum.view?id=" + album, ivy[1]).getJsonObject("album").getString("artistId");
    JsonObject star = subsonic("star.view?id=" + album + "&id=" + artistId + "&id=" + song, ivy[1]);
    assertThat(star.getString("status")).as(star.encode()).isEqualTo("ok");
    JsonObject starred = subsonic("getStarred.view", ivy[1]).getJsonObject("starred");
    assertThat(ids(starred.getJsonArray("album"))).containsExactly(album.toString());
    assertThat(ids(starred.getJsonArray("artist"))).containsExactly(artistId);
    assertThat(ids(starred.getJsonArray("song"))).containsExactly(song.toString());
    assertThat(subsonic("unstar.view?id=" + album + "&id=" + artistId, ivy[1]).getString("status")).isEqualTo("ok");
    starred = subsonic("getStarred2.view", ivy[1]).getJsonObject("starred2");
    assertThat(starred.getJsonArray("album")).isEmpty();
    assertThat(starred.getJsonArray("artist")).isEmpty();
    assertThat(ids(starred.getJsonArray("song"))).containsExactly(song.toString());
    // an id that is nothing the caller may see still stars nothing and is 70
    assertThat(subsonic("star.view?id=" + UUID.randomUUID() + "&id=" + album, ivy[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("star.view?id=" + hidden, ivy[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("getStarred2.view", ivy[1]).getJsonObject("starred2").getJsonArray("album")).isEmpty();
  }

  /**
   * Players send a queue as one id= per song in a GET (~40 bytes a song): the HTTP server's 4 KB request line refused a
   * queue of ~100 songs with a JSON 414 no player reads. OpenSubsonic's routes take lines up to 64 KiB; the others stay
   * at 4 KB (WebApiTest).
   */
  @Test
  void aLongPlayQueueFitsInOneGet() throws Exception {
    String[] lee = account("lee");
    String ids = ("&id=" + song).repeat(400);   // 16 KB of request line
    JsonObject saved = subsonic("savePlayQueue.view?c=DSub" + ids + "&current=" + song, lee[1]);
    assertThat(saved.getString("status")).as(saved.encode()).isEqualTo("ok");
    assertThat(subsonic("getPlayQueue.view", lee[1]).getJsonObject("playQueue").getJsonArray("entry")).hasSize(400);
  }

  @Test
  void aSavedPlayQueueIsTheCallersAndResumesWhereItWasLeft() throws Exception {
    // Symfonium, Feishin, DSub save the queue to resume it on another device: savePlayQueue was 70, getPlayQueue empty
    String[] jo = account("jo");
    String[] kim = account("kim");
    assertThat(subsonic("getPlayQueue.view", jo[1]).containsKey("playQueue")).as("nothing saved yet").isFalse();
    JsonObject saved = subsonic("savePlayQueue.view?c=Symfonium&id=" + song2 + "&id=" + song + "&id=" + song2 + "&current=" + song
        + "&position=61500", jo[1]);
    assertThat(saved.getString("status")).as(saved.encode()).isEqualTo("ok");
    JsonObject queue = subsonic("getPlayQueue.view", jo[1]).getJsonObject("playQueue");
    assertThat(queue).as("the saved queue").isNotNull();
    assertThat(ids(queue.getJsonArray("entry"))).containsExactly(song2.toString(), song.toString(), song2.toString());
    assertThat(queue.getString("current")).isEqualTo(song.toString());
    assertThat(queue.getLong("position")).isEqualTo(61_500L);
    assertThat(queue.getString("username")).isEqualTo(jo[3]);
    assertThat(queue.getString("changedBy")).isEqualTo("Symfonium");
    assertThat(java.time.Instant.parse(queue.getString("changed"))).isAfter(java.time.Instant.now().minusSeconds(600));
    assertThat(queue.getJsonArray("entry").getJsonObject(1).getString("title")).isEqualTo("Aurora Rising");
    Element xmlQueue = (Element) xml("/rest/getPlayQueue.view?apiKey=" + jo[1]).getElementsByTagName("playQueue").item(0);
    assertThat(xmlQueue.getAttribute("current")).isEqualTo(song.toString());
    assertThat(xmlQueue.getAttribute("position")).isEqualTo("61500");
    assertThat(xmlQueue.getElementsByTagName("entry").getLength()).isEqualTo(3);
    assertThat(subsonic("getPlayQueue.view", kim[1]).containsKey("playQueue")).as("one user's queue is not another's").isFalse();

    // a song the caller may not see, a current song not in the queue, a bad position: refused, the queue unchanged
    assertThat(subsonic("savePlayQueue.view?id=" + song + "&id=" + hidden, jo[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("savePlayQueue.view?id=" + UUID.randomUUID(), jo[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("savePlayQueue.view?id=" + song + "&current=" + song2, jo[1]).getJsonObject("error").getInteger("code")).isEqualTo(0);
    assertThat(subsonic("savePlayQueue.view?id=" + song + "&position=-1", jo[1]).getJsonObject("error").getInteger("code")).isEqualTo(0);
    assertThat(subsonic("savePlayQueue.view?id=" + song + "&position=soon", jo[1]).getJsonObject("error").getInteger("code")).isEqualTo(0);
    assertThat(ids(subsonic("getPlayQueue.view", jo[1]).getJsonObject("playQueue").getJsonArray("entry")))
        .containsExactly(song2.toString(), song.toString(), song2.toString());

    // a song hidden later drops out; when it was the playing one, the queue resumes at the first song left
    UUID gone = UUID.randomUUID();
    track(gone, aliceId, "Soon taken down", null, "approved", 100_000);
    assertThat(subsonic("savePlayQueue.view?c=DSub&id=" + gone + "&id=" + song + "&current=" + gone + "&position=5000", jo[1])
        .getString("status")).isEqualTo("ok");
    tc.sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?", gone);
    queue = subsonic("getPlayQueue.view", jo[1]).getJsonObject("playQueue");
    assertThat(ids(queue.getJsonArray("entry"))).containsExactly(song.toString());
    assertThat(queue.getString("current")).isEqualTo(song.toString());
    assertThat(queue.getLong("position")).isEqualTo(0L);
    assertThat(queue.getString("changedBy")).isEqualTo("DSub");

    // no id clears it
    assertThat(subsonic("savePlayQueue.view", jo[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("getPlayQueue.view", jo[1]).containsKey("playQueue")).isFalse();
    // so does an empty id, as clients send an empty queue (id=&current=)
    assertThat(subsonic("savePlayQueue.view?id=" + song, jo[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("getPlayQueue.view", jo[1]).containsKey("playQueue")).isTrue();
    JsonObject cleared = subsonic("savePlayQueue.view?id=&current=&position=0", jo[1]);
    assertThat(cleared.getString("status")).as(cleared.encode()).isEqualTo("ok");
    assertThat(subsonic("getPlayQueue.view", jo[1]).containsKey("playQueue")).isFalse();
  }

  @Test
  void bookmarksKeepTheCallersPlaceInASong() throws Exception {
    // audiobook and long-mix listeners (DSub, Substreamer) bookmark a place in a song: createBookmark was 70
    String[] lu = account("lu");
    String[] max = account("max");
    assertThat(subsonic("getBookmarks.view", lu[1]).getJsonObject("bookmarks").getJsonArray("bookmark")).isEmpty();
    assertThat(subsonic("createBookmark.view?id=" + song + "&position=90000&comment=" + URLEncoder.encode("the chorus", StandardCharsets.UTF_8),
        lu[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("createBookmark.view?id=" + song2 + "&position=1000", lu[1]).getString("status")).isEqualTo("ok");
    JsonArray marks = subsonic("getBookmarks.view", lu[1]).getJsonObject("bookmarks").getJsonArray("bookmark");
    assertThat(marks.stream().map(m -> ((JsonObject) m).getJsonObject("entry").getString("id"))).containsExactly(song2.toString(), song.toString());
    JsonObject first = marks.getJsonObject(1);
    assertThat(first.getLong("position")).isEqualTo(90_000L);
    assertThat(first.getString("comment")).isEqualTo("the chorus");
    assertThat(first.getString("username")).isEqualTo(lu[3]);
    assertThat(first.getJsonObject("entry").getString("title")).isEqualTo("Aurora Rising");
    assertThat(first.getString("created")).isNotNull();
    assertThat(first.getString("changed")).isNotNull();
    assertThat(marks.getJsonObject(0).containsKey("comment")).as("none given").isFalse();

    // creating again replaces it (one per user and song), keeping when it was first made
    assertThat(subsonic("createBookmark.view?id=" + song + "&position=120000&comment=later", lu[1]).getString("status")).isEqualTo("ok");
    marks = subsonic("getBookmarks.view", lu[1]).getJsonObject("bookmarks").getJsonArray("bookmark");
    assertThat(marks).hasSize(2);
    JsonObject again = marks.getJsonObject(0);
    assertThat(again.getJsonObject("entry").getString("id")).as("the latest changed first").isEqualTo(song.toString());
    assertThat(again.getLong("position")).isEqualTo(120_000L);
    assertThat(again.getString("comment")).isEqualTo("later");
    assertThat(again.getString("created")).isEqualTo(first.getString("created"));
    Element xmlMark = (Element) xml("/rest/getBookmarks.view?apiKey=" + lu[1]).getElementsByTagName("bookmark").item(0);
    assertThat(xmlMark.getAttribute("position")).isEqualTo("120000");
    assertThat(((Element) xmlMark.getElementsByTagName("entry").item(0)).getAttribute("id")).isEqualTo(song.toString());
    assertThat(subsonic("getBookmarks.view", max[1]).getJsonObject("bookmarks").getJsonArray("bookmark")).as("another user's").isEmpty();

    // a song the caller may not see, a missing or bad position: refused, nothing stored
    assertThat(subsonic("createBookmark.view?id=" + hidden + "&position=1", lu[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("createBookmark.view?id=" + UUID.randomUUID() + "&position=1", lu[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("createBookmark.view?id=" + song, lu[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    assertThat(subsonic("createBookmark.view?position=1", lu[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    assertThat(subsonic("createBookmark.view?id=" + song + "&position=-5", lu[1]).getJsonObject("error").getInteger("code")).isEqualTo(0);
    assertThat(subsonic("getBookmarks.view", lu[1]).getJsonObject("bookmarks").getJsonArray("bookmark").getJsonObject(0).getLong("position"))
        .isEqualTo(120_000L);

    // a song hidden later drops out; deleteBookmark removes the caller's (none: nothing to do)
    UUID gone = UUID.randomUUID();
    track(gone, aliceId, "Soon hidden", null, "approved", 100_000);
    assertThat(subsonic("createBookmark.view?id=" + gone + "&position=5", lu[1]).getString("status")).isEqualTo("ok");
    tc.sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?", gone);
    assertThat(subsonic("getBookmarks.view", lu[1]).getJsonObject("bookmarks").getJsonArray("bookmark")).hasSize(2);
    assertThat(subsonic("deleteBookmark.view?id=" + song, lu[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("deleteBookmark.view?id=" + song, lu[1]).getString("status")).isEqualTo("ok");
    marks = subsonic("getBookmarks.view", lu[1]).getJsonObject("bookmarks").getJsonArray("bookmark");
    assertThat(marks.stream().map(m -> ((JsonObject) m).getJsonObject("entry").getString("id"))).containsExactly(song2.toString());
    assertThat(subsonic("deleteBookmark.view", lu[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
  }

  @Test
  void setRatingRatesSongsAlbumsAndArtistsForTheCallerOnly() throws Exception {
    // players show and set star ratings (Symfonium, Feishin, DSub): setRating was 70 and no entry carried userRating
    String[] nia = account("nia");
    String[] oz = account("oz");
    String artistId = subsonic("getAlbum.view?id=" + album, nia[1]).getJsonObject("album").getString("artistId");
    for (String id : List.of(song + "&rating=4", album + "&rating=5", artistId + "&rating=3")) {
      JsonObject r = subsonic("setRating.view?id=" + id, nia[1]);
      assertThat(r.getString("status")).as(id + ": " + r.encode()).isEqualTo("ok");
    }
    assertThat(subsonic("getSong.view?id=" + song, nia[1]).getJsonObject("song").getInteger("userRating")).isEqualTo(4);
    JsonObject al = subsonic("getAlbum.view?id=" + album, nia[1]).getJsonObject("album");
    assertThat(al.getInteger("userRating")).isEqualTo(5);
    assertThat(al.getJsonArray("song").stream().map(x -> ((JsonObject) x).getInteger("userRating"))).containsExactly(null, 4);
    assertThat(subsonic("getArtist.view?id=" + artistId, nia[1]).getJsonObject("artist").getInteger("userRating")).isEqualTo(3);
    assertThat(subsonic("getMusicDirectory.view?id=" + album, nia[1]).getJsonObject("directory").getInteger("userRating")).isEqualTo(5);
    assertThat(((Element) xml("/rest/getSong.view?id=" + song + "&apiKey=" + nia[1]).getElementsByTagName("song").item(0))
        .getAttribute("userRating")).isEqualTo("4");
    assertThat(subsonic("getSong.view?id=" + song, oz[1]).getJsonObject("song").containsKey("userRating")).as("another user's rating").isFalse();
    assertThat(subsonic("getAlbum.view?id=" + album, oz[1]).getJsonObject("album").containsKey("userRating")).isFalse();

    // again replaces it, 0 removes it
    assertThat(subsonic("setRating.view?id=" + song + "&rating=2", nia[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("getSong.view?id=" + song, nia[1]).getJsonObject("song").getInteger("userRating")).isEqualTo(2);
    assertThat(subsonic("setRating.view?id=" + song + "&rating=0", nia[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("getSong.view?id=" + song, nia[1]).getJsonObject("song").containsKey("userRating")).isFalse();

    // a rating out of 0-5 or not a number is 0, a missing one 10, an id the caller may not see 70: nothing changes
    for (String bad : List.of("6", "-1", "five", "4.5")) {
      assertThat(subsonic("setRating.view?id=" + album + "&rating=" + bad, nia[1]).getJsonObject("error").getInteger("code")).as(bad).isEqualTo(0);
    }
    assertThat(subsonic("setRating.view?id=" + album, nia[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    assertThat(subsonic("setRating.view?rating=3", nia[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    assertThat(subsonic("setRating.view?id=" + hidden + "&rating=3", nia[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("setRating.view?id=" + UUID.randomUUID() + "&rating=3", nia[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("getAlbum.view?id=" + album, nia[1]).getJsonObject("album").getInteger("userRating")).isEqualTo(5);
    assertThat(tc.sql("SELECT count(*) AS n FROM subsonic_ratings WHERE subject_id = ?", hidden).get(0).get("n")).isEqualTo(0L);
  }

  @Test
  void songsCarryAFolderPathOfArtistAlbumAndTitle() throws Exception {
    // folder views (Symfonium, Substreamer, DSub) show and sort songs by path: no song had one
    JsonObject s = subsonic("getSong.view?id=" + song, apiKey).getJsonObject("song");
    assertThat(s.getString("path")).isEqualTo(s.getString("artist") + "/Northern Lights/Aurora Rising.opus");
    UUID odd = UUID.randomUUID();
    track(odd, aliceId, "AC/DC \\ cover", null, "approved", 60_000);
    assertThat(subsonic("getSong.view?id=" + odd, apiKey).getJsonObject("song").getString("path"))
        .isEqualTo("Unknown Artist/Unknown Album/AC_DC _ cover.opus");
    Element xmlSong = (Element) xml("/rest/getAlbum.view?id=" + album + "&apiKey=" + apiKey).getElementsByTagName("song").item(0);
    assertThat(xmlSong.getAttribute("path")).endsWith("/Northern Lights/Second Light.opus");
  }

  @Test
  void deletingATrackOrAnAlbumRemovesItsRatings() throws Exception {
    // ratings have no foreign key (a subject is a track, an album or an artist): a delete left them behind
    String[] pat = account("pat");
    UUID mine = UUID.randomUUID();
    UUID myAlbum = UUID.randomUUID();
    track(mine, pat[0], "Rated then deleted", null, "approved", 60_000);
    tc.sql("INSERT INTO albums (id, owner_id, title, moderation) VALUES (?, ?, 'Rated album', 'approved')", myAlbum, UUID.fromString(pat[0]));
    for (UUID id : List.of(mine, myAlbum)) {
      assertThat(subsonic("setRating.view?id=" + id + "&rating=5", pat[1]).getString("status")).isEqualTo("ok");
    }
    assertThat(tc.sql("SELECT count(*) AS n FROM subsonic_ratings WHERE subject_id IN (?, ?)", mine, myAlbum).get(0).get("n")).isEqualTo(2L);
    for (String path : List.of("/api/v1/tracks/" + mine, "/api/v1/albums/" + myAlbum)) {
      Rest.Reply deleted = rest.call(io.vertx.core.http.HttpMethod.DELETE, port, path, pat[2], null, null);
      assertThat(deleted.status()).as(path + ": " + deleted.body()).isEqualTo(204);
    }
    assertThat(tc.sql("SELECT count(*) AS n FROM subsonic_ratings WHERE subject_id IN (?, ?)", mine, myAlbum).get(0).get("n")).isEqualTo(0L);
  }

  @Test
  void getNowPlayingShowsWhatEachUsersPlayersAnnounced() throws Exception {
    // players announce a song with scrobble submission=false (DSub, Symfonium, Feishin) and show getNowPlaying: it was
    // accepted, stored nowhere, and getNowPlaying always empty
    String[] ann = account("ann");
    String[] ben = account("ben");
    UUID pending = UUID.randomUUID();
    track(pending, ann[0], "Ann's pending demo", null, "pending", 0);
    long playsBefore = (Long) tc.sql("SELECT count(*) AS n FROM plays WHERE user_id = ?", UUID.fromString(ann[0])).get(0).get("n");
    assertThat(subsonic("scrobble.view?submission=false&c=DSub&id=" + song, ann[1]).getString("status")).isEqualTo("ok");
    JsonArray seen = nowPlaying(ben[1], ann[3]);
    assertThat(seen).hasSize(1);
    JsonObject e = seen.getJsonObject(0);
    assertThat(e.getString("id")).isEqualTo(song.toString());
    assertThat(e.getString("title")).isEqualTo("Aurora Rising");
    assertThat(e.getString("playerName")).isEqualTo("DSub");
    assertThat(e.getInteger("minutesAgo")).isZero();
    assertThat(e.getInteger("playerId")).isNotNull().isNotNegative();
    assertThat((Long) tc.sql("SELECT count(*) AS n FROM plays WHERE user_id = ?", UUID.fromString(ann[0])).get(0).get("n"))
        .as("an announcement is not a play").isEqualTo(playsBefore);

    // the same player's next song replaces it; another player of the same user is another entry
    assertThat(subsonic("scrobble.view?submission=false&c=DSub&id=" + song2, ann[1]).getString("status")).isEqualTo("ok");
    assertThat(subsonic("scrobble.view?submission=false&c=Feishin&id=" + song, ann[1]).getString("status")).isEqualTo("ok");
    JsonArray two = nowPlaying(ben[1], ann[3]);
    assertThat(two.stream().map(x -> ((JsonObject) x).getString("playerName") + "=" + ((JsonObject) x).getString("id")))
        .containsExactlyInAnyOrder("DSub=" + song2, "Feishin=" + song);
    assertThat(two.getJsonObject(0).getInteger("playerId")).isNotEqualTo(two.getJsonObject(1).getInteger("playerId"));
    Element xmlNow = xml("/rest/getNowPlaying.view?apiKey=" + ben[1]);
    assertThat(xmlNow.getAttribute("status")).isEqualTo("ok");
    boolean listed = false;
    for (int i = 0; i < xmlNow.getElementsByTagName("entry").getLength(); i++) {
      Element x = (Element) xmlNow.getElementsByTagName("entry").item(i);
      listed |= x.getAttribute("username").equals(ann[3]) && x.getAttribute("playerName").equals("Feishin");
    }
    assertThat(listed).as("the XML answer's entries").isTrue();

    // an owner's pending song: its owner sees it playing, nobody else does
    assertThat(subsonic("scrobble.view?submission=false&c=Feishin&id=" + pending, ann[1]).getString("status")).isEqualTo("ok");
    assertThat(ids(nowPlaying(ann[1], ann[3]))).containsExactlyInAnyOrder(song2.toString(), pending.toString());
    assertThat(ids(nowPlaying(ben[1], ann[3]))).containsExactly(song2.toString());

    // a song the caller may not see, or none, changes nothing
    assertThat(subsonic("scrobble.view?submission=false&c=DSub&id=" + hidden, ann[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("scrobble.view?submission=false&c=DSub&id=" + UUID.randomUUID(), ann[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("scrobble.view?submission=false&c=DSub", ann[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    assertThat(ids(nowPlaying(ann[1], ann[3]))).containsExactlyInAnyOrder(song2.toString(), pending.toString());

    // a song whose time is up (its duration and 5 s after it started) is no longer playing
    tc.sql("UPDATE subsonic_now_playing SET until_at = NOW() - interval '1 second' WHERE user_id = ? AND player = 'DSub'", UUID.fromString(ann[0]));
    assertThat(ids(nowPlaying(ann[1], ann[3]))).containsExactly(pending.toString());
    // a deleted song goes with it
    Rest.Reply deleted = rest.call(io.vertx.core.http.HttpMethod.DELETE, port, "/api/v1/tracks/" + pending, ann[2], null, null);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
    assertThat(nowPlaying(ann[1], ann[3])).isEmpty();
  }

  @Test
  void lyricsAreAnsweredFromTheTagsAsTextAndAsTimedLines() throws Exception {
    // players show lyrics (Symfonium, Feishin, DSub): getLyrics was always empty and getLyricsBySongId 70
    String[] lia = account("lia");
    UUID artist = UUID.randomUUID();
    UUID timed = UUID.randomUUID();
    UUID plain = UUID.randomUUID();
    UUID pending = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Lyra Émile " + artist, "lyra emile " + artist);
    track(timed, aliceId, "Timed Words " + artist, artist, "approved", 60_000);
    track(plain, aliceId, "Plain Words " + artist, artist, "approved", 60_000);
    track(pending, bobId, "Pending Words " + artist, artist, "pending", 60_000);
    tc.sql("UPDATE tracks SET lyrics = ? WHERE id = ?", "[ar:Lyra]\n[offset:+250]\n[00:01.50]One\n[00:00.25][00:03.00]Zero and three\n[00:02]", timed);
    tc.sql("UPDATE tracks SET lyrics = ? WHERE id = ?", "[Chorus]\nLa la\n\nLa", plain);
    tc.sql("UPDATE tracks SET lyrics = ? WHERE id = ?", "Secret words", pending);

    JsonObject list = subsonic("getLyricsBySongId.view?id=" + timed, lia[1]);
    assertThat(list.getString("status")).as(list.encode()).isEqualTo("ok");
    JsonArray structured = list.getJsonObject("lyricsList").getJsonArray("structuredLyrics");
    assertThat(structured).hasSize(1);
    JsonObject l = structured.getJsonObject(0);
    assertThat(l.getBoolean("synced")).isTrue();
    assertThat(l.getLong("offset")).isEqualTo(250L);
    assertThat(l.getString("displayTitle")).isEqualTo("Timed Words " + artist);
    assertThat(l.getString("displayArtist")).isEqualTo("Lyra Émile " + artist);
    assertThat(l.getJsonArray("line").stream().map(x -> ((JsonObject) x).getLong("start") + "=" + ((JsonObject) x).getString("value")))
        .containsExactly("250=Zero and three", "1500=One", "2000=", "3000=Zero and three");
    JsonObject untimed = subsonic("getLyricsBySongId.view?id=" + plain, lia[1]).getJsonObject("lyricsList").getJsonArray("structuredLyrics").getJsonObject(0);
    assertThat(untimed.getBoolean("synced")).isFalse();
    assertThat(untimed.getJsonArray("line").stream().map(x -> ((JsonObject) x).getString("value"))).containsExactly("[Chorus]", "La la", "", "La");
    assertThat(untimed.getJsonArray("line").stream().allMatch(x -> !((JsonObject) x).containsKey("start"))).isTrue();
    // a song without lyrics has none; one the caller may not see, or none, is 70; no id 10
    assertThat(subsonic("getLyricsBySongId.view?id=" + song, lia[1]).getJsonObject("lyricsList").getJsonArray("structuredLyrics")).isEmpty();
    assertThat(subsonic("getLyricsBySongId.view?id=" + pending, lia[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("getLyricsBySongId.view?id=" + UUID.randomUUID(), lia[1]).getJsonObject("error").getInteger("code")).isEqualTo(70);
    assertThat(subsonic("getLyricsBySongId.view", lia[1]).getJsonObject("error").getInteger("code")).isEqualTo(10);
    Element xmlLine = (Element) xml("/rest/getLyricsBySongId.view?id=" + timed + "&apiKey=" + lia[1]).getElementsByTagName("line").item(1);
    assertThat(xmlLine.getAttribute("start")).isEqualTo("1500");

    // getLyrics by artist and title in any case: the words without time tags; the artist may be left out
    JsonObject byName = subsonic("getLyrics.view?artist=" + URLEncoder.encode("LYRA ÉMILE " + artist, StandardCharsets.UTF_8)
        + "&title=" + URLEncoder.encode("timed words " + artist, StandardCharsets.UTF_8), lia[1]).getJsonObject("lyrics");
    assertThat(byName.getString("value")).isEqualTo("Zero and three\nOne\n\nZero and three");
    assertThat(byName.getString("artist")).isEqualTo("Lyra Émile " + artist);
    assertThat(byName.getString("title")).isEqualTo("Timed Words " + artist);
    assertThat(subsonic("getLyrics.view?title=" + URLEncoder.encode("Plain Words " + artist, StandardCharsets.UTF_8), lia[1])
        .getJsonObject("lyrics").getString("value")).isEqualTo("[Chorus]\nLa la\n\nLa");
    assertThat(subsonic("getLyrics.view?artist=Nobody&title=" + URLEncoder.encode("Plain Words " + artist, StandardCharsets.UTF_8), lia[1])
        .getJsonObject("lyrics").isEmpty()).isTrue();
    assertThat(subsonic("getLyrics.view?title=" + URLEncoder.encode("Pending Words " + artist, StandardCharsets.UTF_8), lia[1])
        .getJsonObject("lyrics").isEmpty()).as("another user's pending song").isTrue();
    JsonObject ext = subsonic("getOpenSubsonicExtensions.view", lia[1]);
    assertThat(ext.getJsonArray("openSubsonicExtensions").stream().map(e -> ((JsonObject) e).getString("name"))).contains("songLyrics");
  }

  /** getNowPlaying's entries of one user, as {@code key}'s user reads them. */
  private static JsonArray nowPlaying(String key, String username) throws Exception {
    JsonObject r = subsonic("getNowPlaying.view", key);
    assertThat(r.getString("status")).as(r.encode()).isEqualTo("ok");
    return new JsonArray(r.getJsonObject("nowPlaying").getJsonArray("entry").stream()
        .filter(x -> username.equals(((JsonObject) x).getString("username"))).toList());
  }

  @Test
  void highestAlbumsAreTheCallersRatedOnesTheHighestFirst() throws Exception {
    // getAlbumList2 type=highest was the most liked albums whatever the caller rated; Navidrome lists the caller's rated albums
    String[] ray = account("ray");
    String[] sam = account("sam");
    UUID second = UUID.randomUUID();
    UUID third = UUID.randomUUID();
    for (UUID id : List.of(second, third)) {
      tc.sql("INSERT INTO albums (id, owner_id, title, moderation) VALUES (?, ?, ?, 'approved')", id, UUID.fromString(aliceId), "Rated " + id);
    }
    try {
      for (String rating : List.of(album + "&rating=3", second + "&rating=5", third + "&rating=1")) {
        assertThat(subsonic("setRating.view?id=" + rating, ray[1]).getString("status")).isEqualTo("ok");
      }
      JsonArray highest = subsonic("getAlbumList2.view?type=highest&size=500", ray[1]).getJsonObject("albumList2").getJsonArray("album");
      assertThat(ids(highest)).containsExactly(second.toString(), album.toString(), third.toString());
      assertThat(highest.stream().map(a -> ((JsonObject) a).getInteger("userRating"))).containsExactly(5, 3, 1);
      assertThat(ids(subsonic("getAlbumList2.view?type=highest&size=1&offset=1", ray[1]).getJsonObject("albumList2").getJsonArray("album")))
          .containsExactly(album.toString());
      assertThat(ids(subsonic("getAlbumList.view?type=highest&size=500", ray[1]).getJsonObject("albumList").getJsonArray("album")))
          .containsExactly(second.toString(), album.toString(), third.toString());
      // another user's ratings are not the caller's
      assertThat(subsonic("getAlbumList2.view?type=highest&size=500", sam[1]).getJsonObject("albumList2").getJsonArray("album")).isEmpty();
    } finally {
      tc.sql("DELETE FROM subsonic_ratings WHERE subject_id IN (?, ?)", second, third);
      tc.sql("DELETE FROM albums WHERE id IN (?, ?)", second, third);
    }
  }

  private static String ping(String auth) {
    try {
      return xml("/rest/ping.view?" + auth).getAttribute("status");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Element xml(String path) throws Exception {
    HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/xml");
    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(r.body()));
    assertThat(d.getDocumentElement().getTagName()).isEqualTo("subsonic-response");
    return d.getDocumentElement();
  }

  static List<String> ids(JsonArray a) {
    return a.stream().map(x -> ((JsonObject) x).getString("id")).toList();
  }
}

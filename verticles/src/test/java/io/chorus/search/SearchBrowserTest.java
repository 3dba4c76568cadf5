package io.chorus.search;

import io.chorus.testing.NodeScripts;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The search box and results page (issue 19) in headless Chromium against one node: suggestions as you
 * type on every page, transliterated and misspelt queries, results grouped by type, play, and a pending
 * track seen by its owner only (web/test/browser-search.mjs).
 */
class SearchBrowserTest {
  static final String PW = "a long enough password";
  static TestCluster tc;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000,
        "SEARCH_SWEEP_MS", 300));
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  @Test
  void searchBoxSuggestionsAndGroupedResultsInTheBrowser() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    Rest rest = tc.rest();
    String owner = "owner-" + UUID.randomUUID().toString().substring(0, 8);
    String other = "other-" + UUID.randomUUID().toString().substring(0, 8);
    String ownerId = rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject().put("username", owner).put("password", PW))
        .getJsonObject("user").getString("id");
    String otherId = rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject().put("username", other).put("password", PW)
        .put("display_name", "Полярник Петров")).getJsonObject("user").getString("id");
    UUID artist = (UUID) tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, 'Полярник', 'полярник')"
        + " ON CONFLICT (name_key) DO UPDATE SET name = artists.name RETURNING id", UUID.randomUUID()).get(0).get("id");
    UUID star = track(ownerId, "Звезда полярника", artist, "approved");
    UUID pending = track(ownerId, "Тайный маяк", artist, "pending");
    UUID album = UUID.randomUUID();
    tc.sql("INSERT INTO albums (id, owner_id, title, artist_id, moderation) VALUES (?, ?::uuid, 'Сны полярника', ?, 'approved')", album, ownerId, artist);
    UUID playlist = UUID.randomUUID();
    tc.sql("INSERT INTO playlists (id, owner_id, name, public) VALUES (?, ?::uuid, 'Полярник в дороге', true)", playlist, ownerId);
    awaitFound(rest, "полярник", null, List.of(star.toString(), album.toString(), artist.toString(), playlist.toString(), otherId));
    awaitFound(rest, "тайный маяк", rest.postOk(tc.port(), "/api/v1/auth/login", null,
        new JsonObject().put("username", owner).put("password", PW)).getString("access_token"), List.of(pending.toString()));

    JsonObject args = new JsonObject().put("owner", owner).put("other", other).put("password", PW).put("pendingTitle", "Тайный маяк")
        .put("translit", "zvezda polyarnika").put("typo", "звзеда полярнка").put("mixed", "полярник");
    JsonObject r = NodeScripts.run("test/browser-search.mjs", Duration.ofMinutes(6), "http://127.0.0.1:" + tc.port(), args.encode());
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
    assertThat(r.getJsonArray("console")).as("no script errors:\n%s", dump).isEmpty();
    assertThat(r.getBoolean("boxOnIndex")).as(dump).isTrue();
    assertThat(r.getBoolean("boxOnAccount")).as(dump).isTrue();
    // suggestions: shown while typing, debounced (fewer requests than keystrokes), navigable by keyboard
    JsonArray suggestions = r.getJsonArray("suggestions");
    assertThat(suggestions.stream().map(o -> ((JsonObject) o).getString("id"))).as(dump).contains(star.toString());
    assertThat(r.getBoolean("suggestVisible")).as(dump).isTrue();
    assertThat(r.getInteger("suggestRequests")).as("debounced:\n%s", dump).isBetween(1, "zvezda polyarnika".length() / 2);
    assertThat(r.getString("firstSelected")).as(dump).isEqualTo("true");
    assertThat(r.getInteger("selectedAfterUpDown")).as(dump).isZero();
    assertThat(r.getString("enterWentTo")).as(dump).matches("/(search|library)\\.html.*");
    // the results page: transliterated and misspelt, grouped by type with highlights, linked
    assertThat(ids(r, "translit", "tracks")).as(dump).contains(star.toString());
    assertThat(ids(r, "typo", "tracks")).as(dump).contains(star.toString());
    JsonObject mixed = r.getJsonObject("mixed");
    assertThat(mixed.getJsonArray("groups").getList()).as(dump).contains("tracks", "albums", "artists", "playlists", "users");
    assertThat(ids(r, "mixed", "albums")).as(dump).contains(album.toString());
    assertThat(ids(r, "mixed", "artists")).as(dump).contains(artist.toString());
    assertThat(ids(r, "mixed", "playlists")).as(dump).contains(playlist.toString());
    assertThat(ids(r, "mixed", "users")).as(dump).contains(otherId);
    assertThat(mixed.getInteger("highlights")).as(dump).isPositive();
    assertThat(r.getString("albumHref")).as(dump).startsWith("library.html#album=");
    assertThat(r.getString("artistHref")).as(dump).startsWith("library.html#artist=");
    assertThat(r.getString("playing")).as(dump).isEqualTo(star.toString());
    assertThat(r.getBoolean("audioSigned")).as(dump).isTrue();
    // pending: its owner (results page with the refreshed token; suggestions with the library page's token), nobody else
    assertThat(ids(r, "pendingAnonymous", "tracks")).as(dump).doesNotContain(pending.toString());
    assertThat(r.getInteger("ownerLogin")).as(dump).isEqualTo(200);
    assertThat(ids(r, "pendingOwner", "tracks")).as(dump).contains(pending.toString());
    assertThat(r.getJsonArray("ownerSuggestions").stream().map(o -> ((JsonObject) o).getString("id"))).as(dump).contains(pending.toString());
    assertThat(r.getInteger("otherLogin")).as(dump).isEqualTo(200);
    assertThat(ids(r, "pendingOther", "tracks")).as(dump).doesNotContain(pending.toString());
    assertThat(r.getJsonArray("otherSuggestions").stream().map(o -> ((JsonObject) o).getString("id"))).as(dump).doesNotContain(pending.toString());
  }

  static List<Object> ids(JsonObject r, String run, String type) {
    JsonArray a = r.getJsonObject(run).getJsonObject("ids").getJsonArray(type);
    return a == null ? List.of() : a.getList();
  }

  static UUID track(String owner, String title, UUID artist, String moderation) {
    UUID id = UUID.randomUUID();
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status, moderation)"
            + " VALUES (?, ?::uuid, ?, ?, ?, 'k', 1, 'mp3', 'audio/mpeg', 'ready', ?)",
        id, owner, title, artist, HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64), moderation);
    return id;
  }

  /** The index picks the rows up (sweep) and the users (Kafka): wait until REST finds them all. */
  static void awaitFound(Rest rest, String q, String token, List<String> ids) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      Rest.Reply reply = rest.get(tc.port(), "/api/v1/search?limit=100&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8), token);
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      if (ids.stream().allMatch(reply.body()::contains)) {
        return;
      }
      assertThat(System.currentTimeMillis()).as("indexed: %s in %s", ids, reply.body()).isLessThan(deadline);
      TestServices.await(tc.client().timer(100));
    }
  }
}

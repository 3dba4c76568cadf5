package io.chorus.search;

import io.chorus.bus.Addresses;
import io.chorus.bus.ErrorCode;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Search on a 3-node cluster fed by events: approvals, takedowns, deletes of tracks, albums and playlists
 * (announced through the library's outbox: the sweep of changed rows cannot see a row that is gone) and a
 * disabled user reach every node's results; the bus search answers from any node with REST's JSON and errors.
 */
class SearchEventsTest {
  static final String PW = "a long enough password";
  static final String ADMIN = "search-events-admin";
  static TestCluster tc;
  static Rest rest;
  static String ownerId;
  static String ownerToken;
  static String otherToken;
  static String adminToken;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(3, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000,
        "ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", PW));
    rest = tc.rest();
    JsonObject a = rest.postOk(tc.port(0), "/api/v1/auth/register", null, new JsonObject().put("username", name("owner")).put("password", PW));
    ownerId = a.getJsonObject("user").getString("id");
    ownerToken = a.getString("access_token");
    otherToken = rest.postOk(tc.port(1), "/api/v1/auth/register", null, new JsonObject().put("username", name("other")).put("password", PW))
        .getString("access_token");
    adminToken = rest.postOk(tc.port(2), "/api/v1/auth/login", null, new JsonObject().put("username", ADMIN).put("password", PW))
        .getString("access_token");
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void approvalTakedownAndDeleteOfATrackReachEveryNode() {
    UUID id = pendingTrack("Серебряный полумесяц");
    awaitAll(id, "tracks", "serebryanyj polumesyac", ownerToken, true, "the owner sees the pending track");
    for (int n = 0; n < 3; n++) {
      assertThat(ids(n, "tracks", "серебряный полумесяц", otherToken)).as("another user on node %d", n).doesNotContain(id.toString());
    }
    moderate(1, "tracks", id, "approve");
    awaitAll(id, "tracks", "серебряный полумесяц", null, true, "approved: found by anyone");
    moderate(2, "tracks", id, "takedown");
    awaitAll(id, "tracks", "серебряный полумесяц", null, false, "taken down");

    UUID doomed = pendingTrack("Медный колокол");
    moderate(0, "tracks", doomed, "approve");
    awaitAll(doomed, "tracks", "медный колокол", null, true, "approved");
    Rest.Reply del = rest.call(HttpMethod.DELETE, tc.port(1), "/api/v1/tracks/" + doomed, ownerToken, null, null);
    assertThat(del.status()).as(del.body()).isEqualTo(204);
    awaitAll(doomed, "tracks", "медный колокол", ownerToken, false, "deleted: gone for its owner too");
    List<Map<String, Object>> event = tc.sql("SELECT payload::text AS p FROM library_outbox WHERE topic = ? AND message_key = ?",
        tc.config().source().getString("LIBRARY_TOPIC_CATALOG"), doomed.toString());
    assertThat(event).extracting(r -> new JsonObject((String) r.get("p")).getString("type")).contains("track.moderated", "track.deleted");
  }

  @Test
  void deletedAlbumsAndPlaylistsVanishFromEveryNode() {
    String title = "Лунный бархат " + UUID.randomUUID().toString().substring(0, 4);
    JsonObject album = rest.postOk(tc.port(0), "/api/v1/albums", ownerToken, new JsonObject().put("title", title)).getJsonObject("album");
    UUID albumId = UUID.fromString(album.getString("id"));
    moderate(1, "albums", albumId, "approve");
    awaitAll(albumId, "albums", "lunnyj barkhat", null, true, "approved album");
    JsonObject list = rest.postOk(tc.port(1), "/api/v1/playlists", ownerToken,
        new JsonObject().put("name", "Ночной дилижанс").put("public", true)).getJsonObject("playlist");
    UUID listId = UUID.fromString(list.getString("id"));
    awaitAll(listId, "playlists", "ночной дилижанс", null, true, "public playlist");

    assertThat(rest.call(HttpMethod.DELETE, tc.port(2), "/api/v1/albums/" + albumId, ownerToken, null, null).status()).isEqualTo(204);
    assertThat(rest.call(HttpMethod.DELETE, tc.port(0), "/api/v1/playlists/" + listId, ownerToken, null, null).status()).isEqualTo(204);
    awaitAll(albumId, "albums", "лунный бархат", ownerToken, false, "deleted album");
    awaitAll(listId, "playlists", "ночной дилижанс", ownerToken, false, "deleted playlist");
  }

  @Test
  void aDisabledUserIsFoundByNobody() {
    String username = name("vanishing");
    String id = rest.postOk(tc.port(0), "/api/v1/auth/register", null, new JsonObject().put("username", username).put("password", PW))
        .getJsonObject("user").getString("id");
    awaitAll(UUID.fromString(id), "users", username, null, true, "a new user");
    assertThat(rest.post(tc.port(1), "/api/v1/admin/users/" + id + "/disable", adminToken, null).status()).isEqualTo(200);
    awaitAll(UUID.fromString(id), "users", username, null, false, "a disabled user");
  }

  @Test
  void theBusSearchAnswersFromAnyNodeWithRestsJsonAndErrors() {
    UUID id = pendingTrack("Хрустальный маятник");
    awaitAll(id, "tracks", "хрустальный маятник", ownerToken, true, "indexed");
    JsonObject viewer = new JsonObject().put("user_id", ownerId).put("roles", new JsonArray());
    // round robin over the three search nodes: each answers from its own index
    for (int i = 0; i < 6; i++) {
      JsonObject mine = bus(i % 3, new JsonObject().put("q", "hrustalnyj majatnik").put("types", new JsonArray().add("tracks")).put("viewer", viewer));
      assertThat(ids(mine, "tracks")).as("the owner via the bus").contains(id.toString());
      JsonObject anonymous = bus(i % 3, new JsonObject().put("q", "хрустальный маятник").put("types", "tracks").put("limit", 5));
      assertThat(ids(anonymous, "tracks")).as("anonymous via the bus").doesNotContain(id.toString());
      assertThat(anonymous.containsKey("next_cursor")).isTrue();
    }
    Rest.Reply viaRest = rest.get(tc.port(0), "/api/v1/search?types=tracks&q=" + enc("хрустальный маятник"), ownerToken);
    JsonObject viaBus = bus(2, new JsonObject().put("q", "хрустальный маятник").put("types", "tracks").put("viewer", viewer));
    assertThat(viaBus.getJsonObject("results").fieldNames()).isEqualTo(viaRest.json().getJsonObject("results").fieldNames());
    assertThat(ids(viaBus, "tracks")).isEqualTo(ids(viaRest.json(), "tracks"));

    assertThat(busError(new JsonObject())).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(busError(new JsonObject().put("q", "x").put("limit", 1000))).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(busError(new JsonObject().put("q", "x").put("types", "songs"))).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(busError(new JsonObject().put("q", "x").put("cursor", "forged"))).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(busError(new JsonObject().put("q", "x").put("viewer", "root"))).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(busError("not json")).isEqualTo(ErrorCode.MALFORMED_JSON.code());
  }

  static UUID pendingTrack(String title) {
    UUID id = UUID.randomUUID();
    tc.sql("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format, mime, status, moderation)"
            + " VALUES (?, ?::uuid, ?, ?, 'k', 1, 'mp3', 'audio/mpeg', 'ready', 'pending')",
        id, ownerId, title, HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64));
    return id;
  }

  static void moderate(int node, String type, UUID id, String decision) {
    Rest.Reply r = rest.post(tc.port(node), "/api/v1/moderation/" + type + "/" + id, adminToken, new JsonObject().put("decision", decision)
        .put("reason", "test"));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  static JsonObject bus(int node, Object request) {
    Message<Object> reply = TestServices.await(tc.node(node).vertx().eventBus().request(Addresses.SEARCH_QUERY, request));
    return (JsonObject) reply.body();
  }

  static int busError(Object request) {
    Throwable e = catchThrowable(() -> bus(1, request));
    Throwable cause = e;
    while (cause != null && !(cause instanceof ReplyException)) {
      cause = cause.getCause();
    }
    assertThat(cause).as("a reply failure, got %s", e).isInstanceOf(ReplyException.class);
    return ((ReplyException) cause).failureCode();
  }

  static String enc(String q) {
    return URLEncoder.encode(q, StandardCharsets.UTF_8);
  }

  static List<String> ids(JsonObject body, String type) {
    List<String> out = new ArrayList<>();
    body.getJsonObject("results").getJsonArray(type).forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  static List<String> ids(int node, String type, String q, String token) {
    Rest.Reply r = rest.get(tc.port(node), "/api/v1/search?limit=100&types=" + type + "&q=" + enc(q), token);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return ids(r.json(), type);
  }

  /** Polls every node until {@code id} is (or is not) among the results; the bound is generous for a shared machine. */
  static void awaitAll(UUID id, String type, String q, String token, boolean present, String what) {
    long deadline = System.currentTimeMillis() + 15_000;
    for (int n = 0; n < 3; n++) {
      while (ids(n, type, q, token).contains(id.toString()) != present) {
        assertThat(System.currentTimeMillis()).as("node %d: %s", n, what).isLessThan(deadline);
        TestServices.await(tc.client().timer(50));
      }
    }
  }
}

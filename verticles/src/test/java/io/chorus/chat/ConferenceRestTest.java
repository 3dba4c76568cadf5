package io.chorus.chat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.chorus.ChorusNode;
import io.chorus.config.ChorusConfig;
import io.chorus.gateway.NodePorts;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomState;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Seed 002's REST rooms and chat on two clustered nodes with the real Redis and PostgreSQL. */
@ChorusCluster(nodes = 2, config = {
    "LIVEKIT_API_KEY=" + ConferenceRestTest.LK_KEY,
    "LIVEKIT_API_SECRET=" + ConferenceRestTest.LK_SECRET,
    "RATE_LIMIT_ROOM_CREATE=100000",
    "RATE_LIMIT_CHAT_MESSAGES=100000",
    "MAX_ROOM_USERS=20",
    "CHAT_MAX_MESSAGE_LENGTH=100",
    "DISPLAY_NAME_MAX_LENGTH=20",
    "ROOM_CLEANUP_INTERVAL_SECONDS=86400"})
class ConferenceRestTest {
  static final String LK_KEY = "test-lk-key";
  static final String LK_SECRET = "test-livekit-secret-0123456789abcdef";
  static TestCluster cluster;
  static List<ChorusNode> nodes;
  static Vertx client;
  static Rest rest;
  static RedisAPI redis;
  static ChorusConfig cfg;
  static io.vertx.sqlclient.Pool pg;

  @BeforeAll
  static void start() {
    cfg = cluster.config();
    ChorusConfig.Db db = cfg.db();
    pg = io.vertx.pgclient.PgBuilder.pool().connectingTo(new io.vertx.pgclient.PgConnectOptions().setHost(db.host()).setPort(db.port())
        .setUser(db.user()).setPassword(db.password()).setDatabase(db.database())).using(client).build();
  }

  static int port(int i) {
    return NodePorts.http(nodes.get(i).vertx());
  }

  static JsonObject create(int node, String pid, JsonObject body) {
    Rest.Reply r = rest.call(HttpMethod.POST, port(node), "/api/v1/rooms", null, pid, body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  /**
   * The last member, the host, leaves: the next to join becomes host (it used to be a participant, with the departed host
   * still host_participant_id, so nobody present could control the room). On both nodes, as the same room.
   */
  @Test
  void theFirstToJoinARoomItsHostLeftEmptyBecomesHost() {
    JsonObject created = create(0, "empty-host", new JsonObject().put("title", "Left alone"));
    String id = created.getJsonObject("room").getString("id");
    Rest.Reply left = rest.post(port(0), "/api/v1/rooms/" + id + "/leave", created.getString("token"), null);
    assertThat(left.status()).as(left.body()).isEqualTo(200);
    JsonObject joined = join(1, id, "empty-next", "Next");
    assertThat(joined.getJsonObject("participant").getString("role")).isEqualTo("host");
    assertThat(joined.getJsonObject("room").getString("host_participant_id")).isEqualTo("empty-next");
    Rest.Reply list = rest.get(port(0), "/api/v1/rooms/" + id + "/participants", joined.getString("token"));
    assertThat(list.json().getString("host_participant_id")).as(list.body()).isEqualTo("empty-next");
    // the new host sets the track, a host-only route
    Rest.Reply track = rest.call(HttpMethod.PUT, port(0), "/api/v1/rooms/" + id + "/track", joined.getString("token"), null,
        new JsonObject().put("track_url", "https://example.com/next.mp3"));
    assertThat(track.status()).as(track.body()).isEqualTo(200);
  }

  /**
   * The host hands over the host role over REST (POST /api/v1/rooms/:id/host {participant_id}), with TransferHost's
   * rules: only the host (403), a participant in the room (404), the id required (400). There was no such route.
   */
  @Test
  void theHostHandsOverTheHostRole() {
    JsonObject created = create(0, "xfer-alice", new JsonObject().put("title", "Hand over"));
    String id = created.getJsonObject("room").getString("id");
    String alice = created.getString("token");
    String bob = join(1, id, "xfer-bob", "Bob").getString("token");
    String path = "/api/v1/rooms/" + id + "/host";
    assertThat(rest.post(port(0), path, bob, new JsonObject().put("participant_id", "xfer-bob")).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.post(port(0), path, alice, new JsonObject().put("participant_id", "xfer-ghost")).errorCode(404)).isEqualTo("not_found");
    assertThat(rest.post(port(0), path, alice, new JsonObject()).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(port(0), path, null, new JsonObject().put("participant_id", "xfer-bob")).errorCode(401)).isEqualTo("unauthenticated");
    Rest.Reply handed = rest.post(port(1), path, alice, new JsonObject().put("participant_id", "xfer-bob"));
    assertThat(handed.status()).as(handed.body()).isEqualTo(200);
    assertThat(handed.json().getString("host_participant_id")).isEqualTo("xfer-bob");
    assertThat(rest.get(port(0), "/api/v1/rooms/" + id + "/participants", alice).json().getString("host_participant_id"))
        .isEqualTo("xfer-bob");
    // the host-only route follows the role
    JsonObject track = new JsonObject().put("track_url", "https://example.com/handed.mp3");
    assertThat(rest.call(HttpMethod.PUT, port(0), "/api/v1/rooms/" + id + "/track", alice, null, track).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.PUT, port(0), "/api/v1/rooms/" + id + "/track", bob, null, track).status()).isEqualTo(200);
  }

  static JsonObject join(int node, String roomId, String pid, String name) {
    Rest.Reply r = rest.call(HttpMethod.POST, port(node), "/api/v1/rooms/" + roomId + "/join", null, pid,
        new JsonObject().put("display_name", name));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  @Test
  void roomLifecycleAcrossNodesAndStorage() {
    JsonObject created = create(0, "host-a", new JsonObject().put("title", "Standup").put("description", "daily")
        .put("max_participants", 5).put("display_name", "Ann"));
    JsonObject room = created.getJsonObject("room");
    String id = room.getString("id");
    assertThat(id).hasSize(6);
    assertThat(room.getString("livekit_room_name")).isEqualTo("chorus-" + id);
    assertThat(room.getString("title")).isEqualTo("Standup");
    assertThat(room.getString("description")).isEqualTo("daily");
    assertThat(room.getInteger("max_participants")).isEqualTo(5);
    assertThat(room.getString("status")).isEqualTo("active");
    assertThat(room.getString("expires_at")).isNotNull();
    assertThat(created.getJsonObject("participant").getString("participant_id")).isEqualTo("host-a");
    assertThat(created.getJsonObject("participant").getString("role")).isEqualTo("host");
    String hostToken = created.getString("token");

    // the same room for the seed-000 side: RoomClient sees it with the host and max users
    RoomState live = TestServices.await(new RoomClient(nodes.get(1).vertx().eventBus(), "t").get(id));
    assertThat(live.hostId()).isEqualTo("host-a");
    assertThat(live.maxUsers()).isEqualTo(5);

    // GET on the other node
    Rest.Reply got = rest.get(port(1), "/api/v1/rooms/" + id.toLowerCase(), null);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().getString("title")).isEqualTo("Standup");
    assertThat(got.json().getInteger("participant_count")).isEqualTo(1);

    // join without a header: a generated id; with a header: that id
    JsonObject bob = join(1, id, null, "Bob");
    String bobId = bob.getJsonObject("participant").getString("participant_id");
    assertThat(bobId).hasSize(36);
    assertThat(bob.getJsonObject("participant").getString("role")).isEqualTo("participant");
    JsonObject cid = join(0, id, "carol-1", "Carol");
    assertThat(cid.getJsonObject("participant").getString("participant_id")).isEqualTo("carol-1");
    assertThat(cid.getJsonObject("room").getInteger("participant_count")).isEqualTo(3);

    // a joined seed-000 WebSocket user is in the same room and sees REST joins
    try (WsProbe ws = WsProbe.connect(port(1), "/ws?room_id=" + id + "&user_id=ws-dave&user_name=Dave")) {
      assertThat(ws.awaitType("room_info").getJsonArray("users")).hasSize(4);
    }

    // the socket's close removes ws-dave asynchronously: poll to a deadline
    Rest.Reply parts;
    long deadline = System.currentTimeMillis() + 5000;
    do {
      parts = rest.get(port(1), "/api/v1/rooms/" + id + "/participants", bob.getString("token"));
      assertThat(parts.status()).as(parts.body()).isEqualTo(200);
    } while (parts.json().getJsonArray("participants").size() != 3 && System.currentTimeMillis() < deadline);
    JsonArray list = parts.json().getJsonArray("participants");
    assertThat(list.stream().map(o -> ((JsonObject) o).getString("participant_id")).toList()).containsExactly("host-a", bobId, "carol-1");
    assertThat(list.getJsonObject(0).getString("display_name")).isEqualTo("Ann");
    assertThat(list.getJsonObject(0).getString("role")).isEqualTo("host");

    // re-join with the own token is idempotent; with the id but no token it is refused
    Rest.Reply again = rest.call(HttpMethod.POST, port(0), "/api/v1/rooms/" + id + "/join", cid.getString("token"), null,
        new JsonObject().put("display_name", "Carol"));
    assertThat(again.status()).isEqualTo(200);
    assertThat(rest.call(HttpMethod.POST, port(0), "/api/v1/rooms/" + id + "/join", null, "carol-1",
        new JsonObject().put("display_name", "Impostor")).errorCode(409)).isEqualTo("already_exists");

    // leave
    Rest.Reply left = rest.post(port(0), "/api/v1/rooms/" + id + "/leave", cid.getString("token"), null);
    assertThat(left.status()).as(left.body()).isEqualTo(200);
    assertThat(left.json().getString("status")).isEqualTo("left");
    assertThat(rest.get(port(0), "/api/v1/rooms/" + id + "/participants", cid.getString("token")).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.post(port(0), "/api/v1/rooms/" + id + "/leave", cid.getString("token"), null).errorCode(403)).isEqualTo("forbidden");

    // PostgreSQL: the row and the participant history with ip, agent and times
    List<Map<String, Object>> rows = cluster.sql("SELECT id, title, max_participants, host_participant_id, status FROM rooms WHERE id = ?", id);
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("host_participant_id")).isEqualTo("host-a");
    // ws-dave's membership is there, closed, when the join recorder's batch was written before its socket closed
    assertThat(openMembers(id, "ws-dave")).isZero();
    List<Map<String, Object>> ps = cluster.sql("SELECT participant_id, role, host(client_ip) AS ip, user_agent, left_at FROM room_participants "
        + "WHERE room_id = ? AND participant_id <> 'ws-dave' ORDER BY joined_at", id);
    assertThat(ps).extracting(p -> p.get("participant_id")).containsExactly("host-a", bobId, "carol-1");
    assertThat(ps.get(0).get("role")).isEqualTo("host");
    assertThat(ps.get(0).get("ip")).isEqualTo("127.0.0.1");
    assertThat(ps.get(2).get("left_at")).isNotNull();
    assertThat(ps.get(1).get("left_at")).isNull();

    // Redis keys of seed 002 with their TTLs (a leave drops the meta cache; a GET fills it again)
    assertThat(rest.get(port(1), "/api/v1/rooms/" + id, null).status()).isEqualTo(200);
    assertThat(ttl(ChatStore.participantsKey(id))).isBetween(6 * 3600L - 60, 6 * 3600L);
    assertThat(ttl(ChatStore.metaKey(id))).isBetween(1L, 6 * 3600L);
    assertThat(ttl(ChatStore.messagesKey(id))).isBetween(6 * 3600L - 60, 6 * 3600L);
    assertThat(TestServices.await(redis.hkeys(ChatStore.participantsKey(id))).stream().map(Object::toString).toList())
        .containsExactlyInAnyOrder("host-a", bobId);

    // room full
    JsonObject small = create(1, null, new JsonObject().put("title", "tiny").put("max_participants", 1));
    assertThat(rest.call(HttpMethod.POST, port(0), "/api/v1/rooms/" + small.getJsonObject("room").getString("id") + "/join", null, null,
        new JsonObject().put("display_name", "X")).errorCode(409)).isEqualTo("room_full");
    System.out.println("ConferenceRestTest: room " + id + " hostToken " + hostToken.length() + " chars");
  }

  @Test
  void aRoomMadeThroughGrpcIsUsableHere() {
    RoomState made = TestServices.await(new RoomClient(nodes.get(0).vertx().eventBus(), "t").create(
        io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId("grpc-host").setHostName("Gina").setTitle("from grpc")
            .setTrackUrl("https://example.com/t.mp3").build(), false));
    String id = made.roomId();
    Rest.Reply got = rest.get(port(1), "/api/v1/rooms/" + id, null);
    assertThat(got.status()).as(got.body()).isEqualTo(200);
    assertThat(got.json().getString("title")).isEqualTo("from grpc");
    assertThat(got.json().getString("host_participant_id")).isEqualTo("grpc-host");
    assertThat(got.json().getInteger("max_participants")).isEqualTo(20);
    // every documented field, and the creation time is the live room's, before and after the first REST join
    assertThat(got.json().getString("updated_at")).isNotNull();
    assertThat(got.json().getString("expires_at")).isNotNull();
    String createdAt = got.json().getString("created_at");
    assertThat(java.time.Instant.parse(createdAt).toEpochMilli()).isEqualTo(made.json().getLong("created_at"));
    JsonObject j = join(1, id, "rest-guest", "Guest");
    Rest.Reply after = rest.get(port(0), "/api/v1/rooms/" + id, null);
    assertThat(after.json().getString("created_at")).isEqualTo(createdAt);
    assertThat(after.json().getString("expires_at")).isNotNull();
    assertThat(cluster.sql("SELECT host_participant_id FROM rooms WHERE id = ?", id).get(0).get("host_participant_id")).isEqualTo("grpc-host");
    Rest.Reply parts = rest.get(port(0), "/api/v1/rooms/" + id + "/participants", j.getString("token"));
    assertThat(parts.json().getJsonArray("participants").stream().map(o -> ((JsonObject) o).getString("participant_id")).toList())
        .containsExactly("grpc-host", "rest-guest");
    // and the REST participant's chat reaches the room's bus address that seed-000 clients listen on
    assertThat(rest.post(port(0), "/api/v1/rooms/" + id + "/chat/messages", j.getString("token"), new JsonObject().put("content", "hey"))
        .status()).isEqualTo(201);
  }

  static long ttl(String key) {
    return TestServices.await(redis.ttl(key)).toLong();
  }

  @Test
  void everyErrorHasTheJsonShape() {
    int p = port(0);
    assertThat(rest.post(p, "/api/v1/rooms", null, "{oops").errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.post(p, "/api/v1/rooms", null, "[1]").errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.post(p, "/api/v1/rooms", null, new JsonObject()).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms", null, new JsonObject().put("title", 5)).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms", null, new JsonObject().put("title", "t").put("max_participants", 0)).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms", null, new JsonObject().put("title", "t").put("max_participants", 21)).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms", null, new JsonObject().put("title", "t").put("max_participants", 2.5)).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms", null, new JsonObject().put("title", "t").put("display_name", "x".repeat(21))).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms", null, new JsonObject().put("title", "t").put("display_name", "bad\u0007name")).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.call(HttpMethod.POST, p, "/api/v1/rooms", null, "bad id with spaces", new JsonObject().put("title", "t"))
        .errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms", null, "{\"title\":\"" + "x".repeat(40_000) + "\"}").errorCode(413)).isEqualTo("payload_too_large");

    assertThat(rest.get(p, "/api/v1/rooms/ZZZZZZ", null).errorCode(404)).isEqualTo("not_found");
    assertThat(rest.get(p, "/api/v1/rooms/no-such", null).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms/ZZZZZZ/join", null, new JsonObject().put("display_name", "x")).errorCode(404)).isEqualTo("not_found");

    JsonObject c = create(0, "err-host", new JsonObject().put("title", "errors"));
    String id = c.getJsonObject("room").getString("id");
    String token = c.getString("token");
    JsonObject other = create(1, "err-other", new JsonObject().put("title", "other"));
    String otherToken = other.getString("token");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/join", null, new JsonObject()).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", " ")).errorCode(400))
        .isEqualTo("invalid_argument");
    for (String path : List.of("/participants", "/chat/messages")) {
      assertThat(rest.get(p, "/api/v1/rooms/" + id + path, null).errorCode(401)).isEqualTo("unauthenticated");
      assertThat(rest.get(p, "/api/v1/rooms/" + id + path, token + "x").errorCode(401)).isEqualTo("unauthenticated");
      assertThat(rest.get(p, "/api/v1/rooms/" + id + path, "garbage").errorCode(401)).isEqualTo("unauthenticated");
      // a token of another room: a participant cannot read a room it has not joined
      assertThat(rest.get(p, "/api/v1/rooms/" + id + path, otherToken).errorCode(403)).isEqualTo("forbidden");
      // a forged X-Participant-ID next to a valid token
      assertThat(rest.call(HttpMethod.GET, p, "/api/v1/rooms/" + id + path, token, "someone-else", null).errorCode(403)).isEqualTo("forbidden");
      // the header alone grants nothing
      assertThat(rest.call(HttpMethod.GET, p, "/api/v1/rooms/" + id + path, null, "err-host", null).errorCode(401)).isEqualTo("unauthenticated");
    }
    // sending runs its checks side by side (room limit, token, membership, participant limit): the same answers
    JsonObject hi = new JsonObject().put("content", "hi");
    String send = "/api/v1/rooms/" + id + "/chat/messages";
    assertThat(rest.post(p, send, null, hi).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(p, send, "garbage", hi).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(p, send, otherToken, hi).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.POST, p, send, token, "someone-else", hi).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.GET, p, "/api/v1/rooms/" + id + "/participants", null, null, null).headers().get("content-type"))
        .startsWith("application/json");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/leave", null, null).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/media/token", null, null).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/chat/messages", token, new JsonObject()).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/chat/messages", token, new JsonObject().put("content", "x".repeat(101))).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/chat/messages", token, "nope").errorCode(400)).isEqualTo("malformed_json");
    // a lone surrogate is no text: refused, not stored as "?" (a pair, an emoji, is text)
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/chat/messages", token, "{\"content\":\"a\\ud800b\"}").errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.post(p, "/api/v1/rooms/" + id + "/chat/messages", token, "{\"content\":\"\\ud83d\\ude00\"}").status()).isEqualTo(201);
    assertThat(rest.get(p, "/api/v1/rooms/" + id + "/chat/messages?limit=0", token).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.get(p, "/api/v1/rooms/" + id + "/chat/messages?limit=abc", token).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.get(p, "/api/v1/rooms/" + id + "/chat/messages?after=unknown-id", token).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.call(HttpMethod.PUT, p, "/api/v1/rooms/" + id + "/chat/messages/nope", token, null, new JsonObject().put("content", "x"))
        .errorCode(404)).isEqualTo("not_found");
    assertThat(rest.call(HttpMethod.DELETE, p, "/api/v1/rooms/" + id + "/chat/messages/nope", token, null, null).errorCode(404))
        .isEqualTo("not_found");
    assertThat(rest.get(p, "/api/v1/rooms/" + id + "/nothing-here", token).errorCode(404)).isEqualTo("not_found");
  }

  @Test
  void chatAuthorityEditDeleteAndSystemMessages() {
    JsonObject c = create(0, "chat-host", new JsonObject().put("title", "chat").put("display_name", "Hana"));
    String id = c.getJsonObject("room").getString("id");
    String host = c.getString("token");
    JsonObject b = join(1, id, "chat-bob", "Bob");
    String bob = b.getString("token");
    JsonObject e = join(0, id, "chat-eve", "Eve");
    String eve = e.getString("token");
    String base = "/api/v1/rooms/" + id + "/chat/messages";

    // chat keeps the room alive: expires_at moves forward again (at most once a minute per room)
    cluster.sql("UPDATE rooms SET expires_at = NOW() + INTERVAL '1 minute' WHERE id = ?", id);
    TestServices.await(redis.del(List.of("room:{" + id + "}:active")));
    TestServices.await(redis.expire(List.of(io.chorus.room.RoomStore.key(id), "100")));
    TestServices.await(redis.expire(List.of(io.chorus.room.RoomStore.membersKey(id), "100")));
    Rest.Reply sent = rest.post(port(1), base, bob, new JsonObject().put("content", "<b>hi</b> & bye"));
    assertThat(cluster.sql("SELECT expires_at > NOW() + INTERVAL '23 hours' AS renewed FROM rooms WHERE id = ?", id).get(0).get("renewed"))
        .isEqualTo(true);
    // and the live room's keys: the playback record and its member records alike
    assertThat(ttl(io.chorus.room.RoomStore.key(id))).isGreaterThan(23 * 3600L);
    assertThat(ttl(io.chorus.room.RoomStore.membersKey(id))).isGreaterThan(23 * 3600L);
    assertThat(sent.status()).as(sent.body()).isEqualTo(201);
    JsonObject m = sent.json();
    assertThat(m.getString("participant_id")).isEqualTo("chat-bob");
    assertThat(m.getString("display_name")).isEqualTo("Bob");
    assertThat(m.getString("message_type")).isEqualTo("user");
    assertThat(m.getString("content")).isEqualTo("<b>hi</b> & bye");   // stored as text, not escaped
    assertThat(m.getString("room_id")).isEqualTo(id);
    assertThat(m.getString("created_at")).endsWith("Z");
    assertThat(m.getValue("edited_at")).isNull();
    String mid = m.getString("id");

    // Eve (a member) cannot edit or delete Bob's message, with or without a forged header
    assertThat(rest.call(HttpMethod.PUT, port(0), base + "/" + mid, eve, null, new JsonObject().put("content", "pwned")).errorCode(403))
        .isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.PUT, port(0), base + "/" + mid, eve, "chat-bob", new JsonObject().put("content", "pwned")).errorCode(403))
        .isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.PUT, port(0), base + "/" + mid, null, "chat-bob", new JsonObject().put("content", "pwned")).errorCode(401))
        .isEqualTo("unauthenticated");
    assertThat(rest.call(HttpMethod.DELETE, port(0), base + "/" + mid, eve, null, null).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.DELETE, port(0), base + "/" + mid, null, "chat-host", null).errorCode(401)).isEqualTo("unauthenticated");
    // the host cannot edit someone else's message
    assertThat(rest.call(HttpMethod.PUT, port(0), base + "/" + mid, host, null, new JsonObject().put("content", "x")).errorCode(403))
        .isEqualTo("forbidden");

    // Bob edits his own
    Rest.Reply edited = rest.call(HttpMethod.PUT, port(0), base + "/" + mid, bob, "chat-bob", new JsonObject().put("content", "edited"));
    assertThat(edited.status()).as(edited.body()).isEqualTo(200);
    assertThat(edited.json().getString("content")).isEqualTo("edited");
    assertThat(edited.json().getString("edited_at")).isNotNull();
    assertThat(edited.json().getLong("seq")).isEqualTo(m.getLong("seq"));

    // history: system lines for the joins, then Bob's edited message
    JsonObject page = rest.get(port(0), base + "?limit=50", eve).json();
    List<JsonObject> msgs = page.getJsonArray("messages").stream().map(o -> (JsonObject) o).toList();
    assertThat(msgs).extracting(x -> x.getString("message_type")).containsExactly("system", "system", "user");
    assertThat(msgs.get(0).getString("content")).isEqualTo("Bob joined");
    assertThat(msgs.get(1).getString("content")).isEqualTo("Eve joined");
    assertThat(msgs.get(2).getString("content")).isEqualTo("edited");
    assertThat(msgs).extracting(x -> x.getLong("seq")).isSorted().doesNotHaveDuplicates();
    assertThat(page.getLong("last_seq")).isEqualTo(msgs.get(2).getLong("seq"));

    // system messages cannot be edited or deleted, not even by the host
    String sys = msgs.get(0).getString("id");
    assertThat(rest.call(HttpMethod.DELETE, port(0), base + "/" + sys, host, null, null).errorCode(403)).isEqualTo("forbidden");

    // limit and after (by seq and by id)
    assertThat(rest.get(port(1), base + "?limit=1", bob).json().getJsonArray("messages")).hasSize(1);
    assertThat(rest.get(port(1), base + "?limit=1", bob).json().getBoolean("has_more")).isTrue();
    assertThat(rest.get(port(1), base + "?after=" + msgs.get(0).getLong("seq"), bob).json().getJsonArray("messages")).hasSize(2);
    assertThat(rest.get(port(1), base + "?after=" + msgs.get(1).getString("id"), bob).json().getJsonArray("messages")).hasSize(1);

    // the host deletes Bob's message; Bob deletes his own second one
    assertThat(rest.call(HttpMethod.DELETE, port(1), base + "/" + mid, host, null, null).status()).isEqualTo(204);
    String mid2 = rest.post(port(1), base, bob, new JsonObject().put("content", "again")).json().getString("id");
    assertThat(rest.call(HttpMethod.DELETE, port(1), base + "/" + mid2, bob, null, null).status()).isEqualTo(204);
    assertThat(rest.call(HttpMethod.DELETE, port(1), base + "/" + mid2, bob, null, null).errorCode(404)).isEqualTo("not_found");
    // a deleted message's id still works as a cursor
    assertThat(rest.get(port(1), base + "?after=" + mid, bob).status()).isEqualTo(200);

    // leave posts a system line
    rest.post(port(0), "/api/v1/rooms/" + id + "/leave", eve, null);
    List<String> contents = rest.get(port(0), base, host).json().getJsonArray("messages").stream()
        .map(o -> ((JsonObject) o).getString("content")).toList();
    assertThat(contents).containsExactly("Bob joined", "Eve joined", "Eve left");
    // her token is still genuine, but she is no member any more: the post script's membership check refuses
    assertThat(rest.post(port(1), base, eve, new JsonObject().put("content", "still here?")).errorCode(403)).isEqualTo("forbidden");
    assertThat(ttl(ChatStore.messagesKey(id))).isBetween(6 * 3600L - 60, 6 * 3600L);
    // the index (the room's last seq) lives as long as the room (ROOM_TTL_HOURS, 24 by default): a room that outlives
    // its chat numbers on from its last seq (WebApiTest.aRoomWhoseChatExpiredNumbersOnFromItsLastSeq)
    assertThat(ttl(ChatStore.indexKey(id))).isBetween(24 * 3600L - 60, 24 * 3600L);
  }

  @Test
  void chatPostsFindTheMemberInEitherRoomLayoutAndNotInAnEndedRoom() {
    JsonObject c = create(0, "layout-host", new JsonObject().put("title", "layout").put("display_name", "Lea"));
    String id = c.getJsonObject("room").getString("id");
    JsonObject b = join(1, id, "layout-bob", "Bob");
    String base = "/api/v1/rooms/" + id + "/chat/messages";
    // a room stored by room.lua's previous layout: member records inside the room JSON, no members hash
    String roomKey = io.chorus.room.RoomStore.key(id);
    String membersKey = io.chorus.room.RoomStore.membersKey(id);
    JsonObject stored = new JsonObject(TestServices.await(redis.get(roomKey)).toString());
    JsonObject hostRecord = new JsonObject(TestServices.await(redis.hget(membersKey, "layout-host")).toString());
    JsonObject bobRecord = new JsonObject(TestServices.await(redis.hget(membersKey, "layout-bob")).toString());
    TestServices.await(redis.del(List.of(membersKey)));
    // without Bob's record he is no member, whatever his token says
    TestServices.await(redis.set(List.of(roomKey, stored.copy().put("members", new JsonObject().put("layout-host", hostRecord)).encode())));
    assertThat(rest.post(port(0), base, b.getString("token"), new JsonObject().put("content", "x")).errorCode(403)).isEqualTo("forbidden");
    // with it he is, under the name of his record
    TestServices.await(redis.set(List.of(roomKey, stored.copy().put("members", new JsonObject().put("layout-host", hostRecord)
        .put("layout-bob", bobRecord)).encode())));
    Rest.Reply sent = rest.post(port(0), base, b.getString("token"), new JsonObject().put("content", "old layout"));
    assertThat(sent.status()).as(sent.body()).isEqualTo(201);
    assertThat(sent.json().getString("display_name")).isEqualTo("Bob");

    // the live room is gone (ended, expired): a still-genuine token gets not_found, and nothing is stored
    TestServices.await(redis.del(List.of(roomKey)));
    assertThat(rest.post(port(1), base, b.getString("token"), new JsonObject().put("content", "anyone?")).errorCode(404))
        .isEqualTo("not_found");
    assertThat(TestServices.await(redis.zcard(ChatStore.messagesKey(id))).toInteger()).isEqualTo(2);   // "Bob joined", "old layout"
  }

  @Test
  void liveKitTokenVerifiesWithTheSdksJwtLibrary() {
    JsonObject c = create(0, "lk-host", new JsonObject().put("title", "video").put("display_name", "Lia"));
    String id = c.getJsonObject("room").getString("id");
    JsonObject b = join(1, id, "lk-bob", "Bob");
    Rest.Reply r = rest.post(port(1), "/api/v1/rooms/" + id + "/media/token", b.getString("token"), null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getString("room_name")).isEqualTo("chorus-" + id);
    assertThat(r.json().getString("url")).isEqualTo("ws://localhost:7880");
    DecodedJWT jwt = JWT.require(Algorithm.HMAC256(LK_SECRET)).withIssuer(LK_KEY).build().verify(r.json().getString("token"));
    assertThat(jwt.getSubject()).isEqualTo("lk-bob");
    assertThat(jwt.getClaim("name").asString()).isEqualTo("Bob");
    Map<String, Object> video = jwt.getClaim("video").asMap();
    assertThat(video).containsEntry("room", "chorus-" + id).containsEntry("roomJoin", true).containsEntry("canPublish", true)
        .containsEntry("canSubscribe", true).containsEntry("canPublishData", true).doesNotContainKey("roomAdmin");
    long ttl = jwt.getExpiresAt().getTime() - System.currentTimeMillis();
    assertThat(ttl).isBetween(21_500_000L, 21_601_000L);
    // the host also gets roomAdmin; a wrong secret does not verify
    Rest.Reply h = rest.post(port(0), "/api/v1/rooms/" + id + "/media/token", c.getString("token"), null);
    DecodedJWT hj = JWT.require(Algorithm.HMAC256(LK_SECRET)).build().verify(h.json().getString("token"));
    assertThat(hj.getClaim("video").asMap()).containsEntry("roomAdmin", true);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> JWT.require(Algorithm.HMAC256("another-secret-0123456789abcdefxyz")).build()
        .verify(h.json().getString("token"))).isInstanceOf(com.auth0.jwt.exceptions.SignatureVerificationException.class);
    // not a member: no media token
    JsonObject other = create(0, "lk-other", new JsonObject().put("title", "else"));
    assertThat(rest.post(port(0), "/api/v1/rooms/" + id + "/media/token", other.getString("token"), null).errorCode(403)).isEqualTo("forbidden");
  }

  @Test
  void cleanupEndsExpiredRoomsOnceAcrossTheCluster() {
    JsonObject c = create(0, "old-host", new JsonObject().put("title", "old"));
    String id = c.getJsonObject("room").getString("id");
    join(1, id, "old-bob", "Bob");
    rest.post(port(1), "/api/v1/rooms/" + id + "/chat/messages", c.getString("token"), new JsonObject().put("content", "bye"));
    JsonObject fresh = create(0, "new-host", new JsonObject().put("title", "new"));
    String freshId = fresh.getJsonObject("room").getString("id");
    cluster.sql("UPDATE rooms SET expires_at = NOW() - INTERVAL '1 minute' WHERE id = ?", id);

    // both nodes tick in the same period: exactly one runs the cleanup
    List<Integer> results = new ArrayList<>();
    long now = System.currentTimeMillis();
    String period = "test-" + now;
    for (ChorusNode n : nodes) {
      RoomCleanup cleanup = new RoomCleanup(new ConferenceRepo(pg), new ChatStore(redis, 6, 1000),
          new io.chorus.room.RoomLifecycle(redis, n.vertx().eventBus()), redis, n.vertx().eventBus(), 3_600_000L);
      results.add(TestServices.await(cleanup.tick(now, n.nodeId() + period)));
    }
    assertThat(results).containsExactlyInAnyOrder(-1, 1);
    assertThat(cluster.sql("SELECT status FROM rooms WHERE id = ?", id).get(0).get("status")).isEqualTo("ended");
    assertThat(cluster.sql("SELECT count(*) AS n FROM room_participants WHERE room_id = ? AND left_at IS NULL", id).get(0).get("n"))
        .isEqualTo(0L);
    List<String> gone = new ArrayList<>(ChatStore.allKeys(id));
    gone.addAll(io.chorus.room.RoomStore.keys(id));
    for (String key : gone) {
      assertThat(TestServices.await(redis.exists(List.of(key))).toInteger()).as(key).isZero();
    }
    assertThat(rest.get(port(0), "/api/v1/rooms/" + id, null).json().getString("status")).isEqualTo("ended");
    assertThat(rest.post(port(1), "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "late")).errorCode(410))
        .isEqualTo("gone");
    assertThat(rest.get(port(0), "/api/v1/rooms/" + freshId, null).json().getString("status")).isEqualTo("active");
  }

  /**
   * The join recorder's batch insert ran while the cleanup's transaction was ending the room: it read the room as still
   * active (the end not committed yet) and wrote an open membership the cleanup had already closed all of, so an ended
   * room kept an open member (the fresh-clone CI of c848e51 hit it in the test above). Here the cleanup's two updates
   * are held uncommitted while a batch is written; the batch now waits for the room's row and writes nothing.
   */
  @Test
  void aJoinBatchWrittenWhileTheCleanupEndsTheRoomDoesNotReopenIt() {
    JsonObject c = create(0, "race-host", new JsonObject().put("title", "race"));
    String id = c.getJsonObject("room").getString("id");
    join(1, id, "race-bob", "Bob");
    long at = System.currentTimeMillis();
    List<JsonObject> batch = List.of(
        new JsonObject().put("room_id", id).put("participant_id", "race-bob").put("name", "Bob").put("joined_at", at),
        new JsonObject().put("room_id", id).put("participant_id", "race-ws").put("name", "Ws").put("joined_at", at));
    List<String[]> written = whileHeld(List.of("UPDATE rooms SET status = 'ended', updated_at = NOW() WHERE id = $1",
            "UPDATE room_participants SET left_at = NOW() WHERE room_id = $1 AND left_at IS NULL"), id,
        () -> new ConferenceRepo(pg).recordJoins(batch, java.time.Instant.now().plusSeconds(3600)), "%rooms%");
    assertThat(written).isEmpty();
    assertThat(openMembers(id)).isZero();
  }

  /**
   * A leave and the join recorder's batch that carries the same participant's join, at the same moment, in both orders:
   * the batch read the membership as open (the leave not committed) and, once the leave had closed it, wrote it open
   * again; or the leave found nothing to close (the batch's row not committed) and the member stayed open for the
   * room's life. Each side now holds the room's row (the leave exclusively, the batch shared) while it writes.
   */
  @Test
  void aLeaveAndAJoinBatchAtTheSameMomentLeaveTheMembershipClosed() {
    JsonObject c = create(0, "lv-host", new JsonObject().put("title", "leave race"));
    String id = c.getJsonObject("room").getString("id");
    join(1, id, "lv-bob", "Bob");
    long at = System.currentTimeMillis() - 1000;
    // the leave in progress when the batch is written
    List<String[]> written = whileHeld(List.of("SELECT 1 FROM rooms WHERE id = $1 FOR NO KEY UPDATE",
            "UPDATE room_participants SET left_at = NOW() WHERE room_id = $1 AND participant_id = 'lv-bob' AND left_at IS NULL"), id,
        () -> new ConferenceRepo(pg).recordJoins(List.of(new JsonObject().put("room_id", id).put("participant_id", "lv-bob")
            .put("name", "Bob").put("joined_at", at)), java.time.Instant.now().plusSeconds(3600)), "%rooms%");
    assertThat(written).isEmpty();
    assertThat(openMembers(id, "lv-bob")).isZero();
    // the batch in progress (its share lock and its row) when the leave comes
    whileHeld(List.of("SELECT id FROM rooms WHERE id = $1 FOR SHARE",
            "INSERT INTO room_participants (room_id, participant_id, display_name, role) VALUES ($1, 'lv-ws', 'Ws', 'participant')"), id,
        () -> new ConferenceRepo(pg).markLeft(id, "lv-ws"), "%rooms%");
    assertThat(openMembers(id, "lv-ws")).isZero();
    assertThat(openMembers(id, "lv-host")).isOne();
  }

  /**
   * A leave that came while the batch with its join was being written found no membership to close (the batch's row
   * not written yet), and the join was no longer pending to be dropped: the membership stayed open for the room's
   * life. The recorder now records such a leave again once the batch is written.
   */
  @Test
  void aLeaveWhileItsJoinIsBeingWrittenIsRecordedOnceWritten() {
    JsonObject c = create(0, "fl-host", new JsonObject().put("title", "flush race"));
    String id = c.getJsonObject("room").getString("id");
    ConferenceRepo repo = new ConferenceRepo(pg);
    JoinRecorder recorder = new JoinRecorder(client, repo, new ChatStore(redis, 6, 1000), 1, repo::markLeft);
    recorder.joined(new JsonObject().put("room_id", id).put("participant_id", "fl-ws").put("name", "Ws")
        .put("joined_at", System.currentTimeMillis()));
    io.vertx.core.Future<Void> written = recorder.flush();
    assertThat(written.isComplete()).as("the batch is being written").isFalse();
    recorder.left(id, "fl-ws");
    TestServices.await(repo.markLeft(id, "fl-ws"));   // the leave as ConferenceService.departed records it
    TestServices.await(written);
    assertThat(openMembers(id, "fl-ws")).isZero();
    assertThat(cluster.sql("SELECT count(*) AS n FROM room_participants WHERE room_id = ? AND participant_id = 'fl-ws'", id).get(0).get("n"))
        .isEqualTo(1L);
  }

  static long openMembers(String roomId) {
    return (Long) cluster.sql("SELECT count(*) AS n FROM room_participants WHERE room_id = ? AND left_at IS NULL", roomId).get(0).get("n");
  }

  static long openMembers(String roomId, String participantId) {
    return (Long) cluster.sql("SELECT count(*) AS n FROM room_participants WHERE room_id = ? AND participant_id = ? AND left_at IS NULL",
        roomId, participantId).get(0).get("n");
  }

  /**
   * Runs {@code statements} (with the room id as $1) in a transaction held open while {@code call} starts, until the
   * call is done (it did not wait for the transaction) or waits on a lock in a statement like {@code waiting}; then
   * commits and answers the call's result.
   */
  static <T> T whileHeld(List<String> statements, String roomId, java.util.function.Supplier<io.vertx.core.Future<T>> call, String waiting) {
    io.vertx.sqlclient.SqlConnection tx = TestServices.await(pg.getConnection());
    try {
      TestServices.await(tx.query("BEGIN").execute());
      for (String sql : statements) {
        TestServices.await(tx.preparedQuery(sql).execute(io.vertx.sqlclient.Tuple.of(roomId)));
      }
      io.vertx.core.Future<T> done = call.get();
      long deadline = System.currentTimeMillis() + 10_000;
      while (!done.isComplete() && cluster.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
          + "AND query LIKE ?", waiting).get(0).get("n").equals(0L)) {
        assertThat(System.currentTimeMillis()).as("the call neither finished nor waited").isLessThan(deadline);
        Thread.onSpinWait();
      }
      TestServices.await(tx.query("COMMIT").execute());
      return TestServices.await(done);
    } finally {
      tx.close();
    }
  }

  /**
   * A REST participant who leaves through another API (here: it opened the seed /ws with its token and closed it, which
   * removes it from the room, api.md) was gone from the room (GET participants, chat 403) but stayed an open membership
   * in PostgreSQL (left_at null) and in the room's active participants in Redis (room:{ID}:participants) for the room's
   * life. Now both record the leave, on whichever node it happened; a member who re-joins is open again.
   */
  @Test
  void aLeaveThroughTheSeedSocketEndsTheMembershipInPostgresAndRedis() {
    JsonObject c = create(0, "sock-host", new JsonObject().put("title", "socket leave"));
    String id = c.getJsonObject("room").getString("id");
    JsonObject g = join(1, id, "sock-guest", "Gus");
    try (WsProbe host = WsProbe.connect(port(0), "/ws?room_id=" + id + "&user_id=sock-host&token=" + c.getString("token"))) {
      host.awaitType("room_info");
      try (WsProbe guest = WsProbe.connect(port(1), "/ws?room_id=" + id + "&user_id=sock-guest&token=" + g.getString("token"))) {
        guest.awaitType("room_info");
      }
      assertThat(host.awaitType("user_left").getString("user_id")).isEqualTo("sock-guest");
      assertThat(rest.get(port(0), "/api/v1/rooms/" + id + "/participants", c.getString("token")).json().getJsonArray("participants")
          .stream().map(o -> ((JsonObject) o).getString("participant_id")).toList()).containsExactly("sock-host");
      TestServices.until("sock-guest's membership ended in PostgreSQL", 10_000, 20, () -> !cluster.sql(
          "SELECT 1 FROM room_participants WHERE room_id = ? AND participant_id = 'sock-guest' AND left_at IS NOT NULL", id).isEmpty());
      assertThat(TestServices.await(redis.hkeys(ChatStore.participantsKey(id))).stream().map(Object::toString).toList())
          .containsExactly("sock-host");
      assertThat(cluster.sql("SELECT 1 FROM room_participants WHERE room_id = ? AND participant_id = 'sock-host' AND left_at IS NULL", id))
          .hasSize(1);
    }
    // the host's own socket closing leaves the room empty: its row is ended too
    TestServices.until("sock-host's membership ended in PostgreSQL", 10_000, 20, () -> !cluster.sql(
        "SELECT 1 FROM room_participants WHERE room_id = ? AND participant_id = 'sock-host' AND left_at IS NOT NULL", id).isEmpty());
    // a re-join with the token is an open membership again, in both stores
    assertThat(rest.post(port(1), "/api/v1/rooms/" + id + "/join", g.getString("token"), new JsonObject().put("display_name", "Gus"))
        .status()).isEqualTo(200);
    assertThat(cluster.sql("SELECT participant_id FROM room_participants WHERE room_id = ? AND left_at IS NULL", id))
        .extracting(r -> r.get("participant_id")).containsExactly("sock-guest");
    assertThat(TestServices.await(redis.hkeys(ChatStore.participantsKey(id))).stream().map(Object::toString).toList())
        .contains("sock-guest");
  }

  /**
   * A new host was never recorded: after POST /api/v1/rooms/:id/host (or /ws transfer_host, or the host leaving)
   * PostgreSQL's rooms.host_participant_id, the open memberships' roles, room:{ID}:meta and the roles in
   * room:{ID}:participants stayed as at join time, so once the live state was gone GET /api/v1/rooms/:id named the
   * creator as host. Now every host change, by any API and on any node, is recorded.
   */
  @Test
  void aNewHostIsRecordedInPostgresAndTheRedisCaches() {
    JsonObject c = create(0, "rec-alice", new JsonObject().put("title", "host record"));
    String id = c.getJsonObject("room").getString("id");
    JsonObject b = join(1, id, "rec-bob", "Bob");
    assertThat(rest.get(port(0), "/api/v1/rooms/" + id, null).status()).isEqualTo(200);   // caches room:{ID}:meta
    Rest.Reply handed = rest.post(port(1), "/api/v1/rooms/" + id + "/host", c.getString("token"),
        new JsonObject().put("participant_id", "rec-bob"));
    assertThat(handed.status()).as(handed.body()).isEqualTo(200);
    awaitHost(id, "rec-bob", "rec-alice");
    // the host leaving hands the role to the one left (a host_changed of the leave, on the other node)
    assertThat(rest.post(port(0), "/api/v1/rooms/" + id + "/leave", b.getString("token"), null).status()).isEqualTo(200);
    TestServices.until("rec-alice host in PostgreSQL again", 10_000, 20, () -> "rec-alice".equals(cluster.sql(
        "SELECT host_participant_id FROM rooms WHERE id = ?", id).get(0).get("host_participant_id")));
    TestServices.until("rec-alice host in room:{ID}:participants again", 10_000, 20,
        () -> "host".equals(cachedRole(id, "rec-alice")));
    assertThat(cluster.sql("SELECT role FROM room_participants WHERE room_id = ? AND participant_id = 'rec-alice' AND left_at IS NULL", id)
        .get(0).get("role")).isEqualTo("host");
    // the live state gone, GET answers from the row (and its cache): the last host
    for (String key : io.chorus.room.RoomStore.keys(id)) {
      TestServices.await(redis.del(List.of(key)));
    }
    assertThat(rest.get(port(1), "/api/v1/rooms/" + id, null).json().getString("host_participant_id")).isEqualTo("rec-alice");
  }

  private static void awaitHost(String id, String host, String former) {
    TestServices.until(host + " host in PostgreSQL", 10_000, 20, () -> host.equals(cluster.sql(
        "SELECT host_participant_id FROM rooms WHERE id = ?", id).get(0).get("host_participant_id")));
    TestServices.until(host + " host in room:{ID}:participants", 10_000, 20,
        () -> "host".equals(cachedRole(id, host)) && "participant".equals(cachedRole(id, former)));
    assertThat(cluster.sql("SELECT participant_id, role FROM room_participants WHERE room_id = ? AND left_at IS NULL ORDER BY participant_id", id))
        .extracting(r -> r.get("participant_id") + "=" + r.get("role"))
        .containsExactly(List.of(host, former).stream().sorted().map(p -> p + "=" + (p.equals(host) ? "host" : "participant"))
            .toArray(String[]::new));
    // the cached row is dropped or names the new host; a read caches it again from PostgreSQL
    assertThat(rest.get(port(0), "/api/v1/rooms/" + id, null).status()).isEqualTo(200);
    assertThat(String.valueOf(TestServices.await(redis.hget(ChatStore.metaKey(id), "host_participant_id")))).isEqualTo(host);
  }

  private static String cachedRole(String id, String pid) {
    Object v = TestServices.await(redis.hget(ChatStore.participantsKey(id), pid));
    return v == null ? null : new JsonObject(v.toString()).getString("role");
  }

  /**
   * The seed command's sample room DEMO42 had a PostgreSQL row and no live room: right after `seed`, GET
   * /api/v1/rooms/DEMO42 answered "ended", a join 410 and the seed /ws closed 4404. Now `seed` makes it live as a REST
   * create does (host demo-host), idempotently, and makes it live again when its live state is gone.
   */
  @Test
  void theSeededDemoRoomCanBeJoinedRightAfterSeeding() throws Exception {
    io.chorus.Main.seed(cfg);
    JsonObject room = rest.get(port(0), "/api/v1/rooms/" + DemoRoom.ID, null).json();
    assertThat(room.getString("status")).as(room.encode()).isEqualTo("active");
    assertThat(room.getString("host_participant_id")).isEqualTo("demo-host");
    assertThat(room.getInteger("participant_count")).isEqualTo(1);
    JsonObject guest = join(1, DemoRoom.ID, "demo-guest", "Guest");
    try (WsProbe ws = WsProbe.connect(port(0), "/ws?room_id=" + DemoRoom.ID + "&user_id=demo-guest&token=" + guest.getString("token"))) {
      assertThat(ws.awaitType("room_info").getString("host_id")).isEqualTo("demo-host");
    }
    // a second seed leaves the live room as it is
    io.chorus.Main.seed(cfg);
    assertThat(cluster.sql("SELECT participant_id FROM room_participants WHERE room_id = ? AND participant_id = 'demo-host' AND left_at IS NULL",
        DemoRoom.ID)).hasSize(1);
    assertThat(rest.get(port(1), "/api/v1/rooms/" + DemoRoom.ID, null).json().getString("status")).isEqualTo("active");
    // its live state gone (expired), a seed makes it live again
    for (String key : io.chorus.room.RoomStore.keys(DemoRoom.ID)) {
      TestServices.await(redis.del(List.of(key)));
    }
    assertThat(rest.get(port(0), "/api/v1/rooms/" + DemoRoom.ID, null).json().getString("status")).isEqualTo("ended");
    io.chorus.Main.seed(cfg);
    assertThat(rest.get(port(0), "/api/v1/rooms/" + DemoRoom.ID, null).json().getString("status")).isEqualTo("active");
    assertThat(rest.call(HttpMethod.POST, port(1), "/api/v1/rooms/" + DemoRoom.ID + "/join", null, "demo-late",
        new JsonObject().put("display_name", "Late")).status()).isEqualTo(200);
  }

  /**
   * Joins through the seed /ws and gRPC were never recorded: room_participants and room:{ID}:participants held only
   * REST joins (and a room made through gRPC had no row until a REST call). Now every join is, batched off the join's
   * path, and a REST join's IP and user agent stay.
   */
  @Test
  void joinsThroughTheSeedSocketAndGrpcAreRecordedInPostgresAndRedis() {
    JsonObject c = create(0, "jr-host", new JsonObject().put("title", "join record"));
    String id = c.getJsonObject("room").getString("id");
    try (WsProbe ws = WsProbe.connect(port(1), "/ws?room_id=" + id + "&user_id=jr-sock&user_name=Sox")) {
      ws.awaitType("room_info");
      TestServices.until("jr-sock's membership in PostgreSQL", 10_000, 20, () -> !cluster.sql(
          "SELECT 1 FROM room_participants WHERE room_id = ? AND participant_id = 'jr-sock' AND left_at IS NULL "
              + "AND display_name = 'Sox' AND role = 'participant'", id).isEmpty());
      TestServices.until("jr-sock in room:{ID}:participants", 10_000, 20, () -> "participant".equals(cachedRole(id, "jr-sock")));
    }
    // the REST creator's row keeps its IP and user agent, one open row each
    assertThat(cluster.sql("SELECT client_ip, user_agent FROM room_participants WHERE room_id = ? AND participant_id = 'jr-host'", id))
        .singleElement().satisfies(r -> assertThat(r.get("client_ip")).isNotNull());
    // a room made and joined through gRPC (the room client) gets its row and its members' history
    RoomClient grpc = new RoomClient(nodes.get(0).vertx().eventBus(), "t");
    RoomState made = TestServices.await(grpc.create(io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId("jr-ghost")
        .setHostName("Gina").setTitle("grpc record").build(), false));
    TestServices.await(grpc.join(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(made.roomId()).setUserId("jr-gguest")
        .setUserName("Gus").build(), false, true));
    TestServices.until("the gRPC room's row and members in PostgreSQL", 10_000, 20, () -> cluster.sql(
        "SELECT participant_id || '=' || role AS p FROM room_participants WHERE room_id = ? AND left_at IS NULL ORDER BY participant_id",
        made.roomId()).stream().map(r -> r.get("p")).toList().equals(List.of("jr-gguest=participant", "jr-ghost=host")));
    assertThat(cluster.sql("SELECT title FROM rooms WHERE id = ?", made.roomId()).get(0).get("title")).isEqualTo("grpc record");
    TestServices.until("the gRPC room's members in Redis", 10_000, 20,
        () -> "host".equals(cachedRole(made.roomId(), "jr-ghost")) && "participant".equals(cachedRole(made.roomId(), "jr-gguest")));
  }

  /**
   * A room whose live state is gone from Redis (its TTL ran out before the cleanup's period ended the row, or Redis lost
   * it) while its PostgreSQL row is still active: GET /api/v1/rooms/:id answers it "ended", but POST .../join answered
   * 404 not_found, where api.md has a join of an ended room 410 gone (as it is once the cleanup has ended the row).
   */
  @Test
  void aJoinOfARoomWhoseLiveStateIsGoneIsGoneAsItsGetSays() {
    JsonObject c = create(0, "lapsed-host", new JsonObject().put("title", "lapsed"));
    String id = c.getJsonObject("room").getString("id");
    for (String key : io.chorus.room.RoomStore.keys(id)) {
      TestServices.await(redis.del(List.of(key)));
    }
    assertThat(cluster.sql("SELECT status FROM rooms WHERE id = ?", id).get(0).get("status")).isEqualTo("active");
    for (int node = 0; node < 2; node++) {
      assertThat(rest.get(port(node), "/api/v1/rooms/" + id, null).json().getString("status")).isEqualTo("ended");
      assertThat(rest.call(HttpMethod.POST, port(node), "/api/v1/rooms/" + id + "/join", null, "lapsed-guest-" + node,
          new JsonObject().put("display_name", "Late")).errorCode(410)).isEqualTo("gone");
    }
    // nothing was written for the refused joins
    assertThat(cluster.sql("SELECT participant_id FROM room_participants WHERE room_id = ?", id))
        .extracting(r -> r.get("participant_id")).containsExactly("lapsed-host");
    // an unknown room is still not_found
    assertThat(rest.post(port(1), "/api/v1/rooms/ZZZZZZ/join", null, new JsonObject().put("display_name", "x")).errorCode(404))
        .isEqualTo("not_found");
  }

  @Test
  void corsPreflightFollowsTheConfiguredOrigins() {
    io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> r = TestServices.await(rest.web
        .request(HttpMethod.OPTIONS, port(0), "127.0.0.1", "/api/v1/rooms").putHeader("Origin", "https://app.example")
        .putHeader("Access-Control-Request-Method", "POST").putHeader("Access-Control-Request-Headers", "content-type,x-participant-id")
        .send());
    assertThat(r.statusCode()).isIn(200, 204);
    assertThat(r.getHeader("Access-Control-Allow-Origin")).isIn("*", "https://app.example");
    assertThat(r.getHeader("Access-Control-Allow-Headers").toLowerCase()).contains("x-participant-id");
    // the web page's clock sync and listen-room creation, beside the rooms, follow the same origins
    for (String path : List.of("/api/v1/time", "/api/v1/listen/rooms")) {
      io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> p = TestServices.await(rest.web
          .request(HttpMethod.OPTIONS, port(0), "127.0.0.1", path).putHeader("Origin", "https://app.example")
          .putHeader("Access-Control-Request-Method", path.endsWith("time") ? "GET" : "POST").putHeader("Access-Control-Request-Headers", "content-type")
          .send());
      assertThat(p.statusCode()).as(path + ": " + p.bodyAsString()).isEqualTo(204);
      assertThat(p.getHeader("Access-Control-Allow-Origin")).as(path).isIn("*", "https://app.example");
    }
    io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> time = TestServices.await(rest.web
        .get(port(0), "127.0.0.1", "/api/v1/time?t0=1").putHeader("Origin", "https://app.example").send());
    assertThat(time.statusCode()).isEqualTo(200);
    assertThat(time.getHeader("Access-Control-Allow-Origin")).isIn("*", "https://app.example");
  }
}

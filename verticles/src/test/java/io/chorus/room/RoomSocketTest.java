package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.bus.Addresses;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 000's WebSocket contract, message by message, plus tokens and bad input; a signed-in socket whose sign-in ends
 * while it opens is closed.
 */
@ChorusCluster(config = {"MAX_ROOM_USERS=3", "RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000",
    "ADMIN_USERNAME=room-gap-admin", "ADMIN_PASSWORD=admin password for the room gap test"})
class RoomSocketTest {
  static TestCluster cluster;
  static ChorusNode node;
  static Vertx client;
  static Rest rest;

  /** Creates a room by connecting its first user over the WebSocket... through gRPC-free REST-less path: the host joins a room made by the service. */
  private static JsonObject createRoom(String hostId) {
    RoomState room = TestServices.await(new RoomClient(node.vertx().eventBus(), "test")
        .create(io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId(hostId).setHostName("John")
            .setTrackUrl("https://example.com/track.mp3").build(), false));
    String token = TestTokens.issue(room.roomId(), hostId, "host");
    return new JsonObject().put("room_id", room.roomId()).put("token", token);
  }

  /**
   * A joiner learns the room, itself included, from room_info; user_joined tells the other members about it (seed 000:
   * "a new user joined"), so the joiner does not get its own user_joined after its room_info, only the later changes.
   */
  @Test
  void theJoinerGetsRoomInfoButNotItsOwnUserJoined() {
    JsonObject room = createRoom("own-host");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=own-host&user_name=H&token=" + room.getString("token"))) {
      // the host's join settles first: had jane joined before it, the host's room_info would list her and the host
      // would rightly get no user_joined for her
      host.awaitType("room_info");
      janeJoinsAfterTheHost(id, host);
    }
  }

  /**
   * docs/api.md: with a participant token the connection acts as that participant, so user_id may be left out (it was
   * refused 4400 "user_id is required"); a user_id that is not the token's is still refused, as is a bad token.
   */
  @Test
  void aParticipantTokenAloneJoinsAsItsParticipant() {
    JsonObject room = createRoom("tok-host");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&token=" + room.getString("token"))) {
      JsonObject info = host.awaitType("room_info");
      assertThat(info.getString("you")).isEqualTo("tok-host");
      assertThat(info.getString("host_id")).isEqualTo("tok-host");
    }
    try (WsProbe other = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=tok-other&token=" + room.getString("token"))) {
      assertThat(other.awaitClose(10_000)).isEqualTo((short) 4403);
    }
    try (WsProbe forged = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&token=" + room.getString("token") + "x")) {
      assertThat(forged.awaitClose(10_000)).isEqualTo((short) 4401);
    }
  }

  private void janeJoinsAfterTheHost(String id, WsProbe host) {
    try (WsProbe jane = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=own-jane&user_name=Jane")) {
      JsonObject janeInfo = jane.awaitType("room_info");
      assertThat(janeInfo.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("id"))).contains("own-jane");
      assertThat(host.awaitType("user_joined").getString("user_id")).isEqualTo("own-jane");
      try (WsProbe kim = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=own-kim&user_name=Kim")) {
        long kimVersion = kim.awaitType("room_info").getLong("version");
        // the members hear kim join, with the version of kim's room_info
        for (WsProbe member : java.util.List.of(host, jane)) {
          JsonObject joined = member.await(m -> "user_joined".equals(m.getString("type")) && "own-kim".equals(m.getString("user_id")), 10_000);
          assertThat(joined.getLong("version")).isEqualTo(kimVersion);
        }
        // a later change reaches everyone; before it, neither joiner got its own user_joined
        host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", 30.0));
        for (WsProbe joiner : java.util.List.of(jane, kim)) {
          joiner.awaitType("seek");
        }
        assertThat(jane.history()).as("jane's events").doesNotContain("user_joined:" + janeInfo.getLong("version") + " ");
        assertThat(kim.history()).as("kim's events").doesNotContain("user_joined");
      }
    }
  }

  @Test
  void seedMessagesInOrder() {
    JsonObject room = createRoom("user-123");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=user-123&user_name=John&token=" + room.getString("token"))) {
      JsonObject info = host.awaitType("room_info");
      assertThat(info.getString("room_id")).isEqualTo(id);
      assertThat(info.getJsonArray("users").getJsonObject(0).getString("id")).isEqualTo("user-123");
      assertThat(info.getJsonArray("users").getJsonObject(0).getString("name")).isEqualTo("John");
      assertThat(info.getJsonArray("users").getJsonObject(0).getBoolean("is_host")).isTrue();
      assertThat(info.getLong("timestamp")).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(5L));

      try (WsProbe jane = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=user-456&user_name=Jane")) {
        JsonObject janeInfo = jane.awaitType("room_info");
        assertThat(janeInfo.getString("token")).isNotBlank();
        assertThat(janeInfo.getJsonArray("users")).hasSize(2);

        JsonObject joined = host.awaitType("user_joined");
        assertThat(joined.getString("user_id")).isEqualTo("user-456");
        assertThat(joined.getString("user_name")).isEqualTo("Jane");
        assertThat(joined.getJsonObject("user").getBoolean("is_host")).isFalse();

        host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", 60.0).put("timestamp", 1705314900));
        JsonObject seek = jane.awaitType("seek");
        assertThat(seek.getDouble("position")).isEqualTo(60.0);
        assertThat(seek.getString("user_id")).isEqualTo("user-123");
        assertThat(seek.getString("user_name")).isEqualTo("John");
        host.send(new JsonObject().put("type", "control").put("action", "play"));
        JsonObject play = jane.awaitType("play");
        assertThat(play.getDouble("position")).isEqualTo(60.0);
        assertThat(play.getLong("version")).isGreaterThan(seek.getLong("version"));
        assertThat(play.getJsonObject("playback").getString("status")).isEqualTo("play");
        host.send(new JsonObject().put("type", "control").put("action", "pause"));
        JsonObject pause = jane.awaitType("pause");
        assertThat(pause.getDouble("position")).isGreaterThanOrEqualTo(60.0);

        // a listener's control changes nothing and gets an error frame
        jane.send(new JsonObject().put("type", "control").put("action", "play"));
        JsonObject err = jane.awaitType("error");
        assertThat(err.getString("code")).isEqualTo("forbidden");
      }
      JsonObject left = host.awaitType("user_left");
      assertThat(left.getString("user_id")).isEqualTo("user-456");
      assertThat(left.getString("user_name")).isEqualTo("Jane");
    }
  }

  /**
   * The host hands over the host role on its own socket (transfer_host {user_id}), with TransferHost's rules: only the
   * host, the new host must be in the room, everybody hears host_changed; the new host controls playback from then on.
   * It used to be unknown_type: only gRPC could hand the role over.
   */
  @Test
  void theHostHandsOverTheHostRoleOnItsSocket() {
    JsonObject room = createRoom("xfer-host");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=xfer-host&user_name=H&token=" + room.getString("token"));
         WsProbe jane = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=xfer-jane&user_name=Jane")) {
      host.awaitType("room_info");
      jane.awaitType("room_info");   // jane is a member now
      // not the host: forbidden
      jane.send(new JsonObject().put("type", "transfer_host").put("user_id", "xfer-jane"));
      assertThat(jane.awaitType("error").getString("code")).isEqualTo("forbidden");
      // nobody of that id in the room, and no id at all
      host.send(new JsonObject().put("type", "transfer_host").put("user_id", "xfer-ghost"));
      assertThat(host.awaitType("error").getString("code")).isEqualTo("not_found");
      host.send(new JsonObject().put("type", "transfer_host"));
      assertThat(host.await(m -> "error".equals(m.getString("type")) && "invalid_argument".equals(m.getString("code")), 10_000))
          .isNotNull();
      host.send(new JsonObject().put("type", "transfer_host").put("user_id", "xfer-jane"));
      for (WsProbe member : java.util.List.of(host, jane)) {
        assertThat(member.awaitType("host_changed").getString("host_id")).isEqualTo("xfer-jane");
      }
      // the new host controls playback, the former one no longer does
      jane.send(new JsonObject().put("type", "control").put("action", "play"));
      assertThat(host.awaitType("play").getString("user_id")).isEqualTo("xfer-jane");
      host.send(new JsonObject().put("type", "control").put("action", "pause"));
      assertThat(host.await(m -> "error".equals(m.getString("type")) && "forbidden".equals(m.getString("code")), 10_000))
          .isNotNull();
    }
  }

  /**
   * The host left the room while alone (closed its only socket): the room kept the departed host's id, so the next to
   * join was a participant whose controls were forbidden and nobody present could control the room. The first to join a
   * room its host left empty now becomes host; the former host re-joining later is a participant.
   */
  @Test
  void theFirstToJoinARoomItsHostLeftEmptyBecomesHost() {
    JsonObject room = createRoom("gone-host");
    String id = room.getString("room_id");
    RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=gone-host&user_name=H&token=" + room.getString("token"))) {
      host.awaitType("room_info");
    }
    TestServices.until("the host's leave", 10_000, 20, () -> TestServices.await(rooms.get(id)).users().isEmpty());
    try (WsProbe bob = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=gone-bob&user_name=Bob")) {
      JsonObject info = bob.awaitType("room_info");
      assertThat(info.getString("host_id")).isEqualTo("gone-bob");
      assertThat(info.getJsonArray("users").getJsonObject(0).getBoolean("is_host")).isTrue();
      bob.send(new JsonObject().put("type", "control").put("action", "play"));
      assertThat(bob.awaitType("play").getString("user_id")).isEqualTo("gone-bob");
      // the former host comes back as a participant
      try (WsProbe back = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=gone-host&user_name=H&token=" + room.getString("token"))) {
        assertThat(back.awaitType("room_info").getString("host_id")).isEqualTo("gone-bob");
        back.send(new JsonObject().put("type", "control").put("action", "pause"));
        assertThat(back.awaitType("error").getString("code")).isEqualTo("forbidden");
      }
    }
  }

  @Test
  void forgedIdentitiesAreRefused() {
    JsonObject room = createRoom("host-a");
    String id = room.getString("room_id");
    // the host's id without the host's token: refused, nothing changes
    try (WsProbe forged = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=host-a")) {
      assertThat(forged.awaitType("error").getString("code")).isEqualTo("already_exists");
      forged.awaitClose(5000);
    }
    // someone else's token
    try (WsProbe forged = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=mallory&token=" + room.getString("token"))) {
      assertThat(forged.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(forged.awaitClose(5000)).isEqualTo((short) 4403);
    }
    // a tampered token
    String tampered = room.getString("token").substring(0, room.getString("token").length() - 2) + "xx";
    try (WsProbe forged = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=host-a&token=" + tampered)) {
      assertThat(forged.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(forged.awaitClose(5000)).isEqualTo((short) 4401);
    }
    // a token for another room: 4000 + 403, as documented
    JsonObject other = createRoom("host-a");
    try (WsProbe forged = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=host-a&token=" + other.getString("token"))) {
      assertThat(forged.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(forged.awaitClose(5000)).isEqualTo((short) 4403);
    }
    RoomState state = TestServices.await(new RoomClient(node.vertx().eventBus(), "test").get(id));
    assertThat(state.users()).containsExactly("host-a");
    assertThat(state.version()).isEqualTo(1);
  }

  @Test
  void badInputGetsErrorsAndTheSocketKeepsServing() {
    JsonObject room = createRoom("h");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=h&token=" + room.getString("token"))) {
      host.awaitType("room_info");
      host.sendText("{not json");
      assertThat(host.awaitType("error").getString("code")).isEqualTo("malformed_json");
      host.sendText("[1,2,3]");
      assertThat(host.awaitType("error").getString("code")).isEqualTo("malformed_json");
      // a number too long for the JSON reader: the error says so (it said "message is not a JSON object")
      host.sendText("{\"type\":\"control\",\"action\":\"seek\",\"position_ms\":" + "1".repeat(1200) + "}");
      JsonObject tooLong = host.awaitType("error");
      assertThat(tooLong.getString("code")).isEqualTo("malformed_json");
      assertThat(tooLong.getString("message")).isEqualTo("the message is not valid JSON: a number has more than 1000 digits");
      host.sendText("{\"type\":\"control\",\"action\":\"pause\",\"timestamp\":\"x\"}");
      assertThat(host.awaitType("error").getString("code")).as("a timestamp of the wrong type").isEqualTo("invalid_argument");
      host.send(new JsonObject().put("type", "dance"));
      assertThat(host.awaitType("error").getString("code")).isEqualTo("unknown_type");
      host.send(new JsonObject().put("type", 42));
      assertThat(host.awaitType("error").getString("code")).isEqualTo("invalid_argument");
      host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", "abc"));
      assertThat(host.awaitType("error").getString("code")).isEqualTo("invalid_argument");
      host.send(new JsonObject().put("type", "control").put("action", "rewind"));
      assertThat(host.awaitType("error").getString("code")).isEqualTo("invalid_argument");
      host.sendText("{\"type\":\"control\",\"pad\":\"" + "x".repeat(200_000) + "\"}");
      assertThat(host.awaitType("error").getString("code")).isEqualTo("payload_too_large");
      // the limit is in bytes: 30,000 euro signs are 90,000 of them in UTF-8 (the old check counted 30,000 chars)
      host.sendText("{\"type\":\"ping\",\"pad\":\"" + "\u20ac".repeat(30_000) + "\"}");
      assertThat(host.awaitType("error").getString("code")).isEqualTo("payload_too_large");
      // still serving: a valid control works after all that
      host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", 5));
      assertThat(host.awaitType("seek").getDouble("position")).isEqualTo(5.0);
      host.send(new JsonObject().put("type", "ping"));
      assertThat(host.awaitType("pong")).isNotNull();
    }
    try (WsProbe unknown = WsProbe.connect(cluster.port(), "/ws?room_id=ZZZZZZ&user_id=x")) {
      assertThat(unknown.awaitType("error").getString("code")).isEqualTo("not_found");
    }
    try (WsProbe missing = WsProbe.connect(cluster.port(), "/ws?room_id=" + id)) {
      assertThat(missing.awaitType("error").getString("code")).isEqualTo("invalid_argument");
    }
  }

  @Test
  void roomFullAtMaxRoomUsers() {
    JsonObject room = createRoom("h");
    String id = room.getString("room_id");
    try (WsProbe a = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=a");
         WsProbe b = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=b")) {
      a.awaitType("room_info");
      b.awaitType("room_info");
      try (WsProbe c = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=c")) {
        assertThat(c.awaitType("error").getString("code")).isEqualTo("room_full");
      }
    }
  }

  @Test
  void clockSyncOverHttpAndWebSocket() {
    WebClient web = WebClient.create(client);
    long t0 = System.currentTimeMillis();
    JsonObject r = TestServices.await(web.get(cluster.port(), "127.0.0.1", "/api/v1/time?t0=" + t0).send()).bodyAsJsonObject();
    long t3 = System.currentTimeMillis();
    assertThat(r.getLong("t0")).isEqualTo(t0);
    assertThat(r.getLong("t1")).isBetween(t0, t3);
    assertThat(r.getLong("t2")).isBetween(r.getLong("t1"), t3);
    // a missing or unreadable t0 is refused, as the WebSocket's time message refuses it
    for (String bad : new String[] {"", "?t0=", "?t0=abc", "?t0=1e3", "?t0=12abc", "?t0=NaN"}) {
      io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> resp = TestServices.await(web.get(cluster.port(), "127.0.0.1", "/api/v1/time" + bad).send());
      assertThat(resp.statusCode()).as(bad).isEqualTo(400);
      assertThat(resp.bodyAsJsonObject().getJsonObject("error").getString("code")).as(bad).isEqualTo("invalid_argument");
    }
    JsonObject room = createRoom("h");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + room.getString("room_id") + "&user_id=h&token=" + room.getString("token"))) {
      host.awaitType("room_info");
      host.send(new JsonObject().put("type", "time").put("t0", 123));
      JsonObject time = host.awaitType("time");
      assertThat(time.getLong("t0")).isEqualTo(123);
      assertThat(time.getLong("t2")).isGreaterThanOrEqualTo(time.getLong("t1"));
      for (String bad : new String[] {"{\"type\":\"time\",\"t0\":\"x\"}", "{\"type\":\"time\",\"t0\":{}}", "{\"type\":\"time\"}"}) {
        host.sendText(bad);
        assertThat(host.awaitType("error").getString("code")).as(bad).isEqualTo("invalid_argument");
      }
      host.send(new JsonObject().put("type", "time").put("t0", 456));
      assertThat(host.awaitType("time").getLong("t0")).as("the socket keeps serving").isEqualTo(456);
    }
  }

  /** A new account, registered on the node at {@code port}: {user, access_token, …}. */
  static JsonObject newUser(Rest rest, int port) {
    return rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "gap" + UUID.randomUUID().toString().substring(0, 8)).put("password", "correct horse battery staple"));
  }

  /**
   * Signs the session of {@code jwt} out ({@code disable}: false), or has the admin (room-gap-admin, configured on the
   * node at {@code port}) disable the account {@code uid}.
   */
  static void end(Rest rest, int port, boolean disable, String uid, String jwt) {
    if (disable) {
      String admin = rest.postOk(port, "/api/v1/auth/login", null, new JsonObject().put("username", "room-gap-admin")
          .put("password", "admin password for the room gap test")).getString("access_token");
      rest.postOk(port, "/api/v1/admin/users/" + uid + "/disable", admin, null);
    } else {
      assertThat(rest.post(port, "/api/v1/auth/logout", jwt, null).status()).isEqualTo(204);
    }
  }

  /**
   * A socket handler's test hook that holds a socket of {@code uid} in its gap: it listens, on the socket's event loop,
   * for the next {@code address} event about {@code uid} ({@code held} completes once it listens) and lets the socket
   * go on once that event has been handled there. A consumer registered on that loop after the handler's own gets each
   * event after it, so the handler has already looked for the socket, not yet listed then.
   */
  static Future<Void> untilHeard(String address, String uid, CompletableFuture<Void> held) {
    Promise<Void> go = Promise.promise();
    MessageConsumer<JsonObject> seen = Vertx.currentContext().owner().eventBus().consumer(address, m -> {
      if (uid.equals(m.body().getString("user_id"))) {
        go.tryComplete();
      }
    });
    seen.completion().onComplete(x -> held.complete(null));
    return go.future().eventually(seen::unregister);
  }

  /**
   * The account is disabled, or the sign-in session ends, after a signed-in socket's token was checked and before the
   * socket is listed for those events (held there by the test hook until the event has been handled on its loop): the
   * event finds no socket, the re-check once the socket is wired closes it, and the member leaves the room.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aSignInEndedWhileTheSocketOpensClosesIt(boolean disable) {
    JsonObject user = newUser(rest, cluster.port());
    String uid = user.getJsonObject("user").getString("id");
    String jwt = user.getString("access_token");
    String id = createRoom("host-gap").getString("room_id");
    CompletableFuture<Void> held = new CompletableFuture<>();
    RoomSocketHandler.BEFORE_JOIN.hold(who -> uid.equals(who.userId())
        ? untilHeard(disable ? Addresses.USER_DISABLED : Addresses.USER_SESSIONS_REVOKED, uid, held) : Future.succeededFuture());
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&access_token=" + jwt)) {
      held.orTimeout(10, TimeUnit.SECONDS).join();
      RoomSocketHandler.BEFORE_JOIN.hold(null);
      end(rest, cluster.port(), disable, uid, jwt);
      assertThat(ws.awaitType("room_info").getString("you")).isEqualTo(uid);
      assertThat(ws.awaitType("error").getString("code")).isEqualTo(disable ? "forbidden" : "unauthenticated");
      assertThat(ws.awaitClose(10_000)).isEqualTo(disable ? (short) 4403 : (short) 4401);
      RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
      TestServices.until("the closed socket's member left the room", 10_000, 20,
          () -> !TestServices.await(rooms.get(id)).users().contains(uid));
    } finally {
      RoomSocketHandler.BEFORE_JOIN.hold(null);
    }
  }

  /**
   * A client whose connection goes away while its join is under way (reset right after the handshake: a killed tab, a
   * lost network) had no close handler yet: its member stayed in the room for the room's life, with a socket on the
   * node, counted against max_participants and waited for by every ready wait (the handler threw on wiring the closed
   * socket). The member now leaves once the join is done: every join is followed by its leave (two versions each), and
   * only the host is left.
   */
  @Test
  void aSocketThatGoesAwayWhileJoiningLeavesTheRoom() throws Exception {
    String id = createRoom("went-host").getString("room_id");
    RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
    int gone = 2;   // with the host, MAX_ROOM_USERS (3): the ghosts of the old code also filled the room
    for (int i = 0; i < gone; i++) {
      io.chorus.testing.StalledWsClient.open(cluster.port(), "/ws?room_id=" + id + "&user_id=went-" + i).reset();
    }
    TestServices.until("every join followed by its leave, only the host left", 10_000, 20, () -> {
      RoomState room = TestServices.await(rooms.get(id));
      return room.version() == 1 + 2 * gone && room.users().equals(java.util.List.of("went-host"));
    });

  }

  /**
   * A member who leaves through another API (here the REST leave with its participant token; gRPC LeaveRoom and a
   * node's drop are the same leave) kept its seed /ws open: the socket went on getting the room's events, its own
   * user_left and the host's play among them, as a non-member, where its chat sockets and bridge registrations end. The
   * socket now gets error forbidden and close 4403, and the member re-joins with its token on a new socket, which stays.
   */
  @Test
  void aMemberWhoLeavesThroughAnotherApiHasItsSocketClosed() {
    JsonObject room = createRoom("left-host");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=left-host&token=" + room.getString("token"));
         WsProbe member = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=left-kim")) {
      host.awaitType("room_info");
      String token = member.awaitType("room_info").getString("token");
      assertThat(rest.post(cluster.port(), "/api/v1/rooms/" + id + "/leave", token, null).status()).isEqualTo(200);
      assertThat(host.awaitType("user_left").getString("user_id")).isEqualTo("left-kim");
      JsonObject error = member.await(m -> !"user_left".equals(m.getString("type")), 10_000);
      assertThat(error.getString("type")).as("the member's socket after its leave: " + member.history()).isEqualTo("error");
      assertThat(error.getString("code")).isEqualTo("forbidden");
      assertThat(member.awaitClose(10_000)).isEqualTo((short) 4403);
      try (WsProbe again = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=left-kim&token=" + token)) {
        assertThat(again.awaitType("room_info").getString("you")).isEqualTo("left-kim");
        assertThat(host.awaitType("user_joined").getString("user_id")).isEqualTo("left-kim");
        host.send(new JsonObject().put("type", "control").put("action", "play"));
        assertThat(again.awaitType("play").getString("user_id")).isEqualTo("left-host");
        assertThat(again.isClosed()).isFalse();
      }
      assertThat(host.awaitType("user_left").getString("user_id")).isEqualTo("left-kim");
    }
  }

  /**
   * A client that vanished without a close or a reset (a closed laptop, a lost network: nothing reaches the node) kept
   * its member in the room for as long as the node's TCP stack kept the connection (hours), host role and ready waits
   * included: the seed /ws never checked that a socket was alive. The node now pings every socket each
   * ROOM_WS_PING_SECONDS; one that has answered nothing for two of them is closed (1001) and dropped, and its member
   * leaves. A client that answers the pings (every WebSocket client does, on its own) stays.
   */
  @Test
  @ChorusCluster(config = "ROOM_WS_PING_SECONDS=1")
  void aSocketThatAnswersNoPingIsClosedAndItsMemberLeaves(TestCluster pinged) throws Exception {
    RoomClient rooms = new RoomClient(pinged.node().vertx().eventBus(), "test");
    String id = TestServices.await(rooms.create(io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId("ping-host")
        .setTrackUrl("https://example.com/track.mp3").build(), false)).roomId();
    try (WsProbe live = WsProbe.connect(pinged.port(), "/ws?room_id=" + id + "&user_id=ping-live")) {
      // the silent member connects once live's room_info is in: had it joined first, room_info would list it and no
      // user_joined would come
      live.awaitType("room_info");
      try (io.chorus.testing.StalledWsClient silent = io.chorus.testing.StalledWsClient.open(pinged.port(),
          "/ws?room_id=" + id + "&user_id=ping-silent")) {
        live.await(m -> "user_joined".equals(m.getString("type")) && "ping-silent".equals(m.getString("user_id")), 10_000);
        JsonObject left = live.await(m -> "user_left".equals(m.getString("type")), 20_000);
        assertThat(left.getString("user_id")).isEqualTo("ping-silent");
        assertThat(silent.readToEnd().closeFrame()).as("the silent socket got a close frame before its drop").isTrue();
        assertThat(live.isClosed()).isFalse();
        assertThat(TestServices.await(rooms.get(id)).users()).containsExactly("ping-host", "ping-live");
      }
    }
  }

  /**
   * A room used only through the seed /ws (its members joining, the host playing) never moved its expires_at: only REST
   * joins and leaves and chat renewed it, so the cleanup ended a room whose listeners were playing ROOM_TTL_HOURS after
   * its last REST call, where api.md counts every join and configuration.md every change. A change through any API
   * now renews it (at most once a minute per room): here the row is first set to expire in an hour, then the host's
   * play over /ws moves it to a full ROOM_TTL_HOURS (24) from now.
   */
  @Test
  void aRoomInUseOverTheSeedSocketStaysAlive() {
    JsonObject created = rest.postOk(cluster.port(), "/api/v1/rooms", null, new JsonObject().put("title", "kept").put("display_name", "Host"));
    String id = created.getJsonObject("room").getString("id");
    String hostId = created.getJsonObject("participant").getString("participant_id");
    cluster.sql("UPDATE rooms SET expires_at = NOW() + INTERVAL '1 hour' WHERE id = ?", id);
    TestServices.await(cluster.redis().del(java.util.List.of(io.chorus.chat.ChatStore.metaKey(id))));   // the row's cache
    assertThat(java.time.Instant.parse(rest.get(cluster.port(), "/api/v1/rooms/" + id, null).json().getString("expires_at")))
        .isBefore(java.time.Instant.now().plus(java.time.Duration.ofHours(2)));
    try (WsProbe host = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=" + hostId + "&token=" + created.getString("token"))) {
      host.awaitType("room_info");
      host.send(new JsonObject().put("type", "control").put("action", "play"));
      host.awaitType("play");
      TestServices.until("the room's expires_at renewed by the play", 10_000, 200, () -> {
        java.time.Instant expires = java.time.Instant.parse(rest.get(cluster.port(), "/api/v1/rooms/" + id, null).json().getString("expires_at"));
        return expires.isAfter(java.time.Instant.now().plus(java.time.Duration.ofHours(23)));
      });
    }
  }

  /**
   * A client that sends frames and never reads the answers: each got a direct write (past 50 a second, a rate_limited
   * error), and a full write queue only queued a 1008 close behind them, so one client's 3 M pings held 844 MB of a
   * node's heap and its socket stayed open. The answers go out under the events' slow-socket policy: 1013, then dropped.
   */
  @Test
  void aSocketThatSendsButDoesNotReadItsAnswersIsClosed() {
    JsonObject room = createRoom("deaf");
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws?room_id=" + room.getString("room_id") + "&user_id=deaf&token=" + room.getString("token"))) {
      ws.awaitType("room_info");
      ws.sendWithoutReading("{\"type\":\"ping\"}", 1_000_000);
      assertThat(ws.awaitClose(30_000)).isIn((short) 1013, (short) 1006);
    }
  }
}

package io.chorus.accounts;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed-000 WebSocket with an access JWT: a signed-in user joins as their account (second tab without
 * a participant token), cannot take another id, bad JWTs are refused, and disabling the account closes
 * the user's room sockets at once, on every node. Over the bridge, a user's own channel
 * {@code client.user.<uid>} takes a REGISTER with that user's JWT only. Signing a session out ends the room, chat and
 * bridge sockets opened with its access tokens, and only those.
 */
@ChorusCluster(nodes = 2, config = {"ADMIN_USERNAME=ws-admin", "ADMIN_PASSWORD=admin password for ws tests",
    "RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000", "RATE_LIMIT_ROOM_CREATE=0"})
class SignedInRoomSocketTest {
  static TestCluster cluster;
  static Api a;

  @BeforeAll
  static void start(TestCluster c) {
    cluster = c;
    a = new Api(c.port(0));
  }

  static String room() {
    return a.post("/api/v1/listen/rooms", null, new JsonObject().put("track_url", "https://example.com/t.mp3")).expect(201).json()
        .getString("room_id");
  }

  @Test
  void aSignedInUserJoinsAsTheirAccount() {
    String name = "ws" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject u = a.newUser(name);
    String uid = u.getJsonObject("user").getString("id");
    String jwt = u.getString("access_token");
    String id = room();
    try (WsProbe first = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id, Map.of("Authorization", "Bearer " + jwt));
         WsProbe second = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id + "&access_token=" + jwt)) {
      JsonObject info = first.awaitType("room_info");
      assertThat(info.getString("you")).isEqualTo(uid);
      assertThat(info.getString("token")).as("a participant token for the bridge").isNotBlank();
      assertThat(info.getJsonArray("users").stream().map(x -> ((JsonObject) x).getString("name"))).contains(name);
      // the JWT proves the id: a second tab on another node needs no participant token
      assertThat(second.awaitType("room_info").getString("you")).isEqualTo(uid);
    }
  }

  @Test
  void anotherIdAndBadTokensAreRefused() {
    JsonObject u = a.newUser("wx" + UUID.randomUUID().toString().substring(0, 8));
    String jwt = u.getString("access_token");
    String id = room();
    try (WsProbe other = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&user_id=someone-else",
        Map.of("Authorization", "Bearer " + jwt))) {
      assertThat(other.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(other.awaitClose(10_000)).isEqualTo((short) 4403);
    }
    String[] parts = jwt.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
    try (WsProbe bad = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&access_token=" + forged)) {
      assertThat(bad.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(bad.awaitClose(10_000)).isEqualTo((short) 4401);
    }
  }

  /**
   * access_token carries nothing but an access JWT: a value there that is not one is a bad token (error unauthenticated,
   * close 4401), on the seed /ws and on /ws/stream, as a forged JWT is. It was ignored unless it had three dot-separated
   * parts: /ws?room_id=…&user_id=x&access_token=not-a-jwt joined as the anonymous member x, and a stream operator
   * connected as its path's user_id.
   */
  @Test
  void anAccessTokenThatIsNoJwtIsRefused() {
    String id = room();
    try (WsProbe bad = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&user_id=anon-x&access_token=not-a-jwt")) {
      JsonObject first = bad.await(m -> true, 10_000);
      assertThat(first.getString("type")).as(first.encode()).isEqualTo("error");
      assertThat(first.getString("code")).isEqualTo("unauthenticated");
      assertThat(bad.awaitClose(10_000)).isEqualTo((short) 4401);
    }
    String session = a.post("/sessions", null, new JsonObject().put("client_id", "cam-" + UUID.randomUUID())).expect(201).json()
        .getString("session_id");
    try (WsProbe bad = WsProbe.connect(cluster.port(1), "/ws/stream/" + session + "/op-x?access_token=not-a-jwt")) {
      assertThat(bad.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(bad.awaitClose(10_000)).isEqualTo((short) 4401);
    }
    assertThat(a.get("/sessions/" + session + "/operators", null).json().getJsonArray("operators")).isEmpty();
  }

  /**
   * Authorization: Bearer on /ws and /ws/stream carries an access JWT only (as on REST, where such a header is 401): a
   * value that is not one is refused (error unauthenticated, close 4401) as access_token=not-a-jwt is. It was ignored:
   * /ws?room_id=…&user_id=x with "Authorization: Bearer not-a-jwt" joined as the anonymous member x, and a stream
   * operator connected as its path's user_id. Another scheme (a proxy's Basic) is still no Chorus credential and ignored.
   */
  @Test
  void aBearerHeaderThatIsNoJwtIsRefused() {
    String id = room();
    for (String bad : java.util.List.of("Bearer not-a-jwt", "bearer two.parts")) {
      try (WsProbe ws = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&user_id=anon-b", Map.of("Authorization", bad))) {
        JsonObject first = ws.await(m -> true, 10_000);
        assertThat(first.getString("type")).as(bad + ": " + first.encode()).isEqualTo("error");
        assertThat(first.getString("code")).isEqualTo("unauthenticated");
        assertThat(ws.awaitClose(10_000)).isEqualTo((short) 4401);
      }
    }
    String session = a.post("/sessions", null, new JsonObject().put("client_id", "cam-" + UUID.randomUUID())).expect(201).json()
        .getString("session_id");
    try (WsProbe ws = WsProbe.connect(cluster.port(1), "/ws/stream/" + session + "/op-b", Map.of("Authorization", "Bearer not-a-jwt"))) {
      assertThat(ws.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(ws.awaitClose(10_000)).isEqualTo((short) 4401);
    }
    assertThat(a.get("/sessions/" + session + "/operators", null).json().getJsonArray("operators")).isEmpty();
    try (WsProbe basic = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id + "&user_id=anon-basic",
        Map.of("Authorization", "Basic dXNlcjpwYXNz"))) {
      assertThat(basic.awaitType("room_info").getString("you")).isEqualTo("anon-basic");
    }
  }

  /**
   * A signed-in member's name defaults to the username wherever the JWT makes the member, as on /ws: a room created
   * with POST /api/v1/listen/rooms or gRPC CreateRoom with the account's JWT and no host_name, or joined with gRPC
   * JoinRoom and no user_name, showed the member as its account id (a UUID) in room_info.users, also after the host
   * opened /ws with its JWT.
   */
  @Test
  void aMemberMadeWithAJwtIsNamedAfterTheUsername() {
    String hostName = "nh" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject host = a.newUser(hostName);
    String hostId = host.getJsonObject("user").getString("id");
    String jwt = host.getString("access_token");
    String guestName = "ng" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject guest = a.newUser(guestName);
    String guestId = guest.getJsonObject("user").getString("id");

    String listenRoom = a.post("/api/v1/listen/rooms", jwt, new JsonObject().put("track_url", "https://example.com/t.mp3"))
        .expect(201).json().getString("room_id");
    String grpcRoom = asUser(jwt).createRoom(io.chorus.proto.room.CreateRoomRequest.newBuilder()
        .setTrackUrl("https://example.com/t.mp3").build()).getRoomId();
    asUser(guest.getString("access_token")).joinRoom(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(grpcRoom).build());
    assertThat(names(listenRoom)).containsEntry(hostId, hostName);
    Map<String, String> grpcNames = names(grpcRoom);
    assertThat(grpcNames).containsEntry(hostId, hostName).containsEntry(guestId, guestName);
  }

  /** id -> name of room_info.users, as a new anonymous member sees them. */
  static Map<String, String> names(String roomId) {
    try (WsProbe peer = WsProbe.connect(cluster.port(1), "/ws?room_id=" + roomId + "&user_id=peer-" + UUID.randomUUID())) {
      Map<String, String> names = new java.util.HashMap<>();
      peer.awaitType("room_info").getJsonArray("users").forEach(u -> names.put(((JsonObject) u).getString("id"), ((JsonObject) u).getString("name")));
      return names;
    }
  }

  @Test
  void disablingTheAccountClosesItsRoomSocketsOnEveryNode() {
    String ta = a.login("ws-admin", "admin password for ws tests").expect(200).json().getString("access_token");
    JsonObject u = a.newUser("wd" + UUID.randomUUID().toString().substring(0, 8));
    String jwt = u.getString("access_token");
    String id = room();
    try (WsProbe s0 = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&access_token=" + jwt);
         WsProbe s1 = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id + "&access_token=" + jwt);
         WsProbe anonymous = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id + "&user_id=anon&user_name=Anon")) {
      s0.awaitType("room_info");
      s1.awaitType("room_info");
      anonymous.awaitType("room_info");
      a.post("/api/v1/admin/users/" + u.getJsonObject("user").getString("id") + "/disable", ta, null).expect(200);
      assertThat(s0.awaitClose(10_000)).isEqualTo((short) 4403);
      assertThat(s1.awaitClose(10_000)).isEqualTo((short) 4403);
      assertThat(anonymous.isClosed()).as("other members stay").isFalse();
    }
  }

  static JsonObject bridgeFrame(WsProbe ws) {
    return new JsonObject(ws.nextBinary(10_000));
  }

  /** The reply to a clock request: every frame of the socket before it has been handled. */
  static void settle(WsProbe ws, String replyAddress) {
    ws.send(new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", replyAddress)
        .put("body", new JsonObject().put("t0", 1)));
    while (true) {
      JsonObject f = bridgeFrame(ws);
      if (replyAddress.equals(f.getString("address"))) {
        return;
      }
    }
  }

  @Test
  void theBridgeServesAUsersOwnChannelToThatUserOnly() {
    String ta = a.login("ws-admin", "admin password for ws tests").expect(200).json().getString("access_token");
    JsonObject me = a.newUser("wb" + UUID.randomUUID().toString().substring(0, 8));
    JsonObject friend = a.newUser("wf" + UUID.randomUUID().toString().substring(0, 8));
    String uid = me.getJsonObject("user").getString("id");
    String address = "client.user." + uid;
    try (WsProbe ws = WsProbe.connect(cluster.port(1), "/eventbus/websocket")) {
      // someone else's JWT, and none at all: refused
      ws.send(new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("access_token", friend.getString("access_token"))));
      assertThat(bridgeFrame(ws).getString("body")).isEqualTo("rejected");
      ws.send(new JsonObject().put("type", "register").put("address", address));
      assertThat(bridgeFrame(ws).getString("body")).isEqualTo("rejected");

      ws.send(new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("access_token", me.getString("access_token"))));
      settle(ws, "after-register");
      // a friend request (made through node 0) reaches the user's channel on node 1
      a.post("/api/v1/friends/requests", friend.getString("access_token"), new JsonObject().put("user_id", uid)).expect(201);
      JsonObject rec = bridgeFrame(ws);
      assertThat(rec.getString("type")).isEqualTo("rec");
      assertThat(rec.getString("address")).isEqualTo(address);
      assertThat(rec.getJsonObject("body").getString("type")).isEqualTo("friend_request");

      // disabling the account ends the registration at once
      a.post("/api/v1/admin/users/" + uid + "/disable", ta, null).expect(200);
      JsonObject err = bridgeFrame(ws);
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getString("address")).isEqualTo(address);
      assertThat(err.getInteger("failureCode")).isEqualTo(4030);
    }
  }

  /**
   * A user id is a UUID, case-insensitive: the official bridge client's REGISTER to {@code client.user.<ID in upper case>}
   * with the user's own JWT was {@code rejected}. It now gets the user's events, under the address as registered, on
   * either node, and ends on the same sign-out (4010) and disable (4030) as the lower-case form (web/test/user-bridge-client.mjs).
   */
  @Test
  void theUserChannelTakesTheUserIdInUpperCase() {
    io.chorus.testing.NodeScripts.requireInstalled("@vertx/eventbus-bridge-client.js");
    String name = "wu" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject me = a.newUser(name);
    String uid = me.getJsonObject("user").getString("id");
    String address = "client.user." + uid.toUpperCase(java.util.Locale.ROOT);
    JsonObject cfg = new JsonObject()
        .put("urls", new io.vertx.core.json.JsonArray().add("http://127.0.0.1:" + cluster.port(0) + "/eventbus")
            .add("http://127.0.0.1:" + cluster.port(1) + "/eventbus"))
        .put("api", "http://127.0.0.1:" + cluster.port(0))
        .put("uid", uid)
        .put("address", address)
        .put("jwts", new io.vertx.core.json.JsonArray().add(me.getString("access_token"))
            .add(a.login(name, Api.PW).expect(200).json().getString("access_token")))
        .put("friendJwt", a.newUser("wv" + UUID.randomUUID().toString().substring(0, 8)).getString("access_token"))
        .put("adminJwt", a.login("ws-admin", "admin password for ws tests").expect(200).json().getString("access_token"));

    JsonObject r = io.chorus.testing.NodeScripts.run("test/user-bridge-client.mjs", java.time.Duration.ofMinutes(1), cfg.encode());
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as(dump).isTrue();
    assertThat(r.getInteger("friendRequest")).as(dump).isEqualTo(201);
    for (String session : java.util.List.of("session1", "session2")) {
      assertThat(r.getJsonObject(session).getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("type")))
          .as(dump).contains("friend_request");
    }
    assertThat(r.getInteger("logout")).as(dump).isEqualTo(204);
    assertThat(r.getJsonObject("session1").getJsonArray("errors").stream().map(e -> ((JsonObject) e).getInteger("failureCode")))
        .as("signing session 1 out ends its registration only:\n%s", dump).containsExactly(4010);
    assertThat(r.getInteger("disable")).as(dump).isEqualTo(200);
    assertThat(r.getJsonObject("session2").getJsonArray("errors").stream().map(e -> ((JsonObject) e).getInteger("failureCode")))
        .as("disabling the account ends session 2's:\n%s", dump).containsExactly(4030);
  }

  @Test
  void aSignedInMemberReadsTheChatWithTheirJwt() {
    String ta = a.login("ws-admin", "admin password for ws tests").expect(200).json().getString("access_token");
    JsonObject u = a.newUser("wc" + UUID.randomUUID().toString().substring(0, 8));
    JsonObject stranger = a.newUser("ws" + UUID.randomUUID().toString().substring(0, 8));
    String jwt = u.getString("access_token");
    JsonObject created = a.post("/api/v1/rooms", null, new JsonObject().put("title", "jwt chat").put("display_name", "Host")).expect(201).json();
    String id = created.getJsonObject("room").getString("id");
    JsonObject joined = a.post("/api/v1/rooms/" + id + "/join", jwt, new JsonObject().put("display_name", "Member")).expect(200).json();
    String pid = joined.getJsonObject("participant").getString("participant_id");
    String participantToken = joined.getString("token");

    // an account that never joined the room is refused
    try (WsProbe outsider = WsProbe.connect(cluster.port(1), "/ws/chat/" + id, Map.of("Authorization", "Bearer " + stranger.getString("access_token")))) {
      assertThat(outsider.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(outsider.awaitClose(10_000)).isEqualTo((short) 4403);
    }
    try (WsProbe chat = WsProbe.connect(cluster.port(1), "/ws/chat/" + id, Map.of("Authorization", "Bearer " + jwt))) {
      assertThat(chat.awaitType("synced").getString("participant_id")).isEqualTo(pid);
      a.post("/api/v1/rooms/" + id + "/chat/messages", created.getString("token"), new JsonObject().put("content", "to the member")).expect(201);
      assertThat(chat.await(m -> "message_created".equals(m.getString("type"))
          && "to the member".equals(m.getJsonObject("message").getString("content")), 10_000)).isNotNull();
      a.post("/api/v1/admin/users/" + u.getJsonObject("user").getString("id") + "/disable", ta, null).expect(200);
      assertThat(chat.awaitClose(10_000)).isEqualTo((short) 4403);
    }
    // the disabled account has left the room: its participant token no longer speaks in it
    long deadline = System.currentTimeMillis() + 10_000;
    Api.Reply posted;
    while ((posted = a.post("/api/v1/rooms/" + id + "/chat/messages", participantToken, new JsonObject().put("content", "still here?"))).status() == 201) {
      assertThat(System.currentTimeMillis()).as("the account's participant left within 10 s of the disable").isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);   // the leave follows the disable's bus event
    }
    assertThat(posted.error(403)).isEqualTo("forbidden");
    JsonObject members = a.get("/api/v1/rooms/" + id + "/participants", created.getString("token")).expect(200).json();
    assertThat(members.getJsonArray("participants").stream().map(x -> ((JsonObject) x).getString("participant_id"))).doesNotContain(pid);
    // nor does its participant token bring it back: an account's participant re-joins with the account only
    assertThat(a.post("/api/v1/rooms/" + id + "/join", participantToken, new JsonObject().put("display_name", "Back")).error(403))
        .isEqualTo("forbidden");
  }

  @Test
  void signingOutEndsTheRoomChatAndBridgeSocketsOfThatSessionOnly() {
    String name = "wo" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject u = a.newUser(name);
    String uid = u.getJsonObject("user").getString("id");
    String first = u.getString("access_token");
    String second = a.login(name, Api.PW).expect(200).json().getString("access_token");
    String listenRoom = room();
    JsonObject created = a.post("/api/v1/rooms", null, new JsonObject().put("title", "sign-out chat").put("display_name", "Host")).expect(201).json();
    String chatRoom = created.getJsonObject("room").getString("id");
    a.post("/api/v1/rooms/" + chatRoom + "/join", first, new JsonObject().put("display_name", "Member")).expect(200);
    String address = "client.user." + uid;
    try (WsProbe room1 = WsProbe.connect(cluster.port(0), "/ws?room_id=" + listenRoom + "&access_token=" + first);
         WsProbe room2 = WsProbe.connect(cluster.port(1), "/ws?room_id=" + listenRoom + "&access_token=" + second);
         WsProbe chat1 = WsProbe.connect(cluster.port(1), "/ws/chat/" + chatRoom, Map.of("Authorization", "Bearer " + first));
         WsProbe chat2 = WsProbe.connect(cluster.port(0), "/ws/chat/" + chatRoom, Map.of("Authorization", "Bearer " + second));
         WsProbe bridge1 = WsProbe.connect(cluster.port(1), "/eventbus/websocket");
         WsProbe bridge2 = WsProbe.connect(cluster.port(0), "/eventbus/websocket")) {
      room1.awaitType("room_info");
      room2.awaitType("room_info");
      chat1.awaitType("synced");
      chat2.awaitType("synced");
      bridge1.send(new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("access_token", first)));
      settle(bridge1, "registered-1");
      bridge2.send(new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("access_token", second)));
      settle(bridge2, "registered-2");

      a.post("/api/v1/auth/logout", first, null).expect(204);
      assertThat(room1.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(room1.awaitClose(10_000)).isEqualTo((short) 4401);
      assertThat(chat1.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(chat1.awaitClose(10_000)).isEqualTo((short) 4401);
      JsonObject err = bridgeFrame(bridge1);
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getString("address")).isEqualTo(address);
      assertThat(err.getInteger("failureCode")).isEqualTo(4010);

      // the other session's sockets stay and still answer
      room2.send(new JsonObject().put("type", "ping"));
      room2.awaitType("pong");
      chat2.send(new JsonObject().put("type", "ping"));
      chat2.awaitType("pong");
      settle(bridge2, "still-registered");
      a.post("/api/v1/friends/requests", a.newUser("wq" + UUID.randomUUID().toString().substring(0, 8)).getString("access_token"),
          new JsonObject().put("user_id", uid)).expect(201);
      JsonObject rec = bridgeFrame(bridge2);
      assertThat(rec.getString("type")).isEqualTo("rec");
      assertThat(rec.getJsonObject("body").getString("type")).isEqualTo("friend_request");
      assertThat(room2.isClosed()).isFalse();
      assertThat(chat2.isClosed()).isFalse();

      a.post("/api/v1/auth/logout-all", second, null).expect(204);
      assertThat(room2.awaitClose(10_000)).isEqualTo((short) 4401);
      assertThat(chat2.awaitClose(10_000)).isEqualTo((short) 4401);
      assertThat(bridgeFrame(bridge2).getInteger("failureCode")).isEqualTo(4010);
    }
  }

  static io.chorus.proto.room.RoomServiceGrpc.RoomServiceBlockingStub asUser(String jwt) {
    io.grpc.Metadata md = new io.grpc.Metadata();
    md.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
    return io.chorus.proto.room.RoomServiceGrpc.newBlockingStub(cluster.channel(0))
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  static io.grpc.Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return io.grpc.Status.Code.OK;
    } catch (io.grpc.StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void grpcCallsWithAnAccessJwtActAsThatUser() {
    JsonObject host = a.newUser("gh" + UUID.randomUUID().toString().substring(0, 8));
    JsonObject guest = a.newUser("gg" + UUID.randomUUID().toString().substring(0, 8));
    String hostId = host.getJsonObject("user").getString("id");
    String guestId = guest.getJsonObject("user").getString("id");
    var asHost = asUser(host.getString("access_token"));
    var asGuest = asUser(guest.getString("access_token"));

    var created = asHost.createRoom(io.chorus.proto.room.CreateRoomRequest.newBuilder().setTrackUrl("https://example.com/g.mp3").build());
    assertThat(created.getHostId()).isEqualTo(hostId);
    String id = created.getRoomId();
    var joined = asGuest.joinRoom(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(id).build());
    assertThat(joined.getUsersCount()).isEqualTo(2);
    // the JWT proves the id: joining again is a re-join, not a taken id
    assertThat(codeOf(() -> asGuest.joinRoom(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(id).build())))
        .isEqualTo(io.grpc.Status.Code.OK);
    // nobody else's id, and host rules apply to a user (a service with the API key is trusted)
    assertThat(codeOf(() -> asGuest.joinRoom(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(id).setUserId(hostId).build())))
        .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
    var play = io.chorus.proto.room.SetPlaybackRequest.newBuilder().setRoomId(id).setAction("play").build();
    assertThat(codeOf(() -> asGuest.setPlayback(play))).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
    assertThat(asHost.setPlayback(play).getStatus()).isEqualTo("play");
    assertThat(codeOf(() -> asUser(host.getString("access_token") + "x").getState(
        io.chorus.proto.room.GetStateRequest.newBuilder().setRoomId(id).build()))).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
    assertThat(guestId).isNotEqualTo(hostId);
  }

  @Test
  void aSignedInOperatorJoinsABroadcastAsTheirAccount() {
    JsonObject op = a.newUser("so" + UUID.randomUUID().toString().substring(0, 8));
    String uid = op.getJsonObject("user").getString("id");
    String jwt = op.getString("access_token");
    String session = a.post("/sessions", null, new JsonObject().put("client_id", "cam-" + UUID.randomUUID())).expect(201).json()
        .getString("session_id");
    // another user's id in the path, and a forged JWT: refused
    try (WsProbe wrong = WsProbe.connect(cluster.port(0), "/ws/stream/" + session + "/someone-else", Map.of("Authorization", "Bearer " + jwt))) {
      assertThat(wrong.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(wrong.awaitClose(10_000)).isEqualTo((short) 4403);
    }
    try (WsProbe forged = WsProbe.connect(cluster.port(0), "/ws/stream/" + session + "/" + uid + "?access_token=" + jwt + "x")) {
      assertThat(forged.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(forged.awaitClose(10_000)).isEqualTo((short) 4401);
    }
    try (WsProbe ok = WsProbe.connect(cluster.port(1), "/ws/stream/" + session + "/" + uid, Map.of("Authorization", "Bearer " + jwt))) {
      long deadline = System.currentTimeMillis() + 10_000;
      while (!a.get("/sessions/" + session + "/operators", null).json().encode().contains(uid)) {
        assertThat(System.currentTimeMillis()).as("the signed-in operator is listed").isLessThan(deadline);
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000); // poll interval of the listing
      }
      assertThat(ok.isClosed()).isFalse();
    }
  }

  /** {@code path} posted with {@code X-Participant-ID: pid} and no token; answers status and error code. */
  static Api.Reply asParticipant(String path, String pid, JsonObject body) {
    java.net.http.HttpResponse<byte[]> r = io.chorus.testing.JdkHttp.exchange(cluster.port(1), "POST", path, null,
        Map.of("X-Participant-ID", pid, "Content-Type", "application/json"),
        java.net.http.HttpRequest.BodyPublishers.ofString(body.encode()), java.time.Duration.ofSeconds(30));
    return new Api.Reply(r.statusCode(), r.headers(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
  }

  static io.chorus.proto.room.RoomServiceGrpc.RoomServiceBlockingStub withApiKey() {
    return io.chorus.testing.GrpcClients.rooms(cluster.channel(1), cluster.node(1).config().security().grpcApiKey())
        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * An account's id belongs to the account: an anonymous client proposing it is refused on every transport (the
   * reported squat: a room created over REST with the account's id as host_id, then the account's signed-in join
   * merged into the squatter's member), and the account's own signed-in join is then its own member.
   */
  @Test
  void anAccountsIdCannotBeTakenWithoutSigningInAsIt() {
    String name = "sq" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject alice = a.newUser(name);
    String uid = alice.getJsonObject("user").getString("id");
    String jwt = alice.getString("access_token");

    // REST listen create with her id as host_id
    assertThat(a.post("/api/v1/listen/rooms", null, new JsonObject().put("track_url", "https://x/y.mp3").put("host_id", uid)
        .put("host_name", name)).error(403)).isEqualTo("forbidden");
    // the seed WebSocket without a token, in someone else's room, on either node
    String id = room();
    for (int node = 0; node < 2; node++) {
      try (WsProbe squat = WsProbe.connect(cluster.port(node), "/ws?room_id=" + id + "&user_id=" + uid + "&user_name=" + name)) {
        JsonObject err = squat.awaitType("error");
        assertThat(err.getString("code")).isEqualTo("forbidden");
        assertThat(err.getString("message")).contains("belongs to an account");
        assertThat(squat.awaitClose(10_000)).isEqualTo((short) 4403);
      }
    }
    // also with her id in upper case (PostgreSQL reads it as the same uuid)
    try (WsProbe squat = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&user_id=" + uid.toUpperCase())) {
      assertThat(squat.awaitClose(10_000)).isEqualTo((short) 4403);
    }
    // gRPC with the API key (a service acting for no user)
    var service = withApiKey();
    assertThat(codeOf(() -> service.createRoom(io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId(uid).setHostName(name)
        .setTrackUrl("https://x/y.mp3").build()))).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
    assertThat(codeOf(() -> service.joinRoom(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(id).setUserId(uid).build())))
        .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
    // the conference REST API with her id as X-Participant-ID
    assertThat(asParticipant("/api/v1/rooms", uid, new JsonObject().put("title", "squat").put("display_name", name)).error(403))
        .isEqualTo("forbidden");
    String conference = a.post("/api/v1/rooms", null, new JsonObject().put("title", "c").put("display_name", "Host")).expect(201).json()
        .getJsonObject("room").getString("id");
    assertThat(asParticipant("/api/v1/rooms/" + conference + "/join", uid, new JsonObject().put("display_name", name)).error(403))
        .isEqualTo("forbidden");

    // nothing of hers was taken: her signed-in join is a new member of her own
    try (WsProbe mine = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id, Map.of("Authorization", "Bearer " + jwt))) {
      JsonObject info = mine.awaitType("room_info");
      assertThat(info.getString("you")).isEqualTo(uid);
      assertThat(info.getInteger("user_count")).as("the host and her").isEqualTo(2);
    }
    // ordinary ids still join anonymously, also uuid-shaped ones that are nobody's account
    String stranger = UUID.randomUUID().toString();
    try (WsProbe anon = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&user_id=" + stranger);
         WsProbe named = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id + "&user_id=anon-" + name)) {
      assertThat(anon.awaitType("room_info").getString("you")).isEqualTo(stranger);
      assertThat(named.awaitType("room_info").getString("you")).isEqualTo("anon-" + name);
    }
    assertThat(a.post("/api/v1/listen/rooms", null, new JsonObject().put("track_url", "https://x/y.mp3").put("host_id", stranger))
        .expect(201).json().getString("host_id")).isEqualTo(stranger);
    // signed in, she creates listen rooms under her own id (a wave room needs its host to be the account), never another's
    assertThat(a.post("/api/v1/listen/rooms", jwt, new JsonObject().put("track_url", "https://x/y.mp3").put("host_id", uid))
        .expect(201).json().getString("host_id")).isEqualTo(uid);
    assertThat(a.post("/api/v1/listen/rooms", jwt, new JsonObject().put("track_url", "https://x/y.mp3"))
        .expect(201).json().getString("host_id")).as("host_id defaults to the account").isEqualTo(uid);
    String bob = a.newUser("sb" + UUID.randomUUID().toString().substring(0, 8)).getJsonObject("user").getString("id");
    assertThat(a.post("/api/v1/listen/rooms", jwt, new JsonObject().put("track_url", "https://x/y.mp3").put("host_id", bob))
        .error(403)).isEqualTo("forbidden");
    assertThat(a.post("/api/v1/listen/rooms", "not.a.token", new JsonObject().put("track_url", "https://x/y.mp3"))
        .error(401)).isEqualTo("unauthenticated");
    assertThat(service.joinRoom(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(id).setUserId("svc-" + name).build())
        .getUsersList()).contains("svc-" + name);
    assertThat(asParticipant("/api/v1/rooms/" + conference + "/join", stranger, new JsonObject().put("display_name", "S")).expect(200)
        .json().getJsonObject("participant").getString("participant_id")).isEqualTo(stranger);
  }

  /**
   * A member under an account's id that the account did not make (here put in the room state directly, as a room made
   * before the check, or by a trusted in-process caller, holds it) is never merged with the account's signed-in join:
   * the join is refused (4403 / PERMISSION_DENIED) and the member keeps its own token, host powers included.
   */
  @Test
  void aSignedInJoinNeverMergesIntoAMemberTheAccountDidNotMake() {
    String name = "sm" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject alice = a.newUser(name);
    String uid = alice.getJsonObject("user").getString("id");
    String jwt = alice.getString("access_token");
    // the room command as it reaches the room role, past the gateways' check
    io.chorus.room.RoomClient inside = new io.chorus.room.RoomClient(cluster.node(0).vertx().eventBus(), "test");
    String squatted = io.chorus.testing.TestServices.await(inside.create(io.chorus.proto.room.CreateRoomRequest.newBuilder()
        .setHostId(uid).setHostName(name).setTrackUrl("https://x/y.mp3").build(), false)).roomId();
    String other = room();
    io.chorus.testing.TestServices.await(inside.join(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(other).setUserId(uid)
        .setUserName(name).build(), false, true));
    for (String id : java.util.List.of(squatted, other)) {
      try (WsProbe mine = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id, Map.of("Authorization", "Bearer " + jwt))) {
        JsonObject err = mine.awaitType("error");
        assertThat(err.getString("code")).as("room %s", id).isEqualTo("forbidden");
        assertThat(err.getString("message")).contains("not signed in as the account");
        assertThat(mine.awaitClose(10_000)).isEqualTo((short) 4403);
      }
      assertThat(codeOf(() -> asUser(jwt).joinRoom(io.chorus.proto.room.JoinRoomRequest.newBuilder().setRoomId(id).build())))
          .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
    }
    // a member the account made itself is its own: a second tab and a gRPC re-join merge as before
    String own = asUser(jwt).createRoom(io.chorus.proto.room.CreateRoomRequest.newBuilder().setTrackUrl("https://x/y.mp3").build())
        .getRoomId();
    try (WsProbe tab = WsProbe.connect(cluster.port(0), "/ws?room_id=" + own, Map.of("Authorization", "Bearer " + jwt))) {
      JsonObject info = tab.awaitType("room_info");
      assertThat(info.getString("you")).isEqualTo(uid);
      assertThat(info.getInteger("user_count")).isEqualTo(1);
    }
  }
}

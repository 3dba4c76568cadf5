package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.bus.Addresses;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.StalledWsClient;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge protocol on its raw WebSocket transport ({@code /eventbus/websocket}, the frames of
 * {@code @vertx/eventbus-bridge-client.js}; the official client itself runs in BridgeClientTest):
 * every kind of bad frame gets its error and the socket goes on serving; frames are handled in
 * order; one event reaches every listening socket of the node; UNREGISTER stops it; a flood of bad
 * frames is answered frame by frame and loses nothing; a socket that stops pinging is closed; an
 * Origin outside CORS_ALLOWED_ORIGINS is refused; a user channel whose sign-in ends while it registers is ended.
 */
// RATE_LIMIT_BRIDGE_CONTROLS=0: aListenerThatNeverReadsIsClosedThenDropped fills a listener's buffers with a host's seeks
// (BridgeErrorNamesTest shows the limit)
@ChorusCluster(config = {"RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000", "RATE_LIMIT_BRIDGE_CONTROLS=0",
    "ADMIN_USERNAME=room-gap-admin", "ADMIN_PASSWORD=admin password for the room gap test"})
class BridgeProtocolTest {
  static ChorusNode node;
  static RoomClient rooms;
  static ParticipantTokens tokens;
  static int port;
  static String roomId;
  static Rest rest;

  @BeforeAll
  static void start(TestCluster cluster) {
    rest = cluster.rest();
    node = cluster.node();
    rooms = new RoomClient(node.vertx().eventBus(), "test");
    tokens = TestTokens.tokens();
    port = cluster.port();
    RoomState room = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("host-1")
        .setTrackUrl("https://example.com/t.mp3").build(), false));
    roomId = room.roomId();
    TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(roomId).setUserId("member-1")
        .setUserName("Max").build(), false, true));
  }

  static JsonObject next(WsProbe ws) {
    return new JsonObject(ws.nextBinary(5000));
  }

  static JsonObject clock(WsProbe ws, String replyAddress) {
    ws.send(new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", replyAddress)
        .put("body", new JsonObject().put("t0", 1)));
    return next(ws);
  }

  static JsonObject register(String room, String user) {
    return new JsonObject().put("type", "register").put("address", "client.room." + room)
        .put("headers", new JsonObject().put("token", tokens.issue(room, user, "participant")));
  }

  static JsonObject control(String user, String action) {
    return new JsonObject().put("type", "send").put("address", "client.room-control").put("replyAddress", "r-" + action)
        .put("headers", new JsonObject().put("token", tokens.issue(roomId, user, "participant")))
        .put("body", new JsonObject().put("room_id", roomId).put("action", action).put("position", 3));
  }

  @Test
  void everyBadFrameGetsItsErrorAndTheSocketGoesOn() {
    String longAddress = "client.room." + "A".repeat(130);
    // frame -> the error vertx-web's bridge gives for it
    List<Object[]> cases = List.of(
        new Object[] {"not json", "invalid_json"},
        new Object[] {"[1,2]", "invalid_json"},
        new Object[] {"{}", "missing_type"},
        new Object[] {"{\"type\":5}", "missing_type"},
        new Object[] {"{\"type\":\"send\"}", "missing_address"},
        new Object[] {"{\"type\":\"register\",\"address\":7}", "missing_address"},
        new Object[] {"{\"type\":\"launch\",\"address\":\"client.clock\"}", "invalid_type"},
        new Object[] {"{\"type\":\"publish\",\"address\":\"client.clock\",\"body\":{}}", "rejected"},
        new Object[] {"{\"type\":\"send\",\"address\":\"chorus.room.control\",\"body\":{}}", "access_denied"},
        new Object[] {"{\"type\":\"register\",\"address\":\"chorus.room.fanout.x\"}", "access_denied"},
        new Object[] {"{\"type\":\"unregister\",\"address\":\"client.clock\"}", "access_denied"},
        new Object[] {"{\"type\":\"register\",\"address\":\"" + longAddress + "\"}", "max_address_length_reached"},
        new Object[] {"{\"type\":\"send\",\"address\":\"client.clock\",\"replyAddress\":\"" + "x".repeat(37) + "\"}", "invalid_reply_address"},
        new Object[] {"{\"type\":\"send\",\"address\":\"client.clock\",\"body\":\"t0\"}", "invalid_body"},
        // a control without a token, and one with a token of a participant of another room
        new Object[] {"{\"type\":\"send\",\"address\":\"client.room-control\",\"body\":{\"room_id\":\"" + roomId + "\",\"action\":\"play\"}}", "rejected"},
        new Object[] {control("ghost", "play").put("headers", new JsonObject().put("token", tokens.issue("OTHER1", "host-1", "host"))).encode(), "rejected"},
        new Object[] {register(roomId, "ghost").encode(), "rejected"});
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      for (Object[] c : cases) {
        ws.sendText((String) c[0]);
      }
      // answered one by one, in order
      for (Object[] c : cases) {
        JsonObject err = next(ws);
        assertThat(err.getString("type")).as("reply to %s", c[0]).isEqualTo("err");
        assertThat(err.getString("body")).as("reply to %s", c[0]).isEqualTo(c[1]);
      }
      // a wrongly typed body with a reply address fails that request, with the bus error code
      ws.send(new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", "bad-body").put("body", 42));
      JsonObject failed = next(ws);
      assertThat(failed.getString("type")).isEqualTo("err");
      assertThat(failed.getString("address")).isEqualTo("bad-body");
      assertThat(failed.getInteger("failureCode")).isEqualTo(4000);
      // a member's control is refused by the room (not the host): the room's error code, nothing published
      ws.send(control("member-1", "play"));
      JsonObject forbidden = next(ws);
      assertThat(forbidden.getString("address")).isEqualTo("r-play");
      assertThat(forbidden.getInteger("failureCode")).isEqualTo(4030);
      // and the socket still serves
      JsonObject reply = clock(ws, "ok-1");
      assertThat(reply.getString("type")).isEqualTo("rec");
      assertThat(reply.getString("address")).isEqualTo("ok-1");
      assertThat(reply.getJsonObject("body").getInteger("t0")).isEqualTo(1);
      assertThat(ws.isClosed()).isFalse();
    }
  }

  @Test
  void oneEventReachesEveryListenerOfTheNodeUntilItUnregisters() {
    try (WsProbe a = WsProbe.connect(port, "/eventbus/websocket");
         WsProbe b = WsProbe.connect(port, "/eventbus/websocket");
         WsProbe host = WsProbe.connect(port, "/eventbus/websocket")) {
      a.send(register(roomId, "member-1"));
      a.send(register(roomId, "member-1"));
      b.send(register(roomId, "host-1"));
      // frames are handled in order: this reply proves both REGISTERs were settled
      assertThat(next(a)).isEqualTo(new JsonObject().put("type", "err").put("body", "address_already_registered"));
      assertThat(clock(a, "sync-a").getString("type")).isEqualTo("rec");
      assertThat(clock(b, "sync-b").getString("type")).isEqualTo("rec");

      host.send(control("host-1", "seek"));
      JsonObject ok = next(host);
      assertThat(ok.getString("address")).isEqualTo("r-seek");
      long version = ok.getJsonObject("body").getLong("version");
      for (WsProbe listener : List.of(a, b)) {
        JsonObject event = next(listener);
        assertThat(event.getString("type")).isEqualTo("rec");
        assertThat(event.getString("address")).isEqualTo("client.room." + roomId);
        assertThat(event.getJsonObject("body").getString("type")).isEqualTo("seek");
        assertThat(event.getJsonObject("body").getLong("version")).isEqualTo(version);
      }

      a.send(new JsonObject().put("type", "unregister").put("address", "client.room." + roomId));
      clock(a, "sync-a2");
      host.send(control("host-1", "pause"));
      assertThat(next(host).getString("type")).isEqualTo("rec");
      assertThat(next(b).getJsonObject("body").getString("type")).isEqualTo("pause");
      // b got the event, so it was written to the node's listeners; a's next frame is the clock reply
      assertThat(clock(a, "sync-a3").getString("address")).isEqualTo("sync-a3");
    }
  }

  @Test
  void aSocketListensToAtMostSixteenRooms() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      ids.add(TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("many-1")
          .setTrackUrl("https://example.com/m.mp3").build(), false)).roomId());
    }
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      ids.forEach(id -> ws.send(register(id, "many-1")));
      JsonObject err = next(ws);
      assertThat(err.getString("body")).isEqualTo("max_handlers_reached");
      // the first 16 hold: leaving one makes room for the 17th
      ws.send(new JsonObject().put("type", "unregister").put("address", "client.room." + ids.get(0)));
      ws.send(register(ids.get(16), "many-1"));
      JsonObject after = clock(ws, "after");
      assertThat(after.getString("address")).as("no error before the reply: %s", after).isEqualTo("after");
    }
  }

  @Test
  void aFloodOfBadFramesIsAnsweredFrameByFrameAndLosesNothing() {
    int n = 3000;
    try (WsProbe flood = WsProbe.connect(port, "/eventbus/websocket");
         WsProbe other = WsProbe.connect(port, "/eventbus/websocket")) {
      // a REGISTER first: its membership check is asynchronous, so the flood queues up behind it
      // (beyond 32 frames the socket is paused) and is answered in order afterwards
      flood.send(register(roomId, "member-1"));
      for (int i = 0; i < n; i++) {
        flood.sendTextAsync(i % 2 == 0 ? "{oops" : "{\"type\":\"ping\",\"address\":1}");
      }
      flood.send(new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", "last")
          .put("body", new JsonObject().put("t0", 7)));
      // the other socket is served meanwhile
      assertThat(clock(other, "other").getString("type")).isEqualTo("rec");
      for (int i = 0; i < n / 2; i++) {
        assertThat(next(flood).getString("body")).as("frame %d", i * 2).isEqualTo("invalid_json");
      }
      JsonObject last = next(flood);
      assertThat(last.getString("address")).as("pings are not answered; the request after the flood is").isEqualTo("last");
      assertThat(last.getJsonObject("body").getInteger("t0")).isEqualTo(7);
    }
  }

  @Test
  void aSilentSocketIsClosedAndOneThatPingsIsKept() throws Exception {
    ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
    try (WsProbe silent = WsProbe.connect(port, "/eventbus/websocket");
         WsProbe pinging = WsProbe.connect(port, "/eventbus/websocket")) {
      pinger.scheduleAtFixedRate(() -> pinging.sendTextAsync("{\"type\":\"ping\"}"), 0, 2, TimeUnit.SECONDS);
      // the sweep runs every PING_TIMEOUT_MS / 2, so a silent socket goes within 1.5 timeouts
      silent.awaitClose(RoomBridge.PING_TIMEOUT_MS * 3);
      assertThat(pinging.isClosed()).isFalse();
      assertThat(clock(pinging, "alive").getString("address")).isEqualTo("alive");
    } finally {
      pinger.shutdownNow();
    }
  }

  @Test
  void closedSocketsLeaveNoSubscriptionBehind() {
    WsProbe a = WsProbe.connect(port, "/eventbus/websocket");
    WsProbe b = WsProbe.connect(port, "/eventbus/websocket");
    a.send(register(roomId, "member-1"));
    b.send(register(roomId, "host-1"));
    clock(a, "sync-a");
    clock(b, "sync-b");
    assertThat(metric("chorus_bridge_sockets")).isGreaterThanOrEqualTo(2);
    assertThat(metric("chorus_bridge_rooms")).isGreaterThanOrEqualTo(1);
    a.close();
    b.close();
    a.awaitClose(5000);
    b.awaitClose(5000);
    // the server sees the closes asynchronously: wait (bounded) for its gauges to come back to zero
    long deadline = System.currentTimeMillis() + 10_000;
    while ((metric("chorus_bridge_sockets") != 0 || metric("chorus_bridge_rooms") != 0) && System.currentTimeMillis() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(metric("chorus_bridge_sockets")).isZero();
    assertThat(metric("chorus_bridge_rooms")).as("the room's cluster subscription is dropped with its last socket").isZero();
  }

  /** A meter as the node exposes it on /metrics. */
  static double metric(String name) {
    return TestServices.metric(port, name);
  }

  /** Any member may send ready (api.md); a participant who has left is refused like its other controls (forbidden, 4030). */
  @Test
  void aReadyFromAParticipantWhoHasLeftIsRefused() {
    String room = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("host-r")
        .setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    for (String user : List.of("stays", "leaver")) {
      TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(room).setUserId(user).setUserName(user).build(), false, true));
    }
    TestServices.await(rooms.leave(LeaveRoomRequest.newBuilder().setRoomId(room).setUserId("leaver").build(), false));
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      ws.send(ready(room, "stays"));
      JsonObject ok = next(ws);
      assertThat(ok.getString("type")).as(ok.encode()).isEqualTo("rec");
      assertThat(ok.getJsonObject("body").getBoolean("ok")).isTrue();
      for (String user : List.of("leaver", "ghost")) {
        ws.send(ready(room, user));
        JsonObject refused = next(ws);
        assertThat(refused.getString("type")).as("%s: %s", user, refused.encode()).isEqualTo("err");
        assertThat(refused.getString("address")).isEqualTo("r-ready-" + user);
        assertThat(refused.getInteger("failureCode")).as("%s: %s", user, refused.encode()).isEqualTo(4030);
        // as its other controls
        ws.send(control(user, "play").put("replyAddress", "r-play-" + user)
            .put("headers", new JsonObject().put("token", tokens.issue(room, user, "participant")))
            .put("body", new JsonObject().put("room_id", room).put("action", "play")));
        assertThat(next(ws).getInteger("failureCode")).isEqualTo(4030);
      }
    }
  }

  /**
   * A room-control SEND of a type the room does not take fails {@code unknown_type} (4002), as the same message on /ws
   * does; a type that is not a string is a wrong field type (4000). It used to fail 4000 for both.
   */
  @Test
  void aControlOfAnUnknownTypeFailsUnknownType() {
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      ws.send(control("host-1", "ping").put("replyAddress", "r-unknown")
          .put("body", new JsonObject().put("room_id", roomId).put("type", "ping")));
      JsonObject unknown = next(ws);
      assertThat(unknown.getString("type")).as(unknown.encode()).isEqualTo("err");
      assertThat(unknown.getString("address")).isEqualTo("r-unknown");
      assertThat(unknown.getInteger("failureCode")).as(unknown.encode()).isEqualTo(4002);
      ws.send(control("host-1", "typed").put("replyAddress", "r-typed")
          .put("body", new JsonObject().put("room_id", roomId).put("type", 5)));
      JsonObject typed = next(ws);
      assertThat(typed.getString("address")).isEqualTo("r-typed");
      assertThat(typed.getInteger("failureCode")).as(typed.encode()).isEqualTo(4000);
    }
  }

  /**
   * A host's controls sent over one bridge socket are applied in the order sent, as /ws applies its messages: with a
   * consumer of client.room-control on every event loop, the bus handed a socket's SENDs to them in turn and sixteen seeks
   * sent back to back were applied as seek 2, 4, 6, …, 1, 3, 5 (the room ended wherever the last one applied happened
   * to point). Each reply's version is the room's version after its seek: they rise with the seeks' order.
   */
  @Test
  @ChorusCluster(config = {"GATEWAY_INSTANCES=4", "RATE_LIMIT_BRIDGE_CONTROLS=0"})
  void aHostsControlsOverTheBridgeApplyInTheOrderSent(TestCluster loops) {
    RoomClient client = new RoomClient(loops.node().vertx().eventBus(), "test");
    String room = TestServices.await(client.create(CreateRoomRequest.newBuilder().setHostId("host-o")
        .setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    String token = tokens.issue(room, "host-o", "participant");
    int seeks = 16;   // the most requests a socket may have awaiting their replies
    try (WsProbe ws = WsProbe.connect(loops.port(), "/eventbus/websocket")) {
      for (int i = 1; i <= seeks; i++) {
        ws.send(new JsonObject().put("type", "send").put("address", "client.room-control").put("replyAddress", "seek-" + i)
            .put("headers", new JsonObject().put("token", token))
            .put("body", new JsonObject().put("room_id", room).put("action", "seek").put("position", i)));
      }
      Map<Integer, Long> versions = new java.util.TreeMap<>();
      for (int i = 0; i < seeks; i++) {
        JsonObject reply = next(ws);
        assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
        versions.put(Integer.parseInt(reply.getString("address").substring("seek-".length())), reply.getJsonObject("body").getLong("version"));
      }
      assertThat(versions).hasSize(seeks);
      assertThat(new ArrayList<>(versions.values())).as("the versions of seek 1..%d", seeks).isSorted();
    }
    assertThat(TestServices.await(client.get(room)).positionMs()).isEqualTo(seeks * 1000L);
  }

  /** The bridge's room-control takes transfer_host {user_id} as /ws does: the host only, to a member now. */
  @Test
  void theHostHandsOverTheHostRoleOverTheBridge() {
    String room = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("host-x")
        .setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(room).setUserId("next-x").setUserName("N").build(), false, true));
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      ws.send(transfer(room, "next-x", "next-x"));
      assertThat(next(ws).getInteger("failureCode")).isEqualTo(4030);
      ws.send(transfer(room, "host-x", "ghost-x"));
      assertThat(next(ws).getInteger("failureCode")).isEqualTo(4040);
      ws.send(transfer(room, "host-x", "next-x"));
      JsonObject ok = next(ws);
      assertThat(ok.getString("type")).as(ok.encode()).isEqualTo("rec");
      assertThat(ok.getJsonObject("body").getBoolean("ok")).isTrue();
    }
    assertThat(TestServices.await(rooms.get(room)).hostId()).isEqualTo("next-x");
  }

  static JsonObject transfer(String room, String user, String to) {
    return new JsonObject().put("type", "send").put("address", "client.room-control").put("replyAddress", "r-xfer-" + user)
        .put("headers", new JsonObject().put("token", tokens.issue(room, user, "participant")))
        .put("body", new JsonObject().put("room_id", room).put("type", "transfer_host").put("user_id", to));
  }

  /**
   * Room ids are case-insensitive: a REGISTER to client.room.<id in lower case> with a valid token listens to the room
   * (it was rejected), its events come under the address registered (the client library matches handlers by it), and
   * the member's leave ends it as it ends the upper-case one.
   */
  @Test
  void aRoomIdInLowerCaseRegistersToTheSameRoom() {
    String room = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("host-l")
        .setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(room).setUserId("low-1").setUserName("L").build(), false, true));
    String lower = "client.room." + room.toLowerCase(java.util.Locale.ROOT);
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      ws.send(new JsonObject().put("type", "register").put("address", lower)
          .put("headers", new JsonObject().put("token", tokens.issue(room, "low-1", "participant"))));
      JsonObject settled = clock(ws, "settled");
      assertThat(settled.getString("address")).as("no error before the reply: %s", settled).isEqualTo("settled");
      ws.send(new JsonObject().put("type", "send").put("address", "client.room-control").put("replyAddress", "r-low")
          .put("headers", new JsonObject().put("token", tokens.issue(room, "host-l", "host")))
          .put("body", new JsonObject().put("room_id", room).put("action", "play")));
      JsonObject event = null;
      for (int i = 0; i < 2; i++) {   // the control's reply and the event, in either order
        JsonObject f = next(ws);
        if (!"r-low".equals(f.getString("address"))) {
          event = f;
        }
      }
      assertThat(event).isNotNull();
      assertThat(event.getString("type")).as(event.encode()).isEqualTo("rec");
      assertThat(event.getString("address")).isEqualTo(lower);
      assertThat(event.getJsonObject("body").getString("type")).isEqualTo("play");
      TestServices.await(rooms.leave(LeaveRoomRequest.newBuilder().setRoomId(room).setUserId("low-1").build(), false));
      JsonObject ended = next(ws);
      while ("rec".equals(ended.getString("type"))) {   // the member's own user_left may come first
        ended = next(ws);
      }
      assertThat(ended.getString("type")).as(ended.encode()).isEqualTo("err");
      assertThat(ended.getString("address")).isEqualTo(lower);
      assertThat(ended.getInteger("failureCode")).isEqualTo(4030);
    }
  }

  static JsonObject ready(String room, String user) {
    return new JsonObject().put("type", "send").put("address", "client.room-control").put("replyAddress", "r-ready-" + user)
        .put("headers", new JsonObject().put("token", tokens.issue(room, user, "participant")))
        .put("body", new JsonObject().put("room_id", room).put("type", "ready").put("track_version", 0));
  }

  /**
   * Another origin's upgrade is refused with 403 on both WebSocket transports (the raw one and SockJS's session one), as
   * the HTTP transports are: it used to be accepted (101) and closed once open.
   */
  @Test
  @ChorusCluster(config = "CORS_ALLOWED_ORIGINS=https://chorus.example")
  void onlyTheConfiguredOriginsMayOpenABridgeSocket(TestCluster strict) throws Exception {
    int strictPort = strict.port();
    for (String path : List.of("/eventbus/websocket", "/eventbus/000/" + java.util.UUID.randomUUID().toString().replace("-", "") + "/websocket")) {
      java.util.concurrent.CompletionException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
          () -> java.net.http.HttpClient.newHttpClient().newWebSocketBuilder().header("Origin", "https://evil.example")
              .buildAsync(java.net.URI.create("ws://127.0.0.1:" + strictPort + path), new java.net.http.WebSocket.Listener() { })
              .join(),
          java.util.concurrent.CompletionException.class);
      assertThat(refused).as("the upgrade of %s from another origin is refused", path).isNotNull();
      assertThat(refused.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
      java.net.http.HttpResponse<?> answer = ((java.net.http.WebSocketHandshakeException) refused.getCause()).getResponse();
      assertThat(answer.statusCode()).as(path).isEqualTo(403);
      assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).as(path).isEmpty();
    }
    try (WsProbe good = WsProbe.connect(strictPort, "/eventbus/websocket", Map.of("Origin", "https://chorus.example"))) {
      assertThat(clock(good, "good").getString("address")).isEqualTo("good");
      assertThat(good.isClosed()).isFalse();
    }
  }

  /**
   * A listener that never reads (4 KiB receive buffer): once its kernel buffers and write queue are
   * full it is closed (1013), and since that close frame cannot get out either, its connection is
   * dropped after SocketDrop's grace; the host and the room go on.
   */
  @Test
  void aListenerThatNeverReadsIsClosedThenDropped() throws Exception {
    double slowBefore = metric("chorus_bridge_slow_sockets_closed_total");
    double droppedBefore = metric("chorus_ws_dropped_total");
    try (StalledWsClient listener = StalledWsClient.open(port, "/eventbus/websocket");
         WsProbe host = WsProbe.connect(port, "/eventbus/websocket")) {
      listener.sendText(register(roomId, "member-1").encode());
      listener.sendText(new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", "sync")
          .put("body", new JsonObject().put("t0", 1)).encode());
      // the clock reply proves the REGISTER settled (frames are handled in order); nothing is read after it
      assertThat(new JsonObject(io.vertx.core.buffer.Buffer.buffer(listener.readFrame())).getString("address")).isEqualTo("sync");
      // the host seeks until the node gives up on the listener
      int seeks = 0;
      while (metric("chorus_bridge_slow_sockets_closed_total") <= slowBefore) {
        // a bound, not a measure: how many frames fill the kernel's buffers and the write queue depends on
        // the send buffer's autotuning, and on a loaded machine superseded versions are skipped (fewer frames)
        assertThat(seeks).as("seeks before the node closed the listener that never reads").isLessThan(400_000);
        for (int k = 0; k < 500; k++, seeks++) {
          JsonObject seek = control("host-1", "seek");
          seek.remove("replyAddress"); // fire and forget
          seek.getJsonObject("body").put("position", seeks);
          host.sendTextAsync(seek.encode());
        }
        // flow control: the reply to a last seek comes once the node has run it (and, in order, the batch)
        host.send(control("host-1", "seek").put("replyAddress", "h" + seeks));
        assertThat(next(host).getString("address")).isEqualTo("h" + seeks);
      }
      TestServices.awaitMetricAbove(port, "chorus_ws_dropped_total", droppedBefore, io.chorus.realtime.SocketDrop.GRACE_MS + 20_000);
      assertThat(metric("chorus_ws_dropped_total")).as("the node dropped the listener's connection").isEqualTo(droppedBefore + 1);
      assertThat(listener.readToEnd().closeFrame()).as("the close frame was stuck behind the queue").isFalse();
      // the host's socket still works
      assertThat(clock(host, "host-after").getString("type")).isEqualTo("rec");
    }
  }

  /**
   * The account is disabled, or the sign-in session ends, after a REGISTER to the user's channel had its token checked
   * and before the registration listens for those events (held there by the test hook until the event has been handled
   * on its loop): the event finds no registration, the re-check once it is made ends it (err 4030 / 4010). Accounts
   * and the gate are RoomSocketTest's.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aUserChannelWhoseSignInEndedWhileItRegisteredIsEnded(boolean disable) {
    JsonObject user = RoomSocketTest.newUser(rest, port);
    String uid = user.getJsonObject("user").getString("id");
    String jwt = user.getString("access_token");
    String address = "client.user." + uid;
    CompletableFuture<Void> held = new CompletableFuture<>();
    BridgeSession.BEFORE_LISTEN.hold(who -> uid.equals(who.userId())
        ? RoomSocketTest.untilHeard(disable ? Addresses.USER_DISABLED : Addresses.USER_SESSIONS_REVOKED, uid, held)
        : Future.succeededFuture());
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      ws.send(new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("access_token", jwt)));
      held.orTimeout(10, TimeUnit.SECONDS).join();
      BridgeSession.BEFORE_LISTEN.hold(null);
      RoomSocketTest.end(rest, port, disable, uid, jwt);
      JsonObject err = new JsonObject(ws.nextBinary(10_000));
      assertThat(err.getString("type")).as(err.encode()).isEqualTo("err");
      assertThat(err.getString("address")).isEqualTo(address);
      assertThat(err.getInteger("failureCode")).isEqualTo(disable ? 4030 : 4010);
    } finally {
      BridgeSession.BEFORE_LISTEN.hold(null);
    }
  }

  /**
   * A client that sends frames and never reads the answers: every bad frame's err frame was written straight to the
   * socket, so 3 M one-byte frames held 1.8 GB of a node's heap and the socket stayed open. A socket whose answers back
   * up is no longer read (TCP back-pressure); silent, it is closed after 10 s and, its close stuck, dropped 5 s later.
   */
  @Test
  void aSocketThatSendsButDoesNotReadItsAnswersIsClosed() {
    try (WsProbe ws = WsProbe.connect(port, "/eventbus/websocket")) {
      // 200-byte frames: what the client sends must outgrow the loopback's socket buffers (several MB each way) long
      // before its last frame, or a client that sent everything would start reading, take the close and see 1000
      ws.sendWithoutReading("x".repeat(200), 1_000_000);
      assertThat(ws.awaitClose(30_000)).as("dropped").isEqualTo((short) 1006);
    }
  }
}

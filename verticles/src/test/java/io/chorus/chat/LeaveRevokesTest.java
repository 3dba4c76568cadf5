package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.bus.Addresses;
import io.chorus.gateway.NodePorts;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.RoomServiceGrpc;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A participant who leaves a room — REST or gRPC leave on one node, or closing the seed /ws — stops reading
 * its chat at once on every node: its /ws/chat socket on the other node gets an error and closes
 * (4403), its bridge registration there gets an err for the room's address (4030) and no later event.
 * A token that expires ends the same subscriptions (4401 / 4010): tokens are checked only when the
 * subscription is made. A signed-in member's socket ends (4401) when its sign-in session ends, also while it opens.
 */
@ChorusCluster(nodes = 2, config = {
    "RATE_LIMIT_CHAT_MESSAGES=0",
    "RATE_LIMIT_ROOM_REQUESTS=0",
    "RATE_LIMIT_ROOM_CREATE=0",
    "GRPC_API_KEY=test-key",
    "RATE_LIMIT_REGISTER=100000"})
class LeaveRevokesTest {
  static TestCluster cluster;
  static List<ChorusNode> nodes;
  static Rest rest;

  static JsonObject post(int node, String path, String token, JsonObject body) {
    return rest.postOk(cluster.port(node), path, token, body);
  }

  static WsProbe chat(int node, String id, String token) {
    WsProbe ws = WsProbe.connect(cluster.port(node), "/ws/chat/" + id + "?token=" + token);
    ws.awaitType("synced");
    return ws;
  }

  /** A raw bridge socket registered to the room (the reply to a later request proves the REGISTER took). */
  static WsProbe bridge(int node, String id, String token) {
    WsProbe ws = WsProbe.connect(cluster.port(node), "/eventbus/websocket");
    ws.send(new JsonObject().put("type", "register").put("address", "client.chat." + id)
        .put("headers", new JsonObject().put("token", token)));
    settle(ws, "sync-0");
    return ws;
  }

  static void settle(WsProbe ws, String replyAddress) {
    ws.send(new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", replyAddress)
        .put("body", new JsonObject().put("t0", 1)));
    JsonObject reply = nextBridge(ws, 10_000);
    assertThat(reply.getString("address")).as("the next frame is the reply: %s", reply).isEqualTo(replyAddress);
  }

  static JsonObject nextBridge(WsProbe ws, long timeoutMs) {
    return new JsonObject(ws.nextBinary(timeoutMs));
  }

  /** The next bridge frame that is not a room event (or is the given chat message). */
  static JsonObject nextBridgeMatching(WsProbe ws, java.util.function.Predicate<JsonObject> match) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      JsonObject f = nextBridge(ws, Math.max(1, deadline - System.currentTimeMillis()));
      if (match.test(f)) {
        return f;
      }
    }
  }

  static boolean isMessage(JsonObject bridgeFrame, String content) {
    JsonObject body = bridgeFrame.getJsonObject("body");
    return body != null && "message_created".equals(body.getString("type"))
        && content.equals(body.getJsonObject("message", new JsonObject()).getString("content"));
  }

  @Test
  void leavingClosesTheChatSocketAndTheBridgeRegistrationOnTheOtherNode() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "leave").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    String host = c.getString("token");
    String bob = post(0, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Bob")).getString("token");
    String carol = post(0, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Carol")).getString("token");

    // Bob and Carol read the room on node 1, through /ws/chat and through the bridge
    try (WsProbe bobChat = chat(1, id, bob); WsProbe carolChat = chat(1, id, carol);
         WsProbe bobBridge = bridge(1, id, bob); WsProbe carolBridge = bridge(1, id, carol)) {
      post(0, "/api/v1/rooms/" + id + "/leave", bob, null);

      JsonObject err = bobChat.awaitType("error");
      assertThat(err.getString("code")).isEqualTo("forbidden");
      assertThat(bobChat.awaitClose(10_000)).isEqualTo((short) 4403);
      JsonObject revoked = nextBridgeMatching(bobBridge, f -> "err".equals(f.getString("type")));
      assertThat(revoked.getString("address")).isEqualTo("client.chat." + id);
      assertThat(revoked.getInteger("failureCode")).isEqualTo(4030);

      // a message posted after the leave: Carol (still a member, same node) gets it on both...
      post(0, "/api/v1/rooms/" + id + "/chat/messages", host, new JsonObject().put("content", "after bob left"));
      JsonObject seen = carolChat.await(m -> "message_created".equals(m.getString("type"))
          && "after bob left".equals(m.getJsonObject("message").getString("content")), 10_000);
      assertThat(seen).isNotNull();
      nextBridgeMatching(carolBridge, f -> isMessage(f, "after bob left"));
      // ...so it was written to node 1's listeners; Bob's socket still serves, and nothing of the room
      // came to it before this reply
      settle(bobBridge, "sync-after");
      assertThat(bobBridge.isClosed()).isFalse();
    }
  }

  @Test
  void closingTheSeedSocketLeavesAndEndsTheChatSocket() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "seed").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    WsProbe seed = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&user_id=dave&user_name=Dave");
    String dave = seed.awaitType("room_info").getString("token");
    assertThat(dave).isNotBlank();
    try (WsProbe daveChat = chat(1, id, dave)) {
      seed.close();
      assertThat(daveChat.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(daveChat.awaitClose(10_000)).isEqualTo((short) 4403);
    }
  }

  @Test
  void aGrpcLeaveEndsTheSubscriptionsOnTheOtherNode() throws Exception {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "grpc").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    JsonObject joined = post(0, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Frank"));
    String frank = joined.getString("token");
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", NodePorts.grpc(nodes.get(0).vertx())).usePlaintext().build();
    try (WsProbe chatWs = chat(1, id, frank); WsProbe bridgeWs = bridge(1, id, frank)) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), "test-key");
      RoomServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
          .withDeadlineAfter(30, TimeUnit.SECONDS).leaveRoom(LeaveRoomRequest.newBuilder()
          .setRoomId(id).setUserId(joined.getJsonObject("participant").getString("participant_id")).build());
      assertThat(chatWs.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(chatWs.awaitClose(10_000)).isEqualTo((short) 4403);
      JsonObject revoked = nextBridgeMatching(bridgeWs, f -> "err".equals(f.getString("type")));
      assertThat(revoked.getString("address")).isEqualTo("client.chat." + id);
      assertThat(revoked.getInteger("failureCode")).isEqualTo(4030);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anExpiringTokenEndsTheSubscriptionsItOpened() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "expiry").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    JsonObject joined = post(0, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Erin"));
    String erin = joined.getJsonObject("participant").getString("participant_id");
    // the same participant, with a token signed by the nodes' secret that expires in 3 s
    String shortLived = TestTokens.tokens(3_000).issue(id, erin, "participant");
    long issued = System.currentTimeMillis();
    try (WsProbe chatWs = chat(1, id, shortLived); WsProbe bridgeWs = bridge(1, id, shortLived)) {
      assertThat(chatWs.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(chatWs.awaitClose(10_000)).isEqualTo((short) 4401);
      JsonObject revoked = nextBridgeMatching(bridgeWs, f -> "err".equals(f.getString("type")));
      assertThat(revoked.getString("address")).isEqualTo("client.chat." + id);
      assertThat(revoked.getInteger("failureCode")).isEqualTo(4010);
      assertThat(System.currentTimeMillis() - issued).as("ended at the token's expiry, not before").isGreaterThanOrEqualTo(2_900);
    }
  }

  /**
   * A signed-in member's chat socket whose sign-in session ends after its token and membership were checked and
   * before it is registered for the sign-out event (held there by the test hook until the event has been handled on
   * its loop): the event finds no socket to end, the re-check after the registration ends it.
   */
  @Test
  void aSessionThatEndsWhileTheSocketOpensEndsIt() {
    JsonObject user = post(0, "/api/v1/auth/register", null,
        new JsonObject().put("username", "gap" + UUID.randomUUID().toString().substring(0, 8)).put("password", "correct horse battery staple"));
    String uid = user.getJsonObject("user").getString("id");
    String jwt = user.getString("access_token");
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "gap").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    post(0, "/api/v1/rooms/" + id + "/join", jwt, new JsonObject().put("display_name", "Member"));
    CompletableFuture<Void> held = new CompletableFuture<>();
    ChatSocketHandler.BEFORE_ATTACH.hold(m -> {
      if (!uid.equals(m.userId())) {
        return Future.succeededFuture();
      }
      // released once the sign-out event reaches this loop: a consumer registered here after the handler's own gets
      // each event after it, so the handler has already looked for the (not yet registered) socket
      Promise<Void> go = Promise.promise();
      MessageConsumer<JsonObject> seen = Vertx.currentContext().owner().eventBus().consumer(Addresses.USER_SESSIONS_REVOKED, e -> {
        if (uid.equals(e.body().getString("user_id"))) {
          go.tryComplete();
        }
      });
      seen.completion().onComplete(x -> held.complete(null));
      return go.future().eventually(seen::unregister);
    });
    try (WsProbe ws = WsProbe.connect(cluster.port(1), "/ws/chat/" + id, Map.of("Authorization", "Bearer " + jwt))) {
      held.orTimeout(10, TimeUnit.SECONDS).join();
      ChatSocketHandler.BEFORE_ATTACH.hold(null);
      assertThat(rest.post(cluster.port(0), "/api/v1/auth/logout", jwt, null).status()).isEqualTo(204);
      assertThat(ws.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(ws.awaitClose(10_000)).isEqualTo((short) 4401);
    } finally {
      ChatSocketHandler.BEFORE_ATTACH.hold(null);
    }
  }
}

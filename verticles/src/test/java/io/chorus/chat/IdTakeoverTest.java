package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.RoomResponse;
import io.chorus.proto.room.RoomServiceGrpc;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomStore;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.GrpcClients;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14 item 2: an id once used in a room stays bound to its holder's participant token for the
 * room's life. A departed participant's id (visible to every member) cannot be taken over by a join
 * without that token, on REST, the seed WebSocket or gRPC; the holder re-joins with the token.
 */
@ChorusCluster(config = {
    "RATE_LIMIT_ROOM_CREATE=100000",
    "GRPC_API_KEY=test-key",
    "ROOM_CLEANUP_INTERVAL_SECONDS=86400"})
class IdTakeoverTest {
  static TestCluster cluster;
  static ChorusNode node;
  static Vertx client;
  static Rest rest;
  static RedisAPI redis;
  static ManagedChannel channel;
  static RoomServiceGrpc.RoomServiceBlockingStub grpc;

  @BeforeAll
  static void start(TestCluster cluster) {
    channel = cluster.channel();
    grpc = GrpcClients.rooms(channel, "test-key");
  }

  private static Rest.Reply join(String roomId, String token, String pid, String name) {
    return rest.call(HttpMethod.POST, cluster.port(), "/api/v1/rooms/" + roomId + "/join", token, pid, new JsonObject().put("display_name", name));
  }

  private static String path(String roomId, String rest) {
    return "/api/v1/rooms/" + roomId + rest;
  }

  @Test
  void restTokenlessJoinCannotTakeADepartedParticipantsId() {
    Rest.Reply created = rest.call(HttpMethod.POST, cluster.port(), "/api/v1/rooms", null, "host-a",
        new JsonObject().put("title", "Takeover").put("display_name", "Ann"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getJsonObject("room").getString("id");

    Rest.Reply bob = join(id, null, "bob", "Bob");
    assertThat(bob.status()).as(bob.body()).isEqualTo(200);
    String bobToken = bob.json().getString("token");
    Rest.Reply posted = rest.post(cluster.port(), path(id, "/chat/messages"), bobToken, new JsonObject().put("content", "Bob's words"));
    assertThat(posted.status()).as(posted.body()).isEqualTo(201);
    String messageId = posted.json().getString("id");
    Rest.Reply left = rest.post(cluster.port(), path(id, "/leave"), bobToken, null);
    assertThat(left.status()).as(left.body()).isEqualTo(200);

    // the departed id without its token: refused like an id that is in the room now
    assertThat(join(id, null, "bob", "Mallory").errorCode(409)).isEqualTo("already_exists");

    // every token an attacker can get: an anonymous join gets a fresh id, which may not touch Bob's message
    Rest.Reply mallory = join(id, null, null, "Mallory");
    assertThat(mallory.status()).as(mallory.body()).isEqualTo(200);
    String malloryId = mallory.json().getJsonObject("participant").getString("participant_id");
    assertThat(malloryId).isNotEqualTo("bob");
    String malloryToken = mallory.json().getString("token");
    assertThat(rest.call(HttpMethod.PUT, cluster.port(), path(id, "/chat/messages/" + messageId), malloryToken, null,
        new JsonObject().put("content", "hijacked")).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.PUT, cluster.port(), path(id, "/chat/messages/" + messageId), malloryToken, "bob",
        new JsonObject().put("content", "hijacked")).errorCode(403)).isEqualTo("forbidden");
    assertThat(rest.call(HttpMethod.DELETE, cluster.port(), path(id, "/chat/messages/" + messageId), malloryToken, null, null)
        .errorCode(403)).isEqualTo("forbidden");
    // nor does another participant's token (here the host's) open the id
    assertThat(join(id, created.json().getString("token"), "bob", "Mallory").errorCode(403)).isEqualTo("forbidden");

    // Bob, with his own token, re-joins under his id and still owns his message
    Rest.Reply back = join(id, bobToken, null, "Bob");
    assertThat(back.status()).as(back.body()).isEqualTo(200);
    assertThat(back.json().getJsonObject("participant").getString("participant_id")).isEqualTo("bob");
    Rest.Reply edited = rest.call(HttpMethod.PUT, cluster.port(), path(id, "/chat/messages/" + messageId), bobToken, null,
        new JsonObject().put("content", "Bob's words, edited"));
    assertThat(edited.status()).as(edited.body()).isEqualTo(200);
    assertThat(edited.json().getString("content")).isEqualTo("Bob's words, edited");
    Rest.Reply page = rest.get(cluster.port(), path(id, "/chat/messages"), bobToken);
    assertThat(page.json().getJsonArray("messages").stream().map(o -> ((JsonObject) o).getString("content")))
        .contains("Bob's words, edited").doesNotContain("hijacked");

    // the record lives as long as the room's other keys
    long roomTtl = TestServices.await(redis.ttl(RoomStore.key(id))).toLong();
    long idsTtl = TestServices.await(redis.ttl("room:{" + id + "}:ids")).toLong();
    assertThat(idsTtl).isPositive().isCloseTo(roomTtl, org.assertj.core.data.Offset.offset(5L));
  }

  @Test
  void seedSocketTokenlessConnectCannotTakeADepartedParticipantsId() {
    String id = TestServices.await(new RoomClient(node.vertx().eventBus(), "test").create(CreateRoomRequest.newBuilder()
        .setHostId("host-w").setHostName("Host").setTrackUrl("https://example.com/track.mp3").build(), false)).roomId();
    String bobToken;
    try (WsProbe bob = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=bob&user_name=Bob")) {
      JsonObject info = bob.awaitType("room_info");
      bobToken = info.getString("token");
      assertThat(bobToken).isNotBlank();
    }
    awaitGone(id, "bob");

    try (WsProbe mallory = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=bob&user_name=Mallory")) {
      assertThat(mallory.awaitType("error").getString("code")).isEqualTo("already_exists");
      assertThat(mallory.awaitClose(10_000)).isEqualTo((short) 4409);
    }
    assertThat(TestServices.await(new RoomClient(node.vertx().eventBus(), "test").get(id)).users()).doesNotContain("bob");

    try (WsProbe bob = WsProbe.connect(cluster.port(), "/ws?room_id=" + id + "&user_id=bob&user_name=Bob&token=" + bobToken)) {
      JsonObject info = bob.awaitType("room_info");
      assertThat(info.getString("you")).isEqualTo("bob");
      assertThat(info.containsKey("token")).isFalse();
      assertThat(info.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("id"))).contains("bob");
    }
  }

  /** gRPC callers hold the API key but get no way around the binding either: JoinRoom mints a token for the id. */
  @Test
  void grpcJoinRoomCannotTakeADepartedParticipantsId() {
    RoomResponse room = grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("host-g").setTrackUrl("https://example.com/t.mp3").build());
    grpc.joinRoom(JoinRoomRequest.newBuilder().setRoomId(room.getRoomId()).setUserId("bob").build());
    grpc.leaveRoom(LeaveRoomRequest.newBuilder().setRoomId(room.getRoomId()).setUserId("bob").build());
    assertThatThrownBy(() -> grpc.joinRoom(JoinRoomRequest.newBuilder().setRoomId(room.getRoomId()).setUserId("bob").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.ALREADY_EXISTS));
    // a new id still joins
    assertThat(grpc.joinRoom(JoinRoomRequest.newBuilder().setRoomId(room.getRoomId()).setUserId("carol").build()).getUsersList())
        .contains("carol");
  }

  /** A room stored before the id record existed starts it with the ids it still knows, at its next join. */
  @Test
  void aRoomWithoutTheRecordStartsItFromItsMembers() {
    RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
    String id = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("host-o")
        .setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(id).setUserId("old-member").build(), false, true));
    TestServices.await(redis.del(List.of("room:{" + id + "}:ids")));

    TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(id).setUserId("newcomer").build(), false, true));
    TestServices.await(rooms.leave(LeaveRoomRequest.newBuilder().setRoomId(id).setUserId("old-member").build(), false));
    Throwable refused = TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(id).setUserId("old-member").build(),
        false, true).transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())));
    assertThat(refused).isNotNull();
    assertThat(io.chorus.bus.ErrorCode.of(refused)).isEqualTo(io.chorus.bus.ErrorCode.ALREADY_EXISTS);
    assertThat(TestServices.await(redis.smembers("room:{" + id + "}:ids")).stream().map(Object::toString))
        .containsExactlyInAnyOrder("host-o", "old-member", "newcomer");
  }

  private static void awaitGone(String roomId, String userId) {
    RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
    long deadline = System.currentTimeMillis() + 10_000;
    while (TestServices.await(rooms.get(roomId)).users().contains(userId)) {
      assertThat(System.currentTimeMillis()).as("%s still in %s", userId, roomId).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }
}

package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.GetStateRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.RoomEvent;
import io.chorus.proto.room.RoomResponse;
import io.chorus.proto.room.RoomServiceGrpc;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.proto.room.TransferHostRequest;
import io.chorus.proto.room.WatchRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.GrpcClients;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Seed 000's gRPC contract with the official grpc-java client, against a real node and Redis. */
@ChorusCluster(config = {"MAX_ROOM_USERS=3", "GRPC_API_KEY=test-key", "RATE_LIMIT_ROOM_CREATE=5", "RATE_LIMIT_REGISTER=100000"})
class RoomGrpcTest {
  static ChorusNode node;
  static ManagedChannel channel;
  static RoomServiceGrpc.RoomServiceBlockingStub rooms;
  static io.vertx.redis.client.RedisAPI redis;
  static TestCluster cluster;

  @BeforeAll
  static void start(TestCluster c) {
    cluster = c;
    node = cluster.node();
    redis = cluster.redis();
    channel = cluster.channel();
    rooms = GrpcClients.rooms(channel, "test-key");
  }

  private static RoomResponse create(String host) {
    return rooms.createRoom(CreateRoomRequest.newBuilder().setHostId(host).setTrackUrl("https://example.com/track.mp3").build());
  }

  /**
   * A signed-in user calling CreateRoom with their access JWT is no trusted service: the rooms count on the per-IP
   * creation limit of the REST creates (RATE_LIMIT_ROOM_CREATE, here 5 a window); with the API key they do not. The
   * user used to create any number (15 in a row, and REST then still gave 10 more).
   */
  @Test
  void aSignedInUsersRoomsCountOnTheCreationLimit() {
    // the per-address counter lives in the Redis every test class of this JVM shares: start from zero, and leave it
    // at zero for the classes after this one (a REST create of theirs was refused 429 in CI)
    List<String> counter = List.of("ratelimit:{create:127.0.0.1}");
    TestServices.await(redis.del(counter));
    try {
      createsOverTheLimitAreRefused();
    } finally {
      TestServices.await(redis.del(counter));
    }
  }

  private void createsOverTheLimitAreRefused() {
    String jwt = RoomSocketTest.newUser(cluster.rest(), cluster.port()).getString("access_token");
    io.grpc.Metadata md = new io.grpc.Metadata();
    md.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
    RoomServiceGrpc.RoomServiceBlockingStub asUser = RoomServiceGrpc.newBlockingStub(channel)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md)).withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS);
    // 13: more than two windows' worth, so that a window ending during the loop cannot let them all through
    List<Status.Code> codes = new java.util.ArrayList<>();
    for (int i = 0; i < 13; i++) {
      try {
        asUser.createRoom(CreateRoomRequest.newBuilder().setTrackUrl("https://example.com/track.mp3").build());
        codes.add(Status.Code.OK);
      } catch (StatusRuntimeException e) {
        codes.add(e.getStatus().getCode());
        assertThat(e.getStatus().getDescription()).startsWith("too many rooms created from this address");
      }
    }
    assertThat(codes).as("the user's creates").contains(Status.Code.RESOURCE_EXHAUSTED)
        .allMatch(c -> c == Status.Code.OK || c == Status.Code.RESOURCE_EXHAUSTED);
    // a trusted service with the API key is not limited
    for (int i = 0; i < 6; i++) {
      assertThat(create("svc-" + i).getRoomId()).isNotEmpty();
    }
  }

  /**
   * A WatchRoom opened with a user's access JWT ends when the user signs out, as the user's sockets do; it kept
   * delivering the room's events after the sign-out (and after the token's expiry).
   */
  @Test
  void aSignedInUsersWatchEndsWhenTheySignOut() {
    String jwt = RoomSocketTest.newUser(cluster.rest(), cluster.port()).getString("access_token");
    io.grpc.Metadata md = new io.grpc.Metadata();
    md.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
    String room = create("watched-host").getRoomId();
    Iterator<RoomEvent> events = RoomServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS).watchRoom(WatchRoomRequest.newBuilder().setRoomId(room).build());
    assertThat(events.next().getType()).isEqualTo("room_info");
    assertThat(cluster.rest().post(cluster.port(), "/api/v1/auth/logout", jwt, null).status()).isEqualTo(204);
    // the stream ends with UNAUTHENTICATED, not at the deadline (the old code kept it open: DEADLINE_EXCEEDED)
    assertThatThrownBy(() -> {
      while (events.hasNext()) {
        events.next();
      }
    }).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getStatus().getDescription()).startsWith("the sign-in session ended");
    });
  }

  @Test
  void createRoomReturnsTheSeedShape() {
    RoomResponse r = create("user-123");
    assertThat(r.getRoomId()).hasSize(6).matches("[" + RoomIds.ALPHABET + "]{6}");
    assertThat(r.getHostId()).isEqualTo("user-123");
    assertThat(r.getTrackUrl()).isEqualTo("https://example.com/track.mp3");
    assertThat(r.getStatus()).isEqualTo("pause");
    assertThat(r.getUsersList()).containsExactly("user-123");
    assertThat(r.getVersion()).isEqualTo(1);
    assertThat(r.getParticipantToken()).contains(".");
  }

  @Test
  void joinGetAndErrors() {
    RoomResponse r = create("h1");
    RoomResponse joined = rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(r.getRoomId()).setUserId("u2").build());
    assertThat(joined.getUsersList()).containsExactly("h1", "u2");
    assertThat(joined.getVersion()).isEqualTo(2);
    // lower-case ids are the same room
    assertThat(rooms.getState(GetStateRequest.newBuilder().setRoomId(r.getRoomId().toLowerCase()).build()).getUsersList())
        .containsExactly("h1", "u2");

    assertCode(() -> rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(r.getRoomId()).setUserId("u2").build()),
        Status.Code.ALREADY_EXISTS);
    assertCode(() -> rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId("ZZZZZZ").setUserId("u2").build()),
        Status.Code.NOT_FOUND);
    assertCode(() -> rooms.getState(GetStateRequest.newBuilder().setRoomId("ZZZZZZ").build()), Status.Code.NOT_FOUND);
    assertCode(() -> rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(r.getRoomId()).setUserId("").build()),
        Status.Code.INVALID_ARGUMENT);
    assertCode(() -> rooms.getState(GetStateRequest.newBuilder().setRoomId("bad id!").build()), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("").build()), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("x".repeat(200)).build()), Status.Code.INVALID_ARGUMENT);
    // a request message over vertx-grpc's 256 KiB is RESOURCE_EXHAUSTED, and says why (it had no message at all)
    io.grpc.StatusRuntimeException big = org.assertj.core.api.Assertions.catchThrowableOfType(io.grpc.StatusRuntimeException.class,
        () -> rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("h").setTitle("x".repeat(300_000)).build()));
    assertThat(big.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(big.getStatus().getDescription()).isEqualTo("request message larger than 262144 bytes");

    rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(r.getRoomId()).setUserId("u3").build());
    assertCode(() -> rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(r.getRoomId()).setUserId("u4").build()),
        Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void playbackPlayPauseSeekAndComputedPosition() {
    RoomResponse r = create("h1");
    String id = r.getRoomId();
    RoomResponse seek = rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("seek").setTimestamp(120).build());
    assertThat(seek.getPositionMs()).isEqualTo(120_000);
    assertThat(seek.getTimestamp()).isEqualTo(120);
    assertThat(seek.getStatus()).isEqualTo("pause");
    assertThat(seek.getUsersList()).as("SetPlayback answers with the seed's users, unlike a socket's lean control").containsExactly("h1");
    RoomResponse play = rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("play").setTimestamp(1705314600).build());
    assertThat(play.getStatus()).isEqualTo("play");
    assertThat(play.getPositionMs()).isEqualTo(120_000);
    assertThat(play.getVersion()).isEqualTo(seek.getVersion() + 1);
    RoomResponse state = rooms.getState(GetStateRequest.newBuilder().setRoomId(id).build());
    long expected = play.getPositionMs() + (state.getServerTime() - play.getUpdatedAt());
    assertThat(state.getTimestamp()).isEqualTo(expected / 1000);
    RoomResponse pause = rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("pause").build());
    assertThat(pause.getStatus()).isEqualTo("pause");
    assertThat(pause.getPositionMs()).isGreaterThanOrEqualTo(120_000);
    assertCode(() -> rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("rewind").build()),
        Status.Code.INVALID_ARGUMENT);
    // seconds whose milliseconds overflow a long are beyond any track, not wrapped round (to 384 ms, or below 0)
    for (long seconds : new long[] {18_446_744_073_709_552L, Long.MAX_VALUE, 7L * 24 * 3600 + 1}) {
      io.grpc.StatusRuntimeException e = org.assertj.core.api.Assertions.catchThrowableOfType(io.grpc.StatusRuntimeException.class,
          () -> rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("seek").setTimestamp(seconds).build()));
      assertThat(e).as("seek to %d s", seconds).isNotNull();
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).isEqualTo("position is beyond any track length");
    }
    assertCode(() -> rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId("ZZZZZZ").setAction("play").build()),
        Status.Code.NOT_FOUND);
  }

  /** The host left the room empty: the next JoinRoom makes its user host (it used to leave the departed host in charge). */
  @Test
  void theFirstToJoinARoomItsHostLeftEmptyBecomesHost() {
    String id = create("alone-host").getRoomId();
    rooms.leaveRoom(LeaveRoomRequest.newBuilder().setRoomId(id).setUserId("alone-host").build());
    RoomResponse joined = rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(id).setUserId("alone-next").build());
    assertThat(joined.getHostId()).isEqualTo("alone-next");
  }

  @Test
  void leaveTransferAndChangeTrack() {
    RoomResponse r = create("h1");
    String id = r.getRoomId();
    rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(id).setUserId("u2").build());
    RoomResponse t = rooms.transferHost(TransferHostRequest.newBuilder().setRoomId(id).setNewHostId("u2").build());
    assertThat(t.getHostId()).isEqualTo("u2");
    assertCode(() -> rooms.transferHost(TransferHostRequest.newBuilder().setRoomId(id).setNewHostId("nobody").build()),
        Status.Code.NOT_FOUND);
    RoomResponse c = rooms.changeTrack(ChangeTrackRequest.newBuilder().setRoomId(id).setTrackUrl("https://example.com/b.mp3").build());
    assertThat(c.getTrackUrl()).isEqualTo("https://example.com/b.mp3");
    assertThat(c.getPositionMs()).isZero();
    assertCode(() -> rooms.changeTrack(ChangeTrackRequest.newBuilder().setRoomId(id).setTrackUrl("").build()),
        Status.Code.INVALID_ARGUMENT);
    // the host leaves: the remaining member becomes host
    RoomResponse left = rooms.leaveRoom(LeaveRoomRequest.newBuilder().setRoomId(id).setUserId("u2").build());
    assertThat(left.getUsersList()).containsExactly("h1");
    assertThat(left.getHostId()).isEqualTo("h1");
    assertCode(() -> rooms.leaveRoom(LeaveRoomRequest.newBuilder().setRoomId(id).setUserId("u2").build()), Status.Code.NOT_FOUND);
  }

  @Test
  void watchRoomStreamsEveryChange() {
    RoomResponse r = create("h1");
    String id = r.getRoomId();
    Iterator<RoomEvent> events = rooms.watchRoom(WatchRoomRequest.newBuilder().setRoomId(id).build());
    RoomEvent first = events.next();
    assertThat(first.getType()).isEqualTo("room_info");
    assertThat(first.getState().getRoomId()).isEqualTo(id);
    rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(id).setUserId("u2").build());
    rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("play").build());
    RoomEvent joined = events.next();
    assertThat(joined.getType()).isEqualTo("user_joined");
    assertThat(joined.getUserId()).isEqualTo("u2");
    RoomEvent play = events.next();
    assertThat(play.getType()).isEqualTo("play");
    assertThat(play.getState().getVersion()).isGreaterThan(joined.getState().getVersion() - 1);
    assertCode(() -> rooms.watchRoom(WatchRoomRequest.newBuilder().setRoomId("ZZZZZZ").build()).next(), Status.Code.NOT_FOUND);
  }

  /**
   * A watched room that ends (the cleanup of expired rooms ends it through RoomLifecycle): the stream failed NOT_FOUND
   * 'room not found' (it read the room's state after the room_ended event), and the room_closed event the proto names
   * never came. The watcher now gets room_closed (state: the room id), then the stream ends OK.
   */
  @Test
  void aWatchedRoomThatEndsSendsRoomClosedAndEndsTheStream() {
    String id = create("ending-host").getRoomId();
    Iterator<RoomEvent> events = rooms.watchRoom(WatchRoomRequest.newBuilder().setRoomId(id).build());
    assertThat(events.next().getType()).isEqualTo("room_info");   // the stream's subscription is made
    TestServices.await(new RoomLifecycle(redis, node.vertx().eventBus()).end(id, "expired"));
    RoomEvent closed = events.next();
    assertThat(closed.getType()).isEqualTo("room_closed");
    assertThat(closed.getState().getRoomId()).isEqualTo(id);
    assertThat(events.hasNext()).as("the stream ended with OK after room_closed").isFalse();
  }

  @Test
  void missingOrWrongApiKeyIsUnauthenticated() {
    RoomServiceGrpc.RoomServiceBlockingStub anonymous = RoomServiceGrpc.newBlockingStub(channel);
    assertCode(() -> anonymous.createRoom(CreateRoomRequest.newBuilder().setHostId("h").build()), Status.Code.UNAUTHENTICATED);
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), "wrong");
    assertCode(() -> anonymous.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .createRoom(CreateRoomRequest.newBuilder().setHostId("h").build()), Status.Code.UNAUTHENTICATED);
  }

  @Test
  void roomKeyHasTheTtlAndActivityRefreshesIt() {
    RoomResponse r = create("h1");
    RedisAPI redis = RedisAPI.api(io.vertx.redis.client.Redis.createClient(node.vertx(), "redis://" + TestServices.services().redis().address()));
    long ttl = TestServices.await(redis.ttl("room:{" + r.getRoomId() + "}")).toLong();
    assertThat(ttl).isBetween(24 * 3600L - 60, 24 * 3600L);
    TestServices.await(redis.expire(List.of("room:{" + r.getRoomId() + "}", "100")));
    rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(r.getRoomId()).setAction("play").build());
    assertThat(TestServices.await(redis.ttl("room:{" + r.getRoomId() + "}")).toLong()).isGreaterThan(24 * 3600L - 60);
    // the member records live beside it, with the same TTL
    assertThat(TestServices.await(redis.ttl("room:{" + r.getRoomId() + "}:members")).toLong()).isGreaterThan(24 * 3600L - 60);
    assertThat(TestServices.await(redis.hkeys("room:{" + r.getRoomId() + "}:members"))).extracting(Object::toString).containsExactly("h1");
    // the stored value is the seed's JSON
    io.vertx.core.json.JsonObject stored = new io.vertx.core.json.JsonObject(TestServices.await(redis.get("room:{" + r.getRoomId() + "}")).toString());
    assertThat(stored.getString("room_id")).isEqualTo(r.getRoomId());
    assertThat(stored.getString("host_id")).isEqualTo("h1");
    assertThat(stored.getString("status")).isEqualTo("play");
    assertThat(stored.getJsonArray("users").getList()).containsExactly("h1");
    // an empty room keeps "users" a list (cjson would encode the empty table as {})
    rooms.leaveRoom(LeaveRoomRequest.newBuilder().setRoomId(r.getRoomId()).setUserId("h1").build());
    io.vertx.core.json.JsonObject empty = new io.vertx.core.json.JsonObject(TestServices.await(redis.get("room:{" + r.getRoomId() + "}")).toString());
    assertThat(empty.getValue("users")).isInstanceOf(io.vertx.core.json.JsonArray.class);
    assertThat(empty.getJsonArray("users")).isEmpty();
    assertThat(empty.getString("room_id")).isEqualTo(r.getRoomId());
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
  }
}

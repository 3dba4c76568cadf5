package io.chorus.room;

import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.GetStateRequest;
import io.chorus.proto.room.RoomEvent;
import io.chorus.proto.room.RoomResponse;
import io.chorus.proto.room.RoomServiceGrpc;
import io.chorus.proto.room.WatchRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.GrpcClients;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Library tracks and the queue on the other transports: REST ({@code /api/v1/rooms/:id/queue}, skip,
 * {@code PUT …/track}, {@code POST /api/v1/listen/rooms}), the bridge's room-control SEND, and gRPC
 * (track_id on CreateRoom/ChangeTrack, the queue in every state and in WatchRoom).
 */
@ChorusCluster(config = {"GRPC_API_KEY=test-key", "RATE_LIMIT_ROOM_CREATE=0", "ROOM_QUEUE_MAX=3", "ROOM_READY_TIMEOUT_MS=60000"})
class RoomQueueApiTest {
  static TestCluster cluster;
  static Rest rest;
  static int port;
  static RoomServiceGrpc.RoomServiceBlockingStub grpc;

  @BeforeAll
  static void start(TestCluster c) {
    cluster = c;
    rest = c.rest();
    port = c.port();
    grpc = GrpcClients.rooms(c.channel(), "test-key");
  }

  static String room(String host) {
    return grpc.createRoom(CreateRoomRequest.newBuilder().setHostId(host).setTrackUrl("https://example.com/0.mp3").build()).getRoomId();
  }

  /** An approved library track (rooms play approved tracks only). */
  static String track() {
    return io.chorus.testing.LibraryRows.approvedTrack(cluster, "Library song", 180_000);
  }

  @Test
  void theHostEditsTheQueueOverRestAndMembersReadIt() {
    String id = room("rh");
    String host = TestTokens.issue(id, "rh", "host");
    try (WsProbe member = WsProbe.connect(port, "/ws?room_id=" + id + "&user_id=rm")) {
      String memberToken = member.awaitType("room_info").getString("token");
      String libraryTrack = track();
      Rest.Reply added = rest.post(port, "/api/v1/rooms/" + id + "/queue", host,
          new JsonObject().put("track_id", libraryTrack).put("title", "From the library"));
      assertThat(added.status()).as(added.body()).isEqualTo(201);
      JsonObject item = added.json().getJsonObject("item");
      assertThat(item.getString("track_url")).isEqualTo("/api/v1/tracks/" + libraryTrack + "/stream");
      assertThat(item.getString("title")).isEqualTo("From the library");
      assertThat(member.awaitType("queue").getString("item_id")).isEqualTo(item.getString("id"));
      String second = rest.postOk(port, "/api/v1/rooms/" + id + "/queue", host,
          new JsonObject().put("track_url", "https://example.com/2.mp3").put("duration_ms", 1000)).getJsonObject("item").getString("id");

      JsonObject listed = rest.get(port, "/api/v1/rooms/" + id + "/queue", memberToken).json();
      assertThat(listed.getLong("queue_version")).isEqualTo(2);
      assertThat(listed.getJsonArray("queue").getJsonObject(1).getString("id")).isEqualTo(second);
      assertThat(listed.getJsonObject("track").getString("url")).isEqualTo("https://example.com/0.mp3");

      JsonObject moved = rest.postOk(port, "/api/v1/rooms/" + id + "/queue/" + second + "/move", host, new JsonObject().put("position", 0));
      assertThat(moved.getJsonArray("queue").getJsonObject(0).getString("id")).isEqualTo(second);

      // non-hosts, strangers and bad input
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", memberToken, new JsonObject().put("track_url", "https://e.com/x"))
          .errorCode(403)).isEqualTo("forbidden");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/skip", memberToken, null).errorCode(403)).isEqualTo("forbidden");
      assertThat(rest.call(HttpMethod.DELETE, port, "/api/v1/rooms/" + id + "/queue/" + second, memberToken, null, null)
          .errorCode(403)).isEqualTo("forbidden");
      assertThat(rest.get(port, "/api/v1/rooms/" + id + "/queue", null).errorCode(401)).isEqualTo("unauthenticated");
      assertThat(rest.get(port, "/api/v1/rooms/" + id + "/queue", TestTokens.issue(id, "outsider", "participant")).errorCode(403))
          .isEqualTo("forbidden");
      assertThat(rest.call(HttpMethod.DELETE, port, "/api/v1/rooms/" + id + "/queue/ffffffffffffffff", host, null, null).errorCode(404))
          .isEqualTo("not_found");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue/" + second + "/move", host, new JsonObject().put("position", 5))
          .errorCode(400)).isEqualTo("invalid_argument");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue/" + second + "/move", host, new JsonObject()).errorCode(400))
          .isEqualTo("invalid_argument");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, "{not json").errorCode(400)).isEqualTo("malformed_json");
      // no body at all, or JSON that is not an object, where a route needs one: malformed_json (docs/api.md's error rules)
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, null).errorCode(400)).isEqualTo("malformed_json");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue/" + second + "/move", host, null).errorCode(400))
          .isEqualTo("malformed_json");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue/" + second + "/move", host, "[]").errorCode(400))
          .isEqualTo("malformed_json");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_id", "1234")).errorCode(400))
          .isEqualTo("invalid_argument");
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_url", 5)).errorCode(400))
          .isEqualTo("invalid_argument");
      rest.postOk(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_url", "https://example.com/3.mp3"));
      assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_url", "https://example.com/4.mp3"))
          .errorCode(409)).isEqualTo("queue_full");

      Rest.Reply removed = rest.call(HttpMethod.DELETE, port, "/api/v1/rooms/" + id + "/queue/" + item.getString("id"), host, null, null);
      assertThat(removed.status()).isEqualTo(204);
      JsonObject skipped = rest.postOk(port, "/api/v1/rooms/" + id + "/skip", host, null);
      assertThat(skipped.getString("status")).isEqualTo("waiting");
      assertThat(skipped.getJsonObject("track").getString("url")).isEqualTo("https://example.com/2.mp3");
      assertThat(skipped.getJsonObject("track").getLong("duration_ms")).isEqualTo(1000);
      assertThat(skipped.getJsonArray("queue")).hasSize(1);
      JsonObject changed = member.awaitType("track_changed");
      assertThat(changed.getLong("version")).isEqualTo(skipped.getLong("version"));
    }
  }

  @Test
  void theBridgeCarriesQueueEditsSkipsAndReadyReports() {
    String id = room("bh");
    ParticipantTokens tokens = TestTokens.tokens();
    try (WsProbe bridge = WsProbe.connect(port, "/eventbus/websocket")) {
      bridge.send(new JsonObject().put("type", "register").put("address", "client.room." + id)
          .put("headers", new JsonObject().put("token", tokens.issue(id, "bh", "host"))));
      bridge.send(send(tokens.issue(id, "bh", "host"), "r1",
          new JsonObject().put("room_id", id).put("type", "queue_add").put("track_id", track()).put("duration_ms", 5000)));
      JsonObject reply = awaitAddress(bridge, "r1");
      assertThat(reply.getJsonObject("body").getBoolean("ok")).isTrue();
      String itemId = reply.getJsonObject("body").getString("item_id");
      assertThat(itemId).isNotBlank();
      JsonObject event = awaitAddress(bridge, "client.room." + id).getJsonObject("body");
      assertThat(event.getString("type")).isEqualTo("queue");
      assertThat(event.getJsonArray("queue").getJsonObject(0).getString("id")).isEqualTo(itemId);

      bridge.send(send(tokens.issue(id, "someone", "participant"), "r2", new JsonObject().put("room_id", id).put("type", "skip")));
      JsonObject refused = awaitAddress(bridge, "r2");
      assertThat(refused.getString("type")).isEqualTo("err");
      assertThat(refused.getInteger("failureCode")).isEqualTo(4030);
      bridge.send(send(tokens.issue(id, "bh", "host"), "r3", new JsonObject().put("room_id", id).put("type", "shuffle")));
      // a type the room does not take: unknown_type, as /ws answers it (ea50d9f)
      assertThat(awaitAddress(bridge, "r3").getInteger("failureCode")).isEqualTo(4002);

      bridge.send(send(tokens.issue(id, "bh", "host"), "r4", new JsonObject().put("room_id", id).put("type", "skip")));
      assertThat(awaitAddress(bridge, "r4").getJsonObject("body").getBoolean("ok")).isTrue();
      JsonObject changed = awaitAddress(bridge, "client.room." + id).getJsonObject("body");
      assertThat(changed.getString("type")).isEqualTo("track_changed");
      // nobody holds a room socket: nobody to wait for, the track plays at once
      assertThat(changed.getString("status")).isEqualTo("play");
      assertThat(changed.getJsonObject("track").getLong("duration_ms")).isEqualTo(5000);
      bridge.send(send(tokens.issue(id, "bh", "host"), "r5",
          new JsonObject().put("room_id", id).put("type", "ready").put("track_version", changed.getLong("track_version"))));
      assertThat(awaitAddress(bridge, "r5").getJsonObject("body").getBoolean("ok")).isTrue();
    }
  }

  static JsonObject send(String token, String replyAddress, JsonObject body) {
    return new JsonObject().put("type", "send").put("address", "client.room-control").put("replyAddress", replyAddress)
        .put("headers", new JsonObject().put("token", token)).put("body", body);
  }

  /** Frames read while waiting for another address: a reply and an event may arrive in either order. */
  private static final Map<WsProbe, List<JsonObject>> UNCLAIMED = new java.util.IdentityHashMap<>();

  static JsonObject awaitAddress(WsProbe ws, String address) {
    List<JsonObject> kept = UNCLAIMED.computeIfAbsent(ws, k -> new java.util.ArrayList<>());
    for (java.util.Iterator<JsonObject> it = kept.iterator(); it.hasNext(); ) {
      JsonObject f = it.next();
      if (address.equals(f.getString("address"))) {
        it.remove();
        return f;
      }
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      io.vertx.core.buffer.Buffer b = ws.pollBinary(deadline - System.currentTimeMillis());
      String text = b != null ? b.toString() : ws.texts.poll();
      if (text == null) {
        continue;
      }
      JsonObject f = new JsonObject(text);
      if (address.equals(f.getString("address"))) {
        return f;
      }
      kept.add(f);
    }
    throw new AssertionError("nothing for " + address + " (other frames: " + kept + ")");
  }


  @Test
  void libraryTracksOverGrpcAndTheListenPage() {
    String libraryTrack = track();
    RoomResponse created = grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("gh").setTrackId(libraryTrack).build());
    assertThat(created.getTrackId()).isEqualTo(libraryTrack);
    assertThat(created.getTrackUrl()).isEqualTo("/api/v1/tracks/" + libraryTrack + "/stream");
    assertThat(created.getTrackVersion()).isEqualTo(1);
    assertCode(() -> grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("gh").setTrackId("../etc/passwd").build()),
        Status.Code.INVALID_ARGUMENT);

    String id = created.getRoomId();
    Iterator<RoomEvent> events = grpc.watchRoom(WatchRoomRequest.newBuilder().setRoomId(id).build());
    assertThat(events.next().getType()).isEqualTo("room_info");
    String other = track();
    RoomResponse changed = grpc.changeTrack(ChangeTrackRequest.newBuilder().setRoomId(id).setTrackId(other).build());
    assertThat(changed.getTrackId()).isEqualTo(other);
    assertThat(changed.getTrackVersion()).isEqualTo(2);
    assertThat(changed.getStatus()).isEqualTo("pause");
    assertCode(() -> grpc.changeTrack(ChangeTrackRequest.newBuilder().setRoomId(id).build()), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> grpc.changeTrack(ChangeTrackRequest.newBuilder().setRoomId(id).setTrackId("xyz").build()),
        Status.Code.INVALID_ARGUMENT);
    RoomEvent trackChanged = events.next();
    assertThat(trackChanged.getType()).isEqualTo("track_changed");
    assertThat(trackChanged.getState().getTrackId()).isEqualTo(other);

    rest.postOk(port, "/api/v1/rooms/" + id + "/queue", TestTokens.issue(id, "gh", "host"), new JsonObject().put("track_id", libraryTrack));
    RoomEvent queued = events.next();
    assertThat(queued.getType()).isEqualTo("queue");
    assertThat(queued.getState().getQueueList()).hasSize(1);
    assertThat(queued.getState().getQueue(0).getTrackId()).isEqualTo(libraryTrack);
    assertThat(grpc.getState(GetStateRequest.newBuilder().setRoomId(id).build()).getQueueVersion()).isEqualTo(1);

    // the REST track change of the rooms API takes a library track too
    JsonObject put = rest.call(HttpMethod.PUT, port, "/api/v1/rooms/" + id + "/track", TestTokens.issue(id, "gh", "host"), null,
        new JsonObject().put("track_id", libraryTrack)).json();
    assertThat(put.getString("track_id")).isEqualTo(libraryTrack);
    assertThat(rest.call(HttpMethod.PUT, port, "/api/v1/rooms/" + id + "/track", TestTokens.issue(id, "gh", "host"), null,
        new JsonObject().put("track_id", "nope")).errorCode(400)).isEqualTo("invalid_argument");

    // the listen page creates a room from a library track alone
    JsonObject listen = rest.postOk(port, "/api/v1/listen/rooms", null, new JsonObject().put("track_id", libraryTrack));
    try (WsProbe h = WsProbe.connect(port, "/ws?room_id=" + listen.getString("room_id") + "&user_id=" + listen.getString("host_id")
        + "&token=" + listen.getString("token"))) {
      JsonObject info = h.awaitType("room_info");
      assertThat(info.getString("track_id")).isEqualTo(libraryTrack);
      assertThat(info.getString("track_url")).isEqualTo("/api/v1/tracks/" + libraryTrack + "/stream");
      assertThat(info.getJsonObject("track").getLong("track_version")).isEqualTo(1);
      assertThat(info.getJsonArray("queue")).isEqualTo(new JsonArray());
    }
    assertThat(rest.post(port, "/api/v1/listen/rooms", null, new JsonObject().put("track_id", "not-a-track")).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.post(port, "/api/v1/listen/rooms", null, new JsonObject()).errorCode(400)).isEqualTo("invalid_argument");
  }

  static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  @Test
  void theLibraryResolvesApprovedTracksAndRefusesOthers() {
    String id = room("lr");
    String host = TestTokens.issue(id, "lr", "host");
    String approved = io.chorus.testing.LibraryRows.approvedTrack(cluster, "Resolved song", 123_000);
    JsonObject added = rest.post(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_id", approved)).json();
    JsonObject item = added.getJsonObject("item");
    assertThat(item.getString("title")).as("the library's title").isEqualTo("Resolved song");
    assertThat(item.getLong("duration_ms")).as("the library's duration").isEqualTo(123_000L);
    assertThat(item.getString("track_url")).isEqualTo("/api/v1/tracks/" + approved + "/stream");
    // another user's unshared upload: as unknown as in the library's reads (LibraryTracksTest: its owner gets 403)
    String pending = io.chorus.testing.LibraryRows.track(cluster, "Pending song", 1000, "pending");
    assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_id", pending)).errorCode(404))
        .isEqualTo("not_found");
    String removed = io.chorus.testing.LibraryRows.track(cluster, "Taken down", 1000, "removed");
    assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_id", removed)).errorCode(404))
        .isEqualTo("not_found");
    assertThat(rest.post(port, "/api/v1/rooms/" + id + "/queue", host, new JsonObject().put("track_id", UUID.randomUUID().toString()))
        .errorCode(404)).isEqualTo("not_found");
  }
}

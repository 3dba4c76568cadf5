package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.GetStateRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.RoomResponse;
import io.chorus.proto.room.RoomServiceGrpc;
import io.chorus.proto.room.TransferHostRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.GrpcClients;
import io.chorus.testing.TestCluster;
import io.chorus.testing.WsProbe;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14 item 10: every entry point refuses the same bad ids, names and URLs (io.chorus.input.Inputs)
 * in its own way: HTTP 400 {@code invalid_argument}, a WebSocket error frame + close 4400, gRPC
 * INVALID_ARGUMENT. Real clients: the JDK's HTTP and WebSocket clients, grpc-java.
 */
@ChorusCluster(config = {
    "GRPC_API_KEY=test-key",
    "RATE_LIMIT_ROOM_CREATE=100000",
    "ROOM_CLEANUP_INTERVAL_SECONDS=86400"})
class InputValidationTest {
  static ChorusNode node;
  static int port;
  static ManagedChannel channel;
  static RoomServiceGrpc.RoomServiceBlockingStub grpc;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** Names refused everywhere: NUL, a line break, a right-to-left override, only zero-width characters. */
  static final List<String> BAD_NAMES = List.of("Ev\u0000e", "Eve\nAdmin: hi", "Eve\u202Egnp.exe", "\u200B\u200C\u200D", "\u2066Eve");
  /** Ids refused everywhere. */
  static final List<String> BAD_IDS = List.of("a b", "<x>", "../..", "..", "a/b c", "eve\u0000");
  static final List<String> BAD_URLS = List.of("javascript:alert(1)", "data:audio/mpeg;base64,AAAA", "https://example.com/a b.mp3",
      "//evil.example/a.mp3");

  @BeforeAll
  static void start(TestCluster cluster) {
    node = cluster.node();
    port = cluster.port();
    channel = cluster.channel();
    grpc = GrpcClients.rooms(channel, "test-key");
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static RoomResponse grpcRoom(String host) {
    return grpc.createRoom(CreateRoomRequest.newBuilder().setHostId(host).setTrackUrl("https://example.com/t.mp3").build());
  }

  private static List<String> users(String roomId) {
    return grpc.getState(GetStateRequest.newBuilder().setRoomId(roomId).build()).getUsersList();
  }

  // ---------- seed WebSocket /ws ----------

  private static void assertWsRefused(String uri, String field) {
    try (WsProbe ws = WsProbe.connect(port, uri)) {
      JsonObject error = ws.awaitType("error");
      assertThat(error.getString("code")).as(uri).isEqualTo("invalid_argument");
      assertThat(error.getString("message")).as(uri).startsWith(field + " ");
      assertThat(ws.awaitClose(10_000)).as(uri).isEqualTo((short) 4400);
    }
  }

  @Test
  void seedSocketRefusesBadNamesAndIds() {
    String id = grpcRoom("host-ws").getRoomId();
    for (String name : BAD_NAMES) {
      assertWsRefused("/ws?room_id=" + id + "&user_id=eve&user_name=" + q(name), "user_name");
    }
    for (String userId : BAD_IDS) {
      assertWsRefused("/ws?room_id=" + id + "&user_id=" + q(userId) + "&user_name=Eve", "user_id");
    }
    assertThat(users(id)).containsExactly("host-ws");

    // a good name arrives trimmed and NFC-normalised (e + combining acute = é)
    try (WsProbe ws = WsProbe.connect(port, "/ws?room_id=" + id + "&user_id=rene&user_name=" + q("  Rene\u0301 "))) {
      JsonObject info = ws.awaitType("room_info");
      assertThat(info.getJsonArray("users").stream().map(u -> (JsonObject) u).filter(u -> "rene".equals(u.getString("id")))
          .map(u -> u.getString("name"))).containsExactly("Ren\u00e9");
    }
  }

  // ---------- gRPC ----------

  private static void assertGrpcRefused(Runnable call, String field) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith(field + " ");
    });
  }

  @Test
  void grpcRefusesBadNamesIdsAndUrls() {
    for (String name : BAD_NAMES) {
      assertGrpcRefused(() -> grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("h").setHostName(name)
          .setTrackUrl("https://example.com/t.mp3").build()), "host_name");
      assertGrpcRefused(() -> grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("h").setTitle(name)
          .setTrackUrl("https://example.com/t.mp3").build()), "title");
    }
    for (String id : BAD_IDS) {
      assertGrpcRefused(() -> grpc.createRoom(CreateRoomRequest.newBuilder().setHostId(id).setTrackUrl("https://example.com/t.mp3")
          .build()), "host_id");
    }
    for (String url : BAD_URLS) {
      assertGrpcRefused(() -> grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("h").setTrackUrl(url).build()), "track_url");
    }
    // the message names the proto's field, not REST's max_participants
    for (int max : new int[] {-1, 51, 10_000}) {
      assertGrpcRefused(() -> grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("h").setMaxUsers(max).build()), "max_users");
    }

    String room = grpcRoom("host-g").getRoomId();
    for (String name : BAD_NAMES) {
      assertGrpcRefused(() -> grpc.joinRoom(JoinRoomRequest.newBuilder().setRoomId(room).setUserId("eve").setUserName(name).build()),
          "user_name");
    }
    for (String id : BAD_IDS) {
      assertGrpcRefused(() -> grpc.joinRoom(JoinRoomRequest.newBuilder().setRoomId(room).setUserId(id).build()), "user_id");
      assertGrpcRefused(() -> grpc.leaveRoom(LeaveRoomRequest.newBuilder().setRoomId(room).setUserId(id).build()), "user_id");
      assertGrpcRefused(() -> grpc.transferHost(TransferHostRequest.newBuilder().setRoomId(room).setNewHostId(id).build()),
          "new_host_id");
    }
    for (String url : BAD_URLS) {
      assertGrpcRefused(() -> grpc.changeTrack(ChangeTrackRequest.newBuilder().setRoomId(room).setTrackUrl(url).build()), "track_url");
    }
    // an optional name of no-break and ideographic spaces is blank, stored as "" (contract B, 16)
    assertThat(grpc.createRoom(CreateRoomRequest.newBuilder().setHostId("h-blank").setHostName("\u00a0\u3000").setTitle("\u00a0")
        .setTrackUrl("https://example.com/t.mp3").build()).getRoomId()).isNotEmpty();
    RoomResponse after = grpc.getState(GetStateRequest.newBuilder().setRoomId(room).build());
    assertThat(after.getUsersList()).containsExactly("host-g");
    assertThat(after.getTrackUrl()).isEqualTo("https://example.com/t.mp3");
    // a same-origin path is a track the web page can play
    assertThat(grpc.changeTrack(ChangeTrackRequest.newBuilder().setRoomId(room).setTrackUrl("/media/t.mp3").build()).getTrackUrl())
        .isEqualTo("/media/t.mp3");
  }

  // ---------- REST ----------

  private static HttpResponse<String> post(String path, Map<String, String> headers, JsonObject body) {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    headers.forEach(req::header);
    try {
      return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void assertHttpRefused(HttpResponse<String> r, String field) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).as(r.body()).isEqualTo("invalid_argument");
    assertThat(error.getString("message")).as(r.body()).startsWith(field + " ");
  }

  @Test
  void conferenceRestRefusesBadNamesIdsAndText() {
    for (String name : BAD_NAMES) {
      assertHttpRefused(post("/api/v1/rooms", Map.of(), new JsonObject().put("title", "Ok").put("display_name", name)), "display_name");
      assertHttpRefused(post("/api/v1/rooms", Map.of(), new JsonObject().put("title", name)), "title");
    }
    // ids that fit in a header value; the others cannot be sent as one
    for (String id : List.of("..", ".", "<x>", "a b")) {
      assertHttpRefused(post("/api/v1/rooms", Map.of("X-Participant-ID", id), new JsonObject().put("title", "Ok")), "X-Participant-ID");
    }
    assertHttpRefused(post("/api/v1/rooms", Map.of(), new JsonObject().put("title", "Ok").put("description", "a\u202Eb")), "description");
    assertHttpRefused(post("/api/v1/rooms", Map.of(), new JsonObject().put("title", "Ok").put("description", "a\u0000b")), "description");

    HttpResponse<String> created = post("/api/v1/rooms", Map.of("X-Participant-ID", "host-r"),
        new JsonObject().put("title", "Ok").put("description", "two\nlines"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String room = new JsonObject(created.body()).getJsonObject("room").getString("id");
    for (String name : BAD_NAMES) {
      assertHttpRefused(post("/api/v1/rooms/" + room + "/join", Map.of("X-Participant-ID", "eve"),
          new JsonObject().put("display_name", name)), "display_name");
    }
    assertHttpRefused(post("/api/v1/rooms/" + room + "/join", Map.of("X-Participant-ID", ".."),
        new JsonObject().put("display_name", "Eve")), "X-Participant-ID");
    assertThat(users(room)).containsExactly("host-r");
  }

  @Test
  void listenRoomCreationRefusesBadNamesIdsAndUrls() {
    for (String name : BAD_NAMES) {
      assertHttpRefused(post("/api/v1/listen/rooms", Map.of(), new JsonObject().put("host_name", name)
          .put("track_url", "https://example.com/t.mp3")), "host_name");
    }
    for (String id : BAD_IDS) {
      assertHttpRefused(post("/api/v1/listen/rooms", Map.of(), new JsonObject().put("host_id", id)
          .put("track_url", "https://example.com/t.mp3")), "host_id");
    }
    for (String url : BAD_URLS) {
      assertHttpRefused(post("/api/v1/listen/rooms", Map.of(), new JsonObject().put("track_url", url)), "track_url");
    }
    HttpResponse<String> ok = post("/api/v1/listen/rooms", Map.of(), new JsonObject().put("host_name", " Ann ")
        .put("track_url", "/media/t.mp3"));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
  }

  // ---------- stream hub ----------

  @Test
  void streamHubRefusesBadClientAndOperatorIds() {
    for (String id : BAD_IDS) {
      assertHttpRefused(post("/sessions", Map.of(), new JsonObject().put("client_id", id)), "client_id");
    }
    HttpResponse<String> created = post("/sessions", Map.of(), new JsonObject().put("client_id", "cam-1"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String session = new JsonObject(created.body()).getString("session_id");
    for (String id : List.of("a b", "<x>", "eve\u0000")) {
      assertWsRefused("/ws/stream/" + session + "/" + q(id), "user_id");
    }
  }
}

package io.chorus.gateway;

import io.chorus.ChorusNode;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.RoomServiceGrpc;
import io.chorus.testing.GrpcClients;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.WsProbe;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A split cluster: node 0 runs only the room role (no client servers), node 1 only the gateway role.
 * Clients of node 1 create, join, control and chat in rooms whose commands node 0 serves over the
 * clustered bus; when node 0 is gone, node 1 answers room commands with a clear "unavailable".
 */
@ChorusCluster(nodes = 2, roles = {"room", "gateway"}, config = "RATE_LIMIT_ROOM_CREATE=0")
class SplitRolesTest {
  static ChorusNode roomNode;
  static ChorusNode gateway;
  static int port;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start(List<ChorusNode> nodes) {
    roomNode = nodes.get(0);
    gateway = nodes.get(1);
    port = NodePorts.http(gateway.vertx());
  }

  static HttpResponse<String> post(String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aGatewayOnlyNodeServesRoomsAndChatThroughTheRoomNode() throws Exception {
    assertThat(NodePorts.http(roomNode.vertx())).as("the room-only node runs no HTTP server").isEqualTo(-1);

    HttpResponse<String> created = post("/api/v1/listen/rooms", null, new JsonObject().put("host_id", "h").put("host_name", "H")
        .put("track_url", "https://example.com/t.mp3"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject room = new JsonObject(created.body());
    assertThat(WsProbe.seekHeardByAListener(port, room, 42)).isEqualTo(42.0);

    // gRPC on the gateway node, also served by the room node
    ManagedChannel channel = GrpcClients.channel(gateway);
    try {
      RoomServiceGrpc.RoomServiceBlockingStub rooms = GrpcClients.rooms(channel, gateway.config().security().grpcApiKey());
      String grpcRoom = rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("gh").setTrackUrl("https://example.com/g.mp3").build())
          .getRoomId();
      assertThat(rooms.joinRoom(JoinRoomRequest.newBuilder().setRoomId(grpcRoom).setUserId("gu").build()).getUsersCount()).isEqualTo(2);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // conference room + chat through the gateway
    HttpResponse<String> conf = post("/api/v1/rooms", null, new JsonObject().put("title", "split").put("display_name", "Host"));
    assertThat(conf.statusCode()).as(conf.body()).isEqualTo(201);
    JsonObject c = new JsonObject(conf.body());
    String confId = c.getJsonObject("room").getString("id");
    try (WsProbe chat = WsProbe.connect(port, "/ws/chat/" + confId + "?token=" + c.getString("token"))) {
      chat.awaitType("synced");
      HttpResponse<String> sent = post("/api/v1/rooms/" + confId + "/chat/messages", c.getString("token"),
          new JsonObject().put("content", "over the split"));
      assertThat(sent.statusCode()).as(sent.body()).isEqualTo(201);
      assertThat(chat.awaitType("message_created").getJsonObject("message").getString("content")).isEqualTo("over the split");
    }
  }

  @Test
  @ChorusCluster(roles = "gateway", config = "RATE_LIMIT_ROOM_CREATE=0")
  void withoutARoomNodeTheGatewaySaysUnavailable(ChorusNode lone) throws Exception {
    // a cluster of its own: a gateway alone
    {
      int lonePort = NodePorts.http(lone.vertx());
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lonePort + "/api/v1/listen/rooms"))
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
              .put("track_url", "https://example.com/t.mp3").encode())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("unavailable");

      ManagedChannel channel = GrpcClients.channel(lone);
      try {
        RoomServiceGrpc.RoomServiceBlockingStub rooms = GrpcClients.rooms(channel, lone.config().security().grpcApiKey());
        assertThatThrownBy(() -> rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("x").setTrackUrl("https://example.com/x.mp3")
            .build())).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}

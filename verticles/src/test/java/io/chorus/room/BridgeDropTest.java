package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoublePredicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raw bridge sockets ({@code /eventbus/websocket}) whose connection is lost without a WebSocket close
 * (a killed tab, a network loss: here a TCP reset, SO_LINGER 0): the listeners registered after them
 * still get every event, and the node forgets them — its sockets, room subscriptions and bus handlers
 * come back to what they were.
 */
@ChorusCluster
class BridgeDropTest {
  static ChorusNode node;
  static RoomClient rooms;
  static ParticipantTokens tokens;
  static int port;

  @BeforeAll
  static void start(TestCluster cluster) {
    node = cluster.node();
    rooms = new RoomClient(node.vertx().eventBus(), "test");
    tokens = TestTokens.tokens();
    port = cluster.port();
  }

  static String room(String host, String... members) {
    String id = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId(host)
        .setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    for (String m : members) {
      TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(id).setUserId(m).setUserName(m).build(), false, true));
    }
    return id;
  }

  static JsonObject register(String room, String user) {
    return new JsonObject().put("type", "register").put("address", "client.room." + room)
        .put("headers", new JsonObject().put("token", tokens.issue(room, user, "participant")));
  }

  static JsonObject clockRequest(String replyAddress) {
    return new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", replyAddress)
        .put("body", new JsonObject().put("t0", 1));
  }

  static JsonObject next(WsProbe ws) {
    return new JsonObject(ws.nextBinary(5000));
  }

  /** Sends a clock request; its reply proves every frame sent before it was handled. */
  static void settle(WsProbe ws, String replyAddress) {
    ws.send(clockRequest(replyAddress));
    assertThat(next(ws).getString("address")).isEqualTo(replyAddress);
  }

  @Test
  void aDroppedSocketDoesNotCutOffTheListenersAfterIt() throws IOException {
    String id = room("host-1", "member-1", "member-2", "member-3");
    double wsBefore = sum("vertx_http_server_active_ws_connections");
    try (WsProbe first = WsProbe.connect(port, "/eventbus/websocket");
         WsProbe host = WsProbe.connect(port, "/eventbus/websocket")) {
      first.send(register(id, "member-1"));
      settle(first, "sync-1");
      RawSocket second = RawSocket.open(port);
      second.register(register(id, "member-2"));
      // the second loses its connection without a close frame; the node notices the connection is gone
      second.reset();
      awaitSum("vertx_http_server_active_ws_connections", v -> v == wsBefore + 2);
      try (WsProbe third = WsProbe.connect(port, "/eventbus/websocket")) {
        third.send(register(id, "member-3"));
        settle(third, "sync-3");
        List<String> actions = List.of("play", "pause", "play");
        for (String action : actions) {
          host.send(new JsonObject().put("type", "send").put("address", "client.room-control").put("replyAddress", "r-" + action)
              .put("headers", new JsonObject().put("token", tokens.issue(id, "host-1", "host")))
              .put("body", new JsonObject().put("room_id", id).put("action", action).put("position", 3)));
          JsonObject reply = next(host);
          assertThat(reply.getString("type")).as("host control %s: %s", action, reply).isEqualTo("rec");
        }
        for (WsProbe listener : List.of(first, third)) {
          List<String> got = new ArrayList<>();
          for (int i = 0; i < actions.size(); i++) {
            Buffer b = listener.pollBinary(5000);
            if (b == null) {
              break;
            }
            got.add(new JsonObject(b).getJsonObject("body").getString("type"));
          }
          assertThat(got).as("%s received", listener == first ? "the first listener" : "the listener after the dropped one")
              .isEqualTo(actions);
        }
      }
    }
  }

  @Test
  void droppedSocketsLeaveNothingBehind() throws IOException {
    String id = room("host-2", "member-1");
    double sockets = TestServices.metric(port, "chorus_bridge_sockets");
    double roomsBefore = TestServices.metric(port, "chorus_bridge_rooms");
    double handlers = sum("vertx_eventbus_handlers");
    int n = 60;
    List<RawSocket> dropped = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RawSocket s = RawSocket.open(port);
      s.register(register(id, "member-1"));
      dropped.add(s);
    }
    assertThat(TestServices.metric(port, "chorus_bridge_sockets")).isEqualTo(sockets + n);
    assertThat(TestServices.metric(port, "chorus_bridge_rooms")).isEqualTo(roomsBefore + 1);
    for (RawSocket s : dropped) {
      s.reset();
    }
    awaitMetric("chorus_bridge_sockets", v -> v == sockets);
    awaitMetric("chorus_bridge_rooms", v -> v == roomsBefore);
    awaitSum("vertx_eventbus_handlers", v -> v <= handlers);
  }

  static void awaitMetric(String name, DoublePredicate ok) {
    await(name, () -> TestServices.metric(port, name), ok);
  }

  static void awaitSum(String name, DoublePredicate ok) {
    await(name, () -> sum(name), ok);
  }

  private static void await(String name, java.util.function.DoubleSupplier value, DoublePredicate ok) {
    // 50 ms: a poll of the server's gauges
    TestServices.until(name + " as expected", 15_000, 50, () -> ok.test(value.getAsDouble()) ? Boolean.TRUE : null,
        () -> name + " is " + value.getAsDouble());
  }

  /** A meter summed over all its label sets (e.g. per address, per server). */
  static double sum(String name) {
    return TestServices.metricSum(port, name);
  }

  /** A raw WebSocket on a plain TCP socket, so the test can drop it with a reset instead of a close frame. */
  static final class RawSocket {
    private final Socket socket = new Socket();
    private final OutputStream out;
    private final DataInputStream in;

    private RawSocket(int port) throws IOException {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(10_000);
      out = socket.getOutputStream();
      in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      out.write(("GET /eventbus/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) in.readUnsignedByte());
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 101");
    }

    static RawSocket open(int port) throws IOException {
      return new RawSocket(port);
    }

    /** REGISTERs and waits for a later request's reply (frames are handled in order). */
    void register(JsonObject frame) throws IOException {
      send(frame.encode());
      send(clockRequest("raw-sync").encode());
      JsonObject reply = new JsonObject(Buffer.buffer(readFrame()));
      assertThat(reply.getString("address")).as("REGISTER settled without error: %s", reply).isEqualTo("raw-sync");
    }

    private void send(String text) throws IOException {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      // masked with the key 0: the payload as is
      out.write(payload.length < 126 ? new byte[] {(byte) 0x81, (byte) (0x80 | payload.length), 0, 0, 0, 0}
          : new byte[] {(byte) 0x81, (byte) (0x80 | 126), (byte) (payload.length >> 8), (byte) payload.length, 0, 0, 0, 0});
      out.write(payload);
      out.flush();
    }

    private byte[] readFrame() throws IOException {
      in.readUnsignedByte();
      int len = in.readUnsignedByte() & 0x7f;
      long n = len == 126 ? in.readUnsignedShort() : len == 127 ? in.readLong() : len;
      return in.readNBytes((int) n);
    }

    /** Drops the connection with a TCP reset: no WebSocket close frame, no FIN. */
    void reset() throws IOException {
      socket.setSoLinger(true, 0);
      socket.close();
    }
  }
}

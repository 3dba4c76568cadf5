package io.chorus.gateway;

import io.chorus.ChorusNode;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomState;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway declines WebSocket compression when a client offers it the way browsers do (issue 15:
 * per-socket deflate defeats the encode-once fan-out), and the socket still works without it. A raw
 * socket handshake: the JDK WebSocket client may not set Sec-WebSocket-Extensions, and this way the
 * test sees the 101 response's headers and the frame bits (RSV1 = compressed) exactly as sent.
 */
@ChorusCluster
class WebSocketCompressionTest {
  private static final String BROWSER_OFFER = "permessage-deflate; client_max_window_bits";
  static TestCluster cluster;
  static ChorusNode node;

  @Test
  void roomSocketDeclinesDeflateAndStillWorks() throws IOException {
    RoomState room = TestServices.await(new RoomClient(node.vertx().eventBus(), "test")
        .create(io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId("h").setHostName("Host")
            .setTrackUrl("https://example.com/track.mp3").build(), false));
    String token = TestTokens.issue(room.roomId(), "h", "host");
    try (Socket socket = new Socket("127.0.0.1", cluster.port())) {
      socket.setSoTimeout(10_000);
      List<String> response = handshake(socket, "/ws?room_id=" + room.roomId() + "&user_id=h&token=" + token);
      assertThat(response.get(0)).as("status line").contains(" 101 ");
      assertThat(extensions(response)).as("Sec-WebSocket-Extensions accepted by the server: %s", response).isEmpty();

      // the first message is room_info, sent as a plain (uncompressed: RSV1 clear) text frame
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int b0 = in.readUnsignedByte();
      assertThat(b0 & 0x40).as("RSV1 (compressed) bit of the first frame").isZero();
      assertThat(b0 & 0x0F).as("opcode (text)").isEqualTo(1);
      JsonObject info = new JsonObject(new String(payload(in), StandardCharsets.UTF_8));
      assertThat(info.getString("type")).isEqualTo("room_info");
      assertThat(info.getString("room_id")).isEqualTo(room.roomId());
    }
  }

  @Test
  void bridgeSocketDeclinesDeflate() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", cluster.port())) {
      socket.setSoTimeout(10_000);
      List<String> response = handshake(socket, "/eventbus/websocket");
      assertThat(response.get(0)).as("status line").contains(" 101 ");
      assertThat(extensions(response)).as("Sec-WebSocket-Extensions accepted by the server: %s", response).isEmpty();
    }
  }

  /** Sends a browser-like upgrade request offering permessage-deflate; returns the response's head lines. */
  private static List<String> handshake(Socket socket, String uri) throws IOException {
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String request = "GET " + uri + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + cluster.port() + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Extensions: " + BROWSER_OFFER + "\r\n"
        + "\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new AssertionError("connection closed during the handshake; got " + lines);
      }
      if (c == '\n') {
        String l = line.toString(StandardCharsets.US_ASCII).stripTrailing();
        line.reset();
        if (l.isEmpty()) {
          return lines;
        }
        lines.add(l);
      } else {
        line.write(c);
      }
    }
  }

  private static List<String> extensions(List<String> head) {
    return head.stream().filter(l -> l.toLowerCase().startsWith("sec-websocket-extensions:")).toList();
  }

  /** A server frame's payload (servers do not mask). */
  private static byte[] payload(DataInputStream in) throws IOException {
    int b1 = in.readUnsignedByte();
    assertThat(b1 & 0x80).as("server frames are not masked").isZero();
    long len = b1 & 0x7F;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] data = new byte[Math.toIntExact(len)];
    in.readFully(data);
    return data;
  }
}

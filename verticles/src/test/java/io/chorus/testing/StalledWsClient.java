package io.chorus.testing;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A raw WebSocket client that reads only when told to, over a socket with a 4 KiB receive buffer
 * (no autotuning): while it does not read, the server's kernel buffers and then its queue for this
 * client fill up quickly. Frames it sends are masked with the key 0 (the payload as is).
 */
public final class StalledWsClient implements AutoCloseable {
  private final Socket socket = new Socket();
  private final OutputStream out;
  private final DataInputStream in;

  /** What {@link #readToEnd()} found. */
  public record Rest(int frames, boolean closeFrame) {
  }

  private StalledWsClient(int port, String uri) throws IOException {
    socket.setReceiveBufferSize(4096);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(20_000);
    out = socket.getOutputStream();
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    out.write(("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new AssertionError("WebSocket handshake refused: " + head);
    }
  }

  public static StalledWsClient open(int port, String uri) throws IOException {
    return new StalledWsClient(port, uri);
  }

  public void sendText(String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    out.write(payload.length < 126 ? new byte[] {(byte) 0x81, (byte) (0x80 | payload.length), 0, 0, 0, 0}
        : new byte[] {(byte) 0x81, (byte) (0x80 | 126), (byte) (payload.length >> 8), (byte) payload.length, 0, 0, 0, 0});
    out.write(payload);
    out.flush();
  }

  /** The payload of the next frame (any opcode). */
  public byte[] readFrame() throws IOException {
    in.readUnsignedByte();
    return in.readNBytes((int) payloadLength());
  }

  /** Reads until the connection ends (EOF or reset): the data frames seen and whether a close frame came. */
  public Rest readToEnd() throws IOException {
    int frames = 0;
    boolean closeFrame = false;
    try {
      while (true) {
        int opcode = in.readUnsignedByte() & 0x0f;
        in.skipNBytes(payloadLength());
        if (opcode == 0x8) {
          closeFrame = true;
        } else {
          frames++;
        }
      }
    } catch (EOFException | SocketException ended) {
      return new Rest(frames, closeFrame);
    }
  }

  private long payloadLength() throws IOException {
    int len = in.readUnsignedByte() & 0x7f;
    return len == 126 ? in.readUnsignedShort() : len == 127 ? in.readLong() : len;
  }

  /** Drops the connection with a TCP reset (no close frame, no FIN), as a killed tab or a lost network does. */
  public void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

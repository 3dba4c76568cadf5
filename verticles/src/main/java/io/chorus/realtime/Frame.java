package io.chorus.realtime;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

import java.nio.charset.StandardCharsets;

/**
 * A message encoded once and written to many sockets. {@code writeTextMessage(String)} encodes its
 * argument again for every socket: in the chat benchmark (500 msg/s, 100 listeners) that per-socket
 * copy was 64 % of a node's allocation and so most of its young-GC pauses. Each write wraps the one
 * shared array (Netty only reads it); text longer than one default-size frame (64 KiB, what a client
 * with default settings accepts) is written the ordinary way, split into frames.
 */
public final class Frame {
  static final int MAX_SINGLE_FRAME = 65_536;

  private final String text;
  private final byte[] bytes;
  private final boolean binary;
  private Buffer buffer;

  private Frame(String text, byte[] bytes, boolean binary) {
    this.text = text;
    this.bytes = bytes;
    this.binary = binary;
  }

  /** A text message. */
  public static Frame of(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    return new Frame(text, utf8.length <= MAX_SINGLE_FRAME ? utf8 : null, false);
  }

  /** A binary message (its bytes are copied once). */
  public static Frame binary(Buffer payload) {
    return new Frame(null, payload.getBytes(), true);
  }

  public boolean isBinary() {
    return binary;
  }

  /** Its length in bytes on the wire, without framing. */
  public int length() {
    return bytes != null ? bytes.length : text.getBytes(StandardCharsets.UTF_8).length;
  }

  public Future<Void> writeTo(ServerWebSocket ws) {
    if (binary) {
      return ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.BINARY, bytes, true));
    }
    if (bytes == null) {
      return ws.writeTextMessage(text);
    }
    // a new wrapper per write (the frame's buffer is released after writing), the bytes shared
    return ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, bytes, true));
  }

  /** The bytes as a Vert.x buffer, for transports that take one (SockJS); made once, then shared. */
  public Buffer buffer() {
    Buffer b = buffer;
    if (b == null) {
      b = bytes != null ? Buffer.buffer(bytes) : Buffer.buffer(text);
      buffer = b;
    }
    return b;
  }
}

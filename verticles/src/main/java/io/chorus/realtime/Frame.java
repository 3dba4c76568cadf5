package io.chorus.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;

import java.nio.ByteBuffer;
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
  /**
   * {@code -Dchorus.bench.vertxDefaults=true}: {@link #send} writes the ordinary way and {@link QueueTrim}
   * changes nothing, so that a benchmark can measure the jar before and after in one sitting.
   */
  static final boolean VERTX_DEFAULTS = Boolean.getBoolean("chorus.bench.vertxDefaults");

  private final String text;
  private final byte[] bytes;
  private final boolean binary;
  private Buffer buffer;
  /** The whole WebSocket frame as the server sends it (header and payload), made on first use. */
  private volatile ByteBuf wire;

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

  /**
   * Writes the frame to the socket without a completion future: the one wire encoding (header and
   * payload, in direct memory) goes to the connection's outbound path as a duplicate that shares the
   * bytes. Per socket that saves what {@link #writeTo} costs on top: Vert.x's promise and frame
   * wrappers, Netty's per-socket header encoding and the payload's copy into a pooled buffer. The
   * write keeps its place in the connection's queue with Vert.x's own writes (room_info, replies,
   * close). Frames up to {@link #MAX_SINGLE_FRAME} bytes take this path. The caller checks
   * {@code isClosed()} first (as the slow-consumer policy does); a socket whose connection cannot be
   * reached this way is written the ordinary way.
   */
  public void send(ServerWebSocket ws) {
    send(ws, connectionOf(ws));
  }

  /** {@link #send(ServerWebSocket)} with the socket's connection already looked up ({@link #connectionOf}, may be null). */
  public void send(ServerWebSocket ws, VertxConnection conn) {
    if (ordinary(conn)) {
      writeTo(ws);
      return;
    }
    conn.writeToChannel(wire().duplicate());
  }

  /** {@link #send(ServerWebSocket)} past Vert.x's outbound queue when nothing waits in it ({@link DirectWrite}). */
  void send(ServerWebSocket ws, DirectWrite direct) {
    if (direct == null || ordinary(direct.connection())) {
      writeTo(ws);
      return;
    }
    direct.write(wire().duplicate());
  }

  /** Writes the frame past Vert.x's queue if the socket can take it now ({@link DirectWrite#canWriteNow}); false if it did not write. */
  boolean sendNow(DirectWrite direct) {
    if (direct == null || ordinary(direct.connection()) || !direct.canWriteNow()) {
      return false;
    }
    direct.writeNow(wire().duplicate());
    return true;
  }

  private boolean ordinary(VertxConnection conn) {
    // large binary messages (the stream hub's) keep the ordinary path: no second, direct copy of them
    return conn == null || bytes == null || bytes.length > MAX_SINGLE_FRAME || VERTX_DEFAULTS;
  }

  /** The Vert.x connection under a server WebSocket (also under vertx-web's wrapper); null if it cannot be reached. */
  public static VertxConnection connectionOf(ServerWebSocket socket) {
    if (QueueTrim.unwrap(socket) instanceof WebSocketInternal internal) {
      ChannelHandlerContext ctx = internal.channelHandlerContext();
      if (ctx != null && ctx.handler() instanceof VertxHandler<?> handler) {
        return handler.getConnection();
      }
    }
    return null;
  }

  private ByteBuf wire() {
    ByteBuf w = wire;
    if (w == null) {
      // a benign race: two loops may both encode it the first time; either result is the same bytes
      // unreleasable: the event loops writing one frame to their sockets at once never write to its reference
      // count (a retained duplicate per write had every loop's core take the count's cache line from the others).
      // Not a read-only view: nothing writes to an outbound buffer, and Netty's read-only duplicate made each of
      // the socket writes dearer (FrameWriteBench, two loops: 2.47 → 2.19 µs user per frame over 32 rounds each)
      w = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(encode(bytes, binary)));
      wire = w;
    }
    return w;
  }

  /**
   * RFC 6455 §5.2, server to client (unmasked, one final frame). The memory is a JDK direct buffer that
   * Netty does not free: every write gets a duplicate whose release does nothing, and the garbage collector
   * frees the memory with the frame.
   */
  static ByteBuffer encode(byte[] payload, boolean binary) {
    int n = payload.length;
    int header = n <= 125 ? 2 : n <= 0xFFFF ? 4 : 10;
    ByteBuffer out = ByteBuffer.allocateDirect(header + n);
    out.put((byte) (0x80 | (binary ? 0x2 : 0x1)));
    if (n <= 125) {
      out.put((byte) n);
    } else if (n <= 0xFFFF) {
      out.put((byte) 126).putShort((short) n);
    } else {
      out.put((byte) 127).putLong(n);
    }
    out.put(payload).flip();
    return out;
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

package io.chorus.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.streams.impl.MessagePassingQueue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;

/**
 * A socket's write that skips Vert.x's outbound queue when nothing waits in it. Vert.x 5.0 puts every
 * write in the connection's queue and at once drains it on the event loop (add, poll, test, write):
 * half of a fan-out's write path in a profile of {@code scripts/bench-fanout}. When the call is on the
 * connection's event loop, the queue holds nothing (its count of messages added and not yet written is
 * zero: none queued, none held back) and the channel is writable, that drain would write this message
 * straight away, so writing it straight away keeps the order of every write; otherwise it goes through
 * the queue as before.
 */
final class DirectWrite {
  /**
   * The queue's count of messages added and not yet written ({@code wipGet}), read on every write: a
   * static final handle the JIT inlines. It lives in the object whose writability {@code writeQueueFull}
   * has just read, where the queue's own emptiness test reached two more objects per socket (the
   * reflective field read it replaced was 7 % of the event loops' samples in a profile).
   */
  private static final MethodHandle PENDING = pendingHandle();

  private final VertxConnection conn;
  private final Channel channel;
  /** Vert.x's message-passing queue of the connection; null when this socket always writes through it. */
  private final MessagePassingQueue<?> passing;
  /**
   * The WebSocket frame encoder's context, when nothing that handles writes sits between it and Vert.x's
   * handler: a frame already encoded ({@link Frame}) is written from there, straight on towards the
   * transport (and any TLS handler), instead of from Vert.x's handler through the encoder, which only
   * passes it on — half of the pipeline walks of a write and flush. Null otherwise.
   */
  private final ChannelHandlerContext frames;

  private DirectWrite(VertxConnection conn, MessagePassingQueue<?> passing) {
    this.conn = conn;
    this.channel = conn.channelHandlerContext().channel();
    this.passing = passing;
    this.frames = passing == null ? null : framesContext(conn.channelHandlerContext());
  }

  /** The connection's direct write; writes through the queue only (as before) when Vert.x's internals are not as expected. */
  static DirectWrite of(VertxConnection conn) {
    if (PENDING != null && !Frame.VERTX_DEFAULTS) {
      try {
        if (QueueTrim.passingQueueOf(conn) instanceof MessagePassingQueue<?> passing) {
          return new DirectWrite(conn, passing);
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // not as expected: through the queue
      }
    }
    return new DirectWrite(conn, null);
  }

  /** The encoder's context if only handlers that leave writes alone sit between it and Vert.x's handler. */
  static ChannelHandlerContext framesContext(ChannelHandlerContext vertxHandler) {
    ChannelPipeline pipeline = vertxHandler.pipeline();
    ChannelHandlerContext encoder = pipeline.context(WebSocketFrameEncoder.class);
    if (encoder == null) {
      return null;
    }
    boolean between = false;
    for (Map.Entry<String, ChannelHandler> h : pipeline) {
      if (h.getValue() == encoder.handler()) {
        between = true;
      } else if (h.getValue() == vertxHandler.handler()) {
        return between ? encoder : null;
      } else if (between && h.getValue() instanceof ChannelOutboundHandler) {
        return null;
      }
    }
    return null;
  }

  /** True when a write now would go straight to the channel: on its loop, writable, nothing waiting in Vert.x's queue. */
  boolean canWriteNow() {
    return passing != null && channel.eventLoop().inEventLoop() && channel.isWritable() && nothingPending();
  }

  /** Writes one message (the caller's reference is handed over). */
  void write(ByteBuf message) {
    if (canWriteNow()) {
      writeNow(message);
    } else {
      conn.writeToChannel(message);
    }
  }

  /** Writes one message straight to the channel: only right after {@link #canWriteNow} said true, on the loop. */
  void writeNow(ByteBuf message) {
    if (frames != null) {
      // what conn.write does, but from the encoder's context (no flush is held back: this is not a reply)
      conn.reportsBytesWritten(message);
      frames.writeAndFlush(message, conn.voidPromise);
    } else {
      conn.write(message, false);
    }
  }

  VertxConnection connection() {
    return conn;
  }

  /** True when this socket's writes can skip the queue at all (for tests). */
  boolean bypasses() {
    return passing != null;
  }

  private boolean nothingPending() {
    try {
      return (long) PENDING.invokeExact(passing) == 0;
    } catch (Throwable e) {
      return false;
    }
  }

  private static MethodHandle pendingHandle() {
    try {
      MethodHandle wip = MethodHandles.privateLookupIn(MessagePassingQueue.class, MethodHandles.lookup())
          .findVirtual(MessagePassingQueue.class, "wipGet", MethodType.methodType(long.class));
      return wip.asType(MethodType.methodType(long.class, MessagePassingQueue.class));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }
}

package io.chorus.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.vertx.core.net.impl.VertxConnection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.util.Queue;

/**
 * A socket's write that skips Vert.x's outbound queue when nothing waits in it. Vert.x 5.0 puts every
 * write in the connection's queue and at once drains it on the event loop (add, poll, test, write):
 * half of a fan-out's write path in a profile of {@code scripts/bench-fanout}. When the call is on the
 * connection's event loop, the queue and its held-back element are empty and the channel is writable,
 * that drain would write this message straight away, so writing it straight away keeps the order of
 * every write; otherwise it goes through the queue as before.
 */
final class DirectWrite {
  /**
   * The message-passing queue's held-back element, read on every write: a static final VarHandle the JIT
   * reads like a plain field (a reflective {@code Field.get} was 7 % of the event loops' samples in a
   * profile of {@code scripts/bench-fanout}). The field is plain, written only on the connection's loop,
   * where this reads it.
   */
  private static final VarHandle OVERFLOW = overflowHandle();

  private final VertxConnection conn;
  private final Channel channel;
  /** Vert.x's queue of the connection (the one {@link QueueTrim} swapped in), and its holder of the element it could not write. */
  private final Queue<?> queue;
  private final Object passing;

  private DirectWrite(VertxConnection conn, Queue<?> queue, Object passing) {
    this.conn = conn;
    this.channel = conn.channelHandlerContext().channel();
    this.queue = queue;
    this.passing = passing;
  }

  /** The connection's direct write; writes through the queue only (as before) when Vert.x's internals are not as expected. */
  static DirectWrite of(VertxConnection conn) {
    if (OVERFLOW != null && !Frame.VERTX_DEFAULTS) {
      try {
        Object passing = QueueTrim.passingQueueOf(conn);
        if (passing != null) {
          return new DirectWrite(conn, QueueTrim.queueOfPassing(passing), passing);
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // not as expected: through the queue
      }
    }
    return new DirectWrite(conn, null, null);
  }

  /** Writes one message (the caller's reference is handed over). */
  void write(ByteBuf message) {
    if (queue != null && channel.eventLoop().inEventLoop() && channel.isWritable() && queue.isEmpty() && nothingHeld()) {
      conn.write(message, false);
    } else {
      conn.writeToChannel(message);
    }
  }

  VertxConnection connection() {
    return conn;
  }

  /** True when this socket's writes can skip the queue at all (for tests). */
  boolean bypasses() {
    return queue != null;
  }

  private boolean nothingHeld() {
    return OVERFLOW.get(passing) == null;
  }

  private static VarHandle overflowHandle() {
    Field f = QueueTrim.field("io.vertx.core.streams.impl.MessagePassingQueue", "overflow");
    if (f == null) {
      return null;
    }
    try {
      return MethodHandles.privateLookupIn(f.getDeclaringClass(), MethodHandles.lookup()).unreflectVarHandle(f);
    } catch (IllegalAccessException | RuntimeException e) {
      return null;
    }
  }
}

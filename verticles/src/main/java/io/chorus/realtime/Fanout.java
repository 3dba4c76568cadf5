package io.chorus.realtime;

import io.micrometer.core.instrument.Counter;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The sockets of one topic on one event loop, and the one slow-consumer policy: a socket whose write
 * queue is full when an event arrives is closed (1013) rather than buffered for without bound (its
 * client reconnects and resynchronises); a socket whose write throws is dropped; neither stops the
 * others. Event-loop confined.
 */
public final class Fanout<S extends Sink> {
  private final Set<S> sinks = new LinkedHashSet<>();
  private final Counter slowClosed;
  private final Consumer<S> onDropped;

  /** {@code slowClosed} (may be null) counts slow sockets closed; {@code onDropped} hears of every socket dropped. */
  public Fanout(Counter slowClosed, Consumer<S> onDropped) {
    this.slowClosed = slowClosed;
    this.onDropped = onDropped;
  }

  public boolean add(S sink) {
    return sinks.add(sink);
  }

  public boolean remove(S sink) {
    return sinks.remove(sink);
  }

  public boolean isEmpty() {
    return sinks.isEmpty();
  }

  public int size() {
    return sinks.size();
  }

  /** A copy of the sockets, safe to iterate while they are dropped. */
  @SuppressWarnings("unchecked")
  public S[] snapshot(java.util.function.IntFunction<S[]> array) {
    return sinks.toArray(array);
  }

  /** Writes {@code frame} to every socket under the policy. */
  public void write(Frame frame) {
    if (sinks.isEmpty()) {
      return;
    }
    @SuppressWarnings("unchecked")
    S[] all = (S[]) sinks.toArray(new Sink[0]);
    for (S s : all) {
      if (!offer(s, frame, slowClosed)) {
        sinks.remove(s);
        onDropped.accept(s);
      }
    }
  }

  /**
   * Writes one frame to one socket under the policy; false when the socket was closed for being slow
   * or broken (the caller forgets it). A socket already closed is skipped (its close handler runs).
   */
  public static boolean offer(Sink s, Frame frame, Counter slowClosed) {
    try {
      if (s.isClosed()) {
        return true;
      }
      if (s.writeQueueFull()) {
        if (slowClosed != null) {
          slowClosed.increment();
        }
        s.closeSlow();
        return false;
      }
      s.write(frame);
      return true;
    } catch (RuntimeException broken) {
      // e.g. its connection was lost without a close frame: drop it, go on with the others
      s.abort();
      return false;
    }
  }
}

package io.chorus.realtime;

import io.micrometer.core.instrument.Counter;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The sockets of one topic on one event loop, and the one slow-consumer policy: a socket whose write
 * queue is full when an event arrives is closed (1013) rather than buffered for without bound (its
 * client reconnects and resynchronises); a socket whose write throws is dropped; neither stops the
 * others. Event-loop confined.
 */
public final class Fanout<S extends Sink> {
  private final Set<S> sinks = new LinkedHashSet<>();
  /**
   * The sockets as an array, made when an event finds it missing and dropped on every add and remove: an event
   * to a room whose members do not change walks one array instead of copying the set's linked entries (one
   * object per socket; 4 % of a fan-out node's event-loop user time in a profile of scripts/bench-fanout).
   * Callers only read it, so a socket removed while one is iterated leaves that array as it was.
   */
  private S[] array;
  private final IntFunction<S[]> newArray;
  private final Counter slowClosed;
  private final Consumer<S> onDropped;

  /**
   * {@code newArray} makes the array of the sockets' type ({@link #snapshot}); {@code slowClosed} (may be null)
   * counts slow sockets closed; {@code onDropped} hears of every socket dropped.
   */
  public Fanout(IntFunction<S[]> newArray, Counter slowClosed, Consumer<S> onDropped) {
    this.newArray = newArray;
    this.slowClosed = slowClosed;
    this.onDropped = onDropped;
  }

  public boolean add(S sink) {
    array = null;
    return sinks.add(sink);
  }

  public boolean remove(S sink) {
    array = null;
    return sinks.remove(sink);
  }

  public boolean isEmpty() {
    return sinks.isEmpty();
  }

  public int size() {
    return sinks.size();
  }

  /** The sockets, safe to iterate while they are dropped; shared until the next add or remove: read it, never write it. */
  public S[] snapshot() {
    S[] a = array;
    if (a == null) {
      a = sinks.toArray(newArray);
      array = a;
    }
    return a;
  }

  /** Writes {@code frame} to every socket under the policy. */
  public void write(Frame frame) {
    if (sinks.isEmpty()) {
      return;
    }
    for (S s : snapshot()) {
      if (!offer(s, frame, slowClosed)) {
        remove(s);
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
      if (s.isClosed() || s.writeNow(frame)) {
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

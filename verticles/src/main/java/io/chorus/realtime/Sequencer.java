package io.chorus.realtime;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Puts one channel's events back in the order of their sequence numbers. Events published on
 * different nodes can cross on the bus, so an event that skips a number is held; when the missing
 * ones arrive the held ones follow in order. A gap still open {@code holdMs} later is handed to the
 * gap handler, which either gives up on it ({@link #release}: room events, whose newer state
 * supersedes the missing one) or recovers it from the store and reports what is known ({@link
 * #advanceTo}: chat, where every message counts). Event-loop confined; no server needed to test it.
 *
 * <p>With {@code repeats}, several events may share a number (a room change can publish two events
 * of one version) and an event whose number is the last delivered one is delivered too.
 */
public final class Sequencer<E> {
  /** Timers, so that tests can run the clock by hand. */
  public interface Timers {
    long set(long delayMs, Runnable action);

    void cancel(long id);
  }

  private final long holdMs;
  private final boolean repeats;
  private final Timers timers;
  private final Consumer<E> out;
  private final Consumer<Sequencer<E>> onGap;
  private final TreeMap<Long, List<E>> held = new TreeMap<>();
  private final Set<Long> skipped = new HashSet<>();
  private long last;
  private long timer = -1;

  /** {@code last}: the number delivered so far (-1: none yet, the first event sets the start). */
  public Sequencer(long last, long holdMs, boolean repeats, Timers timers, Consumer<E> out, Consumer<Sequencer<E>> onGap) {
    this.last = last;
    this.holdMs = holdMs;
    this.repeats = repeats;
    this.timers = timers;
    this.out = out;
    this.onGap = onGap;
  }

  public long last() {
    return last;
  }

  /** True while events wait for a missing number. */
  public boolean waiting() {
    return !held.isEmpty();
  }

  /** One event; stale ones (already delivered or superseded) are dropped. */
  public void offer(long seq, E event) {
    if (last < 0) {
      last = seq - 1;
    }
    if (seq < last || (seq == last && !repeats)) {
      return;
    }
    if (seq > last + 1) {
      held.computeIfAbsent(seq, k -> new ArrayList<>()).add(event);
      armTimer();
      return;
    }
    deliver(seq, event);
    drain();
  }

  /** Replaces what is held for {@code seq} (e.g. an edit of a message that waits for a gap). */
  public boolean replaceHeld(long seq, E event) {
    if (!held.containsKey(seq)) {
      return false;
    }
    List<E> list = new ArrayList<>();
    list.add(event);
    held.put(seq, list);
    return true;
  }

  /** A number that will never come (deleted): the sequence goes on past it. */
  public void skip(long seq) {
    if (seq <= last) {
      return;
    }
    held.remove(seq);
    skipped.add(seq);
    drain();
  }

  /** Gives up on the missing numbers: delivers everything held, in order. */
  public void release() {
    while (!held.isEmpty()) {
      Map.Entry<Long, List<E>> e = held.pollFirstEntry();
      for (E ev : e.getValue()) {
        deliver(e.getKey(), ev);
      }
    }
    skipped.clear();
    cancelTimer();
  }

  /**
   * Everything up to {@code seq} has been delivered another way (a recovery read): forgets what is held
   * up to it and delivers what follows in order.
   */
  public void advanceTo(long seq) {
    if (seq > last) {
      last = seq;
    }
    held.headMap(last, true).clear();
    skipped.removeIf(s -> s <= last);
    drain();
  }

  /** The held event for {@code seq}, if any (a recovery read prefers it: it may be newer than the store's). */
  public E heldAt(long seq) {
    List<E> l = held.get(seq);
    return l == null || l.isEmpty() ? null : l.get(l.size() - 1);
  }

  public void close() {
    held.clear();
    cancelTimer();
  }

  private void deliver(long seq, E event) {
    if (seq < last || (seq == last && !repeats)) {
      return;
    }
    last = seq;
    out.accept(event);
  }

  private void drain() {
    while (true) {
      long next = last + 1;
      List<E> ready = held.remove(next);
      if (ready != null) {
        for (E ev : ready) {
          deliver(next, ev);
        }
      } else if (skipped.remove(next)) {
        last = next;
      } else {
        break;
      }
    }
    if (held.isEmpty()) {
      cancelTimer();
    } else {
      armTimer();
    }
  }

  private void armTimer() {
    if (timer < 0) {
      timer = timers.set(holdMs, () -> {
        timer = -1;
        if (!held.isEmpty()) {
          onGap.accept(this);
        }
      });
    }
  }

  private void cancelTimer() {
    if (timer >= 0) {
      timers.cancel(timer);
      timer = -1;
    }
  }
}

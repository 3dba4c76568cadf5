package io.chorus.realtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The ordering rules of the real-time core, on a hand-run clock. */
class SequencerTest {
  /** Timers that fire only when the test advances the clock. */
  static final class ManualTimers implements Sequencer.Timers {
    final TreeMap<Long, Runnable> due = new TreeMap<>();
    long now;
    long next;

    @Override
    public long set(long delayMs, Runnable action) {
      long id = next++;
      due.put((now + delayMs) * 1000 + id, action);
      return id;
    }

    @Override
    public void cancel(long id) {
      due.entrySet().removeIf(e -> e.getKey() % 1000 == id);
    }

    void advance(long ms) {
      now += ms;
      while (!due.isEmpty() && due.firstKey() / 1000 <= now) {
        due.pollFirstEntry().getValue().run();
      }
    }
  }

  final ManualTimers timers = new ManualTimers();
  final List<String> out = new ArrayList<>();
  int gaps;

  Sequencer<String> room() {
    return new Sequencer<>(-1, 100, true, timers, out::add, s -> {
      gaps++;
      s.release();
    });
  }

  @Test
  void inOrderEventsPassAtOnce() {
    Sequencer<String> s = room();
    s.offer(5, "a");
    s.offer(6, "b");
    s.offer(7, "c");
    assertThat(out).containsExactly("a", "b", "c");
    assertThat(s.waiting()).isFalse();
  }

  @Test
  void aSkippedNumberHoldsWhatFollowsUntilItArrives() {
    Sequencer<String> s = room();
    s.offer(1, "v1");
    s.offer(3, "v3");
    s.offer(4, "v4");
    assertThat(out).containsExactly("v1");
    assertThat(s.waiting()).isTrue();
    s.offer(2, "v2");
    assertThat(out).containsExactly("v1", "v2", "v3", "v4");
    assertThat(s.waiting()).isFalse();
    timers.advance(1000);
    assertThat(gaps).as("the hold timer was cancelled when the gap closed").isZero();
  }

  @Test
  void aGapStillOpenAfterTheHoldIsGivenUpAndStaleEventsAreDropped() {
    Sequencer<String> s = room();
    s.offer(1, "v1");
    s.offer(3, "v3");
    timers.advance(99);
    assertThat(out).containsExactly("v1");
    timers.advance(1);
    assertThat(gaps).isEqualTo(1);
    assertThat(out).containsExactly("v1", "v3");
    s.offer(2, "v2 (late)");
    assertThat(out).as("superseded by v3").containsExactly("v1", "v3");
  }

  @Test
  void repeatsDeliverEveryEventOfTheLastNumber() {
    Sequencer<String> s = room();
    s.offer(4, "user_left");
    s.offer(4, "host_changed");
    assertThat(out).containsExactly("user_left", "host_changed");
  }

  @Test
  void strictSequencesSkipDeletedNumbersAndIgnoreDuplicates() {
    Sequencer<String> chat = new Sequencer<>(10, 50, false, timers, out::add, x -> gaps++);
    chat.offer(10, "dup");
    chat.offer(12, "m12");
    chat.skip(11);
    assertThat(out).containsExactly("m12");
    chat.offer(12, "m12 again");
    assertThat(out).containsExactly("m12");
  }

  @Test
  void aRecoveryReadAdvancesPastWhatItDeliveredAndReleasesWhatFollows() {
    Sequencer<String> chat = new Sequencer<>(0, 50, false, timers, out::add, x -> gaps++);
    chat.offer(3, "m3");
    chat.offer(4, "m4");
    timers.advance(50);
    assertThat(gaps).as("the gap handler is asked to recover").isEqualTo(1);
    assertThat(chat.heldAt(3)).isEqualTo("m3");
    // the store returned 1 and 2 (written by the caller), then the sequence goes on from the held ones
    out.add("m1 (read)");
    chat.advanceTo(1);
    out.add("m2 (read)");
    chat.advanceTo(2);
    assertThat(out).containsExactly("m1 (read)", "m2 (read)", "m3", "m4");
    assertThat(chat.last()).isEqualTo(4);
  }

  @Test
  void anEditOfAHeldMessageReplacesIt() {
    Sequencer<String> chat = new Sequencer<>(0, 50, false, timers, out::add, x -> gaps++);
    chat.offer(2, "m2");
    assertThat(chat.replaceHeld(2, "m2 edited")).isTrue();
    assertThat(chat.replaceHeld(7, "never held")).isFalse();
    chat.offer(1, "m1");
    assertThat(out).containsExactly("m1", "m2 edited");
  }
}

package io.chorus.realtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy's decisions and the fan-out's socket array, without a server: {@link Fanout#offer} tries the
 * direct write first and falls back to the queue check; the array an event walks is made once per change of
 * members and never changes under a caller that holds it.
 */
class FanoutTest {
  /** A sink that records what the policy asked of it. */
  static final class Recorder implements Sink {
    final String name;
    boolean closed;
    boolean takesNow;
    boolean full;
    boolean breaks;
    final List<String> calls = new ArrayList<>();

    Recorder(String name) {
      this.name = name;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public boolean writeNow(Frame frame) {
      calls.add("writeNow");
      return takesNow;
    }

    @Override
    public boolean writeQueueFull() {
      calls.add("full?");
      return full;
    }

    @Override
    public void write(Frame frame) {
      calls.add("write");
      if (breaks) {
        throw new IllegalStateException("connection reset");
      }
    }

    @Override
    public void closeSlow() {
      calls.add("closeSlow");
    }

    @Override
    public void abort() {
      calls.add("abort");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final Frame FRAME = Frame.of("{\"type\":\"seek\"}");

  @Test
  void aSocketThatTakesTheFrameNowIsNotAskedAgain() {
    Recorder s = new Recorder("now");
    s.takesNow = true;
    assertThat(Fanout.offer(s, FRAME, null)).isTrue();
    assertThat(s.calls).containsExactly("writeNow");
  }

  @Test
  void otherwiseTheQueueDecides() {
    Recorder roomy = new Recorder("roomy");
    assertThat(Fanout.offer(roomy, FRAME, null)).isTrue();
    assertThat(roomy.calls).containsExactly("writeNow", "full?", "write");

    Recorder full = new Recorder("full");
    full.full = true;
    assertThat(Fanout.offer(full, FRAME, null)).as("a full socket is dropped").isFalse();
    assertThat(full.calls).containsExactly("writeNow", "full?", "closeSlow");

    Recorder broken = new Recorder("broken");
    broken.breaks = true;
    assertThat(Fanout.offer(broken, FRAME, null)).as("a broken socket is dropped").isFalse();
    assertThat(broken.calls).containsExactly("writeNow", "full?", "write", "abort");

    Recorder closed = new Recorder("closed");
    closed.closed = true;
    assertThat(Fanout.offer(closed, FRAME, null)).as("a closed socket is skipped, its close handler cleans up").isTrue();
    assertThat(closed.calls).isEmpty();
  }

  @Test
  void theArrayIsMadeOncePerChangeAndNeverChangesUnderItsHolder() {
    Fanout<Recorder> fanout = new Fanout<>(Recorder[]::new, null, s -> { });
    Recorder a = new Recorder("a");
    Recorder b = new Recorder("b");
    fanout.add(a);
    Recorder[] first = fanout.snapshot();
    assertThat(first).containsExactly(a);
    assertThat(fanout.snapshot()).as("no change: the same array").isSameAs(first);

    fanout.add(b);
    Recorder[] second = fanout.snapshot();
    assertThat(second).containsExactly(a, b);
    assertThat(first).as("the array held before the add").containsExactly(a);

    fanout.remove(a);
    assertThat(fanout.snapshot()).containsExactly(b);
    assertThat(second).as("the array held before the remove").containsExactly(a, b);

    // an event makes the array when it finds none: it is of the sockets' type for every caller after it
    fanout.add(a);
    fanout.write(FRAME);
    Recorder[] afterEvent = fanout.snapshot();
    assertThat(afterEvent).containsExactly(b, a);
  }

  @Test
  void socketsDroppedDuringAnEventLeaveTheNextOne() {
    List<Recorder> dropped = new ArrayList<>();
    Fanout<Recorder> fanout = new Fanout<>(Recorder[]::new, null, dropped::add);
    Recorder ok = new Recorder("ok");
    Recorder slow = new Recorder("slow");
    slow.full = true;
    Recorder last = new Recorder("last");
    fanout.add(ok);
    fanout.add(slow);
    fanout.add(last);
    fanout.snapshot();

    fanout.write(FRAME);
    assertThat(dropped).containsExactly(slow);
    assertThat(last.calls).as("the socket after the dropped one still got the event").contains("write");
    assertThat(fanout.snapshot()).containsExactly(ok, last);

    slow.calls.clear();
    fanout.write(FRAME);
    assertThat(slow.calls).as("a dropped socket gets nothing more").isEmpty();
    assertThat(ok.calls).containsExactly("writeNow", "full?", "write", "writeNow", "full?", "write");
  }
}

package io.chorus.room;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A membership check started before a revocation this node heard is overruled by it; others are not. */
class RecentRevocationsTest {
  final AtomicLong now = new AtomicLong(1_000_000);
  final RecentRevocations r = new RecentRevocations(now::get);

  @Test
  void aRevocationOverrulesOnlyChecksStartedBeforeIt() {
    RecentRevocations r = new RecentRevocations();
    long before = System.currentTimeMillis();
    r.add("ROOM1", "bob");
    assertThat(r.since("ROOM1", "bob", before)).isTrue();
    assertThat(r.since("ROOM1", "bob", System.currentTimeMillis() + 1)).as("a check started after it").isFalse();
    assertThat(r.since("ROOM1", "carol", before)).isFalse();
    assertThat(r.since("ROOM2", "bob", before)).isFalse();
  }

  @Test
  void aCheckStartedInTheSameMillisecondIsOverruled() {
    r.add("ROOM1", "bob");
    assertThat(r.since("ROOM1", "bob", 1_000_000)).isTrue();
    assertThat(r.since("ROOM1", "bob", 1_000_001)).isFalse();
  }

  @Test
  void aSecondRevocationCountsFromItsOwnTime() {
    r.add("ROOM1", "bob");
    now.set(1_005_000);
    // bob re-joined and left again: checks started between the two leaves are overruled too
    r.add("ROOM1", "bob");
    assertThat(r.since("ROOM1", "bob", 1_003_000)).isTrue();
    assertThat(r.since("ROOM1", "bob", 1_005_001)).isFalse();
  }

  @Test
  void revocationsOlderThanAMinuteAreForgottenAtTheNextAdd() {
    r.add("ROOM1", "old");
    now.addAndGet(RecentRevocations.KEEP_MS);
    r.add("ROOM1", "edge");
    assertThat(r.since("ROOM1", "old", 0)).as("exactly KEEP_MS old: kept").isTrue();
    now.addAndGet(1);
    r.add("ROOM1", "new");
    assertThat(r.since("ROOM1", "old", 0)).as("older than KEEP_MS: dropped").isFalse();
    assertThat(r.since("ROOM1", "edge", 0)).isTrue();
    assertThat(r.since("ROOM1", "new", 0)).isTrue();
  }

  @Test
  void aRenewedEntryIsNotDroppedWithTheOnesAddedBeforeItsRenewal() {
    r.add("ROOM1", "a");
    now.addAndGet(30_000);
    r.add("ROOM1", "b");
    now.addAndGet(20_000);
    r.add("ROOM1", "a"); // a moves behind b
    now.addAndGet(40_001);
    r.add("ROOM1", "c"); // b is 60 001 ms old, a 40 001 ms
    assertThat(r.since("ROOM1", "b", 0)).isFalse();
    assertThat(r.since("ROOM1", "a", 0)).isTrue();
    assertThat(r.since("ROOM1", "c", 0)).isTrue();
  }

  @Test
  void roomsAndParticipantsAreKeptApart() {
    r.add("ROOM1", "bob");
    assertThat(r.since("ROOM2", "bob", 0)).isFalse();
    assertThat(r.since("ROOM1", "bo", 0)).isFalse();
    assertThat(r.since("ROOM1b", "ob", 0)).isFalse();
  }
}

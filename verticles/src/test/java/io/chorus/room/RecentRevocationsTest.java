package io.chorus.room;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A membership check started before a revocation this node heard is overruled by it; others are not. */
class RecentRevocationsTest {
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
}

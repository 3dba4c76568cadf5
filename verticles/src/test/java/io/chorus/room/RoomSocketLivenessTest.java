package io.chorus.room;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When a seed /ws socket counts as gone: silent for two pings' time, and not a millisecond before. */
class RoomSocketLivenessTest {
  @Test
  void aSocketIsGoneAfterTwoPingsOfSilence() {
    long ping = 15_000;
    assertThat(RoomSocketLiveness.silent(1_000, 1_000, ping)).isFalse();
    // one ping unanswered is a slow client, not a gone one
    assertThat(RoomSocketLiveness.silent(1_000, 1_000 + ping, ping)).isFalse();
    assertThat(RoomSocketLiveness.silent(1_000, 1_000 + 2 * ping - 1, ping)).isFalse();
    assertThat(RoomSocketLiveness.silent(1_000, 1_000 + 2 * ping, ping)).isTrue();
    assertThat(RoomSocketLiveness.silent(1_000, 1_000 + 10 * ping, ping)).isTrue();
  }
}

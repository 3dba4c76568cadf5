package io.chorus.streamhub;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The stream key check the source's socket and DELETE /sessions/:id share. */
class StreamSessionTest {
  @Test
  void onlyTheSessionsOwnKeyMatches() {
    StreamSession s = new StreamSession("s1", "cam", "key-123", StreamSession.WAITING, null, null, null);
    assertThat(s.keyMatches("key-123")).isTrue();
    assertThat(s.keyMatches("key-124")).isFalse();
    assertThat(s.keyMatches("key-12")).isFalse();
    assertThat(s.keyMatches("")).isFalse();
    assertThat(s.keyMatches(null)).isFalse();
  }
}

package io.chorus.web;

import io.chorus.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** RateLimiter's parts that need no Redis: Retry-After rounding, the key layout, limit 0. */
class RateLimiterTest {
  @Test
  void retryAfterIsTheRestOfTheWindowRoundedUpToWholeSecondsAndAtLeastOne() {
    assertThat(RateLimiter.limited("messages", 0).retryAfterSeconds()).isEqualTo(1);
    assertThat(RateLimiter.limited("messages", -5).retryAfterSeconds()).as("a key that just expired").isEqualTo(1);
    assertThat(RateLimiter.limited("messages", 1).retryAfterSeconds()).isEqualTo(1);
    assertThat(RateLimiter.limited("messages", 1_000).retryAfterSeconds()).isEqualTo(1);
    assertThat(RateLimiter.limited("messages", 1_001).retryAfterSeconds()).isEqualTo(2);
    assertThat(RateLimiter.limited("messages", 3_600_000).retryAfterSeconds()).isEqualTo(3_600);
  }

  @Test
  void theRefusalSaysWhatAndWhen() {
    RateLimiter.RateLimited e = RateLimiter.limited("messages", 2_500);
    assertThat(e).hasMessage("too many messages; retry after 3 s");
    assertThat(e.getStackTrace()).as("a refusal is an answer, not an error: no stack trace").isEmpty();
  }

  @Test
  void aRoomsCountersShareTheRoomsHashTag() {
    assertThat(RateLimiter.requestsKey("ROOM1", "bob")).isEqualTo("ratelimit:{ROOM1}:requests:bob");
    assertThat(RateLimiter.messagesKey("ROOM1", "bob")).isEqualTo("ratelimit:{ROOM1}:messages:bob");
  }

  @Test
  void limitZeroIsUnlimitedAndNeverAsksRedis() {
    // no Redis client at all: a call that reached Redis would fail
    RateLimiter limiter = new RateLimiter(null, 60);
    assertThat(limiter.windowMs()).isEqualTo(60_000);
    for (int i = 0; i < 3; i++) {
      TestServices.await(limiter.hit(RateLimiter.ROOM_CREATE, "127.0.0.1", 0, "rooms"));
      TestServices.await(limiter.hitParticipant("ROOM1", "bob", 0));
      TestServices.await(limiter.hitAddress("127.0.0.1", -1));
    }
  }
}

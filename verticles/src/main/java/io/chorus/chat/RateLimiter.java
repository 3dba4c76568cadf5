package io.chorus.chat;

import io.chorus.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;

import java.util.List;

/**
 * Cluster-wide fixed-window rate limits in Redis (seed 002: room creation per IP, messages per
 * participant, requests per room): one counter per key and window, shared by every node. A refusal
 * is a {@link RateLimited} (HTTP 429 {@code rate_limited}) carrying the seconds until the window ends (for {@code Retry-After}).
 */
public final class RateLimiter {
  private final LuaScript script;
  private final long windowMs;

  /** Thrown (as a failed future) when over the limit. */
  public static final class RateLimited extends RuntimeException {
    private final long retryAfterSeconds;

    RateLimited(String what, long retryAfterSeconds) {
      super("too many " + what + "; retry after " + retryAfterSeconds + " s", null, false, false);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  public RateLimiter(RedisAPI redis, int windowSeconds) {
    this.script = new LuaScript(redis, "lua/ratelimit.lua");
    this.windowMs = windowSeconds * 1000L;
  }

  /** Counts one hit on {@code ratelimit:{kind:subject}}; {@code limit} 0 means unlimited. */
  public Future<Void> hit(String kind, String subject, int limit, String what) {
    if (limit <= 0) {
      return Future.succeededFuture();
    }
    String key = "ratelimit:{" + kind + ":" + subject + "}";
    return script.run(List.of(key), List.of(Long.toString(windowMs))).compose(r -> {
      long count = r.get(0).toLong();
      long ttlMs = r.get(1).toLong();
      if (count > limit) {
        return Future.failedFuture(new RateLimited(what, Math.max(1, (ttlMs + 999) / 1000)));
      }
      return Future.succeededFuture();
    });
  }
}

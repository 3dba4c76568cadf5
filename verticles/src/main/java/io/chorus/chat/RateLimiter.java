package io.chorus.chat;

import io.chorus.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;

import java.util.List;

/**
 * Cluster-wide fixed-window rate limits in Redis (seed 002: room creation per IP, messages per
 * participant, requests per room): one counter per key and window, shared by every node (keys
 * {@code ratelimit:{create:<ip>}}, {@code ratelimit:{<room>}:requests}, {@code ratelimit:{<room>}:messages:<participant>};
 * the last two are also counted by the chat script, {@link ChatStore#post}). A refusal
 * is a {@link RateLimited} (HTTP 429 {@code rate_limited}) carrying the seconds until the window ends (for {@code Retry-After}).
 */
public final class RateLimiter {
  static final String ROOM_REQUESTS = "requests to this room";
  static final String MESSAGES = "messages";

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
    return hitKey("ratelimit:{" + kind + ":" + subject + "}", limit, what);
  }

  /** Counts one hit on the room's request counter ({@link #roomRequestsKey}); {@code limit} 0 means unlimited. */
  public Future<Void> hitRoom(String roomId, int limit) {
    return hitKey(roomRequestsKey(roomId), limit, ROOM_REQUESTS);
  }

  /**
   * The room's counters carry the room id as their hash tag, like the room's other keys, so that the
   * chat script can count, check membership and append in one step (also on a Redis Cluster).
   */
  public static String roomRequestsKey(String roomId) {
    return "ratelimit:{" + roomId + "}:requests";
  }

  public static String messagesKey(String roomId, String participantId) {
    return "ratelimit:{" + roomId + "}:messages:" + participantId;
  }

  public long windowMs() {
    return windowMs;
  }

  /** A refusal counted elsewhere (the chat script): {@code msLeft} until the window ends. */
  static RateLimited limited(String what, long msLeft) {
    return new RateLimited(what, Math.max(1, (msLeft + 999) / 1000));
  }

  private Future<Void> hitKey(String key, int limit, String what) {
    if (limit <= 0) {
      return Future.succeededFuture();
    }
    return script.run(List.of(key), List.of(Long.toString(windowMs))).compose(r -> {
      long count = r.get(0).toLong();
      long ttlMs = r.get(1).toLong();
      if (count > limit) {
        return Future.failedFuture(limited(what, ttlMs));
      }
      return Future.succeededFuture();
    });
  }
}

package io.chorus.web;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.chorus.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.RedisAPI;

import java.util.List;

/**
 * Cluster-wide fixed-window rate limits in Redis (seed 002: room creation per IP, messages per
 * participant, requests per caller): one counter per key and window, shared by every node (keys
 * {@code ratelimit:{create:<ip>}}, {@code ratelimit:{session-create:<ip>}}, {@code ratelimit:{ip:<ip>}:requests},
 * {@code ratelimit:{<room>}:requests:<participant>}, {@code ratelimit:{<room>}:messages:<participant>};
 * the last two are also counted by the chat script, {@link ChatStore#post}). A refusal
 * is a {@link RateLimited} (HTTP 429 {@code rate_limited}) carrying the seconds until the window ends (for {@code Retry-After}).
 */
public final class RateLimiter {
  /** The kind of the per-IP room creation counter, {@code ratelimit:{create:<ip>}}: every API that creates a room counts on it. */
  public static final String ROOM_CREATE = "create";
  public static final String ROOM_REQUESTS = "requests to rooms from this caller";
  public static final String MESSAGES = "messages";

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

  /**
   * Counts one request of a token-authenticated participant to its room ({@link #requestsKey}); {@code limit}
   * 0 means unlimited. Requests are limited per caller, never per room: outsiders cannot use up a
   * room's budget and make its members' requests fail.
   */
  public Future<Void> hitParticipant(String roomId, String participantId, int limit) {
    return hitKey(requestsKey(roomId, participantId), limit, ROOM_REQUESTS);
  }

  /** Counts one request without a valid participant token, per client IP across all rooms ({@code ratelimit:{ip:<ip>}:requests}). */
  public Future<Void> hitAddress(String clientIp, int limit) {
    return hitKey("ratelimit:{ip:" + clientIp + "}:requests", limit, ROOM_REQUESTS);
  }

  /**
   * A participant's request counter in its room. The room's counters carry the room id as their hash
   * tag, like the room's other keys, so that the chat script can count, check membership and append
   * in one step (also on a Redis Cluster).
   */
  public static String requestsKey(String roomId, String participantId) {
    return "ratelimit:{" + roomId + "}:requests:" + participantId;
  }

  public static String messagesKey(String roomId, String participantId) {
    return "ratelimit:{" + roomId + "}:messages:" + participantId;
  }

  public long windowMs() {
    return windowMs;
  }

  /**
   * The caller's address the per-IP limits count: the TCP peer. {@code X-Forwarded-For} is not
   * trusted (any client can send it); behind a proxy every caller shares the proxy's address.
   */
  public static String clientIp(HttpServerRequest request) {
    return request.remoteAddress().hostAddress();
  }

  /** Answers a failed request: a {@link RateLimited} as 429 {@code rate_limited} with {@code Retry-After}, anything else as usual. */
  public static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof RateLimited rl) {
      ctx.response().putHeader("Retry-After", Long.toString(rl.retryAfterSeconds()));
      Http.error(ctx, ErrorCode.RATE_LIMITED, e.getMessage());
      return;
    }
    Http.fail(ctx, e);
  }

  /** A refusal counted elsewhere (the chat script): {@code msLeft} until the window ends. */
  public static RateLimited limited(String what, long msLeft) {
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

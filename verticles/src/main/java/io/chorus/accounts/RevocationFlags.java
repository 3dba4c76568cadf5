package io.chorus.accounts;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Cluster-wide "stop accepting this user's / this session's access tokens" flags in Redis. Each flag
 * lives one access-token lifetime (plus a minute of clock skew): after that every token issued before
 * it has expired anyway, and the refresh side (PostgreSQL) refuses new ones. Keys share the user's hash
 * tag so one {@code EXISTS} checks both on a Redis Cluster too.
 */
public final class RevocationFlags {
  private final RedisAPI redis;
  private final long ttlSeconds;

  public RevocationFlags(RedisAPI redis, int accessTokenTtlSeconds) {
    this.redis = redis;
    this.ttlSeconds = accessTokenTtlSeconds + 60L;
  }

  static String userKey(String userId) {
    return "auth:{" + userId + "}:disabled";
  }

  static String sessionKey(String userId, String sessionId) {
    return "auth:{" + userId + "}:session:" + sessionId;
  }

  public Future<Void> disableUser(String userId) {
    return redis.set(List.of(userKey(userId), "1", "EX", Long.toString(ttlSeconds))).mapEmpty();
  }

  public Future<Void> enableUser(String userId) {
    return redis.del(List.of(userKey(userId))).mapEmpty();
  }

  public Future<Void> revokeSessions(String userId, Collection<String> sessionIds) {
    List<Future<?>> all = new ArrayList<>();
    for (String sid : sessionIds) {
      all.add(redis.set(List.of(sessionKey(userId, sid), "1", "EX", Long.toString(ttlSeconds))));
    }
    return Future.all(all).mapEmpty();
  }

  /** Null when neither flag is set, else which one (the user's first). */
  public Future<io.chorus.web.SignedIn.Ended> ended(String userId, String sessionId) {
    return redis.mget(List.of(userKey(userId), sessionKey(userId, sessionId))).map(r -> r.get(0) != null
        ? io.chorus.web.SignedIn.Ended.DISABLED : r.get(1) != null ? io.chorus.web.SignedIn.Ended.SIGNED_OUT : null);
  }

  /** True when the user is disabled or the session revoked. */
  public Future<Boolean> revoked(String userId, String sessionId) {
    return redis.exists(List.of(userKey(userId), sessionKey(userId, sessionId))).map(r -> r.toLong() > 0);
  }
}

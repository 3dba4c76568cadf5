package io.chorus.accounts;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Sign-in sessions (refresh families) and their hashed refresh tokens in PostgreSQL. */
public final class SessionRepo {
  private final Pool pg;
  private final long refreshTtlSeconds;

  public SessionRepo(Pool pg, int refreshTtlDays) {
    this.pg = pg;
    this.refreshTtlSeconds = refreshTtlDays * 86_400L;
  }

  /** A new session's id, its first refresh token and when the session (every refresh token of it) expires. */
  public record Issued(String sessionId, String refreshToken, Instant expiresAt) {
  }

  /**
   * The outcome of presenting a refresh token; {@code next} is set only for {@code ROTATE}, with {@code expiresAt}: when
   * the session, and so {@code next}, expires (its sign-in plus the refresh TTL, not renewed by a rotation).
   */
  public record Rotation(RefreshFamilies.Outcome outcome, String userId, String sessionId, String next, Instant expiresAt) {
    Rotation(RefreshFamilies.Outcome outcome, String userId, String sessionId, String next) {
      this(outcome, userId, sessionId, next, null);
    }
  }

  public Future<Issued> start(String userId) {
    UUID sid = UUID.randomUUID();
    String token = RefreshFamilies.newToken();
    OffsetDateTime expires = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(refreshTtlSeconds);
    return pg.withTransaction(c -> c.preparedQuery("INSERT INTO auth_sessions (id, user_id, expires_at) VALUES ($1, $2, $3)")
            .execute(Tuple.of(sid, UUID.fromString(userId), expires))
            .compose(r -> insertToken(c, token, sid, UUID.fromString(userId), expires)))
        .map(v -> new Issued(sid.toString(), token, expires.toInstant()));
  }

  /**
   * Rotates {@code token} in one transaction (the row is locked, so two concurrent uses cannot both
   * rotate). A reuse revokes the family and commits: the caller then refuses the request.
   */
  public Future<Rotation> rotate(String token) {
    byte[] hash = RefreshFamilies.hash(token);
    return pg.withTransaction(c -> c.preparedQuery("SELECT t.session_id, t.user_id, t.expires_at, t.used_at, s.revoked_at, s.expires_at AS family_expires"
            + " FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE t.token_hash = $1 FOR UPDATE OF t, s")
        .execute(Tuple.of(Buffer.buffer(hash)))
        .compose(rows -> {
          Row r = rows.size() == 0 ? null : rows.iterator().next();
          RefreshFamilies.Outcome outcome = r == null ? RefreshFamilies.Outcome.UNKNOWN : RefreshFamilies.decide(true,
              instant(r.getOffsetDateTime("used_at")), instant(r.getOffsetDateTime("revoked_at")),
              instant(r.getOffsetDateTime("expires_at")), Instant.now());
          if (r == null) {
            return Future.succeededFuture(new Rotation(outcome, null, null, null));
          }
          UUID sid = r.getUUID("session_id");
          UUID uid = r.getUUID("user_id");
          return switch (outcome) {
            case ROTATE -> {
              String next = RefreshFamilies.newToken();
              yield c.preparedQuery("UPDATE refresh_tokens SET used_at = NOW() WHERE token_hash = $1").execute(Tuple.of(Buffer.buffer(hash)))
                  .compose(x -> insertToken(c, next, sid, uid, r.getOffsetDateTime("family_expires")))
                  .map(x -> new Rotation(outcome, uid.toString(), sid.toString(), next, instant(r.getOffsetDateTime("family_expires"))));
            }
            case REUSE_DETECTED -> c.preparedQuery("UPDATE auth_sessions SET revoked_at = NOW(), revoke_reason = 'reuse' WHERE id = $1 AND revoked_at IS NULL")
                .execute(Tuple.of(sid)).map(x -> new Rotation(outcome, uid.toString(), sid.toString(), null));
            default -> Future.succeededFuture(new Rotation(outcome, uid.toString(), sid.toString(), null));
          };
        }));
  }

  /** Revokes one session of the user; true when it was live. */
  public Future<Boolean> revoke(String userId, String sessionId, String reason) {
    UUID sid = UserRepo.uuidOrNull(sessionId);
    if (sid == null) {
      return Future.succeededFuture(false);
    }
    return pg.preparedQuery("UPDATE auth_sessions SET revoked_at = NOW(), revoke_reason = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .execute(Tuple.of(sid, UUID.fromString(userId), reason)).map(r -> r.rowCount() == 1);
  }

  /** Revokes every live session of the user except {@code keepSessionId} (may be null); returns the revoked ids. */
  public Future<List<String>> revokeAll(String userId, String keepSessionId, String reason) {
    return pg.preparedQuery("UPDATE auth_sessions SET revoked_at = NOW(), revoke_reason = $3"
            + " WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2) RETURNING id")
        .execute(Tuple.of(UUID.fromString(userId), UserRepo.uuidOrNull(keepSessionId), reason))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getUUID("id").toString()));
          return ids;
        });
  }

  /** The session that issued {@code token}, if the token is known (logout with a refresh token). */
  public Future<Rotation> owner(String token) {
    return pg.preparedQuery("SELECT session_id, user_id FROM refresh_tokens WHERE token_hash = $1")
        .execute(Tuple.of(Buffer.buffer(RefreshFamilies.hash(token))))
        .map(rows -> rows.size() == 0 ? null : new Rotation(null, rows.iterator().next().getUUID("user_id").toString(),
            rows.iterator().next().getUUID("session_id").toString(), null));
  }

  private static Future<Void> insertToken(SqlConnection c, String token, UUID sid, UUID uid, OffsetDateTime expires) {
    return c.preparedQuery("INSERT INTO refresh_tokens (token_hash, session_id, user_id, expires_at) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(Buffer.buffer(RefreshFamilies.hash(token)), sid, uid, expires)).mapEmpty();
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}

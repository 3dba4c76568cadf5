package io.chorus.streamhub;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** Broadcast sessions and their operators in PostgreSQL ({@code streaming_sessions}, {@code session_operators}). */
public final class StreamSessions {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String COLUMNS = "id, client_id, stream_key, status, created_at, started_at, finished_at";

  private final Pool pg;

  public StreamSessions(Pool pg) {
    this.pg = pg;
  }

  public Future<StreamSession> create(String clientId) {
    if (clientId == null || clientId.isBlank() || clientId.length() > 255) {
      return Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "client_id is required (1-255 characters)"));
    }
    byte[] key = new byte[24];
    RANDOM.nextBytes(key);
    String streamKey = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
    return pg.preparedQuery("INSERT INTO streaming_sessions (id, client_id, stream_key, status) VALUES ($1, $2, $3, 'waiting') RETURNING " + COLUMNS)
        .execute(Tuple.of(UUID.randomUUID(), clientId, streamKey))
        .map(rows -> map(rows.iterator().next()));
  }

  private static final java.util.regex.Pattern CANONICAL_ID =
      java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  public Future<StreamSession> get(String id) {
    UUID uuid = parse(id);
    if (uuid == null) {
      return Future.failedFuture(new ChorusException(ErrorCode.NOT_FOUND, "session not found"));
    }
    return pg.preparedQuery("SELECT " + COLUMNS + " FROM streaming_sessions WHERE id = $1").execute(Tuple.of(uuid))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new ChorusException(ErrorCode.NOT_FOUND, "session not found"))
            : Future.succeededFuture(map(rows.iterator().next())));
  }

  /**
   * waiting → active when the source connects; a finished session stays finished and the source is
   * refused ({@code gone}): it may have been ended or expired since the socket looked it up.
   */
  public Future<Void> markActive(String id) {
    return pg.preparedQuery("UPDATE streaming_sessions SET status = 'active', started_at = COALESCE(started_at, NOW()), updated_at = NOW() "
        + "WHERE id = $1 AND status <> 'finished'").execute(Tuple.of(UUID.fromString(id)))
        .compose(r -> r.rowCount() > 0 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new ChorusException(ErrorCode.GONE, "session is finished")));
  }

  /**
   * Finishes the sessions still {@code waiting} (no source ever connected) {@code ttlSeconds} after
   * their creation; the ids it finished. One conditional UPDATE: nodes running it at the same time
   * each get a disjoint set (a row finished by one no longer matches for the other).
   */
  public Future<List<String>> expireWaiting(int ttlSeconds) {
    return pg.preparedQuery("UPDATE streaming_sessions SET status = 'finished', finished_at = NOW(), updated_at = NOW() "
            + "WHERE status = 'waiting' AND created_at < NOW() - make_interval(secs => $1) RETURNING id")
        .execute(Tuple.of((double) ttlSeconds))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getUUID("id").toString()));
          return ids;
        });
  }

  /** Idempotent: finishing a finished session changes nothing and succeeds. */
  public Future<StreamSession> finish(String id) {
    return get(id).compose(s -> pg.preparedQuery("UPDATE streaming_sessions SET status = 'finished', finished_at = COALESCE(finished_at, NOW()), "
        + "updated_at = NOW() WHERE id = $1").execute(Tuple.of(UUID.fromString(id))).compose(r -> get(id)));
  }

  /**
   * Records an operator on first connect, refusing a new one past {@code max}; a replayed connect of a known operator
   * always succeeds. The session's row is locked first, so concurrent connects (on any node) are counted one after
   * the other: a count and insert in one statement let a storm of connects overshoot {@code max} (104 of 100).
   */
  public Future<Void> addOperator(String id, String userId, int max) {
    UUID session = UUID.fromString(id);
    return pg.withTransaction(conn -> conn.preparedQuery("SELECT 1 FROM streaming_sessions WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(session))
        .compose(locked -> conn.preparedQuery("INSERT INTO session_operators (session_id, user_id) SELECT $1, $2 "
                + "WHERE (SELECT COUNT(*) FROM session_operators WHERE session_id = $1) < $3 "
                + "ON CONFLICT (session_id, user_id) DO NOTHING RETURNING user_id")
            .execute(Tuple.of(session, userId, max)))
        .compose(rows -> {
          if (rows.rowCount() > 0) {
            return Future.succeededFuture();
          }
          return conn.preparedQuery("SELECT 1 FROM session_operators WHERE session_id = $1 AND user_id = $2")
              .execute(Tuple.of(session, userId))
              .compose(known -> known.size() > 0 ? Future.<Void>succeededFuture()
                  : Future.failedFuture(new ChorusException(ErrorCode.TOO_MANY_OPERATORS,
                      "session already has " + max + " operators")));
        }));
  }

  /** {@code {"session_id", "operators": [{"user_id", "joined_at"}]}}, the id as the session's own (lower case). */
  public Future<JsonObject> operators(String id) {
    return get(id).compose(s -> pg.preparedQuery("SELECT user_id, joined_at FROM session_operators WHERE session_id = $1 ORDER BY joined_at, user_id")
        .execute(Tuple.of(UUID.fromString(s.id())))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("user_id", r.getString("user_id"))
              .put("joined_at", r.getOffsetDateTime("joined_at").toString())));
          return new JsonObject().put("session_id", s.id()).put("operators", out);
        }));
  }

  /**
   * A session id only in the canonical 8-4-4-4-12 hex form (either case); null for anything else. Java's
   * {@link UUID#fromString} alone also takes short forms ({@code 1-1-1-1-1}), which would name a session under ids it
   * never had.
   */
  static UUID parse(String id) {
    return id == null || !CANONICAL_ID.matcher(id).matches() ? null : UUID.fromString(id);
  }

  private static StreamSession map(Row r) {
    return new StreamSession(r.getUUID("id").toString(), r.getString("client_id"), r.getString("stream_key"), r.getString("status"),
        r.getOffsetDateTime("created_at"), r.getOffsetDateTime("started_at"), r.getOffsetDateTime("finished_at"));
  }
}

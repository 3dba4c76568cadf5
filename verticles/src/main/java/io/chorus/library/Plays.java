package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Counting a completed play, for every source (a stream that carried the end, the player's report, a Subsonic
 * scrobble): the {@code plays} row, the play count and the {@code track.played} outbox row.
 *
 * <p>The rule (Last.fm's and Navidrome's sense of a play): one listener's plays of one track count at most once per
 * the track's duration, at least {@link #MIN_GAP_MS}. A play whose time is closer than that to a play of the same
 * user and track already counted cannot have been listened to (the earlier one could not have ended) and is
 * accepted without counting, as a replayed event is. Plays of an anonymous listener (a stream without a user) have
 * nobody to tell apart and are not limited.
 */
public final class Plays {
  /** The least gap between two counted plays of one user and track (Last.fm does not scrobble tracks under 30 s). */
  public static final long MIN_GAP_MS = 30_000;

  private Plays() {
  }

  /**
   * Records the play in {@code conn}'s transaction. True when it counted; false for a replayed {@code eventId}, a play
   * too close to a counted one of the same user and track, or a track that is gone.
   */
  public static Future<Boolean> record(SqlConnection conn, String topic, UUID eventId, UUID user, UUID track, Long msPlayed,
                                       Instant at, String source) {
    OffsetDateTime playedAt = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    // one user's plays of one track are decided one at a time, so two concurrent reports cannot both pass the check
    Future<?> serial = user == null ? Future.succeededFuture()
        : conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").execute(Tuple.of("play|" + user + "|" + track));
    return serial.compose(l -> conn.preparedQuery("INSERT INTO plays (event_id, user_id, track_id, played_at, ms_played, source)"
                + " SELECT $1, $2, t.id, $4, $5, $6 FROM tracks t WHERE t.id = $3 AND ($2::uuid IS NULL OR NOT EXISTS ("
                + "   SELECT 1 FROM plays p WHERE p.user_id = $2 AND p.track_id = $3"
                // a range of played_at, so that the (user_id, played_at) index finds the few plays in it
                + "   AND p.played_at > $4::timestamptz - greatest(coalesce(t.duration_ms, 0), $7) * interval '1 millisecond'"
                + "   AND p.played_at < $4::timestamptz + greatest(coalesce(t.duration_ms, 0), $7) * interval '1 millisecond'))"
                + " ON CONFLICT (event_id) DO NOTHING")
            .execute(Tuple.tuple().addUUID(eventId).addUUID(user).addUUID(track).addOffsetDateTime(playedAt)
                .addLong(msPlayed).addString(source).addLong(MIN_GAP_MS)))
        .compose(r -> r.rowCount() == 0 ? Future.succeededFuture(false)
            : conn.preparedQuery("UPDATE tracks SET play_count = play_count + 1 WHERE id = $1").execute(Tuple.of(track))
                .compose(u -> conn.preparedQuery("INSERT INTO library_outbox (topic, message_key, payload) VALUES ($1, $2, $3)")
                    .execute(Tuple.of(topic, track.toString(), new JsonObject().put("event_id", eventId.toString())
                        .put("track_id", track.toString()).put("user_id", user == null ? null : user.toString())
                        .put("ms_played", msPlayed).put("played_at", at.toString()).put("source", source))))
                .map(true));
  }

  /** A track deleted while it played fails the insert (its foreign key): nothing to count. */
  public static Future<Boolean> goneIsUncounted(Future<Boolean> recorded) {
    return recorded.recover(e -> e instanceof PgException pe && "23503".equals(pe.getSqlState())
        ? Future.succeededFuture(false) : Future.failedFuture(e));
  }
}

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
 * accepted without counting, as a replayed event is. An anonymous listener (a stream without a user or signature)
 * is told apart by its client address, kept only as a hash ({@link #anonymousListener}).
 */
public final class Plays {
  /** The least gap between two counted plays of one user and track (Last.fm does not scrobble tracks under 30 s). */
  public static final long MIN_GAP_MS = 30_000;

  private Plays() {
  }

  /**
   * Records the play in {@code conn}'s transaction. True when it counted; false for a replayed {@code eventId}, a play
   * too close to a counted one of the same listener ({@code user}, else {@code listener}) and track, or a track that
   * is gone.
   */
  public static Future<Boolean> record(SqlConnection conn, String topic, UUID eventId, UUID user, String listener, UUID track,
                                       Long msPlayed, Instant at, String source) {
    OffsetDateTime playedAt = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    // every source names its listener: a user, or an anonymous stream's address hash
    String who = user != null ? user.toString() : java.util.Objects.requireNonNull(listener, "a play needs a user or a listener");
    String anonymous = user == null ? listener : null;
    // one listener's plays of one track are decided one at a time, so two concurrent reports cannot both pass the check
    return conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").execute(Tuple.of("play|" + who + "|" + track))
        .compose(l -> conn.preparedQuery(user != null ? INSERT_BY_USER : INSERT_BY_LISTENER)
            .execute(Tuple.tuple().addUUID(eventId).addUUID(user).addUUID(track).addOffsetDateTime(playedAt)
                .addLong(msPlayed).addString(source).addLong(MIN_GAP_MS).addString(anonymous)))
        .compose(r -> r.rowCount() == 0 ? Future.succeededFuture(false)
            : conn.preparedQuery("UPDATE tracks SET play_count = play_count + 1 WHERE id = $1").execute(Tuple.of(track))
                .compose(u -> conn.preparedQuery("INSERT INTO library_outbox (topic, message_key, payload) VALUES ($1, $2, $3)")
                    .execute(Tuple.of(topic, track.toString(), new JsonObject().put("event_id", eventId.toString())
                        .put("track_id", track.toString()).put("user_id", user == null ? null : user.toString())
                        .put("ms_played", msPlayed).put("played_at", at.toString()).put("source", source))))
                .map(true));
  }

  private static final String INSERT = "INSERT INTO plays (event_id, user_id, track_id, played_at, ms_played, source, listener)"
      + " SELECT $1, $2, t.id, $4, $5, $6, $8::varchar FROM tracks t WHERE t.id = $3";
  /** No play of this listener and track within the track's duration (at least $7 ms) of this one. */
  private static final String NOT_WITHIN = " AND p.track_id = $3"
      // a range of played_at, so that the (user_id | listener, played_at) index finds the few plays in it
      + " AND p.played_at > $4::timestamptz - greatest(coalesce(t.duration_ms, 0), $7) * interval '1 millisecond'"
      + " AND p.played_at < $4::timestamptz + greatest(coalesce(t.duration_ms, 0), $7) * interval '1 millisecond')"
      + " ON CONFLICT (event_id) DO NOTHING";
  private static final String INSERT_BY_USER = INSERT + " AND NOT EXISTS (SELECT 1 FROM plays p WHERE p.user_id = $2" + NOT_WITHIN;
  private static final String INSERT_BY_LISTENER = INSERT
      + " AND NOT EXISTS (SELECT 1 FROM plays p WHERE p.user_id IS NULL AND p.listener = $8" + NOT_WITHIN;

  /**
   * An anonymous listener's key: a hash of the client's address (not the address: the plays table is kept for
   * years), the same for every node.
   */
  public static String anonymousListener(String clientAddress) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256")
          .digest(("chorus-anonymous-listener|" + clientAddress).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(h, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** A track deleted while it played fails the insert (its foreign key): nothing to count. */
  public static Future<Boolean> goneIsUncounted(Future<Boolean> recorded) {
    return recorded.recover(e -> e instanceof PgException pe && "23503".equals(pe.getSqlState())
        ? Future.succeededFuture(false) : Future.failedFuture(e));
  }
}

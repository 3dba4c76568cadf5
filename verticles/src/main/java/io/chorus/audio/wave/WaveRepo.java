package io.chorus.audio.wave;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * My Wave's SQL: the listener's signals and likes, the served window, the candidate pools (approved,
 * ready tracks only, never the excluded ones) and the writes (served tracks, signals, the feedback's
 * outbox row, which the library's relay publishes to Kafka).
 */
final class WaveRepo {
  /** Signals read per request: the newest ones (older taste fades anyway). */
  static final int SIGNALS = 500;
  static final int POOL = 60;
  static final int TASTE_POOL = 300;
  private static final String COLUMNS = "t.id, t.title, t.artist_id, ar.name AS artist, t.album_title, t.duration_ms, t.play_count";
  private static final String PLAYABLE = " FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id"
      + " WHERE t.moderation = 'approved' AND t.status = 'ready' AND NOT (t.id = ANY($1))";

  private final Pool pool;
  /** The pool, or the connection of {@link #locked}'s transaction. */
  private final io.vertx.sqlclient.SqlClient pg;

  WaveRepo(Pool pg) {
    this(pg, pg);
  }

  private WaveRepo(Pool pool, io.vertx.sqlclient.SqlClient pg) {
    this.pool = pool;
    this.pg = pg;
  }

  /**
   * {@code work} for {@code user} alone: in a transaction holding the listener's advisory lock, on its connection
   * (the repository it is given reads and writes there), so that two answers for one listener (two tabs, a doubled
   * request, a room's refill, on any node) run one after the other and the second sees what the first served.
   * A waiting answer holds only its own connection, never one the answer it waits for needs.
   */
  <T> Future<T> locked(UUID user, java.util.function.Function<WaveRepo, Future<T>> work) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .execute(Tuple.of("chorus.wave:" + user)).compose(v -> work.apply(new WaveRepo(pool, conn))));
  }

  /** The listener's newest signals and likes (tracks, albums, artists) with what taste needs of their tracks. */
  Future<List<Taste.Signal>> signals(UUID user) {
    return pg.preparedQuery("(SELECT s.kind, s.track_id, t.artist_id, t.album_title, NULL::uuid AS album_id,"
            // an out-of-range time stored before scrobbles were checked ('infinity') is taken as now: NOW() - infinity fails
            + " CASE WHEN isfinite(s.happened_at) THEN EXTRACT(EPOCH FROM (NOW() - s.happened_at)) / 86400 END AS age FROM wave_signals s JOIN tracks t ON t.id = s.track_id"
            + " WHERE s.user_id = $1 ORDER BY s.happened_at DESC LIMIT " + SIGNALS + ")"
            + " UNION ALL (SELECT CASE l.subject_type WHEN 'track' THEN 'like' ELSE 'like_' || l.subject_type END,"
            + " t.id, COALESCE(t.artist_id, a.artist_id, CASE WHEN l.subject_type = 'artist' THEN l.subject_id END),"
            + " COALESCE(t.album_title, a.title), a.id, EXTRACT(EPOCH FROM (NOW() - l.created_at)) / 86400"
            + " FROM likes l LEFT JOIN tracks t ON l.subject_type = 'track' AND t.id = l.subject_id"
            + " LEFT JOIN albums a ON l.subject_type = 'album' AND a.id = l.subject_id"
            + " WHERE l.user_id = $1 ORDER BY l.created_at DESC LIMIT " + SIGNALS + ")")
        .execute(Tuple.of(user))
        .map(rows -> {
          List<Taste.Signal> out = new ArrayList<>();
          for (Row r : rows) {
            UUID artist = r.getUUID("artist_id");
            Number age = (Number) r.getValue("age");
            out.add(new Taste.Signal(r.getString("kind"), r.getUUID("track_id"), artist, Taste.albumKey(artist, r.getString("album_title")),
                r.getUUID("album_id"), age == null ? 0 : age.doubleValue()));
          }
          return out;
        });
  }

  /** The newest {@code n} tracks served to the listener. */
  Future<List<UUID>> window(UUID user, int n) {
    if (n == 0) {
      return Future.succeededFuture(List.of());
    }
    return pg.preparedQuery("SELECT track_id FROM wave_served WHERE user_id = $1 ORDER BY served_at DESC LIMIT $2")
        .execute(Tuple.of(user, n))
        .map(rows -> {
          List<UUID> out = new ArrayList<>();
          rows.forEach(r -> out.add(r.getUUID("track_id")));
          return out;
        });
  }

  /**
   * The candidate pools in one round trip: tracks of {@code artists} and of {@code albums} (taste),
   * the most played, the newest, and {@code 2 x POOL} tracks from a random point of the id order (explore).
   */
  Future<Map<UUID, WavePicker.Candidate>> pools(Set<UUID> excluded, List<UUID> artists, Set<UUID> albums) {
    UUID[] ex = excluded.toArray(UUID[]::new);
    String sql = "(SELECT 'taste' AS pool, " + COLUMNS + PLAYABLE + " AND (t.artist_id = ANY($2)"
        + " OR t.id IN (SELECT track_id FROM album_tracks WHERE album_id = ANY($3))) LIMIT " + TASTE_POOL + ")"
        + " UNION ALL (SELECT 'popular', " + COLUMNS + PLAYABLE + " ORDER BY t.play_count DESC LIMIT " + POOL + ")"
        + " UNION ALL (SELECT 'new', " + COLUMNS + PLAYABLE + " ORDER BY t.created_at DESC LIMIT " + POOL + ")"
        + " UNION ALL (SELECT 'explore', " + COLUMNS + PLAYABLE + " AND t.id >= $4 ORDER BY t.id LIMIT " + POOL + ")"
        + " UNION ALL (SELECT 'explore', " + COLUMNS + PLAYABLE + " AND t.id < $4 ORDER BY t.id LIMIT " + POOL + ")";
    return pg.preparedQuery(sql)
        .execute(Tuple.tuple().addArrayOfUUID(ex).addArrayOfUUID(artists.toArray(UUID[]::new)).addArrayOfUUID(albums.toArray(UUID[]::new))
            .addUUID(UUID.randomUUID()))
        .map(rows -> candidates(rows, Map.of()));
  }

  /** The rows of similar tracks (with their similarity) that are playable and not excluded. */
  Future<Map<UUID, WavePicker.Candidate>> similar(Map<UUID, Double> similarity, Set<UUID> excluded) {
    if (similarity.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return pg.preparedQuery("SELECT 'similar' AS pool, " + COLUMNS + PLAYABLE + " AND t.id = ANY($2)")
        .execute(Tuple.tuple().addArrayOfUUID(excluded.toArray(UUID[]::new)).addArrayOfUUID(similarity.keySet().toArray(UUID[]::new)))
        .map(rows -> candidates(rows, similarity));
  }

  /** The least recently served playable tracks that are not {@code excluded}: a small catalogue's refill. */
  Future<Map<UUID, WavePicker.Candidate>> leastRecent(UUID user, Set<UUID> excluded, int n) {
    return pg.preparedQuery("SELECT 'explore' AS pool, " + COLUMNS + PLAYABLE.replace(" WHERE ", " JOIN wave_served s ON s.track_id = t.id"
            + " AND s.user_id = $2 WHERE ") + " ORDER BY s.served_at LIMIT $3")
        .execute(Tuple.tuple().addArrayOfUUID(excluded.toArray(UUID[]::new)).addUUID(user).addInteger(n))
        .map(rows -> candidates(rows, Map.of()));
  }

  private static Map<UUID, WavePicker.Candidate> candidates(RowSet<Row> rows, Map<UUID, Double> similarity) {
    Map<UUID, WavePicker.Candidate> out = new LinkedHashMap<>();
    Map<UUID, Set<String>> pools = new LinkedHashMap<>();
    Map<UUID, Integer> newRank = new LinkedHashMap<>();
    Map<UUID, Row> byId = new LinkedHashMap<>();
    int rank = 0;
    for (Row r : rows) {
      UUID id = r.getUUID("id");
      String pool = r.getString("pool");
      pools.computeIfAbsent(id, k -> new HashSet<>()).add(pool);
      if ("new".equals(pool)) {
        newRank.put(id, rank++);
      }
      byId.putIfAbsent(id, r);
    }
    byId.forEach((id, r) -> {
      Long duration = r.getLong("duration_ms");
      out.put(id, new WavePicker.Candidate(id, r.getString("title"), r.getUUID("artist_id"), r.getString("artist"),
          r.getString("album_title"), duration == null ? 0 : duration, r.getLong("play_count"), newRank.getOrDefault(id, -1),
          similarity.getOrDefault(id, 0.0), pools.get(id)));
    });
    return out;
  }

  /** Remembers what was served (now) and forgets what fell out of the window. */
  Future<Void> served(UUID user, List<UUID> tracks, int window) {
    if (tracks.isEmpty() || window == 0) {
      return Future.succeededFuture();
    }
    return pg.preparedQuery("INSERT INTO wave_served (user_id, track_id, served_at) SELECT $1, x.id, NOW() + x.n::float8 * INTERVAL '1 microsecond'"
            + " FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, n)"
            + " ON CONFLICT (user_id, track_id) DO UPDATE SET served_at = EXCLUDED.served_at")
        .execute(Tuple.tuple().addUUID(user).addArrayOfUUID(tracks.toArray(UUID[]::new)))
        .compose(r -> pg.preparedQuery("DELETE FROM wave_served WHERE user_id = $1 AND served_at < (SELECT served_at FROM wave_served"
                + " WHERE user_id = $1 ORDER BY served_at DESC OFFSET $2 LIMIT 1)")
            .execute(Tuple.of(user, window - 1)))
        .mapEmpty();
  }

  /** A track's owner and moderation state, or null when there is no such track. */
  Future<Row> track(UUID id) {
    return pg.preparedQuery("SELECT owner_id, moderation FROM tracks WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /**
   * Feedback given over REST: the signal and its announcement (an outbox row for {@code topic}, keyed by
   * user so one listener's events stay in order) in one transaction.
   */
  Future<Void> feedback(UUID eventId, UUID user, UUID track, String kind, OffsetDateTime at, String topic, JsonObject event) {
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO wave_signals (event_id, user_id, track_id, kind, happened_at)"
                + " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING")
            .execute(Tuple.of(eventId, user, track, kind, at))
            .compose(r -> conn.preparedQuery("INSERT INTO library_outbox (topic, message_key, payload) VALUES ($1, $2, $3)")
                .execute(Tuple.of(topic, user.toString(), event)))
            .mapEmpty());
  }

  /** A signal from Kafka, once per event id; nothing when its user or track no longer exists. True when stored. */
  Future<Boolean> signal(UUID eventId, UUID user, UUID track, String kind, OffsetDateTime at) {
    return pg.preparedQuery("INSERT INTO wave_signals (event_id, user_id, track_id, kind, happened_at) SELECT $1, $2, $3, $4, $5"
            + " WHERE EXISTS (SELECT 1 FROM tracks WHERE id = $3) AND EXISTS (SELECT 1 FROM users WHERE id = $2)"
            + " ON CONFLICT (event_id) DO NOTHING")
        .execute(Tuple.of(eventId, user, track, kind, at))
        .map(r -> r.rowCount() == 1);
  }

  /** Approved albums holding {@code tracks}, with their artist, in the tracks' order. */
  Future<List<JsonObject>> albums(List<UUID> tracks) {
    if (tracks.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return pg.preparedQuery("SELECT DISTINCT ON (a.id) a.id, a.title, ar.id AS artist_id, ar.name AS artist, x.n FROM unnest($1::uuid[])"
            + " WITH ORDINALITY AS x(id, n) JOIN album_tracks atr ON atr.track_id = x.id JOIN albums a ON a.id = atr.album_id"
            + " LEFT JOIN artists ar ON ar.id = a.artist_id WHERE a.moderation = 'approved' ORDER BY a.id, x.n")
        .execute(Tuple.tuple().addArrayOfUUID(tracks.toArray(UUID[]::new)))
        .map(rows -> {
          List<Row> list = new ArrayList<>();
          rows.forEach(list::add);
          list.sort(java.util.Comparator.comparingLong(r -> r.getLong("n")));
          List<JsonObject> out = new ArrayList<>();
          for (Row r : list) {
            out.add(new JsonObject().put("id", r.getUUID("id").toString()).put("title", r.getString("title"))
                .put("artist", r.getUUID("artist_id") == null ? null
                    : new JsonObject().put("id", r.getUUID("artist_id").toString()).put("name", r.getString("artist"))));
          }
          return out;
        });
  }
}

package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** The tracks table and what is written with it (artists, tags, plays, the outbox); parameterised SQL only. */
final class TrackRepo {
  /** A track row to insert (upload). */
  record NewTrack(UUID id, UUID ownerId, String title, String artist, String album, Integer trackNo, Integer year, String genre,
                  String sha256, String originalKey, long size, String format, String mime, String coverKey, String lyrics) {
  }

  /** The content hash is taken: another upload of the same bytes won. */
  static final class DuplicateContent extends RuntimeException {
    DuplicateContent() {
      super("duplicate content", null, false, false);
    }
  }

  private final Pool pg;
  private final String topicUploaded;
  private final String topicPlayed;
  private final CatalogEvents catalog;

  TrackRepo(Pool pg, String topicUploaded, String topicPlayed, CatalogEvents catalog) {
    this.pg = pg;
    this.topicUploaded = topicUploaded;
    this.topicPlayed = topicPlayed;
    this.catalog = catalog;
  }

  Future<Track> byId(String id, SignedIn viewer) {
    UUID uuid = uuid(id);
    if (uuid == null) {
      return Future.succeededFuture(null);
    }
    return pg.preparedQuery("SELECT " + Track.COLUMNS + Track.FROM + " WHERE t.id = $2")
        .execute(Tuple.of(viewerId(viewer), uuid)).map(TrackRepo::oneOrNull);
  }

  /** {@link #byId} for a stream request: the row without its waveform (1000 numbers of JSON) and without {@code liked}. */
  Future<Track> forStream(String id) {
    UUID uuid = uuid(id);
    if (uuid == null) {
      return Future.succeededFuture(null);
    }
    return pg.preparedQuery("SELECT " + Track.STREAM_COLUMNS + Track.FROM + " WHERE t.id = $2")
        .execute(Tuple.of(viewerId(null), uuid)).map(TrackRepo::oneOrNull);
  }

  Future<Track> bySha256(String sha256, SignedIn viewer) {
    return pg.preparedQuery("SELECT " + Track.COLUMNS + Track.FROM + " WHERE t.content_sha256 = $2")
        .execute(Tuple.of(viewerId(viewer), sha256)).map(TrackRepo::oneOrNull);
  }

  /**
   * One transaction: the artist (upserted by its name key), the track row and its {@code track.uploaded}
   * outbox row. Fails with {@link DuplicateContent} when the same bytes are already there.
   */
  Future<Void> insert(NewTrack t, Instant uploadedAt) {
    return pg.withTransaction(conn -> Artists.upsert(conn, t.artist())
        .compose(artistId -> conn.preparedQuery("INSERT INTO tracks (id, owner_id, title, artist_id, album_title, track_no, year, genre,"
                + " content_sha256, original_key, original_size, format, mime, cover_key, lyrics, created_at, updated_at)"
                + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $15, $15)")
            .execute(Tuple.tuple().addUUID(t.id()).addUUID(t.ownerId()).addString(t.title()).addUUID(artistId).addString(t.album())
                .addInteger(t.trackNo()).addInteger(t.year()).addString(t.genre()).addString(t.sha256()).addString(t.originalKey())
                .addLong(t.size()).addString(t.format()).addString(t.mime()).addString(t.coverKey())
                .addOffsetDateTime(OffsetDateTime.ofInstant(uploadedAt, ZoneOffset.UTC)).addString(t.lyrics())))
        .compose(r -> outbox(conn, topicUploaded, t.id().toString(), new JsonObject()
            .put("event_id", UUID.randomUUID().toString()).put("track_id", t.id().toString()).put("owner_id", t.ownerId().toString())
            .put("original_key", t.originalKey()).put("format", t.format()).put("mime", t.mime()).put("size", t.size())
            .put("content_sha256", t.sha256()).put("uploaded_at", uploadedAt.toString()))))
        .recover(e -> {
          if (e instanceof PgException pe && "23505".equals(pe.getSqlState()) && String.valueOf(pe.getConstraint()).contains("sha256")) {
            return Future.failedFuture(new DuplicateContent());
          }
          if (e instanceof PgException pe && "23503".equals(pe.getSqlState()) && String.valueOf(pe.getConstraint()).contains("owner")) {
            // the token is still valid for a few minutes after its account was deleted
            return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("the account no longer exists"));
          }
          return Future.failedFuture(e);
        });
  }

  private static Future<Void> outbox(SqlConnection conn, String topic, String key, JsonObject payload) {
    return conn.preparedQuery("INSERT INTO library_outbox (topic, message_key, payload) VALUES ($1, $2, $3)")
        .execute(Tuple.of(topic, key, payload)).mapEmpty();
  }

  /**
   * The album filter of {@link #list}: the album title, lower case whatever the database's locale (its lower() under
   * the C locale folds ASCII only: «Альбом» stayed «Альбом»), equals the parameter {@code $param}; the expression of
   * the index idx_tracks_album_title_lower.
   */
  static String albumIs(int param) {
    return io.chorus.input.SqlLower.of("t.album_title") + " = $" + param;
  }

  /** A page of the tracks {@code viewer} may see, newest first; {@code cursor} continues a previous page. */
  Future<JsonObject> list(SignedIn viewer, String artist, String album, String owner, String cursor, int limit) {
    Tuple args = Tuple.of(viewerId(viewer));
    StringBuilder where = new StringBuilder(" WHERE TRUE");
    if (viewer == null) {
      where.append(" AND t.moderation = 'approved'");
    } else if (!viewer.moderator()) {
      where.append(" AND (t.moderation = 'approved' OR (t.owner_id = $1::uuid AND t.moderation <> 'removed'))");
    }
    if (artist != null && !artist.isBlank()) {
      UUID artistId = uuid(artist);
      args.addValue(artistId != null ? artistId : Artists.nameKey(artist));
      where.append(artistId != null ? " AND t.artist_id = $" : " AND a.name_key = $").append(args.size());
    }
    if (album != null && !album.isBlank()) {
      args.addString(album.strip().toLowerCase(Locale.ROOT));
      where.append(" AND ").append(albumIs(args.size()));
    }
    if (owner != null && !owner.isBlank()) {
      UUID ownerId = "me".equals(owner) && viewer != null ? UUID.fromString(viewer.userId()) : uuid(owner);
      if (ownerId == null) {
        return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("owner must be a user id or 'me' (signed in)"));
      }
      args.addUUID(ownerId);
      where.append(" AND t.owner_id = $").append(args.size());
    }
    if (cursor != null && !cursor.isEmpty()) {
      Object[] c = decodeCursor(cursor);
      args.addOffsetDateTime((OffsetDateTime) c[0]).addUUID((UUID) c[1]);
      where.append(" AND (t.created_at, t.id) < ($").append(args.size() - 1).append(", $").append(args.size()).append(")");
    }
    args.addInteger(limit + 1);
    String sql = "SELECT " + Track.COLUMNS + Track.FROM + where + " ORDER BY t.created_at DESC, t.id DESC LIMIT $" + args.size();
    return pg.preparedQuery(sql).execute(args).map(rs -> {
      List<Track> rows = all(rs);
      JsonArray tracks = new JsonArray();
      rows.stream().limit(limit).forEach(t -> tracks.add(t.json()));
      String next = null;
      if (rows.size() > limit) {
        Track last = rows.get(limit - 1);
        next = encodeCursor(last.createdAt(), last.id());
      }
      return new JsonObject().put("tracks", tracks).put("next_cursor", next);
    });
  }

  private static String encodeCursor(OffsetDateTime at, String id) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((at.toInstant() + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  private static Object[] decodeCursor(String cursor) {
    try {
      String[] p = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", 2);
      return new Object[] {OffsetDateTime.ofInstant(Instant.parse(p[0]), ZoneOffset.UTC), UUID.fromString(p[1])};
    } catch (RuntimeException e) {
      throw ErrorCode.INVALID_ARGUMENT.exception("cursor is not one this API returned");
    }
  }

  /**
   * Applies a validated PATCH (see {@link TrackEdit}) in one transaction; a track moved to another artist announces
   * {@code track.artist_changed} with the artist it left (which may have no public track left: search re-reads it).
   */
  Future<Void> update(String id, TrackEdit edit) {
    UUID uuid = UUID.fromString(id);
    return catalog.committed(pg.withTransaction(conn -> {
      // the artist before, read under the row's lock so that a concurrent move cannot slip between the read and the write
      Future<UUID> before = !edit.artistSet() ? Future.succeededFuture(null)
          : conn.preparedQuery("SELECT artist_id FROM tracks WHERE id = $1 FOR UPDATE").execute(Tuple.of(uuid))
              .map(rs -> rs.size() == 0 ? null : rs.iterator().next().getUUID("artist_id"));
      Future<UUID> artist = before.compose(b -> edit.artistSet() ? Artists.upsert(conn, edit.artist()) : Future.succeededFuture(null));
      return artist.compose(artistId -> {
        List<String> sets = new ArrayList<>(List.of("updated_at = NOW()"));
        Tuple args = Tuple.of(uuid);
        edit.columns().forEach((column, value) -> {
          args.addValue(value);
          sets.add(column + " = $" + args.size());
        });
        if (edit.artistSet()) {
          args.addUUID(artistId);
          sets.add("artist_id = $" + args.size());
        }
        return conn.preparedQuery("UPDATE tracks SET " + String.join(", ", sets) + " WHERE id = $1").execute(args)
            .compose(r -> edit.artistSet() ? catalog.artistLeft(conn, "track", uuid, before.result(), artistId) : Future.<Void>succeededFuture());
      }).compose(r -> edit.tags() == null ? Future.<Void>succeededFuture()
          : conn.preparedQuery("DELETE FROM track_tags WHERE track_id = $1").execute(Tuple.of(uuid))
              .compose(d -> edit.tags().isEmpty() ? Future.<Void>succeededFuture()
                  : conn.preparedQuery("INSERT INTO track_tags (track_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                      .executeBatch(edit.tags().stream().map(tag -> Tuple.of(uuid, tag)).toList()).mapEmpty()));
    }));
  }

  /**
   * Deletes the row (album, playlist, tag, play and bookmark rows cascade; likes and ratings have no foreign key) and announces {@code track.deleted}
   * with the playlists it was in (their entries go with it, so nothing else can tell search which counts changed).
   */
  Future<Boolean> delete(String id) {
    UUID uuid = UUID.fromString(id);
    JsonArray playlists = new JsonArray();
    return catalog.committed(pg.withTransaction(conn -> conn.preparedQuery("DELETE FROM likes WHERE subject_type = 'track' AND subject_id = $1")
        .execute(Tuple.of(uuid))
        .compose(r -> conn.preparedQuery("DELETE FROM subsonic_ratings WHERE subject_type = 'track' AND subject_id = $1").execute(Tuple.of(uuid)))
        .compose(r -> conn.preparedQuery("SELECT DISTINCT playlist_id FROM playlist_tracks WHERE track_id = $1").execute(Tuple.of(uuid)))
        .compose(lists -> {
          lists.forEach(l -> playlists.add(l.getUUID("playlist_id").toString()));
          return conn.preparedQuery("DELETE FROM tracks WHERE id = $1 RETURNING owner_id, artist_id").execute(Tuple.of(uuid));
        })
        .compose(r -> {
          if (r.rowCount() != 1) {
            return Future.succeededFuture(false);
          }
          Row row = r.iterator().next();
          UUID artist = row.getUUID("artist_id");
          return catalog.write(conn, "track", uuid, "deleted", new JsonObject().put("owner_id", String.valueOf(row.getUUID("owner_id")))
              .put("artist_id", artist == null ? null : artist.toString()).put("playlist_ids", playlists)).map(true);
        })));
  }

  /**
   * A completed play: the plays row (once per {@code eventId}), the play count and the {@code track.played}
   * outbox row, in one transaction, under {@link Plays}' rule. True when it counted (false: replayed event, a play too
   * close to the same listener's last one of the track, or the track is gone); {@code listener}: an anonymous stream's
   * ({@link Plays#anonymousListener}), else null. {@code source}:
   * {@code stream} (a response that carried the end) or {@code player} (reported by the player).
   */
  Future<Boolean> recordPlay(UUID eventId, String trackId, String userId, String listener, Long msPlayed, Instant at, String source) {
    UUID track = UUID.fromString(trackId);
    UUID user = userId == null ? null : uuid(userId);
    return Plays.goneIsUncounted(pg.withTransaction(conn -> Plays.record(conn, topicPlayed, eventId, user, listener, track, msPlayed, at,
        source)));
  }

  static UUID uuid(String s) {
    if (s == null || s.length() != 36) {
      return null;
    }
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static UUID viewerId(SignedIn viewer) {
    return viewer == null ? null : uuid(viewer.userId());
  }

  private static Track oneOrNull(RowSet<Row> rs) {
    return rs.size() == 0 ? null : Track.of(rs.iterator().next());
  }

  private static List<Track> all(RowSet<Row> rs) {
    List<Track> out = new ArrayList<>();
    rs.forEach(r -> out.add(Track.of(r)));
    return out;
  }
}

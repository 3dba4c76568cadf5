package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Albums and their ordered tracks (parameterised SQL only). Positions are dense, 0..n-1: every change
 * of an album's track list runs in one transaction that first locks the album row
 * ({@code SELECT ... FOR UPDATE}), so concurrent edits of one album are applied one after the other, and
 * renumbers the whole list, so it never leaves a gap or a duplicate position (and heals the gap a deleted
 * track's cascaded entry leaves; reads count positions over the entries for the same reason). Reads show only the tracks the caller may see.
 */
final class AlbumRepo {
  private static final String BASE_COLUMNS = "al.id, al.owner_id, al.title, al.artist_id, aar.name AS artist_name, al.year, al.cover_key,"
      + " al.cover_thumb_key, al.moderation, al.moderation_reason, al.created_at, al.updated_at";
  /** The album's columns with {@code track_count} of all its entries (what a moderator sees). */
  static final String COLUMNS = BASE_COLUMNS + ", (SELECT count(*) FROM album_tracks x WHERE x.album_id = al.id) AS track_count";
  static final String FROM = "albums al LEFT JOIN artists aar ON aar.id = al.artist_id";

  private final Pool pg;
  private final CatalogEvents events;

  /**
   * The album's columns with {@code track_count} of the tracks a viewer may see, the viewer being
   * {@link CatalogTracks#visible}'s two parameters from {@code $first}: the count agrees with {@code tracks}.
   */
  static String columns(int first) {
    return BASE_COLUMNS + ", (SELECT count(*) FROM album_tracks x JOIN tracks t ON t.id = x.track_id WHERE x.album_id = al.id AND "
        + CatalogTracks.visible("t", first) + ") AS track_count";
  }

  AlbumRepo(Pool pg, CatalogEvents events) {
    this.pg = pg;
    this.events = events;
  }

  Pool pg() {
    return pg;
  }

  /** The album row as the API shows it (without tracks). */
  static JsonObject json(Row r) {
    UUID id = r.getUUID("id");
    UUID artistId = r.getUUID("artist_id");
    boolean cover = r.getString("cover_key") != null;
    return new JsonObject()
        .put("id", id.toString())
        .put("title", r.getString("title"))
        .put("artist", artistId == null ? null : new JsonObject().put("id", artistId.toString()).put("name", r.getString("artist_name")))
        .put("year", r.getInteger("year"))
        .put("owner_id", r.getUUID("owner_id").toString())
        .put("moderation", r.getString("moderation"))
        .put("moderation_reason", r.getString("moderation_reason"))
        .put("has_cover", cover)
        .put("cover_url", cover ? "/api/v1/albums/" + id + "/cover" : null)
        .put("cover_thumb_url", cover ? "/api/v1/albums/" + id + "/cover?size=thumb" : null)
        .put("track_count", r.getLong("track_count"))
        .put("created_at", CatalogHttp.iso(r.getOffsetDateTime("created_at")))
        .put("updated_at", CatalogHttp.iso(r.getOffsetDateTime("updated_at")));
  }

  Future<JsonObject> create(UUID owner, String title, String artist, Integer year) {
    UUID id = UUID.randomUUID();
    return pg.withTransaction(c -> Artists.upsert(c, artist).compose(artistId -> c.preparedQuery(
            "INSERT INTO albums (id, owner_id, title, artist_id, year) VALUES ($1, $2, $3, $4, $5)")
        .execute(Tuple.of(id, owner, title, artistId, year))))
        .compose(x -> row(pg, id)).map(AlbumRepo::json);
  }

  /** The album row or null. */
  static Future<Row> row(SqlClient c, UUID id) {
    return c.preparedQuery("SELECT " + COLUMNS + " FROM " + FROM + " WHERE al.id = $1").execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? null : rs.iterator().next());
  }

  /** The album with its tracks in order, or NOT_FOUND when it does not exist or the viewer may not see it. */
  Future<JsonObject> get(UUID id, SignedIn viewer) {
    return row(pg, id).compose(r -> {
      if (r == null || !Access.visible(r.getString("moderation"), r.getUUID("owner_id").toString(), viewer)) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such album"));
      }
      // positions counted over all entries: dense even right after a deleted track's entry went (ON DELETE CASCADE)
      // $3 (the viewer's id, see CatalogTracks.viewer) also gives each track its liked
      return pg.preparedQuery("SELECT at.position, " + CatalogTracks.columns(3) + " FROM (SELECT track_id, row_number() OVER (ORDER BY position, track_id) - 1"
              + " AS position FROM album_tracks WHERE album_id = $1) at JOIN " + CatalogTracks.FROM + " ON t.id = at.track_id"
              + " WHERE " + CatalogTracks.visible("t", 2) + " ORDER BY at.position")
          .execute(CatalogTracks.viewer(Tuple.of(id), viewer))
          .map(rs -> {
            JsonArray tracks = new JsonArray();
            rs.forEach(t -> tracks.add(CatalogTracks.json(t).put("position", t.getInteger("position"))));
            return json(r).put("track_count", tracks.size()).put("tracks", tracks);
          });
    });
  }

  /** Albums the viewer may see, newest first; {@code artistId}/{@code artistName}/{@code owner} filter when not null. */
  Future<JsonObject> list(SignedIn viewer, UUID owner, UUID artistId, String artistName, io.chorus.web.KeysetCursor cursor, int limit) {
    Tuple t = CatalogTracks.viewer(Tuple.tuple(), viewer).addValue(owner).addValue(artistId)
        .addValue(artistName == null ? null : Artists.nameKey(artistName))
        .addValue(cursor == null ? null : cursor.at()).addValue(cursor == null ? null : cursor.id()).addValue(limit + 1);
    return pg.preparedQuery("SELECT " + columns(1) + " FROM " + FROM + " WHERE " + CatalogTracks.visible("al", 1)
            + " AND ($3::uuid IS NULL OR al.owner_id = $3) AND ($4::uuid IS NULL OR al.artist_id = $4)"
            + " AND ($5::text IS NULL OR aar.name_key = $5)"
            + " AND ($6::timestamptz IS NULL OR (al.created_at, al.id) < ($6, $7::uuid))"
            + " ORDER BY al.created_at DESC, al.id DESC LIMIT $8")
        .execute(t)
        .map(rs -> {
          JsonArray albums = new JsonArray();
          String next = null;
          for (Row r : rs) {
            if (albums.size() == limit) {
              JsonObject last = albums.getJsonObject(limit - 1);
              next = new io.chorus.web.KeysetCursor(java.time.OffsetDateTime.parse(last.getString("created_at")), UUID.fromString(last.getString("id"))).encode();
              break;
            }
            albums.add(json(r));
          }
          return new JsonObject().put("albums", albums).put("next_cursor", next);
        });
  }

  /**
   * A change to title/artist/year; the fields absent from {@code patch} stay. An album moved to another artist
   * announces {@code album.artist_changed} with the artist it left: that artist may have nothing public left.
   */
  Future<Void> update(UUID id, SignedIn viewer, JsonObject patch, String title, String artist, Integer year) {
    return events.committed(pg.withTransaction(c -> lock(c, id, viewer, false).compose(r -> {
      UUID before = r.getUUID("artist_id");
      Future<UUID> artistId = patch.containsKey("artist") ? Artists.upsert(c, artist) : Future.succeededFuture(before);
      return artistId.compose(a -> c.preparedQuery("UPDATE albums SET title = $2, artist_id = $3, year = $4, updated_at = NOW() WHERE id = $1")
          .execute(Tuple.of(id, title != null ? title : r.getString("title"), a, patch.containsKey("year") ? year : r.getInteger("year")))
          .compose(x -> events.artistLeft(c, "album", id, before, a)));
    }))).mapEmpty();
  }

  /** Deletes the album (its track entries, likes and ratings go, the tracks stay); the cover keys to remove from S3. */
  Future<List<String>> delete(UUID id, SignedIn viewer) {
    return events.committed(pg.withTransaction(c -> lock(c, id, viewer, false).compose(r -> {
      List<String> keys = new ArrayList<>();
      if (r.getString("cover_key") != null) {
        keys.add(r.getString("cover_key"));
      }
      if (r.getString("cover_thumb_key") != null) {
        keys.add(r.getString("cover_thumb_key"));
      }
      return c.preparedQuery("DELETE FROM likes WHERE subject_type = 'album' AND subject_id = $1").execute(Tuple.of(id))
          .compose(x -> c.preparedQuery("DELETE FROM subsonic_ratings WHERE subject_type = 'album' AND subject_id = $1").execute(Tuple.of(id)))
          .compose(x -> c.preparedQuery("DELETE FROM albums WHERE id = $1").execute(Tuple.of(id)))
          .compose(x -> events.write(c, "album", id, "deleted", new JsonObject().put("owner_id", String.valueOf(r.getValue("owner_id")))
              .put("artist_id", r.getUUID("artist_id") == null ? null : r.getUUID("artist_id").toString())))
          .map(keys);
    })));
  }

  /** Checks the viewer may edit the album (for its cover), without holding a lock. */
  Future<Row> editable(UUID id, SignedIn viewer) {
    return row(pg, id).compose(r -> check(r, viewer, false));
  }

  Future<Void> setCover(UUID id, String coverKey, String thumbKey) {
    return pg.preparedQuery("UPDATE albums SET cover_key = $2, cover_thumb_key = $3, updated_at = NOW() WHERE id = $1")
        .execute(Tuple.of(id, coverKey, thumbKey)).mapEmpty();
  }

  /** Adds a track the viewer may see at {@code position} (default: the end); a track is in an album once. */
  Future<Void> addTrack(UUID id, SignedIn viewer, UUID trackId, Integer position) {
    return pg.withTransaction(c -> lock(c, id, viewer, true)
        .compose(r -> c.preparedQuery("SELECT owner_id, moderation FROM tracks WHERE id = $1").execute(Tuple.of(trackId)))
        .compose(rs -> {
          Row t = rs.size() == 0 ? null : rs.iterator().next();
          if (t == null || !Access.visible(t.getString("moderation"), t.getUUID("owner_id").toString(), viewer)) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such track"));
          }
          return entries(c, id);
        })
        .compose(ids -> {
          if (ids.contains(trackId)) {
            return Future.failedFuture(ErrorCode.ALREADY_EXISTS.exception("the track is already in this album"));
          }
          int at = position == null ? ids.size() : position;
          if (at < 0 || at > ids.size()) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("position must be 0-" + ids.size()));
          }
          ids.add(at, trackId);
          return c.preparedQuery("INSERT INTO album_tracks (album_id, track_id, position) VALUES ($1, $2, $3)")
              .execute(Tuple.of(id, trackId, at))
              .compose(x -> renumber(c, id, ids));
        }));
  }

  Future<Void> removeTrack(UUID id, SignedIn viewer, UUID trackId) {
    return pg.withTransaction(c -> lock(c, id, viewer, false)
        .compose(r -> c.preparedQuery("DELETE FROM album_tracks WHERE album_id = $1 AND track_id = $2 RETURNING position")
            .execute(Tuple.of(id, trackId)))
        .compose(rs -> rs.size() == 0
            ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("the track is not in this album"))
            : entries(c, id))
        .compose(ids -> renumber(c, id, ids)));
  }

  /** Moves a track to {@code position} (0..n-1), shifting the ones between. */
  Future<Void> moveTrack(UUID id, SignedIn viewer, UUID trackId, int position) {
    return pg.withTransaction(c -> lock(c, id, viewer, false).compose(r -> entries(c, id)).compose(ids -> {
      int from = ids.indexOf(trackId);
      if (from < 0) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("the track is not in this album"));
      }
      if (position < 0 || position >= ids.size()) {
        return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("position must be 0-" + (ids.size() - 1)));
      }
      ids.remove(from);
      ids.add(position, trackId);
      return renumber(c, id, ids);
    }));
  }

  /**
   * Puts the album's tracks in the order given, which must name exactly the tracks the caller sees in
   * it; entries hidden from the caller (e.g. a track taken down since) follow, in their current order.
   */
  Future<Void> reorder(UUID id, SignedIn viewer, List<UUID> order) {
    return pg.withTransaction(c -> lock(c, id, viewer, false)
        .compose(r -> c.preparedQuery("SELECT at.track_id, " + CatalogTracks.visible("t", 2) + " AS shown FROM album_tracks at"
                + " JOIN tracks t ON t.id = at.track_id WHERE at.album_id = $1 ORDER BY at.position, at.track_id")
            .execute(CatalogTracks.viewer(Tuple.of(id), viewer)))
        .compose(rs -> {
          List<UUID> shown = new ArrayList<>();
          List<UUID> hidden = new ArrayList<>();
          rs.forEach(row -> (Boolean.TRUE.equals(row.getBoolean("shown")) ? shown : hidden).add(row.getUUID("track_id")));
          if (order.size() != shown.size() || !new HashSet<>(order).equals(new HashSet<>(shown))) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("track_ids must list each of the album's " + shown.size()
                + " tracks exactly once"));
          }
          List<UUID> all = new ArrayList<>(order);
          all.addAll(hidden);
          return renumber(c, id, all);
        }));
  }

  private static Future<Void> renumber(SqlConnection c, UUID id, List<UUID> order) {
    return c.preparedQuery("UPDATE album_tracks a SET position = o.pos - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS o(track_id, pos)"
            + " WHERE a.album_id = $1 AND a.track_id = o.track_id AND a.position <> o.pos - 1")
        .execute(Tuple.tuple().addUUID(id).addArrayOfUUID(order.toArray(new UUID[0])))
        .compose(x -> touch(c, id));
  }

  private static Future<List<UUID>> entries(SqlConnection c, UUID id) {
    return c.preparedQuery("SELECT track_id FROM album_tracks WHERE album_id = $1 ORDER BY position, track_id").execute(Tuple.of(id))
        .map(rs -> {
          List<UUID> ids = new ArrayList<>();
          rs.forEach(r -> ids.add(r.getUUID("track_id")));
          return ids;
        });
  }

  private static Future<Void> touch(SqlConnection c, UUID id) {
    return c.preparedQuery("UPDATE albums SET updated_at = NOW() WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
  }

  /**
   * Locks the album row for the rest of the transaction: later edits of this album wait here. Fails
   * NOT_FOUND when the viewer may not see it, FORBIDDEN when they may not change it ({@code ownerOnly}:
   * moderators neither).
   */
  private static Future<Row> lock(SqlConnection c, UUID id, SignedIn viewer, boolean ownerOnly) {
    return c.preparedQuery("SELECT id, owner_id, title, artist_id, year, cover_key, cover_thumb_key, moderation FROM albums WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(id))
        .compose(rs -> check(rs.size() == 0 ? null : rs.iterator().next(), viewer, ownerOnly));
  }

  private static Future<Row> check(Row r, SignedIn viewer, boolean ownerOnly) {
    if (r == null || !Access.visible(r.getString("moderation"), r.getUUID("owner_id").toString(), viewer)) {
      return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such album"));
    }
    String owner = r.getUUID("owner_id").toString();
    if (ownerOnly ? !owner.equals(viewer.userId()) : !Access.mayEdit(owner, viewer)) {
      return Future.failedFuture(ErrorCode.FORBIDDEN.exception(ownerOnly ? "only the album's owner may add tracks" : "not your album"));
    }
    return Future.succeededFuture(r);
  }

  static <T> T first(RowSet<T> rs) {
    return rs.size() == 0 ? null : rs.iterator().next();
  }
}

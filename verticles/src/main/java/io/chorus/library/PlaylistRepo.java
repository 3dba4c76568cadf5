package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A user's playlists. Entries have their own id (a track may be listed several times) and dense
 * positions 0..n-1, kept so by one transaction per change that locks the playlist row first and
 * renumbers the list (as for albums, {@link AlbumRepo}). Only the
 * owner changes a playlist (a moderator may delete a public one); anyone reads a public one, and
 * entries show only the tracks the reader may see.
 */
final class PlaylistRepo {
  private static final String FIELDS = "p.id, p.owner_id, p.name, p.description, p.public, p.created_at, p.updated_at";
  private static final String COLUMNS = FIELDS + ", (SELECT count(*) FROM playlist_tracks x WHERE x.playlist_id = p.id) AS entry_count";

  private final Pool pg;
  private final CatalogEvents events;

  PlaylistRepo(Pool pg, CatalogEvents events) {
    this.pg = pg;
    this.events = events;
  }

  static JsonObject json(Row r) {
    return new JsonObject()
        .put("id", r.getUUID("id").toString())
        .put("owner_id", r.getUUID("owner_id").toString())
        .put("name", r.getString("name"))
        .put("description", r.getString("description"))
        .put("public", r.getBoolean("public"))
        .put("entry_count", r.getLong("entry_count"))
        .put("created_at", CatalogHttp.iso(r.getOffsetDateTime("created_at")))
        .put("updated_at", CatalogHttp.iso(r.getOffsetDateTime("updated_at")));
  }

  Future<UUID> create(UUID owner, String name, String description, boolean isPublic) {
    UUID id = UUID.randomUUID();
    return pg.preparedQuery("INSERT INTO playlists (id, owner_id, name, description, public) VALUES ($1, $2, $3, $4, $5)")
        .execute(Tuple.of(id, owner, name, description, isPublic)).map(id);
  }

  /**
   * The caller's own playlists, most recently changed first; {@code entry_count} counts the entries the caller may see,
   * as {@link #get} does (a track taken down since is gone for its owner too, so it is not counted).
   */
  Future<JsonObject> mine(SignedIn me) {
    // $1 moderator, $2 the caller (CatalogTracks.viewer), who is the owner
    return pg.preparedQuery("SELECT " + FIELDS + ", (SELECT count(*) FROM playlist_tracks x JOIN tracks t ON t.id = x.track_id"
            + " WHERE x.playlist_id = p.id AND " + CatalogTracks.visible("t", 1) + ") AS entry_count"
            + " FROM playlists p WHERE p.owner_id = $2 ORDER BY p.updated_at DESC, p.id")
        .execute(CatalogTracks.viewer(Tuple.tuple(), me))
        .map(rs -> {
          JsonArray lists = new JsonArray();
          rs.forEach(r -> lists.add(json(r)));
          return new JsonObject().put("playlists", lists);
        });
  }

  /** The playlist with its entries in order; NOT_FOUND unless it is public or the viewer's. */
  Future<JsonObject> get(UUID id, SignedIn viewer) {
    return pg.preparedQuery("SELECT " + COLUMNS + " FROM playlists p WHERE p.id = $1").execute(Tuple.of(id)).compose(rs -> {
      Row r = AlbumRepo.first(rs);
      if (r == null || !(r.getBoolean("public") || viewer != null && viewer.userId().equals(r.getUUID("owner_id").toString()))) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such playlist"));
      }
      // $3 (the viewer's id, see CatalogTracks.viewer) also gives each track its liked
      return pg.preparedQuery("SELECT pt.id AS entry_id, pt.position, pt.added_at, " + CatalogTracks.columns(3) + " FROM (SELECT id, track_id,"
              + " added_at, row_number() OVER (ORDER BY position, id) - 1 AS position FROM playlist_tracks WHERE playlist_id = $1) pt JOIN "
              + CatalogTracks.FROM + " ON t.id = pt.track_id WHERE " + CatalogTracks.visible("t", 2)
              + " ORDER BY pt.position")
          .execute(CatalogTracks.viewer(Tuple.of(id), viewer))
          .map(entries -> {
            JsonArray out = new JsonArray();
            entries.forEach(e -> out.add(new JsonObject().put("entry_id", e.getLong("entry_id")).put("position", e.getInteger("position"))
                .put("added_at", CatalogHttp.iso(e.getOffsetDateTime("added_at"))).put("track", CatalogTracks.json(e))));
            // counted as the reader sees it: the hidden entries' number is not theirs to know
            return json(r).put("entry_count", out.size()).put("entries", out);
          });
    });
  }

  Future<Void> update(UUID id, SignedIn me, String name, String description, Boolean isPublic) {
    return pg.withTransaction(c -> lock(c, id, me, false).compose(r -> c.preparedQuery(
            "UPDATE playlists SET name = $2, description = $3, public = $4, updated_at = NOW() WHERE id = $1")
        .execute(Tuple.of(id, name != null ? name : r.getString("name"), description != null ? description : r.getString("description"),
            isPublic != null ? isPublic : r.getBoolean("public"))))).mapEmpty();
  }

  Future<Void> delete(UUID id, SignedIn me) {
    return events.committed(pg.withTransaction(c -> lock(c, id, me, true)
        .compose(r -> c.preparedQuery("DELETE FROM playlists WHERE id = $1").execute(Tuple.of(id))
            .compose(x -> events.write(c, "playlist", id, "deleted", new JsonObject().put("owner_id", String.valueOf(r.getValue("owner_id")))))))).mapEmpty();
  }

  /** Appends (or inserts at {@code position}) a track the owner may see; returns the new entry. */
  Future<JsonObject> add(UUID id, SignedIn me, UUID trackId, Integer position) {
    return pg.withTransaction(c -> lock(c, id, me, false)
        .compose(r -> c.preparedQuery("SELECT owner_id, moderation FROM tracks WHERE id = $1").execute(Tuple.of(trackId)))
        .compose(rs -> {
          Row t = AlbumRepo.first(rs);
          if (t == null || !Access.visible(t.getString("moderation"), t.getUUID("owner_id").toString(), me)) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such track"));
          }
          return entries(c, id);
        })
        .compose(ids -> {
          int at = position == null ? ids.size() : position;
          if (at < 0 || at > ids.size()) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("position must be 0-" + ids.size()));
          }
          return c.preparedQuery("INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES ($1, $2, $3) RETURNING id")
              .execute(Tuple.of(id, trackId, at))
              .compose(rs -> {
                long entry = rs.iterator().next().getLong("id");
                ids.add(at, entry);
                return renumber(c, id, ids).map(new JsonObject().put("entry_id", entry).put("position", at).put("track_id", trackId.toString()));
              });
        }));
  }

  Future<Void> remove(UUID id, SignedIn me, long entry) {
    return pg.withTransaction(c -> lock(c, id, me, false)
        .compose(r -> c.preparedQuery("DELETE FROM playlist_tracks WHERE playlist_id = $1 AND id = $2 RETURNING position")
            .execute(Tuple.of(id, entry)))
        .compose(rs -> rs.size() == 0
            ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such entry in this playlist"))
            : entries(c, id))
        .compose(ids -> renumber(c, id, ids)));
  }

  Future<Void> move(UUID id, SignedIn me, long entry, int position) {
    return pg.withTransaction(c -> lock(c, id, me, false).compose(r -> entries(c, id)).compose(ids -> {
      int from = ids.indexOf(entry);
      if (from < 0) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such entry in this playlist"));
      }
      if (position < 0 || position >= ids.size()) {
        return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("position must be 0-" + (ids.size() - 1)));
      }
      ids.remove(from);
      ids.add(position, entry);
      return renumber(c, id, ids);
    }));
  }

  /** Positions 0..n-1 in the order of {@code order}; only rows whose position changes are written. */
  private static Future<Void> renumber(SqlConnection c, UUID id, List<Long> order) {
    return c.preparedQuery("UPDATE playlist_tracks p SET position = o.pos - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, pos)"
            + " WHERE p.playlist_id = $1 AND p.id = o.id AND p.position <> o.pos - 1")
        .execute(Tuple.tuple().addUUID(id).addArrayOfLong(order.toArray(new Long[0])))
        .compose(x -> touch(c, id));
  }

  private static Future<List<Long>> entries(SqlConnection c, UUID id) {
    return c.preparedQuery("SELECT id FROM playlist_tracks WHERE playlist_id = $1 ORDER BY position, id").execute(Tuple.of(id))
        .map(rs -> {
          List<Long> ids = new ArrayList<>();
          rs.forEach(r -> ids.add(r.getLong("id")));
          return ids;
        });
  }

  private static Future<Void> touch(SqlConnection c, UUID id) {
    return c.preparedQuery("UPDATE playlists SET updated_at = NOW() WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
  }

  /** Locks the playlist row; NOT_FOUND unless the caller may read it, FORBIDDEN unless they own it ({@code moderatorMay}: or moderate, for a public one). */
  private static Future<Row> lock(SqlConnection c, UUID id, SignedIn me, boolean moderatorMay) {
    return c.preparedQuery("SELECT owner_id, name, description, public FROM playlists WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
        .compose(rs -> {
          Row r = AlbumRepo.first(rs);
          boolean own = r != null && me.userId().equals(r.getUUID("owner_id").toString());
          if (r == null || !own && !r.getBoolean("public")) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such playlist"));
          }
          if (!own && !(moderatorMay && me.moderator())) {
            return Future.failedFuture(ErrorCode.FORBIDDEN.exception("not your playlist"));
          }
          return Future.succeededFuture(r);
        });
  }
}

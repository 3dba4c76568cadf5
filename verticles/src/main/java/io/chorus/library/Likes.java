package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static io.chorus.library.CatalogHttp.pathId;
import static io.chorus.library.CatalogHttp.respond;

/**
 * Likes (Subsonic's "star") of tracks, albums and artists in the {@code likes} table: {@code PUT} and
 * {@code DELETE /api/v1/{tracks|albums|artists}/{id}/like} are idempotent (204 each time); only content
 * the caller may see can be liked; {@code GET /api/v1/me/likes?type=} lists what is still visible.
 */
final class Likes {
  private static final List<String> TYPES = List.of("track", "album", "artist");

  private final Access access;
  private final Pool pg;

  Likes(Access access, Pool pg) {
    this.access = access;
    this.pg = pg;
  }

  void mount(Router router) {
    for (String type : TYPES) {
      String path = "/api/v1/" + type + "s/:id/like";
      // the token before the id and the query: without a valid one 401, whatever they look like
      router.put(path).handler(ctx -> respond(ctx, 204, () -> access.caller(ctx).compose(me -> {
        UUID id = pathId(ctx, "id");
        return requireVisible(pg, type, id, me).compose(x -> pg.preparedQuery(
                "INSERT INTO likes (user_id, subject_type, subject_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .execute(Tuple.of(UUID.fromString(me.userId()), type, id)));
      })));
      router.delete(path).handler(ctx -> respond(ctx, 204, () -> access.caller(ctx).compose(me -> {
        UUID id = pathId(ctx, "id");
        return pg.preparedQuery("DELETE FROM likes WHERE user_id = $1 AND subject_type = $2 AND subject_id = $3")
            .execute(Tuple.of(UUID.fromString(me.userId()), type, id));
      })));
    }
    router.get("/api/v1/me/likes").handler(ctx -> respond(ctx, 200, () -> access.caller(ctx).compose(me -> {
      String type = ctx.request().getParam("type");
      if (type != null && !TYPES.contains(type)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("type must be track, album or artist");
      }
      int limit = CatalogHttp.limit(ctx, 200, 1000);
      return list(me, type == null ? TYPES : List.of(type), limit);
    })));
  }

  /**
   * Succeeds when the subject exists and the viewer may see it, else NOT_FOUND (an invisible subject
   * looks like a missing one). An artist is visible as {@code GET /api/v1/artists/{id}} shows it: through a
   * track or an album the viewer may see.
   */
  static Future<Row> requireVisible(SqlClient c, String type, UUID id, SignedIn viewer) {
    String sql = switch (type) {
      case "track" -> "SELECT owner_id, moderation FROM tracks WHERE id = $1";
      case "album" -> "SELECT owner_id, moderation FROM albums WHERE id = $1";
      default -> "SELECT ar.id FROM artists ar WHERE ar.id = $1 AND " + ArtistRoutes.visible("ar", 2);
    };
    Tuple params = "artist".equals(type) ? CatalogTracks.viewer(Tuple.of(id), viewer) : Tuple.of(id);
    return c.preparedQuery(sql).execute(params).compose(rs -> {
      Row r = AlbumRepo.first(rs);
      if (r == null || !"artist".equals(type) && !Access.visible(r.getString("moderation"), r.getUUID("owner_id").toString(), viewer)) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such " + type));
      }
      return Future.succeededFuture(r);
    });
  }

  private Future<JsonObject> list(SignedIn me, List<String> types, int limit) {
    List<Future<List<JsonObject>>> parts = new ArrayList<>();
    for (String type : types) {
      String sql = switch (type) {
        case "track" -> "SELECT l.created_at AS liked_at, " + CatalogTracks.columns(1) + " FROM likes l JOIN " + CatalogTracks.FROM
            + " ON t.id = l.subject_id WHERE l.user_id = $1 AND l.subject_type = 'track' AND " + CatalogTracks.visible("t", 3);
        case "album" -> "SELECT l.created_at AS liked_at, " + AlbumRepo.columns(3) + " FROM likes l JOIN " + AlbumRepo.FROM
            + " ON al.id = l.subject_id WHERE l.user_id = $1 AND l.subject_type = 'album' AND " + CatalogTracks.visible("al", 3);
        default -> "SELECT l.created_at AS liked_at, a.id, a.name FROM likes l JOIN artists a ON a.id = l.subject_id"
            + " WHERE l.user_id = $1 AND l.subject_type = 'artist' AND " + ArtistRoutes.visible("a", 3);
      };
      Tuple params = Tuple.of(UUID.fromString(me.userId()), limit);
      parts.add(pg.preparedQuery(sql + " ORDER BY l.created_at DESC LIMIT $2")
          .execute(CatalogTracks.viewer(params, me))
          .map(rs -> {
            List<JsonObject> out = new ArrayList<>();
            for (Row r : rs) {
              JsonObject subject = switch (type) {
                case "track" -> CatalogTracks.json(r);
                case "album" -> AlbumRepo.json(r);
                default -> new JsonObject().put("id", r.getUUID("id").toString()).put("name", r.getString("name"));
              };
              out.add(new JsonObject().put("type", type).put("liked_at", CatalogHttp.iso(r.getOffsetDateTime("liked_at"))).put(type, subject));
            }
            return out;
          }));
    }
    return Future.all(parts).map(all -> {
      List<JsonObject> likes = new ArrayList<>();
      parts.forEach(p -> likes.addAll(p.result()));
      // by the instant: ISO-8601 text drops a fraction's trailing zeros, so "…:01Z" sorts after "…:01.5Z"
      likes.sort(Comparator.comparing((JsonObject j) -> java.time.Instant.parse(j.getString("liked_at"))).reversed());
      return new JsonObject().put("likes", new JsonArray(new ArrayList<>(likes.subList(0, Math.min(limit, likes.size())))));
    });
  }
}

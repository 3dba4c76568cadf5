package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Artists as the caller may see them: {@code GET /api/v1/artists?q=&limit=&after=} (artists with at
 * least one visible track or album, by name as a person reads it, keyset-paged by that order) and {@code GET /api/v1/artists/{id}}.
 * Artists are made by uploads and albums (one row per spelling), never directly.
 */
final class ArtistRoutes {
  // $1 moderator, $2 the caller (as CatalogTracks.visible)
  private static final String SELECT = "SELECT ar.id, ar.name, ar.name_key,"
      + " (SELECT count(*) FROM tracks t WHERE t.artist_id = ar.id AND " + CatalogTracks.visible("t", 1) + ") AS track_count,"
      + " (SELECT count(*) FROM albums al WHERE al.artist_id = ar.id AND " + CatalogTracks.visible("al", 1) + ") AS album_count"
      + " FROM artists ar ";
  private static final int MAX_LIMIT = 200;
  /**
   * The order of the list and of its keyset ({@code after}): the lower-cased name as a person reads it, under the
   * {@code chorus_names} collation (ICU's root, V47; indexed by V51), as the OpenSubsonic lists order names: "ärzte"
   * between "apple" and "Bravo", "Édith" beside "Edith", whatever the database's locale, not after "Zed" as bytes put it.
   * Deterministic (ties broken by the bytes), so distinct keys never compare equal and the keyset skips nothing.
   */
  private static final String NAME_ORDER = "(ar.name_key COLLATE chorus_names)";

  private final Pool pg;
  private final Access access;

  ArtistRoutes(Pool pg, Access access) {
    this.pg = pg;
    this.access = access;
  }

  void mount(Router router) {
    router.get("/api/v1/artists").handler(this::list);
    router.get("/api/v1/artists/:id").handler(this::one);
  }

  /**
   * The artist {@code alias} is visible to the viewer: it has a track or an album the viewer may see
   * ({@code $first} moderator, {@code $first+1} the viewer, as {@link CatalogTracks#visible}). The one rule
   * for listing, showing and liking an artist.
   */
  static String visible(String alias, int first) {
    return "(EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = " + alias + ".id AND " + CatalogTracks.visible("t", first) + ")"
        + " OR EXISTS (SELECT 1 FROM albums al WHERE al.artist_id = " + alias + ".id AND " + CatalogTracks.visible("al", first) + "))";
  }

  private static Tuple viewer(SignedIn who) {
    return CatalogTracks.viewer(Tuple.tuple(), who);
  }

  private void list(RoutingContext ctx) {
    String q = ctx.request().getParam("q", "").trim().toLowerCase(java.util.Locale.ROOT);
    String after = ctx.request().getParam("after", "");
    // a presented token first: a bad one is 401 whatever the query holds
    access.optionalCaller(ctx).compose(who -> {
          int n = limit(ctx.request().getParam("limit", "50"));
          return pg.preparedQuery(SELECT
                  + "WHERE strpos(ar.name_key, $3) > 0 AND " + NAME_ORDER + " > $4 AND " + visible("ar", 1)
                  + " ORDER BY " + NAME_ORDER + " LIMIT $5")
              .execute(viewer(who).addValue(q).addValue(after).addValue(n + 1))
              .map(rows -> {
                JsonArray out = new JsonArray();
                String next = null;
                int i = 0;
                for (Row r : rows) {
                  if (i++ == n) {
                    next = out.getJsonObject(n - 1).getString("name_key");
                    break;
                  }
                  out.add(json(r));
                }
                out.forEach(o -> ((JsonObject) o).remove("name_key"));
                return new JsonObject().put("artists", out).put("next_after", next);
              });
        })
        .onSuccess(page -> Http.json(ctx, 200, page))
        .onFailure(e -> Http.fail(ctx, e));
  }

  private void one(RoutingContext ctx) {
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      // as GET /tracks/{id}: a malformed id names no artist (404), once the token, if any, is checked (401 first)
      id = null;
    }
    UUID artist = id;
    access.optionalCaller(ctx).compose(who -> artist == null ? io.vertx.core.Future.<io.vertx.sqlclient.RowSet<Row>>succeededFuture(null)
            : pg.preparedQuery(SELECT + "WHERE ar.id = $3").execute(viewer(who).addValue(artist)))
        .onSuccess(rows -> {
          Row r = rows == null || rows.size() == 0 ? null : rows.iterator().next();
          if (r == null || r.getLong("track_count") + r.getLong("album_count") == 0) {
            Http.error(ctx, ErrorCode.NOT_FOUND, "no such artist");
            return;
          }
          JsonObject a = json(r);
          a.remove("name_key");
          Http.json(ctx, 200, a);
        })
        .onFailure(e -> Http.fail(ctx, e));
  }

  private static int limit(String v) {
    int limit;
    try {
      limit = io.chorus.input.Inputs.parseInt(v);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer from 1 to " + MAX_LIMIT);
    }
    return limit;
  }

  private static JsonObject json(Row r) {
    return new JsonObject().put("id", r.getUUID("id").toString()).put("name", r.getString("name")).put("name_key", r.getString("name_key"))
        .put("track_count", r.getLong("track_count")).put("album_count", r.getLong("album_count"));
  }
}

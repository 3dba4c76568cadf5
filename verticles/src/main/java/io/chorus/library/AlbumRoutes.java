package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.web.Http;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.chorus.library.CatalogHttp.body;
import static io.chorus.library.CatalogHttp.pathId;
import static io.chorus.library.CatalogHttp.respond;

/**
 * Albums under {@code /api/v1/albums}: CRUD, the cover (checked by decoding, re-encoded, with a
 * thumbnail) and the ordered track list. Reads are anonymous-friendly (approved albums only); changes
 * need the owner (adding tracks) or the owner or a moderator (everything else).
 */
final class AlbumRoutes {
  private static final List<String> PATCH_FIELDS = List.of("artist", "title", "year");

  private final Access access;
  private final AlbumRepo albums;
  private final Covers covers;

  AlbumRoutes(Access access, AlbumRepo albums, Covers covers) {
    this.access = access;
    this.albums = albums;
    this.covers = covers;
  }

  void mount(Router router, BodyHandler body) {
    router.post("/api/v1/albums").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 201, () -> {
      JsonObject b = body(ctx);
      String title = Inputs.name("title", CatalogHttp.string(b, "title"), 1, 255);
      String artist = Inputs.name("artist", CatalogHttp.string(b, "artist"), 0, 255);
      Integer year = year(b);
      return access.caller(ctx).compose(me -> albums.create(UUID.fromString(me.userId()), title, artist, year)).map(AlbumRoutes::wrap);
    }));
    // reads that also serve anonymous callers: a presented token first (a bad one is 401 whatever the query or ids hold)
    router.get("/api/v1/albums").handler(ctx -> respond(ctx, 200, () -> access.optionalCaller(ctx).compose(me -> {
      String owner = ctx.request().getParam("owner");
      String artist = ctx.request().getParam("artist");
      // "me" as GET /tracks takes it: the signed-in caller
      if ("me".equals(owner) && me == null) {
        throw ErrorCode.INVALID_ARGUMENT.exception("owner=me needs a signed-in caller");
      }
      UUID ownerId = owner == null ? null : "me".equals(owner) ? UUID.fromString(me.userId()) : CatalogHttp.uuid("owner", owner);
      UUID artistId = artist != null && artist.length() == 36 && artist.charAt(8) == '-' ? CatalogHttp.uuid("artist", artist) : null;
      String artistName = artist != null && artistId == null ? artist : null;
      io.chorus.web.KeysetCursor cursor = io.chorus.web.KeysetCursor.parse(ctx.request().getParam("cursor"), "cursor is malformed");
      int limit = CatalogHttp.limit(ctx, 50, 200);
      return albums.list(me, ownerId, artistId, artistName, cursor, limit);
    })));
    router.get("/api/v1/albums/:id").handler(ctx -> respond(ctx, 200, () -> access.optionalCaller(ctx).compose(me -> {
      UUID id = pathId(ctx, "id");
      return albums.get(id, me);
    }).map(AlbumRoutes::wrap)));
    router.patch("/api/v1/albums/:id").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 200, () -> {
      UUID id = pathId(ctx, "id");
      JsonObject b = patchBody(ctx);
      String title = b.containsKey("title") ? Inputs.name("title", CatalogHttp.string(b, "title"), 1, 255) : null;
      String artist = Inputs.name("artist", CatalogHttp.string(b, "artist"), 0, 255);
      Integer year = year(b);
      return access.caller(ctx).compose(me -> albums.update(id, me, b, title, artist, year).compose(x -> albums.get(id, me))).map(AlbumRoutes::wrap);
    }));
    // the token before the path's ids: without a valid one 401, whatever they look like
    router.delete("/api/v1/albums/:id").handler(ctx -> respond(ctx, 204, () -> access.caller(ctx).compose(me -> {
      UUID id = pathId(ctx, "id");
      return albums.delete(id, me);
    }).compose(covers::delete)));

    router.put("/api/v1/albums/:id/cover").handler(this::putCover);
    router.get("/api/v1/albums/:id/cover").handler(this::getCover);

    router.post("/api/v1/albums/:id/tracks").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 201, () -> {
      UUID id = pathId(ctx, "id");
      JsonObject b = body(ctx);
      UUID track = CatalogHttp.uuid("track_id", CatalogHttp.string(b, "track_id"));
      Integer position = CatalogHttp.integer(b, "position");
      return access.caller(ctx).compose(me -> albums.addTrack(id, me, track, position).compose(x -> albums.get(id, me))).map(AlbumRoutes::wrap);
    }));
    router.put("/api/v1/albums/:id/tracks").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 200, () -> {
      UUID id = pathId(ctx, "id");
      Object ids = body(ctx).getValue("track_ids");
      if (!(ids instanceof JsonArray a)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("track_ids must be an array of track ids");
      }
      List<UUID> order = new ArrayList<>();
      for (Object o : a) {
        if (!(o instanceof String s)) {
          throw ErrorCode.INVALID_ARGUMENT.exception("track_ids must be an array of track ids");
        }
        order.add(CatalogHttp.uuid("track_ids[]", s));
      }
      return access.caller(ctx).compose(me -> albums.reorder(id, me, order).compose(x -> albums.get(id, me))).map(AlbumRoutes::wrap);
    }));
    router.delete("/api/v1/albums/:id/tracks/:track_id").handler(ctx -> respond(ctx, 204, () -> access.caller(ctx).compose(me -> {
      UUID id = pathId(ctx, "id");
      UUID track = pathId(ctx, "track_id");
      return albums.removeTrack(id, me, track);
    })));
    router.post("/api/v1/albums/:id/tracks/:track_id/move").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 200, () -> {
      UUID id = pathId(ctx, "id");
      UUID track = pathId(ctx, "track_id");
      Integer position = CatalogHttp.integer(body(ctx), "position");
      if (position == null) {
        throw ErrorCode.INVALID_ARGUMENT.exception("position is required");
      }
      return access.caller(ctx).compose(me -> albums.moveTrack(id, me, track, position).compose(x -> albums.get(id, me))).map(AlbumRoutes::wrap);
    }));
  }

  /**
   * A {@code PATCH /albums/{id}} body: as for tracks, a field the album does not have is refused rather than
   * ignored (a typo would otherwise answer 200 and change nothing), and so is a body that changes nothing.
   */
  private static JsonObject patchBody(RoutingContext ctx) {
    JsonObject b = body(ctx);
    for (String f : b.fieldNames()) {
      if (!PATCH_FIELDS.contains(f)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("unknown field '" + f + "' (allowed: " + String.join(", ", PATCH_FIELDS) + ")");
      }
    }
    if (b.isEmpty()) {
      throw ErrorCode.INVALID_ARGUMENT.exception("nothing to change: give at least one of " + String.join(", ", PATCH_FIELDS));
    }
    return b;
  }

  private static JsonObject wrap(JsonObject album) {
    return new JsonObject().put("album", album);
  }

  private static Integer year(JsonObject b) {
    Integer year = CatalogHttp.integer(b, "year");
    if (year != null && (year < 0 || year > 9999)) {
      throw ErrorCode.INVALID_ARGUMENT.exception("year must be 0-9999");
    }
    return year;
  }

  /** Auth (then the id) and the album check first (the request stays paused), then the body, then decoding off the event loop. */
  private void putCover(RoutingContext ctx) {
    ctx.request().pause();
    access.caller(ctx)
        .compose(me -> {
          UUID id = pathId(ctx, "id");
          return albums.editable(id, me)
              .compose(r -> covers.read(ctx))
              .compose(covers::check)
              .compose(checked -> covers.store(id, checked))
              .compose(x -> albums.setCover(id, Covers.key(id), Covers.thumbKey(id)))
              .compose(x -> albums.get(id, me));
        })
        .onSuccess(album -> Http.json(ctx, 200, wrap(album)))
        .onFailure(e -> {
          drain(ctx);
          Http.fail(ctx, e);
        });
  }

  /** A refused upload's remaining body is read and dropped, so the connection can carry the answer and the next request. */
  private static void drain(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      ctx.request().handler(b -> { }).endHandler(v -> { }).resume();
    }
  }

  private void getCover(RoutingContext ctx) {
    String size = ctx.request().getParam("size", "full");
    // a presented token first: a bad one is 401 whatever the id and size hold
    access.optionalCaller(ctx)
        .compose(me -> {
          UUID id = pathId(ctx, "id");
          if (!size.equals("full") && !size.equals("thumb")) {
            throw ErrorCode.INVALID_ARGUMENT.exception("size must be full or thumb");
          }
          return AlbumRepo.row(albums.pg(), id).compose(r -> {
            if (r == null || !Access.visible(r.getString("moderation"), r.getUUID("owner_id").toString(), me)) {
              return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such album"));
            }
            String key = r.getString(size.equals("thumb") ? "cover_thumb_key" : "cover_key");
            if (key == null) {
              return Future.failedFuture(ErrorCode.NOT_FOUND.exception("the album has no cover"));
            }
            boolean shared = "approved".equals(r.getString("moderation"));
            return covers.fetch(key).onSuccess(obj -> ctx.response()
                .putHeader("Content-Type", obj.response().contentType())
                .putHeader("Cache-Control", shared ? "public, max-age=300" : "private, no-store")
                .putHeader("X-Content-Type-Options", "nosniff")
                .end(Buffer.buffer(obj.asByteArray())));
          });
        })
        .onFailure(e -> Http.fail(ctx, e));
  }
}

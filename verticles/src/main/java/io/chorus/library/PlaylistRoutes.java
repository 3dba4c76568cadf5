package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.UUID;

import static io.chorus.library.CatalogHttp.body;
import static io.chorus.library.CatalogHttp.pathId;
import static io.chorus.library.CatalogHttp.respond;

/** Playlists under {@code /api/v1/playlists}: a user's own lists, public ones readable by anyone. */
final class PlaylistRoutes {
  private static final java.util.List<String> PATCH_FIELDS = java.util.List.of("name", "description", "public");
  private final Access access;
  private final PlaylistRepo playlists;

  PlaylistRoutes(Access access, PlaylistRepo playlists) {
    this.access = access;
    this.playlists = playlists;
  }

  void mount(Router router, BodyHandler body) {
    router.post("/api/v1/playlists").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 201, () -> {
      JsonObject b = body(ctx);
      String name = Inputs.name("name", CatalogHttp.string(b, "name"), 1, 255);
      String description = Inputs.text("description", CatalogHttp.string(b, "description"), 1000);
      Boolean isPublic = CatalogHttp.bool(b, "public");
      return access.caller(ctx).compose(me -> playlists.create(UUID.fromString(me.userId()), name, description == null ? "" : description,
          isPublic != null && isPublic).compose(id -> playlists.get(id, me))).map(PlaylistRoutes::wrap);
    }));
    router.get("/api/v1/playlists").handler(ctx -> respond(ctx, 200, () -> access.caller(ctx).compose(playlists::mine)));
    // anonymous readers too, but a presented token first: a bad one is 401 whatever the id looks like
    router.get("/api/v1/playlists/:id").handler(ctx -> respond(ctx, 200, () -> access.optionalCaller(ctx).compose(me -> {
      UUID id = pathId(ctx, "id");
      return playlists.get(id, me);
    }).map(PlaylistRoutes::wrap)));
    router.patch("/api/v1/playlists/:id").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 200, () -> {
      UUID id = pathId(ctx, "id");
      JsonObject b = body(ctx);
      // as for tracks and albums: a field the playlist does not have, or a body that changes nothing, is refused
      // rather than answered 200 with nothing changed (a typo would otherwise pass unnoticed)
      for (String f : b.fieldNames()) {
        if (!PATCH_FIELDS.contains(f)) {
          throw ErrorCode.INVALID_ARGUMENT.exception("unknown field '" + f + "' (allowed: " + String.join(", ", PATCH_FIELDS) + ")");
        }
      }
      if (b.isEmpty()) {
        throw ErrorCode.INVALID_ARGUMENT.exception("nothing to change: give at least one of " + String.join(", ", PATCH_FIELDS));
      }
      String name = b.containsKey("name") ? Inputs.name("name", CatalogHttp.string(b, "name"), 1, 255) : null;
      // null clears the description, as null clears a track's or an album's optional text
      String description = b.containsKey("description") && b.getValue("description") == null ? ""
          : Inputs.text("description", CatalogHttp.string(b, "description"), 1000);
      Boolean isPublic = CatalogHttp.bool(b, "public");
      return access.caller(ctx).compose(me -> playlists.update(id, me, name, description, isPublic).compose(x -> playlists.get(id, me)))
          .map(PlaylistRoutes::wrap);
    }));
    // the token before the path's ids: without a valid one 401, whatever they look like
    router.delete("/api/v1/playlists/:id").handler(ctx -> respond(ctx, 204, () -> access.caller(ctx).compose(me -> {
      UUID id = pathId(ctx, "id");
      return playlists.delete(id, me);
    })));
    router.post("/api/v1/playlists/:id/tracks").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 201, () -> {
      UUID id = pathId(ctx, "id");
      JsonObject b = body(ctx);
      UUID track = CatalogHttp.uuid("track_id", CatalogHttp.string(b, "track_id"));
      Integer position = CatalogHttp.integer(b, "position");
      return access.caller(ctx).compose(me -> playlists.add(id, me, track, position));
    }));
    router.delete("/api/v1/playlists/:id/tracks/:entry_id").handler(ctx -> respond(ctx, 204, () -> access.caller(ctx).compose(me -> {
      UUID id = pathId(ctx, "id");
      long entry = CatalogHttp.pathLong(ctx, "entry_id");
      return playlists.remove(id, me, entry);
    })));
    router.post("/api/v1/playlists/:id/tracks/:entry_id/move").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 200, () -> {
      UUID id = pathId(ctx, "id");
      long entry = CatalogHttp.pathLong(ctx, "entry_id");
      Integer position = CatalogHttp.integer(body(ctx), "position");
      if (position == null) {
        throw ErrorCode.INVALID_ARGUMENT.exception("position is required");
      }
      return access.caller(ctx).compose(me -> playlists.move(id, me, entry, position).compose(x -> playlists.get(id, me)))
          .map(PlaylistRoutes::wrap);
    }));
  }

  private static JsonObject wrap(JsonObject playlist) {
    return new JsonObject().put("playlist", playlist);
  }
}

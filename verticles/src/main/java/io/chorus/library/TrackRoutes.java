package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

/**
 * Track REST under {@code /api/v1/tracks}: read one, list (keyset pages, newest first), PATCH and DELETE
 * (owner or moderator), the embedded cover. What a caller sees follows {@link Access}: approved tracks
 * for everyone, pending/rejected ones for their owner and moderators, taken-down ones for moderators.
 * A track the caller may not see is {@code 404}, like one that does not exist.
 */
final class TrackRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(TrackRoutes.class);
  private static final int PAGE_MAX = 200;

  private final Access access;
  private final TrackRepo repo;
  private final MediaStore store;
  private final S3Relay relay;
  private final io.vertx.core.eventbus.EventBus bus;

  TrackRoutes(Access access, TrackRepo repo, MediaStore store, S3Relay relay, io.vertx.core.eventbus.EventBus bus) {
    this.access = access;
    this.repo = repo;
    this.store = store;
    this.relay = relay;
    this.bus = bus;
  }

  /** Called with a track's id once its deletion committed, before the answer (this node's stream rows). */
  private java.util.function.Consumer<String> dropped = id -> { };

  TrackRoutes dropping(java.util.function.Consumer<String> dropped) {
    this.dropped = dropped;
    return this;
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(16 * 1024);
    router.get("/api/v1/tracks").handler(ctx -> respond(ctx, access.optionalCaller(ctx).compose(v -> repo.list(v,
        ctx.request().getParam("artist"), ctx.request().getParam("album"), ctx.request().getParam("owner"),
        ctx.request().getParam("cursor"), limit(ctx.request().getParam("limit"))))));
    router.get("/api/v1/tracks/:id").handler(ctx -> respond(ctx, access.optionalCaller(ctx)
        .compose(v -> visible(ctx.pathParam("id"), v)).map(t -> new JsonObject().put("track", t.json()))));
    router.patch("/api/v1/tracks/:id").handler(access.authenticated(body)).handler(ctx -> respond(ctx, access.caller(ctx).compose(v -> editable(ctx, v, t -> {
      // a body that is JSON but not an object (an array, a string) is the client's error, not a ClassCastException
      TrackEdit edit = TrackEdit.parse(CatalogHttp.body(ctx));
      return repo.update(t.id(), edit).compose(x -> repo.byId(t.id(), v)).map(u -> new JsonObject().put("track", u.json()));
    }))));
    router.delete("/api/v1/tracks/:id").handler(ctx -> access.caller(ctx).compose(v -> editable(ctx, v, this::delete))
        .onSuccess(x -> ctx.response().setStatusCode(204).end())
        .onFailure(e -> Http.fail(ctx, e)));
    router.get("/api/v1/tracks/:id/cover").handler(this::cover);
  }

  private Future<Void> delete(Track t) {
    return repo.delete(t.id()).compose(deleted -> {
      if (!deleted) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such track"));
      }
      // after the commit: a failed S3 delete leaves an orphan object (logged), never a row without its file
      store.delete(List.of(t.originalKey(), MediaStore.coverKey(t.id()), "analysis/" + t.id() + ".f32"), List.of("tracks/" + t.id() + "/"))
          .onFailure(e -> LOG.warn("track {} deleted; its S3 objects were not: {}", t.id(), e.getMessage()));
      // every node drops it like a takedown (streams, search, rooms playing or queueing it); this one at once
      dropped.accept(t.id());
      bus.publish(io.chorus.bus.Addresses.LIBRARY_TAKEDOWN,
          Moderation.takedownMessage("track", t.id(), new io.vertx.core.json.JsonArray().add(t.id()), "deleted"));
      LOG.info("Track {} deleted", t.id());
      return Future.succeededFuture();
    });
  }

  private void cover(RoutingContext ctx) {
    access.optionalCaller(ctx).compose(v -> visible(ctx.pathParam("id"), v)).compose(t -> {
      if (t.coverKey() == null) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("the track has no cover"));
      }
      return store.head(t.coverKey()).compose(h -> h == null ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("the track has no cover"))
          : relay.send(ctx.response(), t.coverKey(), null, h.contentLength(), () -> ctx.response().setStatusCode(200)
              .putHeader("Content-Type", h.contentType() == null ? "application/octet-stream" : h.contentType())
              .putHeader("Content-Length", Long.toString(h.contentLength()))
              .putHeader("Cache-Control", "private, max-age=300").putHeader("X-Content-Type-Options", "nosniff")));
    }).onFailure(e -> {
      if (!ctx.response().headWritten()) {
        Http.fail(ctx, e);
      }
    });
  }

  /** The track if {@code viewer} may see it, else 404. */
  private Future<Track> visible(String id, SignedIn viewer) {
    return repo.byId(id, viewer).compose(t -> t != null && Access.visible(t.moderation(), t.ownerId(), viewer)
        ? Future.succeededFuture(t) : Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such track")));
  }

  /** Runs {@code action} when {@code viewer} may change the track: 404 if they cannot see it, 403 if they only can see it. */
  private <T> Future<T> editable(RoutingContext ctx, SignedIn viewer, Function<Track, Future<T>> action) {
    return visible(ctx.pathParam("id"), viewer).compose(t -> {
      if (!Access.mayEdit(t.ownerId(), viewer)) {
        return Future.failedFuture(ErrorCode.FORBIDDEN.exception("only the owner or a moderator may change this track"));
      }
      try {
        return action.apply(t);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
  }

  private static void respond(RoutingContext ctx, Future<JsonObject> result) {
    result.onSuccess(j -> Http.json(ctx, 200, j)).onFailure(e -> Http.fail(ctx, e));
  }

  private static int limit(String v) {
    if (v == null) {
      return 50;
    }
    try {
      int n = io.chorus.input.Inputs.parseInt(v);
      if (n >= 1 && n <= PAGE_MAX) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the error
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer in 1.." + PAGE_MAX);
  }
}

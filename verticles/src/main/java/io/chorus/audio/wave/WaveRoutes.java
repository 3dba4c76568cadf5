package io.chorus.audio.wave;

import io.chorus.bus.ErrorCode;
import io.chorus.library.Access;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.UUID;
import java.util.function.Function;

/**
 * My Wave over REST (signed-in users, {@code Authorization: Bearer <access JWT>}):
 * {@code GET /api/v1/wave?limit=} (1..{@link #MAX_LIMIT}, default {@link #DEFAULT_LIMIT}) →
 * {@code {tracks: [...], albums: [...]}}; {@code POST /api/v1/wave/feedback {track_id, event}} →
 * {@code 200 {event_id, user_id, track_id, event, at}}; {@code PUT /api/v1/rooms/:id/wave {enabled}} (the
 * room's host, signed in as the account that hosts it) and {@code GET /api/v1/rooms/:id/wave}.
 */
final class WaveRoutes {
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;
  static final int MAX_BODY = 4096;

  private final Access access;
  private final Wave wave;
  private final WaveRooms rooms;

  WaveRoutes(Access access, Wave wave, WaveRooms rooms) {
    this.access = access;
    this.wave = wave;
    this.rooms = rooms;
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
    // GET records the tracks it served (they are not served again soon): HEAD must not, so it is refused
    Http.getOnly(router.get("/api/v1/wave")).handler(ctx -> run(ctx, who -> wave.answer(user(who), limit(ctx))));
    router.head("/api/v1/wave").putMetadata(io.chorus.web.NoRoute.REFUSES, Boolean.TRUE).handler(ctx -> {
      ctx.response().putHeader("Allow", "GET");
      Http.error(ctx, ErrorCode.METHOD_NOT_ALLOWED, "HEAD is not served here: GET records the tracks it serves");
    });
    // the token is checked before the body is read: without a valid one the answer is 401, whatever the body holds
    router.post("/api/v1/wave/feedback").handler(access.authenticated(body)).handler(ctx -> run(ctx, who -> {
      JsonObject b = body(ctx);
      UUID track = uuid(b.getValue("track_id"));
      Object event = b.getValue("event");
      if (!(event instanceof String e)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("event (like, dislike, skip or finished) is required");
      }
      return wave.feedback(who, track, e);
    }));
    router.put("/api/v1/rooms/:id/wave").handler(access.authenticated(body)).handler(ctx -> run(ctx, who -> {
      Object enabled = body(ctx).getValue("enabled");
      if (!(enabled instanceof Boolean on)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("enabled (true or false) is required");
      }
      return rooms.set(ctx.pathParam("id"), who, on);
    }));
    router.get("/api/v1/rooms/:id/wave").handler(ctx -> run(ctx, who -> rooms.status(ctx.pathParam("id"), who)));
  }

  /** The signed-in caller (401 otherwise), then the work; every failure is a JSON error. */
  private void run(RoutingContext ctx, Function<SignedIn, Future<JsonObject>> work) {
    access.caller(ctx).compose(who -> {
      try {
        return work.apply(who);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }).onSuccess(json -> Http.json(ctx, 200, json)).onFailure(e -> Http.fail(ctx, e));
  }

  static UUID user(SignedIn who) {
    return UUID.fromString(who.userId());
  }

  static int limit(RoutingContext ctx) {
    String v = ctx.request().getParam("limit");
    if (v == null) {   // "limit=" (empty) is refused, as similar and search refuse it
      return DEFAULT_LIMIT;
    }
    try {
      int n = io.chorus.input.Inputs.parseInt(v);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer between 1 and " + MAX_LIMIT);
  }

  private static UUID uuid(Object v) {
    if (v instanceof String s && s.length() == 36) {
      try {
        return UUID.fromString(s);
      } catch (IllegalArgumentException e) {
        // refused below
      }
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("track_id must be a track id (a UUID)");
  }

  private static JsonObject body(RoutingContext ctx) {
    JsonObject o = Http.jsonObject(ctx);
    if (o == null) {
      throw ErrorCode.MALFORMED_JSON.exception("body must be a JSON object");
    }
    return o;
  }
}

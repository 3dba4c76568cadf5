package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.chorus.web.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.function.BiFunction;

/**
 * A room's shared queue over REST, in the style of the rooms API ({@code Authorization: Bearer
 * <participant token>}; each request counts against the caller's {@code RATE_LIMIT_ROOM_REQUESTS}):
 * {@code GET /api/v1/rooms/:id/queue} (any member), {@code POST /api/v1/rooms/:id/queue},
 * {@code DELETE /api/v1/rooms/:id/queue/:item}, {@code POST /api/v1/rooms/:id/queue/:item/move},
 * {@code POST /api/v1/rooms/:id/skip} (the host). The bodies are the WebSocket messages' fields,
 * parsed by the same {@link RoomCommand#fromClient}.
 */
public final class QueueRoutes {
  static final int MAX_BODY = 16 * 1024;

  private final RoomClient rooms;
  private final ParticipantTokens tokens;
  private final RateLimiter limiter;
  private final int requestLimit;

  private QueueRoutes(RoomClient rooms, ParticipantTokens tokens, RateLimiter limiter, int requestLimit) {
    this.rooms = rooms;
    this.tokens = tokens;
    this.limiter = limiter;
    this.requestLimit = requestLimit;
  }

  /** {@code requestLimit}: requests per caller and window of {@code limiter} (0: unlimited), as every room path. */
  public static void mount(Router router, RoomClient rooms, ParticipantTokens tokens, RateLimiter limiter, int requestLimit) {
    QueueRoutes q = new QueueRoutes(rooms, tokens, limiter, requestLimit);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
    router.get("/api/v1/rooms/:id/queue").handler(ctx -> q.run(ctx, 200, (id, pid) -> rooms.get(id).map(room -> {
      if (!room.isMember(pid)) {
        throw new ChorusException(ErrorCode.FORBIDDEN, "not a participant of this room");
      }
      return queueJson(room);
    })));
    router.post("/api/v1/rooms/:id/queue").handler(body).handler(ctx -> q.run(ctx, 201, (id, pid) ->
        rooms.send(RoomCommand.fromClient("queue_add", id, pid, body(ctx))).map(room -> {
          JsonObject item = null;
          for (Object o : room.queue()) {
            if (o instanceof JsonObject i && room.itemId().equals(i.getString("id"))) {
              item = i;
            }
          }
          return queueJson(room).put("item", item);
        })));
    router.delete("/api/v1/rooms/:id/queue/:item").handler(ctx -> q.run(ctx, 204, (id, pid) ->
        rooms.send(new RoomCommand.QueueRemove(id, pid, ctx.pathParam("item")))));
    router.post("/api/v1/rooms/:id/queue/:item/move").handler(body).handler(ctx -> q.run(ctx, 200, (id, pid) -> {
      JsonObject b = body(ctx).put("item_id", ctx.pathParam("item"));
      return rooms.send(RoomCommand.fromClient("queue_move", id, pid, b)).map(QueueRoutes::queueJson);
    }));
    router.post("/api/v1/rooms/:id/skip").handler(body).handler(ctx -> q.run(ctx, 200, (id, pid) ->
        rooms.send(new RoomCommand.Skip(id, pid)).map(QueueRoutes::queueJson)));
  }

  /** What every answer shows: the current track, playback and the queue. */
  static JsonObject queueJson(RoomState room) {
    long now = System.currentTimeMillis();
    return new JsonObject().put("room_id", room.roomId()).put("version", room.version()).put("status", room.status())
        .put("track", room.track()).put("ready_deadline", room.readyDeadline()).put("playback", room.playback(now))
        .put("queue_version", room.queueVersion()).put("queue", room.queue());
  }

  /** A valid room id, the caller's rate limit, its participant token, then the work. */
  private void run(RoutingContext ctx, int status, BiFunction<String, String, Future<?>> work) {
    String id = RoomIds.normalize(ctx.pathParam("id"));
    Future<?> result;
    if (!RoomIds.isValid(id)) {
      result = Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "room id must be 4-32 letters or digits"));
    } else {
      ParticipantTokens.Identity who;
      try {
        who = identity(ctx, id);
      } catch (ChorusException e) {
        who = null;
      }
      // per participant with a valid token, else per client IP (never per room), as on every room path
      Future<Void> limited = who != null ? limiter.hitParticipant(id, who.participantId(), requestLimit)
          : limiter.hitAddress(RateLimiter.clientIp(ctx.request()), requestLimit);
      result = limited.compose(v -> {
        try {
          ParticipantTokens.Identity caller = identity(ctx, id);
          if (caller == null) {
            throw new ChorusException(ErrorCode.UNAUTHENTICATED, "Authorization: Bearer <participant token> required");
          }
          return work.apply(id, caller.participantId());
        } catch (RuntimeException e) {
          return Future.failedFuture(e);
        }
      });
    }
    result.onComplete(ar -> {
      if (ar.failed()) {
        RateLimiter.fail(ctx, ar.cause());
      } else if (status == 204) {
        ctx.response().setStatusCode(204).end();
      } else {
        Http.json(ctx, status, ar.result());
      }
    });
  }

  /** The caller's participant token for this room (null without one; UNAUTHENTICATED for a bad one). */
  private ParticipantTokens.Identity identity(RoutingContext ctx, String roomId) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      return null;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "Authorization must be 'Bearer <participant token>'");
    }
    return tokens.verify(header.substring(7).trim(), roomId);
  }

  /** The JSON object body a route needs: none at all is malformed_json, as a body that is not a JSON object (docs/api.md). */
  private static JsonObject body(RoutingContext ctx) {
    JsonObject o = Http.jsonObject(ctx);
    if (o == null) {
      throw new ChorusException(ErrorCode.MALFORMED_JSON, "a JSON object body is required");
    }
    return o;
  }
}

package io.chorus.chat;

import io.chorus.web.RateLimiter;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.chorus.web.Cors;
import io.chorus.web.Http;
import io.chorus.input.Inputs;
import io.chorus.room.ParticipantTokens;
import io.chorus.room.RoomIds;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * Seed 002's REST API under {@code /api/v1/rooms}. Identity: {@code Authorization: Bearer <participant
 * token>} is the authority; {@code X-Participant-ID} is accepted (it proposes the id on create/join)
 * but must match the token when both are sent. Every room path counts against the caller's rate limit
 * (the participant for a valid token, else the client IP), room creation against the caller's IP,
 * messages against the participant (all cluster-wide).
 */
public final class RoomsRestRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(RoomsRestRoutes.class);
  static final String PID_HEADER = "X-Participant-ID";

  private final ConferenceService conf;
  private final ChatService chat;
  private final MediaTokens media;
  private final RateLimiter limiter;
  private final ParticipantTokens tokens;
  private final ChorusConfig config;
  private final ChatConfig chatConfig;
  private final ChatStore.Limits postLimits;
  private final SignedInJoins signedIn;

  public RoomsRestRoutes(ConferenceService conf, ChatService chat, MediaTokens media, RateLimiter limiter, ParticipantTokens tokens,
                         ChorusConfig config, SignedInJoins signedIn) {
    this.signedIn = signedIn;
    this.conf = conf;
    this.chat = chat;
    this.media = media;
    this.limiter = limiter;
    this.tokens = tokens;
    this.config = config;
    this.chatConfig = ChatConfig.of(config);
    this.postLimits = new ChatStore.Limits(limiter.windowMs(), chatConfig.rateRoomRequests(), chatConfig.rateMessages(),
        ConferenceService.ACTIVITY_SECONDS);
  }

  public void mount(Router router) {
    CorsHandler cors = Cors.handler(config.security().allowedOrigins(), PID_HEADER);
    router.route("/api/v1/rooms*").handler(cors);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(16L * 1024 + 8L * chatConfig.maxMessageLength());
    router.post("/api/v1/rooms").handler(body).handler(this::create);
    router.get("/api/v1/rooms/:id").handler(ctx -> room(ctx, 200, id -> conf.get(id)));
    router.post("/api/v1/rooms/:id/join").handler(body).handler(ctx -> room(ctx, 200, id -> {
      String auth = ctx.request().getHeader("Authorization");
      if (signedIn != null && SignedInJoins.carriesUser(auth)) {   // an account's access JWT (issue 16)
        // the account's name stands in for a missing display_name, so the body may be left out
        String name = string(optionalBody(ctx), "display_name");
        // the account's participant in the room, if it has one, comes back (an idempotent re-join)
        return signedIn.join(auth, id, ctx.request().getHeader(PID_HEADER), (p, own) -> conf.join(id, name != null ? name : p.name(),
            own == null ? null : new ParticipantTokens.Identity(id, own, null), caller(ctx), p.userId()));
      }
      ParticipantTokens.Identity identity = optionalAuth(ctx, id);
      return conf.join(id, string(body(ctx), "display_name"), identity, caller(ctx));
    }));
    router.post("/api/v1/rooms/:id/leave").handler(body).handler(ctx -> room(ctx, 200, id -> conf.leave(id, auth(ctx, id).participantId())));
    router.get("/api/v1/rooms/:id/participants").handler(ctx -> room(ctx, 200, id -> conf.participants(id, auth(ctx, id).participantId())));
    router.get("/api/v1/rooms/:id/chat/messages").handler(ctx -> room(ctx, 200, id -> {
      String pid = auth(ctx, id).participantId();
      int limit = intParam(ctx, "limit", 50);
      String after = ctx.request().getParam("after", "");
      return conf.member(id, pid).compose(s -> chat.list(id, after, limit)).map(ChatStore.Page::json);
    }));
    router.post("/api/v1/rooms/:id/chat/messages").handler(body).handler(this::sendMessage);
    router.put("/api/v1/rooms/:id/chat/messages/:messageId").handler(body).handler(ctx -> room(ctx, 200, id -> {
      String pid = auth(ctx, id).participantId();
      String content = string(body(ctx), "content");
      return conf.member(id, pid).compose(s -> chat.edit(id, ctx.pathParam("messageId"), pid, content));
    }));
    router.delete("/api/v1/rooms/:id/chat/messages/:messageId").handler(ctx -> room(ctx, 204, id -> {
      String pid = auth(ctx, id).participantId();
      return conf.member(id, pid).compose(state -> chat.delete(id, ctx.pathParam("messageId"), pid, pid.equals(state.hostId())));
    }));
    router.put("/api/v1/rooms/:id/track").handler(body).handler(ctx -> room(ctx, 200, id -> {
      String pid = auth(ctx, id).participantId();
      JsonObject b = body(ctx);
      return conf.changeTrack(id, pid, string(b, "track_url"), string(b, "track_id"));
    }));
    router.post("/api/v1/rooms/:id/host").handler(body).handler(ctx -> room(ctx, 200, id -> {
      String pid = auth(ctx, id).participantId();
      return conf.transferHost(id, pid, string(body(ctx), "participant_id"));
    }));
    router.post("/api/v1/rooms/:id/media/token").handler(body).handler(ctx -> room(ctx, 200, id -> {
      String pid = auth(ctx, id).participantId();
      return conf.member(id, pid).compose(state -> conf.livekitRoomName(id)
          .map(name -> media.issue(name, pid, state.nameOf(pid), pid.equals(state.hostId()))));
    }));
  }

  private void create(RoutingContext ctx) {
    Future<JsonObject> result;
    try {
      JsonObject b = body(ctx);
      String title = string(b, "title");
      String description = string(b, "description");
      Integer max = integer(b, "max_participants");
      String name = string(b, "display_name");
      ConferenceService.Caller caller = caller(ctx);
      if (ctx.request().getHeader("Authorization") != null) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "creating a room takes no participant token");
      }
      result = limiter.hit(RateLimiter.ROOM_CREATE, caller.clientIp(), chatConfig.rateRoomCreate(), "rooms created from this address")
          .compose(v -> conf.create(title, description, max, name, caller));
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    respond(ctx, 201, result);
  }

  /**
   * POST a message: the participant's request limit, membership, the participant's message limit, the append
   * and the room's activity mark are one Redis script, so a message pays one round trip instead of one per
   * check in sequence (docs/benchmarks-history.md, Chat). Refusals keep the order of separate checks: the
   * caller's request limit (429; the client IP's for a bad token) first, then a bad token (401/403) or body
   * (400), a non-member (403), the participant's message limit (429). A request the request limit refuses still counts against
   * its participant's message limit. Only the first message of a room
   * in {@link ConferenceService#ACTIVITY_SECONDS} also renews the room's lifetime (PostgreSQL).
   */
  private void sendMessage(RoutingContext ctx) {
    String id = RoomIds.normalize(ctx.pathParam("id"));
    if (!RoomIds.isValid(id)) {
      respond(ctx, 201, invalidRoomId());
      return;
    }
    String pid;
    String content;
    try {
      pid = auth(ctx, id).participantId();
      content = chat.checkContent(string(body(ctx), "content"));
    } catch (RuntimeException e) {
      respond(ctx, 201, callerLimit(ctx, id).transform(ar -> Future.failedFuture(ar.failed() ? ar.cause() : e)));
      return;
    }
    Future<JsonObject> sent = chat.post(id, pid, content, postLimits).compose(posted -> !posted.firstActivity()
        ? Future.succeededFuture(posted.message())
        : conf.renew(id).transform(ar -> {
          if (ar.failed()) {
            // the message is stored and published; the room's lifetime is renewed by the next mark
            LOG.warn("Room {}: renewing its lifetime after a chat message failed: {}", id, ar.cause().toString());
          }
          return Future.succeededFuture(posted.message());
        }));
    respond(ctx, 201, sent);
  }

  /** Runs a room route: a valid id, the caller's rate limit, then the work. */
  private void room(RoutingContext ctx, int status, Function<String, Future<?>> work) {
    String id = RoomIds.normalize(ctx.pathParam("id"));
    Future<?> result;
    if (!RoomIds.isValid(id)) {
      result = invalidRoomId();
    } else {
      result = callerLimit(ctx, id).compose(v -> {
        try {
          return work.apply(id);
        } catch (RuntimeException e) {
          return Future.failedFuture(e);
        }
      });
    }
    respond(ctx, status, result);
  }

  /**
   * The caller's request limit, never the room's (anonymous requests must not use up the budget of
   * the room's members): a valid participant token counts against that participant in this room,
   * anything else (no token, a bad one) against the client IP. The work checks the token again and
   * refuses a bad one with 401/403.
   */
  private Future<Void> callerLimit(RoutingContext ctx, String roomId) {
    int limit = chatConfig.rateRoomRequests();
    ParticipantTokens.Identity identity;
    try {
      identity = optionalAuth(ctx, roomId);
    } catch (RuntimeException e) {
      identity = null;
    }
    return identity != null ? limiter.hitParticipant(roomId, identity.participantId(), limit)
        : limiter.hitAddress(RateLimiter.clientIp(ctx.request()), limit);
  }

  private static <T> Future<T> invalidRoomId() {
    return Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "room id must be 4-32 letters or digits"));
  }

  private static void respond(RoutingContext ctx, int status, Future<?> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        if (status == 204) {
          ctx.response().setStatusCode(204).end();
        } else {
          Http.json(ctx, status, ar.result());
        }
        return;
      }
      Throwable e = ar.cause();
      if (e instanceof RateLimiter.RateLimited rl) {
        ctx.response().putHeader("Retry-After", Long.toString(rl.retryAfterSeconds()));
        Http.error(ctx, ErrorCode.RATE_LIMITED, e.getMessage());
        return;
      }
      Http.fail(ctx, e);
    });
  }

  /** The verified identity of the caller for this room; the header id, if sent, must be the token's. */
  private ParticipantTokens.Identity auth(RoutingContext ctx, String roomId) {
    ParticipantTokens.Identity id = optionalAuth(ctx, roomId);
    if (id == null) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "Authorization: Bearer <participant token> required");
    }
    return id;
  }

  private ParticipantTokens.Identity optionalAuth(RoutingContext ctx, String roomId) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      return null;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "Authorization must be 'Bearer <participant token>'");
    }
    ParticipantTokens.Identity id = tokens.verify(header.substring(7).trim(), roomId);
    String claimed = ctx.request().getHeader(PID_HEADER);
    if (claimed != null && !claimed.equals(id.participantId())) {
      throw new ChorusException(ErrorCode.FORBIDDEN, "X-Participant-ID does not match the participant token");
    }
    return id;
  }

  private static ConferenceService.Caller caller(RoutingContext ctx) {
    String ua = ctx.request().getHeader("User-Agent");
    if (ua != null && ua.length() > 512) {
      ua = ua.substring(0, 512);
    }
    return new ConferenceService.Caller(ctx.request().getHeader(PID_HEADER), RateLimiter.clientIp(ctx.request()), ua);
  }

  /** The JSON object body a route needs: none at all is malformed_json, as a body that is not a JSON object (docs/api.md). */
  private static JsonObject body(RoutingContext ctx) {
    if (Http.nonEmptyBody(ctx) == null) {
      throw new ChorusException(ErrorCode.MALFORMED_JSON, "a JSON object body is required");
    }
    return optionalBody(ctx);
  }

  /** The JSON object body, or an empty object when there is none (a route whose fields are all optional). */
  private static JsonObject optionalBody(RoutingContext ctx) {
    JsonObject o = Http.jsonObject(ctx);
    return o == null ? new JsonObject() : o;
  }

  private static String string(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " must be a string");
    }
    return (String) v;
  }

  private static Integer integer(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > 1e9) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " must be an integer");
    }
    return n.intValue();
  }

  private static int intParam(RoutingContext ctx, String name, int dflt) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      return io.chorus.input.Inputs.parseInt(v);
    } catch (NumberFormatException e) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, name + " must be an integer");
    }
  }
}

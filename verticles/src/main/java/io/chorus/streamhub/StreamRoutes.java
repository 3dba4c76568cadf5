package io.chorus.streamhub;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.web.RateLimiter;
import io.chorus.config.ChorusConfig;
import io.chorus.web.Http;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.chorus.input.Inputs;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Seed 001's stream hub on the shared HTTP port: {@code POST /sessions}, {@code GET /sessions/:id},
 * {@code GET /sessions/:id/operators}, {@code DELETE /sessions/:id}, and {@code WS /ws/stream/:session_id/:user_id}
 * ({@link StreamSocketHandler}). Ending a session takes its stream key; creating one is rate-limited per client IP,
 * and a session whose source never connects is finished after {@code STREAM_WAITING_TTL_SECONDS}.
 */
public final class StreamRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);

  private final Vertx vertx;
  private final StreamSessions sessions;
  private final ChorusConfig config;
  private final StreamConfig stream;
  private final RateLimiter limiter;
  private final StreamSocketHandler sockets;

  public StreamRoutes(Vertx vertx, Hub hub, StreamSessions sessions, Redis redis, ChorusConfig config, String nodeId, MeterRegistry registry,
                      SocketDrop drop) {
    this(vertx, hub, sessions, redis, config, nodeId, registry, drop, null);
  }

  public StreamRoutes(Vertx vertx, Hub hub, StreamSessions sessions, Redis redis, ChorusConfig config, String nodeId, MeterRegistry registry,
                      SocketDrop drop,
                      java.util.function.Function<String, Future<String>> users) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.config = config;
    this.stream = StreamConfig.of(config);
    this.limiter = new RateLimiter(RedisAPI.api(redis), stream.rateWindowSeconds());
    this.sockets = new StreamSocketHandler(vertx, hub, sessions, redis, stream, nodeId, registry, drop, users);
  }

  public void mount(Router router) {
    // browsers create, read and end sessions from their own origin: CORS_ALLOWED_ORIGINS, as on /api/v1
    router.route("/sessions*").handler(io.chorus.web.Cors.handler(config.security().allowedOrigins(), "X-Stream-Key"));
    router.post("/sessions").handler(BodyHandler.create(false).setBodyLimit(64 * 1024)).handler(this::create);
    router.get("/sessions/:id").handler(ctx -> sessions.get(ctx.pathParam("id"))
        .onSuccess(s -> Http.json(ctx, 200, s.toJson())).onFailure(e -> Http.fail(ctx, e)));
    router.get("/sessions/:id/operators").handler(ctx -> sessions.operators(ctx.pathParam("id"))
        .onSuccess(ops -> Http.json(ctx, 200, ops))
        .onFailure(e -> Http.fail(ctx, e)));
    router.delete("/sessions/:id").handler(this::delete);
    router.get("/ws/stream/:session_id/:user_id").handler(Http::requireWebSocket).handler(sockets);
    long sweepMs = Math.max(1, Math.min(60, stream.waitingTtlSeconds() / 2)) * 1000L;
    vertx.setPeriodic(sweepMs, sweepMs, t -> expireWaiting());
  }

  /**
   * Only the session's creator ends it: the stream key from {@code POST /sessions}, as header
   * {@code X-Stream-Key}, {@code Authorization: Bearer <stream_key>} or {@code ?key=} (as the source
   * socket takes it). The session id alone (in every operator's URL) is no credential.
   */
  private void delete(RoutingContext ctx) {
    String key = presentedKey(ctx);
    sessions.get(ctx.pathParam("id")).compose(s -> {
      if (key == null) {
        return Future.failedFuture(new ChorusException(ErrorCode.UNAUTHENTICATED,
            "the session's stream key is required (X-Stream-Key or Authorization: Bearer <stream_key>)"));
      }
      if (!s.keyMatches(key)) {
        return Future.failedFuture(new ChorusException(ErrorCode.FORBIDDEN, "wrong stream key for this session"));
      }
      return sessions.finish(s.id());
    }).onSuccess(s -> {
      sockets.finished(s.id());
      ctx.response().setStatusCode(204).end();
    }).onFailure(e -> Http.fail(ctx, e));
  }

  /** The stream key the caller shows: {@code ?key=}, {@code X-Stream-Key} or {@code Authorization: Bearer}; null if none. */
  private static String presentedKey(RoutingContext ctx) {
    String key = ctx.request().getParam("key");
    if (key == null) {
      key = ctx.request().getHeader("X-Stream-Key");
    }
    String auth = ctx.request().getHeader("Authorization");
    if (key == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      key = auth.substring(7).trim();
    }
    return key == null || key.isEmpty() ? null : key;
  }

  /**
   * Finishes sessions still waiting for their source after {@code STREAM_WAITING_TTL_SECONDS}. Every
   * node runs it; the conditional UPDATE hands each expired session to exactly one of them, which
   * closes its operators on every node as DELETE does.
   */
  private void expireWaiting() {
    sessions.expireWaiting(stream.waitingTtlSeconds())
        .onSuccess(ids -> ids.forEach(id -> {
          LOG.info("Session {} finished: its source did not connect within {} s", id, stream.waitingTtlSeconds());
          sockets.finished(id);
        }))
        .onFailure(e -> LOG.warn("Expiring waiting sessions failed: {}", e.getMessage()));
  }

  private void create(RoutingContext ctx) {
    JsonObject body;
    try {
      body = Http.jsonObject(ctx);
    } catch (io.chorus.bus.ChorusException e) {   // not JSON, or JSON that is not an object (null included)
      Http.error(ctx, e.code(), e.getMessage());
      return;
    }
    if (body == null) {   // no body
      Http.error(ctx, ErrorCode.MALFORMED_JSON, "body must be a JSON object {\"client_id\": \"...\"}");
      return;
    }
    Object clientId = body.getValue("client_id");
    if (!(clientId instanceof String)) {
      Http.error(ctx, ErrorCode.INVALID_ARGUMENT, "client_id (string) is required");
      return;
    }
    try {
      // the id rules of docs/api.md: the id becomes a path segment of ws_url
      Inputs.id("client_id", (String) clientId);
    } catch (ChorusException e) {
      Http.fail(ctx, e);
      return;
    }
    // per client IP, cluster-wide: an anonymous caller cannot fill the table with sessions
    limiter.hit("session-create", RateLimiter.clientIp(ctx.request()), stream.rateSessionCreate(),
            "sessions created from this address")
        .compose(v -> sessions.create((String) clientId)).onSuccess(s -> Http.json(ctx, 201, new JsonObject()
            .put("session_id", s.id()).put("stream_key", s.streamKey()).put("status", s.status())
            .put("ws_url", wsBase(ctx) + "/ws/stream/" + s.id() + "/" + s.clientId())))
        .onFailure(e -> RateLimiter.fail(ctx, e));
  }

  private String wsBase(RoutingContext ctx) {
    String base = stream.wsBaseUrl();
    if (!base.isEmpty()) {
      return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
    return "ws://" + ctx.request().authority();
  }
}

package io.chorus.room;

import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.proto.room.RoomServiceGrpcService;
import io.chorus.realtime.Hub;
import io.chorus.web.Http;
import io.chorus.web.RateLimiter;
import io.chorus.web.SignedIn;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.grpc.server.Service;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.ArrayList;
import java.util.List;

/**
 * Listen rooms (seed 000): the room state machine on nodes with the {@code room} role, and on gateways
 * the room WebSocket {@code /ws}, the SockJS bridge {@code /eventbus}, {@code /api/v1/time}, the REST
 * {@code /api/v1/listen/rooms} and the gRPC {@code RoomService}. Publishes {@link RoomClient} (room
 * commands, wherever the room role runs) and {@link ParticipantTokens} for the conference and chat feature.
 */
public final class RoomsFeature implements Feature {
  private RoomsConfig config;
  private ParticipantTokens tokens;
  private RoomClient rooms;
  private SignedIn.Verifier signedIn;
  private RateLimiter limiter;
  /** RATE_LIMIT_BRIDGE_CONTROLS: room controls per bridge socket and second (0: no limit). */
  private int bridgeControls;
  private int createLimit;
  private int requestLimit;

  @Override
  public String name() {
    return "rooms";
  }

  @Override
  public void validate(ChorusConfig config) {
    RoomsConfig.of(config);
  }

  @Override
  public Future<Void> start(NodeContext node) {
    config = RoomsConfig.of(node.config());
    tokens = new ParticipantTokens(node.config().security().tokenSecret(), config.ttlHours() * 3_600_000L);
    signedIn = node.api(SignedIn.Verifier.class);
    Parse p = new Parse(node.config().source());
    limiter = new RateLimiter(node.infra().redisApi(), p.intIn("RATE_LIMIT_WINDOW_SECONDS", 1, 86_400));
    createLimit = p.intIn("RATE_LIMIT_ROOM_CREATE", 0, 1_000_000);
    requestLimit = p.intIn("RATE_LIMIT_ROOM_REQUESTS", 0, 10_000_000);
    bridgeControls = p.intIn("RATE_LIMIT_BRIDGE_CONTROLS", 0, 1_000_000);
    if (node.runs(ChorusConfig.Role.ROOM)) {
      RoomService service = new RoomService(new RoomStore(node.infra().redisApi(), config.ttlHours(), config.presenceEventsMaxUsers()),
          node.vertx().eventBus(), config, node.apiOr(TrackResolver.class, TrackResolver.DEFAULT));
      node.deploy("RoomVerticle", () -> new RoomVerticle(service, (HazelcastClusterManager) node.clusterManager()), 1);
      rooms = new RoomClient(node.vertx().eventBus(), node.nodeId(), service);
    } else {
      // a gateway-only node sends room commands over the clustered bus to the room nodes
      rooms = RoomClient.remote(node.vertx().eventBus(), node.nodeId());
    }
    // an account's id belongs to the account: anonymous creates and joins may not propose one (on every node, so also
    // on a gateway-only one, where the accounts feature answers from PostgreSQL)
    rooms = rooms.withAccounts(node.apiOr(SignedIn.Directory.class, null));
    node.publish(RoomClient.class, rooms);
    node.publish(ParticipantTokens.class, tokens);
    node.publish(RoomLifecycle.class, new RoomLifecycle(node.infra().redisApi(), node.vertx().eventBus()));
    return Future.succeededFuture();
  }

  @Override
  public List<Service> grpcServices(NodeContext node) {
    return List.of(RoomServiceGrpcService.of(new RoomGrpcService(node.vertx(), node.hub(), rooms, tokens, limiter, createLimit)));
  }

  /** RoomService calls may come from a signed-in user (acting as themselves), not only from a trusted service. */
  @Override
  public java.util.Set<String> grpcUserServices() {
    return java.util.Set.of("RoomService");
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    NodeContext node = gateway.node();
    Router router = gateway.router();
    Hub hub = node.hub();
    MeterRegistry registry = node.metrics();
    List<Future<Void>> ready = new ArrayList<>();
    RoomSocketHandler roomSockets = new RoomSocketHandler(node.vertx(), hub, rooms, tokens, gateway.drop(), signedIn,
        config.wsPingSeconds() * 1000L);
    if (registry != null) {
      // per gateway instance (two instances may share an event-loop thread): shows how they share the sockets
      int instance = hub.count("gateway.instances").incrementAndGet();
      Gauge.builder("chorus.room.sockets", roomSockets, RoomSocketHandler::socketCount)
          .tag("instance", Integer.toString(instance)).description("room WebSockets open on this gateway instance").register(registry);
    }
    ready.add(roomSockets.ready());
    router.get("/ws").handler(Http::requireWebSocket).handler(roomSockets);
    for (String path : List.of("/api/v1/time", "/api/v1/listen/rooms")) {
      router.route(path).handler(io.chorus.web.Cors.handler(node.config().security().allowedOrigins()));
    }
    router.get("/api/v1/time").handler(ctx -> {
      long t1 = System.currentTimeMillis();
      Number t0 = ClockSync.parseT0(ctx.request().getParam("t0"));
      if (t0 == null) {
        Http.error(ctx, ErrorCode.INVALID_ARGUMENT, ClockSync.T0_REQUIRED);
        return;
      }
      Http.json(ctx, 200, ClockSync.reply(t0, t1));
    });
    RoomBridge bridge = new RoomBridge(node.vertx(), hub, rooms, tokens, node.config().security().allowedOrigins(), registry,
        gateway.drop(), signedIn).limitControls(bridgeControls);
    // the one CORS policy, as on the REST routes: vertx-web's SockJS transports (info, xhr, xhr_send, xhr_streaming,
    // eventsource, ...) otherwise echo any Origin with credentials; with it a disallowed origin is refused (403) and an
    // allowed one named with credentials, which sockjs-client's xhr transports send. The WebSocket transports are
    // not CORS requests: the same policy refuses their upgrade (403) from another origin.
    List<String> origins = node.config().security().allowedOrigins();
    io.vertx.ext.web.handler.CorsHandler bridgeCors = io.chorus.web.Cors.handler(origins).allowCredentials(true);
    router.route("/eventbus/*").handler(ctx -> {
      if (ctx.request().path().endsWith("/websocket")) {
        if (io.chorus.web.Cors.allows(origins, ctx.request().getHeader("Origin"))) {
          ctx.next();
        } else {
          Http.error(ctx, ErrorCode.FORBIDDEN, "origin not allowed: " + ctx.request().getHeader("Origin"));
        }
      } else {
        bridgeCors.handle(ctx);
      }
    });
    // the SockJS transports that send by POST (xhr_send, jsonp_send) read the request body: vertx-web 5
    // answers them 500 without a BodyHandler in front
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(RoomBridge.MAX_SEND_BODY));
    // vertx-web's polling transports (xhr, jsonp) close the connection after every poll answer without
    // saying so: a keep-alive client (Node's default agent, sockjs-client in Node) then sends its next
    // poll onto the closing connection and fails with "socket hang up" (close 1006). Say it.
    router.post("/eventbus/:server/:session/xhr").handler(RoomsFeature::connectionClose);
    Http.getOnly(router.get("/eventbus/:server/:session/jsonp")).handler(RoomsFeature::connectionClose);
    SockJsInputs.mount(router, "/eventbus");
    router.route("/eventbus/*").subRouter(bridge.router());
    for (MessageConsumer<?> c : bridge.consumers()) {
      ready.add(c.completion());
    }
    ListenRoutes.mount(router, rooms, tokens, limiter, createLimit, signedIn);
    // a room's queue lives under the conference rooms' paths (/api/v1/rooms/:id/...), with their CORS policy
    router.route("/api/v1/rooms/:id/queue*").handler(io.chorus.web.Cors.handler(node.config().security().allowedOrigins()));
    router.route("/api/v1/rooms/:id/skip").handler(io.chorus.web.Cors.handler(node.config().security().allowedOrigins()));
    QueueRoutes.mount(router, rooms, tokens, limiter, requestLimit);
    return Future.all(ready).mapEmpty();
  }

  private static void connectionClose(RoutingContext ctx) {
    ctx.response().putHeader(io.vertx.core.http.HttpHeaders.CONNECTION, "close");
    ctx.next();
  }

}

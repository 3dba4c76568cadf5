package io.chorus.gateway;

import io.chorus.web.Http;
import io.chorus.web.NoRoute;
import io.chorus.web.StalledBodies;
import io.chorus.config.ChorusConfig;
import io.chorus.infra.Readiness;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.realtime.SocketDrop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The node's public HTTP server on {@code HTTP_PORT}: liveness, readiness, Prometheus metrics, every
 * feature's routes ({@link Feature#mount}) and the web client. Deployed once per core: the instances
 * share the port (Vert.x hands each new connection to the next instance) and the node's real-time hub.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

  private final NodeContext node;
  private final ChorusConfig config;
  private final List<Feature> features;
  private final Readiness readiness;
  private final String metricsRegistry;
  private final SharedPort port;
  /** How long a shutdown lets the requests in flight finish before their connections are closed. */
  static final long SHUTDOWN_GRACE_MS = 5_000;
  private io.vertx.core.http.HttpServer server;
  private NoRoute noRoute;

  public GatewayVerticle(NodeContext node, List<Feature> features, Readiness readiness, String metricsRegistry, SharedPort port) {
    this.node = node;
    this.config = node.config();
    this.features = features;
    this.readiness = readiness;
    this.metricsRegistry = metricsRegistry;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    // first: a request head arrived (the connection's header timer stops), and a body that stalls is cut off
    StalledBodies stalls = new StalledBodies(vertx, config.security().bodyStallMs());
    router.route().handler(stalls::handle);
    router.route().handler(Http::refuseLongRequestLine);
    // a malformed percent-encoding (?key=%ZZ, /rooms/%ZZ) throws wherever the path or the query is
    // decoded: in the router's own matching ("Unhandled exception in router", a text 400) or in a
    // handler (a 500). Refuse it here, before anything decodes it, with the one JSON error.
    router.route().handler(Http::refuseMalformedUri);
    router.route().handler(Http::refuseUnreadableMultipart);
    router.get("/health").handler(ctx -> Http.json(ctx, 200, new JsonObject().put("status", "ok")));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metricsRegistry));
    GatewayContext gateway = new GatewayContext(node, router, new SocketDrop(vertx, BackendRegistries.getNow(metricsRegistry)));
    List<Future<Void>> consumers = new ArrayList<>();
    for (Feature feature : features) {
      consumers.add(feature.mount(gateway).recover(e -> Future.failedFuture(new IllegalStateException(
          "the " + feature.name() + " feature's routes failed to mount: " + e.getMessage(), e))));
    }
    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    // 404, or 405 with Allow where routes serve the path with other methods (made once every route is mounted)
    router.route().last().handler(ctx -> noRoute.handle(ctx));
    router.route().failureHandler(Http::failure);

    HttpServerOptions options = new HttpServerOptions()
        // the transport accepts up to twice WS_MAX_MESSAGE_SIZE so that the handlers, not the codec,
        // refuse an oversized message: they answer with a clean close 1009 instead of a dropped connection
        .setMaxWebSocketFrameSize(2 * io.chorus.streamhub.StreamConfig.of(config).wsMaxMessageSize())
        .setMaxWebSocketMessageSize(2 * io.chorus.streamhub.StreamConfig.of(config).wsMaxMessageSize())
        .setCompressionSupported(true)
        // WebSocket compression is declined (browsers offer permessage-deflate on every socket): it
        // compresses each room event once PER SOCKET, which defeats the encode-once fan-out. Measured
        // (issue 15, N = 2000 over 3 nodes, deflate offered): p50 1.6-3.0 s and 6-27 % of events lost
        // to slow-consumer closes, against p50 26 ms / p99 57 ms and nothing lost without it
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // HTTP/1.1 only (gRPC has its own server): with cleartext HTTP/2 detection a connection is handed to the
        // connection handler only once its first request head is read, and StalledBodies could not time it
        .setHttp2ClearTextEnabled(false)
        // OpenSubsonic's long GETs (a play queue's ids) pass the codec; Http.refuseLongRequestLine keeps the other routes at 4 KB
        .setMaxInitialLineLength(Http.SUBSONIC_REQUEST_LINE_MAX)
        // a bridge frame sent by jsonp-polling is a form field (d=...): as large as the bridge's other sends may be
        .setMaxFormAttributeSize((int) io.chorus.room.RoomBridge.MAX_SEND_BODY)
        // with one instance every response is written on its event loop, so the connection can write
        // directly instead of through a multi-producer queue: one Netty MPSC queue (~4.7 KB: its first chunk
        // has 1024 slots) less per connection. With several instances SockJS sessions are shared by them
        // (vertx-web keeps them in one node-wide map) and a polling transport's next request may land on
        // another instance, which then writes to the session's response from its own thread: not strict
        .setStrictThreadMode(config.gatewayInstancesOrCores() == 1);
    return Future.all(consumers).compose(v -> {
      Http.headWhereGet(router);
      noRoute = NoRoute.of(router);
      return port.listen(vertx.createHttpServer(options).connectionHandler(conn -> {
        io.chorus.web.AmbiguousLength.install(conn, options);
        stalls.connected(conn);
      }).invalidRequestHandler(Http::invalidRequest)
        .requestHandler(router), config.host());
    })
        .onSuccess(s -> {
          server = s;
          NodePorts.publishHttp(vertx, s.actualPort());
          LOG.info("HTTP gateway listening on {}:{}", config.host(), s.actualPort());
        })
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "cannot listen on HTTP_PORT " + config.httpPort() + ": " + e.getMessage(), e)));
  }

  /**
   * A graceful stop: the server stops accepting connections, its WebSockets are closed with 1001 "server shutting
   * down" ({@link io.chorus.realtime.GoingAway}), and the requests in flight may finish for up to
   * {@link #SHUTDOWN_GRACE_MS} before the remaining connections are closed.
   */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(SHUTDOWN_GRACE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private void ready(RoutingContext ctx) {
    readiness.check().onComplete(ar -> {
      if (ar.failed()) {
        Http.json(ctx, 503, new JsonObject().put("status", "not_ready").put("error", String.valueOf(ar.cause().getMessage())));
        return;
      }
      JsonObject body = ar.result();
      Http.json(ctx, "ready".equals(body.getString("status")) ? 200 : 503, body);
    });
  }
}

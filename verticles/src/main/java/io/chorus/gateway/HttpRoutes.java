package io.chorus.gateway;

import io.chorus.realtime.SocketDrop;
import io.chorus.web.Http;
import io.chorus.config.ChorusConfig;
import io.chorus.infra.Infra;
import io.chorus.realtime.Hub;
import io.chorus.streamhub.StreamRoutes;
import io.chorus.streamhub.StreamSessions;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;
import io.chorus.room.ClockSync;
import io.chorus.room.ParticipantTokens;
import io.chorus.room.RoomBridge;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomSocketHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

import java.util.ArrayList;
import java.util.List;

/** Mounts the feature routes (WebSocket, bridge, clock, web client) on the gateway router. */
final class HttpRoutes {
  private HttpRoutes() {
  }

  /** Returns the bus consumers the routes need, so the gateway can wait for their registration. */
  static List<Future<Void>> mount(Vertx vertx, Hub hub, Router router, ChorusConfig config, RoomClient rooms, ParticipantTokens tokens,
                                  Infra infra, String metricsRegistry) {
    List<Future<Void>> ready = new ArrayList<>();
    MeterRegistry registry = BackendRegistries.getNow(metricsRegistry);
    SocketDrop drop = new SocketDrop(vertx, registry);
    // one verifier of access JWTs for every transport this instance serves (the key material is read once)
    io.chorus.accounts.AccessTokens accessTokens = io.chorus.accounts.AccountsModule.accessTokens(vertx, config, infra);
    new StreamRoutes(vertx, hub, new StreamSessions(infra.pg()), infra.redis(), config, rooms.node(), registry, drop,
        jwt -> accessTokens.verify(jwt).map(p -> p.userId())).mount(router);
    // signed-in users join /ws as their account: the accounts feature vouches for the access JWT
    io.chorus.room.SignedIn.Verifier signedIn = jwt -> accessTokens.verify(jwt)
        .map(p -> new io.chorus.room.SignedIn(p.userId(), p.username(), p.expiresAtEpochSeconds() * 1000));
    RoomSocketHandler roomSockets = new RoomSocketHandler(vertx, hub, rooms, tokens, drop, signedIn);
    if (registry != null) {
      io.micrometer.core.instrument.Gauge.builder("chorus.realtime.topics", hub, Hub::topics)
          .description("topics this node's clients listen to (one subscription each)").register(registry);
      io.micrometer.core.instrument.Gauge.builder("chorus.realtime.listeners", hub, Hub::listeners)
          .description("event-loop channels and streams listening to those topics").register(registry);
      // per gateway instance (two instances may share an event-loop thread): shows how they share the sockets
      int instance = hub.count("gateway.instances").incrementAndGet();
      io.micrometer.core.instrument.Gauge.builder("chorus.room.sockets", roomSockets, RoomSocketHandler::socketCount)
          .tag("instance", Integer.toString(instance)).description("room WebSockets open on this gateway instance").register(registry);
    }
    ready.add(roomSockets.ready());
    router.get("/ws").handler(roomSockets);
    router.get("/api/v1/time").handler(ctx -> Http.json(ctx, 200,
        ClockSync.reply(parseOrNull(ctx.request().getParam("t0")), System.currentTimeMillis())));
    RoomBridge bridge = new RoomBridge(vertx, hub, rooms, tokens, config.security().allowedOrigins(), registry, drop, signedIn);
    // the SockJS transports that send by POST (xhr_send, jsonp_send) read the request body: vertx-web 5
    // answers them 500 without a BodyHandler in front
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(RoomBridge.MAX_SEND_BODY));
    // vertx-web's polling transports (xhr, jsonp) close the connection after every poll answer without
    // saying so: a keep-alive client (Node's default agent, sockjs-client in Node) then sends its next
    // poll onto the closing connection and fails with "socket hang up" (close 1006). Say it.
    router.post("/eventbus/:server/:session/xhr").handler(HttpRoutes::connectionClose);
    router.get("/eventbus/:server/:session/jsonp").handler(HttpRoutes::connectionClose);
    router.route("/eventbus/*").subRouter(bridge.router());
    for (MessageConsumer<?> c : bridge.consumers()) {
      ready.add(c.completion());
    }
    io.chorus.room.ListenRoutes.mount(router, rooms, tokens, new io.chorus.web.RateLimiter(infra.redisApi(), io.chorus.chat.ChatConfig.of(config).rateWindowSeconds()), io.chorus.chat.ChatConfig.of(config).rateRoomCreate());
    ready.add(io.chorus.chat.ChatModule.mount(vertx, hub, router, config, rooms, tokens, infra, drop));
    io.chorus.room.QueueRoutes.mount(router, rooms, tokens, new io.chorus.web.RateLimiter(infra.redisApi(), io.chorus.chat.ChatConfig.of(config).rateWindowSeconds()), io.chorus.chat.ChatConfig.of(config).rateRoomRequests());
    ready.add(io.chorus.accounts.AccountsModule.mount(vertx, hub, drop, router, config, infra, rooms.node()));
    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    return ready;
  }

  private static void connectionClose(io.vertx.ext.web.RoutingContext ctx) {
    ctx.response().putHeader(io.vertx.core.http.HttpHeaders.CONNECTION, "close");
    ctx.next();
  }

  private static Long parseOrNull(String v) {
    try {
      return v == null ? null : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}

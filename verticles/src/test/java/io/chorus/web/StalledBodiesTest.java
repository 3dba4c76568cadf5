package io.chorus.web;

import io.chorus.realtime.QueueTrim;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The head-wait of {@link StalledBodies} on a server set up as the gateway's (its connection handler, its router
 * handler first, a WebSocket upgraded through {@link QueueTrim}): once the head has arrived, nothing of the wait holds
 * the HTTP connection. Its timer used to stay pending for the whole wait (30 s by default) and kept every freshly
 * upgraded socket's HTTP connection, with its outbound queue, alive: 11.0 KB of heap per idle WebSocket instead of
 * 5.9 KB in {@code scripts/bench-connections}. (Closing silent and stalled connections is tested end to end in
 * {@code WebApiTest}.)
 */
class StalledBodiesTest {
  static Vertx vertx;
  static int port;
  static final List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();
  static final List<WeakReference<HttpConnection>> upgradedFrom = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    // a wait far longer than the test: only a cancelled timer lets the connection go in time
    StalledBodies stalls = new StalledBodies(vertx, 600_000);
    Router router = Router.router(vertx);
    router.route().handler(stalls::handle);
    router.get("/ws").handler(ctx -> QueueTrim.upgrade(ctx.request()).onSuccess(ws -> {
      upgradedFrom.add(new WeakReference<>(ctx.request().connection()));
      sockets.add(ws);
    }));
    port = TestServices.await(vertx.createHttpServer(new HttpServerOptions()).connectionHandler(stalls::connected)
        .requestHandler(router).listen(0, "127.0.0.1")).actualPort();
  }

  @AfterAll
  static void stop() {
    TestServices.await(vertx.close());
  }

  @Test
  void anUpgradedSocketsHttpConnectionIsLetGoWhileTheSocketIsOpen() {
    WsProbe client = WsProbe.connect(port, "/ws");
    long deadline = System.currentTimeMillis() + 10_000;
    while (upgradedFrom.isEmpty()) {
      assertThat(System.currentTimeMillis()).as("server saw the socket").isLessThan(deadline);
      Thread.onSpinWait();
    }
    deadline = System.currentTimeMillis() + 10_000;
    while (upgradedFrom.get(0).get() != null) {
      assertThat(System.currentTimeMillis()).as("the upgraded-from HTTP connection is collected while the socket is open").isLessThan(deadline);
      System.gc();
      Thread.onSpinWait();
    }
    sockets.get(0).writeTextMessage("after");
    assertThat(client.nextText(10_000)).as("the socket still works").isEqualTo("after");
    client.close();
  }
}

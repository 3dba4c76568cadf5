package io.chorus.realtime;

import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trimmed outbound queues on a real Vert.x server deployed as the gateway is (two instances, so not
 * in strict thread mode; vertx-web's router in front, which wraps the socket): both the HTTP connection's and the WebSocket's queues are swapped (an upgrade
 * of Vert.x that breaks the trim fails here), and writes from another thread, which all pass through
 * the swapped queue, arrive complete and in order.
 */
class QueueTrimTest {
  static Vertx vertx;
  static int port;
  static final List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();
  static final List<String> chunks = new CopyOnWriteArrayList<>();
  /** The HTTP connection each socket was upgraded from, weakly: it must not outlive the upgrade. */
  static final List<java.lang.ref.WeakReference<HttpConnection>> upgradedFrom = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    Promise<Integer> bound = Promise.promise();
    TestServices.await(vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer(new HttpServerOptions())
            .requestHandler(routerOf(vertx, req -> QueueTrim.upgrade(req).onSuccess(ws -> {
              upgradedFrom.add(new java.lang.ref.WeakReference<>(req.connection()));
              try {
                // read on the socket's own loop, as early as the room handler would write to it
                chunks.add(kind(QueueTrim.queueOf(ws)));
                chunks.add(Frame.connectionOf(ws) != null ? "direct path" : "no direct path");
                chunks.add(kind(QueueTrim.queueOf(req.connection())));
              } catch (ReflectiveOperationException e) {
                chunks.add(e.toString());
              }
              sockets.add(ws);
            })))
            .listen(-77, "127.0.0.1").onSuccess(s -> bound.tryComplete(s.actualPort()));
      }
    }, new DeploymentOptions().setInstances(2)));
    port = TestServices.await(bound.future());
  }

  /** As the gateway routes: vertx-web's router in front, the handler given the router's request. */
  static io.vertx.ext.web.Router routerOf(Vertx vertx, io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler) {
    io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
    router.get("/x").handler(ctx -> handler.handle(ctx.request()));
    return router;
  }

  static String kind(Object queue) {
    return queue == null ? "none" : queue.getClass().getSimpleName();
  }

  @AfterAll
  static void stop() {
    TestServices.await(vertx.close());
  }

  @Test
  void queuesHaveSmallChunksAndKeepOrder() {
    WsProbe client = WsProbe.connect(port, "/x");
    TestServices.until("server saw the socket", 10_000, () -> !sockets.isEmpty() && chunks.size() >= 3);
    assertThat(chunks).as("WebSocket's queue, its connection for Frame.send, HTTP connection's queue (behind vertx-web's wrapper)")
        .containsExactly("ConcurrentLinkedQueue", "direct path", "MpscUnboundedArrayQueue");
    assertThat(sockets.get(0).headers().isEmpty()).as("the socket's copy of the upgrade headers is let go").isTrue();
    assertThat(Frame.connectionOf(sockets.get(0)).channelHandlerContext().pipeline().get(io.netty.handler.stream.ChunkedWriteHandler.class))
        .as("the HTTP pipeline's chunked writer is gone from the WebSocket's").isNull();
    ServerWebSocket ws = sockets.get(0);
    // from a thread that is not the socket's loop: every write goes through the (trimmed) MPSC queue
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String text = "m" + i;
      sent.add(text);
      ws.writeTextMessage(text);
    }
    for (String text : sent) {
      assertThat(client.nextText(10_000)).isEqualTo(text);
    }
    // the open socket no longer holds the HTTP connection (nor its request, response and queue)
    TestServices.until("the upgraded-from HTTP connection is collected while the socket is open", 10_000, () -> {
      System.gc();
      return upgradedFrom.get(0).get() == null;
    });
    ws.writeTextMessage("after");
    assertThat(client.nextText(10_000)).as("the socket works after its upgrade is let go").isEqualTo("after");
    client.close();
  }

  @Test
  void strictModeHasNoQueueToTrim() throws Exception {
    Vertx strict = Vertx.vertx();
    try {
      List<String> seen = new CopyOnWriteArrayList<>();
      int p = TestServices.await(strict.createHttpServer(new HttpServerOptions().setStrictThreadMode(true))
          .connectionHandler(c -> {
            seen.add(String.valueOf(QueueTrim.trim(c)));
            try {
              seen.add(kind(QueueTrim.queueOf(c)));
            } catch (ReflectiveOperationException e) {
              seen.add(e.toString());
            }
          })
          .requestHandler(req -> req.response().end("ok"))
          .listen(0, "127.0.0.1")).actualPort();
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + p + "/")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.body()).isEqualTo("ok");
      assertThat(seen).as("not trimmed, no queue").containsExactly("false", "none");
    } finally {
      TestServices.await(strict.close());
    }
  }

  /**
   * SockJS sockets over a WebSocket, as the bridge mounts them (two instances, not strict thread mode): the raw
   * {@code /websocket} transport and a session on SockJS's own WebSocket transport both have their WebSocket's queue
   * and the kept HTTP connection's swapped, and writes from another thread arrive complete and in order.
   */
  @Test
  void sockJsWebSocketsAreTrimmedAndKeepOrder() {
    List<String> trimmed = new CopyOnWriteArrayList<>();
    List<io.vertx.ext.web.handler.sockjs.SockJSSocket> socks = new CopyOnWriteArrayList<>();
    int serverPort = sockJsServer("/sockjs/*", 2, sock -> {
      trimmed.add(String.valueOf(QueueTrim.trim(sock)));
      trimmed.add(String.valueOf(QueueTrim.trim(sock)));   // a second time: already trimmed, nothing to do
      try {
        trimmed.add(kind(QueueTrim.queueOf(sock.routingContext().request().connection())));
      } catch (ReflectiveOperationException e) {
        trimmed.add(e.toString());
      }
      socks.add(sock);
    });
    for (String uri : List.of("/sockjs/websocket", "/sockjs/000/qtrim/websocket")) {
      int before = socks.size();
      WsProbe client = WsProbe.connect(serverPort, uri);
      boolean session = uri.endsWith("qtrim/websocket");
      if (session) {
        assertThat(client.nextText(10_000)).as("SockJS open frame").isEqualTo("o");
      }
      TestServices.until("server saw the socket", 10_000, () -> socks.size() != before);
      assertThat(trimmed.subList(3 * before, 3 * before + 3)).as(uri + ": trimmed once, the HTTP connection's queue too")
          .containsExactly("true", "false", "ConcurrentLinkedQueue");
      io.vertx.ext.web.handler.sockjs.SockJSSocket sock = socks.get(before);
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        sent.add("m" + i);
        sock.write("m" + i);   // from the test thread, not the socket's loop: through the swapped queue
      }
      List<String> got = new ArrayList<>();
      while (got.size() < sent.size()) {
        String frame = client.nextText(10_000);
        if (session) {   // SockJS frames what waited together as one array: a["m0","m1",…]
          assertThat(frame).startsWith("a[");
          new io.vertx.core.json.JsonArray(frame.substring(1)).forEach(m -> got.add((String) m));
        } else {
          got.add(frame);
        }
      }
      assertThat(got).as(uri + ": complete and in order").isEqualTo(sent);
      client.close();
    }
  }

  /**
   * The raw SockJS WebSocket transport's upgrade let go ({@link QueueTrim#letGo}), as the bridge does once it has read
   * the origin and the TCP channel: the HTTP connection it was upgraded from (with the routing context, request and
   * headers SockJS kept) is collected while the socket is open, and the socket still reads and writes. A session on
   * SockJS's own WebSocket transport is left as it is.
   */
  @Test
  void rawSockJsUpgradeIsLetGo() {
    List<java.lang.ref.WeakReference<HttpConnection>> httpOf = new CopyOnWriteArrayList<>();
    List<String> letGo = new CopyOnWriteArrayList<>();
    List<io.vertx.ext.web.handler.sockjs.SockJSSocket> socks = new CopyOnWriteArrayList<>();
    List<String> heard = new CopyOnWriteArrayList<>();
    int serverPort = sockJsServer("/raw/*", 1, sock -> {
      QueueTrim.trim(sock);
      httpOf.add(new java.lang.ref.WeakReference<>(sock.routingContext().request().connection()));
      letGo.add(String.valueOf(QueueTrim.letGo(sock)));
      letGo.add(String.valueOf(sock.routingContext() == null));
      sock.handler(b -> heard.add(b.toString()));
      socks.add(sock);
    });
    WsProbe raw = WsProbe.connect(serverPort, "/raw/websocket");
    WsProbe session = WsProbe.connect(serverPort, "/raw/000/letgo/websocket");
    assertThat(session.nextText(10_000)).as("SockJS open frame").isEqualTo("o");
    TestServices.until("server saw both sockets", 10_000, () -> socks.size() >= 2);
    boolean rawFirst = socks.get(0).uri().equals("/raw/websocket");
    List<String> rawLetGo = rawFirst ? letGo.subList(0, 2) : letGo.subList(2, 4);
    List<String> sessionLetGo = rawFirst ? letGo.subList(2, 4) : letGo.subList(0, 2);
    assertThat(rawLetGo).as("the raw transport's upgrade is let go").containsExactly("true", "true");
    assertThat(sessionLetGo).as("a SockJS session is left as it is").containsExactly("false", "false");
    java.lang.ref.WeakReference<HttpConnection> rawHttp = rawFirst ? httpOf.get(0) : httpOf.get(1);
    TestServices.until("the raw socket's HTTP connection is collected while it is open", 10_000, () -> {
      System.gc();
      return rawHttp.get() == null;
    });
    io.vertx.ext.web.handler.sockjs.SockJSSocket sock = rawFirst ? socks.get(0) : socks.get(1);
    sock.write("after");
    assertThat(raw.nextText(10_000)).as("the raw socket writes after its upgrade is let go").isEqualTo("after");
    raw.sendText("hello");
    TestServices.until("the raw socket reads after its upgrade is let go", 10_000, () -> heard.contains("hello"));
    raw.close();
    session.close();
  }

  /** Negative ports, one per shared server below (-77 is the first test's). */
  private static final java.util.concurrent.atomic.AtomicInteger SHARED_PORT_KEYS = new java.util.concurrent.atomic.AtomicInteger(-77);

  /**
   * A SockJS handler at {@code route} in {@code instances} server verticles sharing one ephemeral port (as the
   * bridge is mounted by the gateway's instances, not in strict thread mode); the port.
   */
  private static int sockJsServer(String route, int instances, io.vertx.core.Handler<io.vertx.ext.web.handler.sockjs.SockJSSocket> handler) {
    Promise<Integer> bound = Promise.promise();
    int key = SHARED_PORT_KEYS.decrementAndGet();
    TestServices.await(vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
        router.route(route).subRouter(io.vertx.ext.web.handler.sockjs.SockJSHandler.create(vertx).socketHandler(handler));
        // a negative port: the instances share one ephemeral port (each call its own: the same key would share the port too)
        return vertx.createHttpServer().requestHandler(router).listen(key, "127.0.0.1").onSuccess(s -> bound.tryComplete(s.actualPort()));
      }
    }, new DeploymentOptions().setInstances(instances)));
    return TestServices.await(bound.future());
  }
}

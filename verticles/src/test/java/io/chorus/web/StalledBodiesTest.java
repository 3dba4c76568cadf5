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
    // answers before reading the body, as a route that checks the caller's token first
    router.post("/early").handler(ctx -> ctx.response().setStatusCode(401).end("{\"error\":{}}"));
    router.post("/read").handler(ctx -> ctx.request().body().onSuccess(b -> ctx.response().end("read " + b.length())));
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

  /**
   * A route that answered before reading the request's body (a 401 for a missing token) left the body in the
   * connection, which the client took back as reusable: its next request on it waited behind the unread body until
   * the stall check closed the connection 30 s later (SubsonicTest's REST client: "Connection was closed"). Such an
   * answer now says Connection: close, and the connection closes once the body is in; one that read its body stays
   * open for the next request.
   */
  @Test
  void anAnswerBeforeTheBodyWasReadClosesTheConnectionOneAfterKeepsIt() throws Exception {
    byte[] body = "{\"kind\":\"api_key\",\"name\":\"desktop\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String head = "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(String.format(head, "/early").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      socket.getOutputStream().flush();
      // the whole answer, then the end of the stream (without the close this read waited for the stall check)
      String raw = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(raw).startsWith("HTTP/1.1 401");
      assertThat(raw.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
    }
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      for (int i = 0; i < 2; i++) {
        socket.getOutputStream().write(String.format(head, "/read").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        String answer = readAnswer(socket.getInputStream());
        assertThat(answer).as("answer %d on one connection", i + 1).startsWith("HTTP/1.1 200").endsWith("read " + body.length)
            .doesNotContainIgnoringCase("connection: close");
      }
    }
  }

  /** One HTTP/1.1 answer with a Content-Length, read to its last byte. */
  private static String readAnswer(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new java.io.EOFException("the connection closed after " + head);
      }
      head.append((char) c);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    assertThat(m.find()).as(head.toString()).isTrue();
    return head + new String(in.readNBytes(Integer.parseInt(m.group(1))), java.nio.charset.StandardCharsets.UTF_8);
  }
}

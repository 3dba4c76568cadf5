package io.chorus.realtime;

import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** One encoded frame written to several real sockets arrives intact on each, whatever its size or characters. */
class FrameTest {
  static Vertx vertx;
  static HttpServer server;
  static final List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = TestServices.await(vertx.createHttpServer().webSocketHandler(sockets::add).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    TestServices.await(vertx.close());
  }

  @Test
  void oneEncodingReachesEverySocketIntact() {
    String small = "{\"type\":\"message_created\",\"content\":\"héllo wörld — ☕ 🎧\"}";
    String atLimit = "a".repeat(Frame.MAX_SINGLE_FRAME);
    String large = "é".repeat(Frame.MAX_SINGLE_FRAME); // 128 KiB of UTF-8: written in several frames
    List<WsProbe> clients = List.of(WsProbe.connect(server.actualPort(), "/a"), WsProbe.connect(server.actualPort(), "/b"),
        WsProbe.connect(server.actualPort(), "/c"));
    long deadline = System.currentTimeMillis() + 10_000;
    while (sockets.size() < clients.size()) {
      assertThat(System.currentTimeMillis()).as("server saw every socket").isLessThan(deadline);
    }
    for (String text : List.of(small, atLimit, large)) {
      Frame frame = Frame.of(text);
      for (ServerWebSocket ws : sockets) {
        vertx.runOnContext(v -> frame.writeTo(ws));
      }
      for (WsProbe c : clients) {
        assertThat(c.nextText(10_000)).isEqualTo(text);
      }
    }
    clients.forEach(WsProbe::close);
  }
}

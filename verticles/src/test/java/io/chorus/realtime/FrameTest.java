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

  /** The server's sockets of these paths, once it has seen them all. */
  static List<ServerWebSocket> socketsAt(String... paths) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      List<ServerWebSocket> found = sockets.stream().filter(ws -> List.of(paths).contains(ws.path())).toList();
      if (found.size() == paths.length) {
        return found;
      }
      assertThat(System.currentTimeMillis()).as("server saw every socket").isLessThan(deadline);
      Thread.onSpinWait();
    }
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
    List<ServerWebSocket> mine = socketsAt("/a", "/b", "/c");
    for (String text : List.of(small, atLimit, large)) {
      Frame frame = Frame.of(text);
      for (ServerWebSocket ws : mine) {
        vertx.runOnContext(v -> frame.writeTo(ws));
      }
      for (WsProbe c : clients) {
        assertThat(c.nextText(10_000)).isEqualTo(text);
      }
    }
    clients.forEach(WsProbe::close);
  }

  /**
   * The one wire encoding (every header length: 7-bit, 16-bit and 64-bit) reaches every socket intact,
   * in order with the socket's ordinary writes; a frame above the limit falls back to the ordinary path.
   */
  @Test
  void sentWireEncodingKeepsBytesAndOrder() {
    List<WsProbe> clients = List.of(WsProbe.connect(server.actualPort(), "/d"), WsProbe.connect(server.actualPort(), "/e"));
    List<ServerWebSocket> mine = socketsAt("/d", "/e");
    List<String> texts = List.of("{\"v\":1}", "x".repeat(125), "y".repeat(126), "z".repeat(65_535),
        "é".repeat(Frame.MAX_SINGLE_FRAME / 2), "ü".repeat(Frame.MAX_SINGLE_FRAME), "{\"v\":2}");
    for (ServerWebSocket ws : mine) {
      vertx.runOnContext(v -> {
        ws.writeTextMessage("first, the ordinary way");
        for (String text : texts) {
          Frame.of(text).send(ws);
        }
        ws.writeTextMessage("last, the ordinary way");
      });
    }
    for (WsProbe c : clients) {
      assertThat(c.nextText(10_000)).isEqualTo("first, the ordinary way");
      for (String text : texts) {
        assertThat(c.nextText(10_000)).isEqualTo(text);
      }
      assertThat(c.nextText(10_000)).isEqualTo("last, the ordinary way");
    }
    clients.forEach(WsProbe::close);
  }

  /**
   * One frame written many times to each socket, on the socket's loop (past the queue), then from another thread
   * (through the queue), then on the loop again, arrives intact every time: no write releases the shared encoding.
   */
  @Test
  void oneFrameServesManyWritesOnAndOffTheLoop() throws Exception {
    List<WsProbe> clients = List.of(WsProbe.connect(server.actualPort(), "/f"), WsProbe.connect(server.actualPort(), "/g"));
    List<ServerWebSocket> mine = socketsAt("/f", "/g");
    String text = "{\"type\":\"seek\",\"position\":12.5,\"pad\":\"" + "p".repeat(200) + "\"}";
    Frame frame = Frame.of(text);
    List<WsSink> sinks = mine.stream().map(ws -> new WsSink(ws, null, null, "slow")).toList();
    int[] rounds = {100, 50, 10};
    for (int round = 0; round < rounds.length; round++) {
      int times = rounds[round];
      if (round == 1) {
        Thread other = new Thread(() -> {
          for (int i = 0; i < times; i++) {
            mine.forEach(frame::send);
          }
        });
        other.start();
        other.join();
      } else {
        for (int i = 0; i < times; i++) {
          vertx.runOnContext(v -> sinks.forEach(s -> assertThat(Fanout.offer(s, frame, null)).isTrue()));
        }
      }
      for (WsProbe c : clients) {
        for (int i = 0; i < times; i++) {
          assertThat(c.nextText(10_000)).as("round " + round + ", frame " + i).isEqualTo(text);
        }
      }
    }
    clients.forEach(WsProbe::close);
  }

  @Test
  void wireHeaderFollowsRfc6455() {
    java.nio.ByteBuffer small = Frame.encode(new byte[5], false);
    assertThat(small.get(0)).isEqualTo((byte) 0x81);
    assertThat(small.get(1)).isEqualTo((byte) 5);
    assertThat(small.remaining()).isEqualTo(7);
    java.nio.ByteBuffer mid = Frame.encode(new byte[300], true);
    assertThat(mid.get(0)).isEqualTo((byte) 0x82);
    assertThat(mid.get(1)).isEqualTo((byte) 126);
    assertThat(mid.getShort(2) & 0xFFFF).isEqualTo(300);
    java.nio.ByteBuffer big = Frame.encode(new byte[70_000], false);
    assertThat(big.get(1)).isEqualTo((byte) 127);
    assertThat(big.getLong(2)).isEqualTo(70_000L);
    assertThat(big.remaining()).isEqualTo(70_010);
  }
}

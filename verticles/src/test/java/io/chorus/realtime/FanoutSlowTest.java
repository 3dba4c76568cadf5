package io.chorus.realtime;

import io.chorus.testing.StalledWsClient;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one slow-consumer policy over the direct frame path ({@link Frame#send}) and the trimmed queues,
 * on a real server: small frames to a client that never reads fill its kernel buffers and then its
 * queue until the fan-out closes it (1013) and drops it after the grace, while a socket beside it gets
 * every frame in order; what the stalled client got before is an unbroken prefix of the frames.
 */
class FanoutSlowTest {
  static Vertx vertx;
  static HttpServer server;
  static final Map<String, ServerWebSocket> byPath = new ConcurrentHashMap<>();
  static final Map<String, io.netty.channel.Channel> channels = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = TestServices.await(vertx.createHttpServer(new HttpServerOptions()).connectionHandler(QueueTrim::trim)
        .requestHandler(req -> {
          io.netty.channel.Channel channel = SocketDrop.channelOf(req);
          QueueTrim.upgrade(req).onSuccess(ws -> {
            channels.put(ws.path(), channel);
            byPath.put(ws.path(), ws);
          });
        }).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    TestServices.await(vertx.close());
  }

  @Test
  void aClientThatNeverReadsIsClosedAndDroppedOthersGetEverything() throws Exception {
    try (StalledWsClient stalled = StalledWsClient.open(server.actualPort(), "/stalled");
         WsProbe reader = WsProbe.connect(server.actualPort(), "/reader")) {
      long deadline = System.currentTimeMillis() + 10_000;
      while (byPath.size() < 2) {
        assertThat(System.currentTimeMillis()).as("server saw both sockets").isLessThan(deadline);
        Thread.onSpinWait();
      }
      List<WsSink> dropped = new CopyOnWriteArrayList<>();
      SocketDrop drop = new SocketDrop(vertx, null);
      WsSink slow = new WsSink(byPath.get("/stalled"), channels.get("/stalled"), drop, "too slow");
      WsSink fast = new WsSink(byPath.get("/reader"), channels.get("/reader"), drop, "too slow");
      Fanout<WsSink> fanout = new Fanout<>(WsSink[]::new, null, dropped::add);
      Promise<Integer> sent = Promise.promise();
      vertx.runOnContext(v -> {
        fanout.add(slow);
        fanout.add(fast);
        // about 300 bytes per frame: far more than a 4 KiB receive buffer, the kernel's send buffer and
        // Netty's 64 KiB high-water mark hold; paced in batches so that the reader keeps up
        sendBatches(fanout, dropped, 0, sent);
      });
      int frames = TestServices.await(sent.future());
      assertThat(dropped).as("the stalled socket was dropped, the reader kept").containsExactly(slow);
      for (int i = 0; i < frames; i++) {
        assertThat(reader.nextText(10_000)).as("reader frame " + i).isEqualTo(text(i));
      }
      // the close frame cannot get out behind the full buffers: the node resets the connection after the grace
      StalledWsClient.Rest rest = stalled.readToEnd();
      assertThat(rest.frames()).as("the stalled client got part of the frames").isGreaterThan(0).isLessThan(frames);
      assertThat(channels.get("/stalled").isOpen()).isFalse();
    }
  }

  /** Writes batches of 50 frames, one batch per timer tick, until the slow socket is dropped (at most 20,000 frames). */
  private static void sendBatches(Fanout<WsSink> fanout, List<WsSink> dropped, int from, Promise<Integer> sent) {
    int i = from;
    for (; i < from + 50; i++) {
      fanout.write(Frame.of(text(i)));
    }
    if (!dropped.isEmpty() || i >= 20_000) {
      sent.complete(i);
      return;
    }
    int next = i;
    vertx.setTimer(10, t -> sendBatches(fanout, dropped, next, sent));
  }

  static String text(int i) {
    return "{\"type\":\"seek\",\"n\":" + i + ",\"pad\":\"" + "x".repeat(256) + "\"}";
  }

  @Test
  void textHelperIsWhatTheSizesAssume() {
    assertThat(text(1).getBytes(StandardCharsets.UTF_8).length).isBetween(256, 320);
  }
}

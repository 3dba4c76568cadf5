package io.chorus.bench;

import io.chorus.embedded.Ports;
import io.chorus.testing.TestServices;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer side of scripts/bench-connections ({@code -Dbench.system=socketio}): one Socket.IO 4
 * process ({@code node --expose-gc bench/socketio-peer.js}, on the same Redis adapter as in the fan-out
 * benchmark) and the same generator behaviour as {@link ConnBench}: idle WebSocket connections
 * (Engine.IO 4, {@code transports: ['websocket']}) in rooms of 50, counted once their
 * {@code room_info} arrived, answering the server's pings. Reported: connect rate, V8 heap after a
 * full GC and RSS per connection, from the peer's {@code /memory}.
 */
final class SocketIoConnBench {
  private SocketIoConnBench() {
  }

  static void run(int connections, int inFlight) throws Exception {
    int port = Ports.orFree(0);
    ProcessBuilder pb = new ProcessBuilder("node", "--expose-gc", "bench/socketio-peer.js")
        .redirectErrorStream(true).redirectOutput(Path.of("target", "conn-socketio-peer.log").toFile());
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("REDIS_ADDR", TestServices.services().environment().get("REDIS_ADDR"));
    Process peer = pb.start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    try {
      awaitReady(http, port);
      JsonObject m0 = memory(http, port);
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
      List<WebSocketClient> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
            .setLocalAddress("127.0.0." + (10 + i)).setConnectTimeout(30_000)));
      }
      List<ClientWebSocket> open = new ArrayList<>(connections);
      long t0 = System.nanoTime();
      int failed = TestServices.await(InFlight.run(vertx, connections, inFlight, i -> {
        ClientWebSocket ws = clients.get(i % clients.size()).webSocket();
        Promise<Void> joined = Promise.promise();
        ws.textMessageHandler(t -> {
          if (t.startsWith("0{")) {
            ws.writeTextMessage("40"); // Engine.IO open -> connect to the main namespace
          } else if (t.equals("2")) {
            ws.writeTextMessage("3"); // ping -> pong, or the server drops the socket
          } else if (t.startsWith("42[\"room_info\"")) {
            joined.tryComplete();
          }
        });
        ws.closeHandler(v -> joined.tryFail("closed"));
        return ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                .setURI("/socket.io/?EIO=4&transport=websocket&room_id=R" + (i / ConnBench.LISTENERS_PER_ROOM) + "&user_id=u" + i))
            .compose(v -> joined.future())
            .onSuccess(v -> {
              synchronized (open) {
                open.add(ws);
              }
            });
      }));
      double seconds = (System.nanoTime() - t0) / 1e9;
      JsonObject m1 = memory(http, port);
      int n = open.size();
      long heap0 = m0.getLong("heapUsed") + m0.getLong("external");
      long heap1 = m1.getLong("heapUsed") + m1.getLong("external");
      System.out.println();
      System.out.println("system: Socket.IO 4 peer, one Node process (" + processVersion() + "), GC forced: " + m1.getBoolean("gc"));
      System.out.println("| processes | connections joined and open | failed | connect+join rate (/s) | heap after GC (V8 heap + external) | heap per connection | RSS | RSS per connection |");
      System.out.println("|---|---|---|---|---|---|---|---|");
      System.out.printf("| 1 | %d | %d | %.0f | %d MB (from %d MB) | %.1f KB | %d MB (from %d MB) | %.1f KB |%n", n, failed, n / seconds,
          heap1 >> 20, heap0 >> 20, (heap1 - heap0) / 1024.0 / Math.max(1, n), m1.getLong("rss") >> 20, m0.getLong("rss") >> 20,
          (m1.getLong("rss") - m0.getLong("rss")) / 1024.0 / Math.max(1, n));
      vertx.close();
    } finally {
      peer.destroy();
    }
  }

  private static void awaitReady(HttpClient http, int port) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("the Socket.IO peer did not start (target/conn-socketio-peer.log)", notYet);
        }
      }
      Thread.sleep(100); // polling a child process's start-up, not synchronising a test
    }
  }

  private static JsonObject memory(HttpClient http, int port) throws Exception {
    return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/memory")).timeout(Duration.ofSeconds(30))
        .build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  private static String processVersion() throws Exception {
    Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
    return "Node " + new String(p.getInputStream().readAllBytes()).trim();
  }
}

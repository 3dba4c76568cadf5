package io.chorus.foundation;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.WsProbe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node's shutdown (SIGTERM: {@link ChorusNode#close}) tells its WebSocket clients it is going away and lets the
 * requests in flight finish: every socket (the stream hub's, the bridge's raw and SockJS WebSocket transports) was
 * closed with 1000 and no reason (as "room ended" or "session finished"),
 * and Redis and PostgreSQL were closed before the HTTP server, so a request in flight failed.
 */
class ShutdownTest {

  @Test
  void socketsCloseWith1001AndARequestInFlightIsServed() throws Exception {
    TestCluster tc = TestCluster.start(1, Map.of("RATE_LIMIT_SESSION_CREATE", 0));
    try {
      ChorusNode node = tc.node();
      int port = NodePorts.http(node.vertx());
      HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sessions"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"client_id\":\"cam\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String id = new JsonObject(created.body()).getString("session_id");
      String clock = new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", "r-1")
          .put("body", new JsonObject().put("t0", 5)).encode();
      try (WsProbe operator = WsProbe.connect(port, "/ws/stream/" + id + "/op-1");
           WsProbe rawBridge = WsProbe.connect(port, "/eventbus/websocket");
           WsProbe sockJs = WsProbe.connect(port, "/eventbus/000/" + java.util.UUID.randomUUID().toString().replace("-", "") + "/websocket");
           Socket inFlight = new Socket("127.0.0.1", port)) {
        // both bridge sockets are past the bridge's socket handler once they answered
        rawBridge.sendText(clock);
        assertThat(new JsonObject(rawBridge.nextBinary(20_000)).getString("address")).isEqualTo("r-1");   // the raw bridge answers in binary frames
        sockJs.sendText(new io.vertx.core.json.JsonArray().add(clock).encode());
        awaitText(sockJs, t -> t.startsWith("a[") && t.contains("r-1"));
        inFlight.setSoTimeout(20_000);
        // a request whose head and half its body have arrived: in flight when the shutdown begins
        String body = "{\"client_id\":\"cam-2\"}";
        OutputStream out = inFlight.getOutputStream();
        out.write(("POST /sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
            + "\r\n\r\n" + body.substring(0, 5)).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        awaitOperator(port, id);

        Future<Void> closing = node.close();
        assertThat(operator.awaitClose(10_000)).isEqualTo((short) 1001);
        assertThat(operator.closeReason).isEqualTo("server shutting down");
        assertThat(rawBridge.awaitClose(10_000)).isEqualTo((short) 1001);
        assertThat(rawBridge.closeReason).isEqualTo("server shutting down");
        // SockJS closes a session with its own close frame
        awaitText(sockJs, t -> t.equals("c[1001,\"server shutting down\"]"));
        out.write(body.substring(5).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String answer = readHead(inFlight.getInputStream());
        assertThat(answer).as(answer).startsWith("HTTP/1.1 201");
        closing.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      tc.close();
    }
  }

  private static void awaitText(WsProbe probe, java.util.function.Predicate<String> match) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    java.util.List<String> seen = new java.util.ArrayList<>();
    while (System.nanoTime() < deadline) {
      String text = probe.texts.poll(100, TimeUnit.MILLISECONDS);
      if (text != null && match.test(text)) {
        return;
      }
      if (text != null) {
        seen.add(text);
      }
    }
    throw new AssertionError("no matching text frame within 20 s; seen: " + seen);
  }

  /** Waits until the operator is recorded (its socket is open and past its upgrade). */
  private static void awaitOperator(int port, String id) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      HttpResponse<String> ops = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sessions/" + id + "/operators"))
          .build(), HttpResponse.BodyHandlers.ofString());
      if (new JsonObject(ops.body()).getJsonArray("operators").size() == 1) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("operator not recorded: " + ops.body());
      }
      Thread.onSpinWait();
    }
  }

  /** The status line and headers of the answer (empty if the connection closed without one). */
  private static String readHead(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      head.append((char) c);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    return head.toString();
  }
}

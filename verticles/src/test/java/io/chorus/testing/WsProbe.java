package io.chorus.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real WebSocket client that records every JSON message it receives, for assertions. */
public final class WsProbe implements AutoCloseable {
  public final WebSocket ws;
  private final WebSocketClient client;
  private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  private final List<JsonObject> seen = new ArrayList<>();
  /** Every text message in arrival order (JSON or not). */
  public final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
  /** Every binary message in arrival order. */
  public final LinkedBlockingQueue<io.vertx.core.buffer.Buffer> binaries = new LinkedBlockingQueue<>();
  private final java.util.concurrent.CompletableFuture<Short> closed = new java.util.concurrent.CompletableFuture<>();

  private WsProbe(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(t -> {
      texts.add(t);
      if (t.startsWith("{")) {
        inbox.add(new JsonObject(t));
      }
    });
    ws.binaryMessageHandler(b -> binaries.add(b));
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode() == null ? (short) 1005 : ws.closeStatusCode()));
  }

  public static WsProbe connect(Vertx vertx, int port, String uri) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(64 * 1024 * 1024)
        .setMaxFrameSize(64 * 1024 * 1024));
    // handlers are set before the handshake, so a message arriving with the handshake response is not lost
    io.vertx.core.http.ClientWebSocket ws = client.webSocket();
    WsProbe probe = new WsProbe(client, ws);
    TestServices.await(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)));
    return probe;
  }

  /** The next message (in arrival order) matching the predicate, skipping others; fails after the timeout. */
  public JsonObject await(Predicate<JsonObject> match, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      JsonObject m;
      try {
        m = left <= 0 ? null : inbox.poll(left, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      if (m == null) {
        throw new AssertionError("no matching message within " + timeoutMs + " ms; seen: " + seen);
      }
      seen.add(m);
      if (match.test(m)) {
        return m;
      }
    }
  }

  /** type:version(:position) of everything seen so far, for failure messages. */
  public String history() {
    StringBuilder sb = new StringBuilder();
    for (JsonObject m : seen) {
      sb.append(m.getString("type")).append(':').append(m.getValue("version"));
      if (m.containsKey("position")) {
        sb.append(':').append(m.getValue("position"));
      }
      sb.append(' ');
    }
    return sb.toString();
  }

  public JsonObject awaitType(String type) {
    return await(m -> type.equals(m.getString("type")), 10_000);
  }

  public void send(JsonObject msg) {
    TestServices.await(ws.writeTextMessage(msg.encode()));
  }

  public io.vertx.core.buffer.Buffer nextBinary(long timeoutMs) {
    try {
      io.vertx.core.buffer.Buffer b = binaries.poll(timeoutMs, TimeUnit.MILLISECONDS);
      if (b == null) {
        throw new AssertionError("no binary message within " + timeoutMs + " ms");
      }
      return b;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public String nextText(long timeoutMs) {
    try {
      String t = texts.poll(timeoutMs, TimeUnit.MILLISECONDS);
      if (t == null) {
        throw new AssertionError("no text message within " + timeoutMs + " ms");
      }
      return t;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public void sendText(String text) {
    TestServices.await(ws.writeTextMessage(text));
  }

  /** Waits until the server closed the socket and returns the close code. */
  public short awaitClose(long timeoutMs) {
    try {
      return closed.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket not closed within " + timeoutMs + " ms", e);
    }
  }

  public boolean isClosed() {
    return ws.isClosed();
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close();
    }
    client.close();
  }
}

package io.chorus.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's java.net.http one) that records every message it receives, for
 * assertions. Not Vert.x's client: that one installs its handlers in a callback after the handshake,
 * so a server that answers the handshake with an error and a close in the same read (every refusal)
 * made it fail with "WebSocket is closed" before the test could see the error. The JDK client takes
 * its listener before connecting and reads only what the test has asked for ({@link #pause()}).
 */
public final class WsProbe implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  private final List<JsonObject> seen = new ArrayList<>();
  /** Every text message in arrival order (JSON or not). */
  public final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
  /** Every binary message in arrival order. */
  public final LinkedBlockingQueue<Buffer> binaries = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();
  /** The reason of the server's Close, once read (null before). */
  public volatile String closeReason;
  private final WebSocket ws;
  private final Object demandLock = new Object();
  private boolean paused;
  private boolean owed; // a request(1) held back while paused
  private CompletableFuture<WebSocket> lastSend;

  private WsProbe(int port, String uri, java.util.Map<String, String> headers) {
    Listener listener = new Listener();
    try {
      WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
      headers.forEach(builder::header);
      ws = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + uri), listener).get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("WebSocket handshake with 127.0.0.1:" + port + uri + " failed: " + e.getMessage(), e);
    }
    lastSend = CompletableFuture.completedFuture(ws);
  }

  /**
   * A host (with the room's token) and a listener join {@code room} ({@code room_id}, {@code token} as the create
   * call answered) over /ws; the host seeks to {@code position}: the position the listener's seek event carries.
   */
  public static double seekHeardByAListener(int port, JsonObject room, double position) {
    String id = room.getString("room_id");
    try (WsProbe host = connect(port, "/ws?room_id=" + id + "&user_id=h&user_name=H&token=" + room.getString("token"));
         WsProbe listener = connect(port, "/ws?room_id=" + id + "&user_id=l&user_name=L")) {
      host.awaitType("room_info");
      listener.awaitType("room_info");
      host.awaitType("user_joined");
      host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", position));
      return listener.awaitType("seek").getDouble("position");
    }
  }

  public static WsProbe connect(int port, String uri) {
    return new WsProbe(port, uri, java.util.Map.of());
  }

  /** With extra handshake headers (e.g. {@code Origin}). */
  public static WsProbe connect(int port, String uri, java.util.Map<String, String> headers) {
    return new WsProbe(port, uri, headers);
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String t = text.toString();
        text.setLength(0);
        texts.add(t);
        if (t.startsWith("{")) {
          inbox.add(new JsonObject(t));
        }
      }
      next(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      binary.writeBytes(chunk);
      if (last) {
        binaries.add(Buffer.buffer(binary.toByteArray()));
        binary.reset();
      }
      next(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
      next(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      // returning null makes the client answer with a Close of the same code
      closeReason = reason;
      closed.complete((short) statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete((short) 1006);
    }
  }

  /** Asks for the next message part unless the test paused reading. */
  private void next(WebSocket webSocket) {
    synchronized (demandLock) {
      if (paused) {
        owed = true;
        return;
      }
    }
    webSocket.request(1);
  }

  /** Stops reading: what the server sends backs up in the socket buffers and then in the server. */
  public void pause() {
    synchronized (demandLock) {
      paused = true;
    }
  }

  public void resume() {
    boolean request;
    synchronized (demandLock) {
      paused = false;
      request = owed;
      owed = false;
    }
    if (request) {
      ws.request(1);
    }
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
    sendText(msg.encode());
  }

  /** Sends a text message and waits until it is written. */
  public void sendText(String text) {
    join(sendTextAsync(text));
  }

  /** Sends a binary message and waits until it is written. */
  public void sendBinary(Buffer data) {
    join(sendBinaryAsync(data));
  }

  /** Queues a text message behind the earlier sends. */
  public CompletableFuture<WebSocket> sendTextAsync(String text) {
    return queue(w -> w.sendText(text, true));
  }

  /** Queues a send behind the earlier ones: the JDK client takes one send at a time (a second throws). */
  private synchronized CompletableFuture<WebSocket> queue(java.util.function.Function<WebSocket, CompletionStage<WebSocket>> send) {
    lastSend = lastSend.thenCompose(send);
    return lastSend;
  }

  /**
   * Sends {@code text} up to {@code max} times without reading the answers (paused meanwhile), until a send fails:
   * a server that bounds what it queues for a socket closes it and then drops the connection, which ends the sends.
   * Waits for every 10,000th send so that the client's own queue stays small.
   */
  public void sendWithoutReading(String text, int max) {
    pause();
    CompletableFuture<?> last = null;
    for (int i = 0; i < max && (last == null || !last.isCompletedExceptionally()); i++) {
      last = sendTextAsync(text);
      if (i % 10_000 == 0) {
        last.exceptionally(e -> null).join();
      }
    }
    resume();
  }

  /** Sends one text message as fragments, a frame each (RFC 6455 continuation frames), and waits until they are written. */
  public void sendTextInParts(String... parts) {
    CompletableFuture<WebSocket> sent;
    // one message: no other send may come between its fragments
    synchronized (this) {
      sent = lastSend;
      for (int i = 0; i < parts.length; i++) {
        String part = parts[i];
        boolean last = i == parts.length - 1;
        sent = queue(w -> w.sendText(part, last));
      }
    }
    join(sent);
  }

  /** Sends a protocol Ping (a control frame, no message) behind the earlier sends and waits until it is written. */
  public void sendPing(String data) {
    join(queue(w -> w.sendPing(utf8(data))));
  }

  /** Sends an unsolicited protocol Pong (a heartbeat some clients send) and waits until it is written. */
  public void sendPong(String data) {
    join(queue(w -> w.sendPong(utf8(data))));
  }

  private static ByteBuffer utf8(String data) {
    return ByteBuffer.wrap(data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Queues a binary message behind the earlier sends. */
  public CompletableFuture<WebSocket> sendBinaryAsync(Buffer data) {
    ByteBuffer bytes = ByteBuffer.wrap(data.getBytes());
    return queue(w -> w.sendBinary(bytes, true));
  }

  private static void join(CompletableFuture<?> send) {
    try {
      send.get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("send failed: " + e.getMessage(), e);
    }
  }

  /** The next binary message, or null if none arrives within the timeout. */
  public Buffer pollBinary(long timeoutMs) {
    try {
      return binaries.poll(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public Buffer nextBinary(long timeoutMs) {
    Buffer b = pollBinary(timeoutMs);
    if (b == null) {
      throw new AssertionError("no binary message within " + timeoutMs + " ms");
    }
    return b;
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

  /** Waits until the server closed the socket and returns the close code (1006: closed without a Close frame). */
  public short awaitClose(long timeoutMs) {
    try {
      return closed.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket not closed within " + timeoutMs + " ms", e);
    }
  }

  /** True once the server's Close (or a connection failure) has been read. */
  public boolean isClosed() {
    return closed.isDone();
  }

  /** Drops the connection without a Close frame, as a client that vanished would. */
  public void drop() {
    ws.abort();
  }

  /** Sends a Close (1000) behind the queued sends; drops the connection if that cannot be done. */
  @Override
  public void close() {
    if (ws.isOutputClosed()) {
      ws.abort();
      return;
    }
    try {
      lastSend.thenCompose(w -> w.sendClose(WebSocket.NORMAL_CLOSURE, "")).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      ws.abort();
    }
  }
}

package io.chorus.testing;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second real WebSocket client (the JDK's), for cases where the server writes right after the
 * handshake: Vert.x's client can drop a frame that arrives in the same read as the 101 response
 * (the long-standing netty client race), which would make such a test flaky for the wrong reason.
 */
public final class JdkWsProbe implements AutoCloseable {
  private final WebSocket ws;
  private final LinkedBlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();

  private JdkWsProbe(int port, String uri) {
    ByteArrayOutputStream partial = new ByteArrayOutputStream();
    WebSocket.Listener listener = new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        partial.writeBytes(chunk);
        if (last) {
          binaries.add(partial.toByteArray());
          partial.reset();
        }
        webSocket.request(1);
        return null;
      }
    };
    this.ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + uri), listener).join();
  }

  public static JdkWsProbe connect(int port, String uri) {
    return new JdkWsProbe(port, uri);
  }

  public byte[] nextBinary(long timeoutMs) {
    try {
      byte[] b = binaries.poll(timeoutMs, TimeUnit.MILLISECONDS);
      if (b == null) {
        throw new AssertionError("no binary message within " + timeoutMs + " ms");
      }
      return b;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    ws.abort();
  }
}

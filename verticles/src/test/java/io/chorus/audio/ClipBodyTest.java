package io.chorus.audio;

import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ClipBody} on a real HTTP server: every read has an outcome, so identify's in-flight slot is always given back. */
class ClipBodyTest {

  /**
   * identify pauses the request while it verifies a presented token; a client that hangs up meanwhile (a cancelled
   * recording, a dropped phone connection) left a read that never ended: its slot of AUDIO_IDENTIFY_MAX_IN_FLIGHT was never
   * given back, and after 32 of them the node answered every clip 503 until it restarted.
   */
  @Test
  void aReadStartedAfterTheClientHungUpFailsInsteadOfWaitingForever() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<Void> received = new CompletableFuture<>();
      CompletableFuture<AsyncResult<Buffer>> outcome = new CompletableFuture<>();
      HttpServer server = vertx.createHttpServer().requestHandler(req -> {
        req.pause();   // as identify does while the token is verified
        // the verification ends after the connection closed: the read starts on a later turn of the event loop
        req.connection().closeHandler(v -> vertx.runOnContext(x -> ClipBody.read(req, 1024 * 1024).onComplete(outcome::complete)));
        received.complete(null);
      });
      int port = server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream().write("POST /api/v1/identify HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nID3"
            .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        received.get(10, TimeUnit.SECONDS);
      }
      AsyncResult<Buffer> r = outcome.get(10, TimeUnit.SECONDS);
      assertThat(r.failed()).as("the read of a request whose client hung up fails").isTrue();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}

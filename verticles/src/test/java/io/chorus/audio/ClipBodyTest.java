package io.chorus.audio;

import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
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

  /**
   * A client that sends the headers and a few bytes of a clip and then nothing held one of identify's slots for as long
   * as it kept the connection open (32 such sockets: every clip 503). A body that stalls is now 408 request_timeout
   * and the connection closes; a body that keeps coming, however slowly, is read to its end.
   */
  @Test
  void aStalledBodyIsRefusedAndItsConnectionClosedASlowOneIsRead() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server = vertx.createHttpServer().requestHandler(req -> ClipBody.read(vertx, req, 1024 * 1024, 400, 60_000)
          .onComplete(ar -> {
            if (ar.succeeded()) {
              req.response().end("read " + ar.result().length());
            } else {
              io.chorus.bus.ErrorCode code = io.chorus.bus.ErrorCode.of(ar.cause());
              req.response().setStatusCode(code.httpStatus()).end(code.slug() + ": " + ar.cause().getMessage());
            }
          }));
      int port = server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("POST /api/v1/identify HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nID3"
            .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        // the whole answer, then the end of the stream: the server closed the connection (a timeout would throw)
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(answer).startsWith("HTTP/1.1 408").contains("request_timeout: no byte of the clip came for 0.4 s");
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("POST /api/v1/identify HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        // two bytes every 100 ms: a second in all, over twice the stall bound
        for (int i = 0; i < 10; i++) {
          s.getOutputStream().write("ab".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);   // the client's pace, not synchronisation
        }
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(answer).startsWith("HTTP/1.1 200").endsWith("read 20");
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * api.md: the form's framing and fields other than the clip may add up to 64 KiB. Sent chunked (no Content-Length to
   * refuse up front), a form whose text fields held far more than that was read and its clip identified; it is now
   * 413 payload_too_large, while a form within the allowance is read as before.
   */
  @Test
  void aChunkedFormWhoseOtherFieldsAreOverTheirAllowanceIsTooLarge() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // the gateway's form field limit (GatewayVerticle: 64 KiB), not Vert.x's default of 8 KiB
      HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setMaxFormAttributeSize(64 * 1024))
          .requestHandler(req -> ClipBody.read(vertx, req, 1024, 10_000, 60_000)
          .onComplete(ar -> {
            if (ar.succeeded()) {
              req.response().end("read " + ar.result().length());
            } else {
              io.chorus.bus.ErrorCode code = io.chorus.bus.ErrorCode.of(ar.cause());
              req.response().setStatusCode(code.httpStatus()).end(code.slug() + ": " + ar.cause().getMessage());
            }
          }));
      int port = server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
      String field = "a".repeat(40_000);
      assertThat(postChunkedForm(port, List.of(field), "ID3" + "x".repeat(97))).startsWith("HTTP/1.1 200").endsWith("read 100");
      assertThat(postChunkedForm(port, List.of(field, field, field), "ID3" + "x".repeat(97))).startsWith("HTTP/1.1 413")
          .contains("payload_too_large: the form is larger than the clip's 1,024 bytes and 64 KiB for its framing and other fields");
      // fields after the file part count too
      assertThat(postChunkedForm(port, List.of(), "ID3" + "x".repeat(97), field, field)).startsWith("HTTP/1.1 413")
          .contains("payload_too_large");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A form the multipart decoder gives up on says why: more than 256 parts was answered "the body could not be read (the
   * connection failed while it was sent)", and a text field over 64 KiB before the file part "the form holds no file
   * part" (it has one). Both stay 400 invalid_argument, now "too many form fields" and "form field too large".
   */
  @Test
  void aFormTheDecoderRefusesSaysWhy() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setMaxFormAttributeSize(64 * 1024))
          .requestHandler(req -> ClipBody.read(vertx, req, 1024 * 1024, 10_000, 60_000)
          .onComplete(ar -> {
            if (ar.succeeded()) {
              req.response().end("read " + ar.result().length());
            } else {
              io.chorus.bus.ErrorCode code = io.chorus.bus.ErrorCode.of(ar.cause());
              req.response().setStatusCode(code.httpStatus()).end(code.slug() + ": " + ar.cause().getMessage());
            }
          }));
      int port = server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
      String clip = "ID3" + "x".repeat(97);
      assertThat(postChunkedForm(port, java.util.Collections.nCopies(255, "v"), clip)).as("256 parts").startsWith("HTTP/1.1 200")
          .endsWith("read 100");
      assertThat(postChunkedForm(port, java.util.Collections.nCopies(300, "v"), clip)).startsWith("HTTP/1.1 400")
          .endsWith("invalid_argument: " + ClipBody.TOO_MANY_FIELDS).contains("too many form fields: a form takes at most 256 parts");
      assertThat(postChunkedForm(port, List.of("a".repeat(70_000)), clip)).startsWith("HTTP/1.1 400")
          .endsWith("invalid_argument: " + ClipBody.FIELD_TOO_LARGE).contains("form field too large").doesNotContain("no file part");
      // the clip sent as a text field: the same answer, which says to send it as a file part
      assertThat(postChunkedForm(port, List.of(), null, "a".repeat(70_000))).startsWith("HTTP/1.1 400")
          .contains("send the clip as a file part with a filename");
      // a form without a file part, its fields small, is still told so
      assertThat(postChunkedForm(port, List.of(), null, "small")).startsWith("HTTP/1.1 400").endsWith("invalid_argument: " + ClipBody.NO_FILE_PART);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A multipart/form-data POST sent chunked: text fields, the file part (unless null), then more text fields; the whole answer. */
  private static String postChunkedForm(int port, List<String> before, String file, String... after) throws Exception {
    String b = "XyZbOuNdArY";
    StringBuilder form = new StringBuilder();
    int n = 0;
    for (String f : before) {
      form.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"f").append(n++).append("\"\r\n\r\n").append(f).append("\r\n");
    }
    if (file != null) {   // null: no file part
      form.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"clip\"; filename=\"c.mp3\"\r\n")
          .append("Content-Type: audio/mpeg\r\n\r\n").append(file).append("\r\n");
    }
    for (String f : after) {
      form.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"f").append(n++).append("\"\r\n\r\n").append(f).append("\r\n");
    }
    form.append("--").append(b).append("--\r\n");
    byte[] bytes = form.toString().getBytes(StandardCharsets.US_ASCII);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      java.io.OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/identify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
          + "Content-Type: multipart/form-data; boundary=" + b + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < bytes.length; i += 8192) {
        int len = Math.min(8192, bytes.length - i);
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes, i, len);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}

package io.chorus.audio;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;

import java.util.Locale;

/**
 * The audio clip a request carries, whatever its {@code Content-Type} says: the raw body, or with
 * {@code multipart/form-data} its first file part (a form that posts a recording). Clients send clips with
 * every kind of type (curl's {@code --data-binary} says {@code application/x-www-form-urlencoded}): a
 * vertx-web BodyHandler would decode such a body as a form and fail on audio bytes, so the body is read here.
 * More than {@code maxBytes} (declared or counted) fails with {@code payload_too_large} at once; the rest of the
 * body is read and dropped, so that a client still sending reads the answer rather than a reset connection.
 */
final class ClipBody {
  /** Allowance for the multipart framing and the small form fields around the file part (as the track upload's). */
  static final int FORM_OVERHEAD = 64 * 1024;

  private ClipBody() {
  }

  /** A clip whose bytes stop for this long (or that takes {@link #TOTAL_MS} in all) is refused: it holds a slot. */
  static final long STALL_MS = 10_000;
  static final long TOTAL_MS = 120_000;

  static Future<Buffer> read(io.vertx.core.Vertx vertx, HttpServerRequest req, int maxBytes) {
    return read(vertx, req, maxBytes, STALL_MS, TOTAL_MS);
  }

  /**
   * The clip, or a failure: every read ends, since each holds one of identify's in-flight slots. A body that stalls
   * (no byte for {@code stallMs}) or is still arriving after {@code totalMs} is 408 {@code request_timeout}, and the
   * connection closes once that is answered (the rest of the body is never read).
   */
  static Future<Buffer> read(io.vertx.core.Vertx vertx, HttpServerRequest req, int maxBytes, long stallMs, long totalMs) {
    long started = System.nanoTime();
    long[] last = {started};
    Future<Buffer> read = read(req, maxBytes, () -> last[0] = System.nanoTime());
    if (read.isComplete()) {
      return read;
    }
    Promise<Buffer> done = Promise.promise();
    long timer = vertx.setPeriodic(Math.max(1, Math.min(1000, stallMs / 4)), id -> {
      long now = System.nanoTime();
      String why = now - last[0] >= stallMs * 1_000_000L ? "no byte of the clip came for " + stallMs / 1000.0 + " s"
          : now - started >= totalMs * 1_000_000L ? "the clip took longer than " + totalMs / 1000 + " s to send" : null;
      if (why != null && !done.future().isComplete()) {
        // before the failure, whose handlers answer at once
        req.response().putHeader("Connection", "close").endHandler(v -> req.connection().close());
        done.fail(ErrorCode.REQUEST_TIMEOUT.exception(why + ": send it at once, at most 5 MiB"));
      }
    });
    read.onSuccess(done::tryComplete).onFailure(done::tryFail);
    done.future().onComplete(ar -> vertx.cancelTimer(timer));
    return done.future();
  }

  static Future<Buffer> read(HttpServerRequest req, int maxBytes) {
    return read(req, maxBytes, () -> { });
  }

  /** {@code onBytes}: told of each chunk of the body as it comes. */
  private static Future<Buffer> read(HttpServerRequest req, int maxBytes, Runnable onBytes) {
    if (req.response().closed()) {
      // the client hung up while the request was paused (identify verifies a token first): the close was reported to
      // no handler and no body or end will come, so the read fails now rather than never (its caller's slot is freed)
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("the connection closed before the body was read"));
    }
    Promise<Buffer> done = Promise.promise();
    String type = req.getHeader("Content-Type");
    boolean multipart = type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    // the limit is the clip's: a form adds its framing and small fields around the file part, which is counted alone
    if (declaredLength(req) > maxBytes + (multipart ? FORM_OVERHEAD : 0)) {
      done.fail(tooLarge(maxBytes));   // answered at once; the body is still read (and dropped) so the client sees the answer
    }
    Buffer body = Buffer.buffer();
    io.vertx.core.Handler<Buffer> append = chunk -> {
      onBytes.run();
      if (done.future().isComplete()) {
        return;
      }
      if (multipart && formTooLarge(req, maxBytes)) {
        done.tryFail(formTooLarge(maxBytes));
      } else if (body.length() + chunk.length() > maxBytes) {
        done.tryFail(tooLarge(maxBytes));
      } else {
        body.appendBuffer(chunk);
      }
    };
    boolean[] taken = {false};
    if (multipart) {
      req.setExpectMultipart(true);
      req.uploadHandler(part -> {
        boolean first = !taken[0];
        taken[0] = true;
        part.handler(first ? append : b -> { });
        part.exceptionHandler(e -> done.tryFail(ErrorCode.INVALID_ARGUMENT.exception("the multipart body could not be read")));
      });
    } else {
      req.handler(append);
    }
    req.exceptionHandler(e -> done.tryFail(bodyError(e)));
    req.endHandler(v -> {
      if (multipart && formTooLarge(req, maxBytes)) {
        // the fields around the file part (counted by no part handler) are over their allowance, sent chunked
        // (a declared length over it is refused up front)
        done.tryFail(formTooLarge(maxBytes));
      }
      if (multipart && !taken[0]) {
        done.tryFail(ErrorCode.INVALID_ARGUMENT.exception(NO_FILE_PART));
      }
      done.tryComplete(body);
    });
    if (!done.future().isComplete()) {
      io.chorus.web.Http.continueIfExpected(req);
    }
    req.resume();
    return done.future();
  }

  /** What a multipart body without a file part is told (a part without a filename is a text field to the decoder). */
  static final String NO_FILE_PART = "the form holds no file part: send the clip as a file part with a filename"
      + " (Content-Disposition: form-data; name=\"clip\"; filename=\"...\", as curl -F clip=@clip.webm does), or the raw bytes as the body";

  /** What a form with a text field over the HTTP server's form attribute size (64 KiB) is told, wherever the field is. */
  static final String FIELD_TOO_LARGE = "form field too large: a text field (a part without a filename) takes at most 64 KiB;"
      + " send the clip as a file part with a filename (Content-Disposition: form-data; name=\"clip\"; filename=\"...\","
      + " as curl -F clip=@clip.webm does), or the raw bytes as the body";

  /** What a form with more fields than the HTTP server's limit is told. */
  static final String TOO_MANY_FIELDS = "too many form fields: a form takes at most "
      + io.vertx.core.http.HttpServerOptions.DEFAULT_MAX_FORM_FIELDS + " parts; send the clip as its file part with few other fields,"
      + " or the raw bytes as the body";

  /**
   * What a failure while reading the body tells the client: the multipart decoder refuses a text field over the HTTP
   * server's form attribute size (64 KiB) with an IOException inside its ErrorDataDecoderException (often a clip sent as a
   * text field, but the decoder stops there, before it could see whether a file part follows), and a form of more parts
   * than the server's limit ({@link io.vertx.core.http.HttpServerOptions#DEFAULT_MAX_FORM_FIELDS}) with its
   * TooManyFormFieldsException; any other decoder error is a malformed form; else the body was interrupted.
   */
  private static RuntimeException bodyError(Throwable e) {
    if (e instanceof HttpPostRequestDecoder.TooLongFormFieldException
        || e instanceof HttpPostRequestDecoder.ErrorDataDecoderException && e.getCause() instanceof java.io.IOException) {
      return ErrorCode.INVALID_ARGUMENT.exception(FIELD_TOO_LARGE);
    }
    if (e instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
      return ErrorCode.INVALID_ARGUMENT.exception(TOO_MANY_FIELDS);
    }
    if (e instanceof HttpPostRequestDecoder.ErrorDataDecoderException) {
      return ErrorCode.INVALID_ARGUMENT.exception("the multipart body is malformed");
    }
    return ErrorCode.INVALID_ARGUMENT.exception("the body could not be read (the connection failed while it was sent)");
  }

  /** The declared Content-Length; -1 when absent or not a number (then the bytes are counted). */
  private static long declaredLength(HttpServerRequest req) {
    String v = req.getHeader("Content-Length");
    try {
      return v == null ? -1 : Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return v.strip().matches("\\d+") ? Long.MAX_VALUE : -1;   // digits beyond a long: larger than any limit
    }
  }

  /** The form's body so far is over the clip's limit and the allowance for its framing and other fields. */
  private static boolean formTooLarge(HttpServerRequest req, int maxBytes) {
    return req.bytesRead() > (long) maxBytes + FORM_OVERHEAD;
  }

  private static RuntimeException formTooLarge(int maxBytes) {
    return ErrorCode.PAYLOAD_TOO_LARGE.exception("the form is larger than the clip's " + size(maxBytes) + " and "
        + FORM_OVERHEAD / 1024 + " KiB for its framing and other fields");
  }

  private static RuntimeException tooLarge(int maxBytes) {
    return ErrorCode.PAYLOAD_TOO_LARGE.exception("the clip is larger than " + size(maxBytes));
  }

  /** The limit as api.md states it: {@code 5 MiB (5,242,880 bytes)}, exact (a MiB is 1,048,576 bytes, not a million). */
  static String size(int bytes) {
    String exact = String.format(java.util.Locale.ROOT, "%,d bytes", bytes);
    return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB (" + exact + ")" : exact;
  }
}

package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * {@code POST /api/v1/tracks}: a multipart upload ({@code file}, optional {@code title}, {@code artist},
 * {@code album}) from a signed-in user. The file part streams to a temp file with back-pressure while
 * its bytes are counted and hashed (SHA-256), so nothing holds it in memory; {@code UPLOAD_MAX_BYTES}
 * is checked on {@code Content-Length} up front and on the bytes as they come. The temp file is always
 * deleted. A refused request is answered at once; the rest of its body is read and discarded (so the
 * client gets to read the answer) and the connection closed.
 */
final class UploadRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(UploadRoutes.class);
  /** The parts that are text fields: one sent as a file (with a filename) is refused, not dropped. */
  private static final java.util.Set<String> TEXT_PARTS = java.util.Set.of("title", "artist", "album");
  /** A 'file' part without a filename is a text field to the multipart decoder (curl's {@code -F file=<path}). */
  static final String NOT_A_FILE_PART = "the part 'file' came as a text field: send it as a file part with a filename"
      + " (Content-Disposition: form-data; name=\"file\"; filename=\"...\", as curl -F file=@track.flac does)";
  /** Allowance for the multipart framing and the small form fields around the file. */
  private static final long FORM_OVERHEAD = 64 * 1024;

  private final Vertx vertx;
  private final Access access;
  private final Uploads uploads;
  private final long maxBytes;
  private final Path tmpDir;

  UploadRoutes(Vertx vertx, Access access, Uploads uploads, long maxBytes, Path tmpDir) {
    this.vertx = vertx;
    this.access = access;
    this.uploads = uploads;
    this.maxBytes = maxBytes;
    this.tmpDir = tmpDir;
  }

  void mount(Router router) {
    router.post("/api/v1/tracks").handler(this::upload);
  }

  private void upload(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.pause();
    long declared = contentLength(req);
    if (declared > maxBytes + FORM_OVERHEAD) {
      refuse(ctx, tooLarge());
      return;
    }
    // the token first: a caller without one learns nothing about the body's rules
    access.caller(ctx).onComplete(ar -> {
      String type = req.getHeader("Content-Type");
      if (ar.failed()) {
        refuse(ctx, ar.cause());
      } else if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
        refuse(ctx, ErrorCode.INVALID_ARGUMENT.exception("a multipart/form-data body with a 'file' part is expected"));
      } else {
        receive(ctx, ar.result());
      }
    });
  }

  private void receive(RoutingContext ctx, SignedIn caller) {
    HttpServerRequest req = ctx.request();
    Path tmp = tmpDir.resolve(UUID.randomUUID() + ".upload");
    Receiver r = new Receiver(tmp);
    req.setExpectMultipart(true);
    req.uploadHandler(upload -> {
      if (r.failed == null && TEXT_PARTS.contains(upload.name())) {
        r.fail(ctx, ErrorCode.INVALID_ARGUMENT.exception("the part '" + upload.name() + "' must be a text field, not a file"));
      }
      if (r.failed != null || !"file".equals(upload.name()) || r.started) {
        if (r.failed == null && "file".equals(upload.name())) {
          r.fail(ctx, ErrorCode.INVALID_ARGUMENT.exception("one file per upload"));
        }
        upload.handler(b -> { });   // other parts are read and dropped
        return;
      }
      r.started = true;
      r.upload = upload;
      r.fileName = upload.filename();
      upload.pause();
      vertx.fileSystem().open(tmp.toString(), new OpenOptions().setWrite(true).setCreateNew(true)).onComplete(open -> {
        if (open.failed()) {
          LOG.error("cannot create the upload temp file {}", tmp, open.cause());
          r.fail(ctx, ErrorCode.INTERNAL.exception("cannot store the upload"));
          upload.handler(b -> { });
          upload.resume();
          return;
        }
        r.file = open.result();
        if (r.failed != null) {   // refused while the file was being made
          r.closeFile().onComplete(x -> vertx.fileSystem().delete(tmp.toString()));
          upload.handler(b -> { });
          upload.resume();
          return;
        }
        write(ctx, r, upload);
        upload.resume();
        r.settle(ctx);   // the body may have ended while the file was being made
      });
    });
    req.exceptionHandler(e -> r.fail(ctx, bodyError(e)));
    req.endHandler(v -> {
      if (r.failed != null) {
        req.connection().close();
        return;
      }
      if (!r.started) {
        r.fail(ctx, ErrorCode.INVALID_ARGUMENT.exception(req.getFormAttribute("file") != null
            ? NOT_A_FILE_PART : "the multipart field 'file' is required"));
        return;
      }
      r.bodyEnded = true;
      r.settle(ctx);
      r.written.future().onSuccess(x -> {
        Uploads.Received in;
        try {   // what the uploader typed follows the name rules; an empty field leaves it to the file's tags
          in = new Uploads.Received(tmp, r.count, HexFormat.of().formatHex(r.digest.digest()), r.fileName,
              TrackEdit.optionalName("title", req.getFormAttribute("title"), 255),
              TrackEdit.optionalName("artist", req.getFormAttribute("artist"), 255),
              TrackEdit.optionalName("album", req.getFormAttribute("album"), 255));
        } catch (RuntimeException e) {
          vertx.fileSystem().delete(tmp.toString());
          failAndClose(ctx, e);
          return;
        }
        uploads.accept(caller, in)
            .onComplete(done -> vertx.fileSystem().delete(tmp.toString()).onFailure(e -> LOG.warn("cannot delete {}: {}", tmp, e.getMessage())))
            .onSuccess(o -> Http.json(ctx, o.duplicate() ? 200 : 202, o.json()))
            .onFailure(e -> failAndClose(ctx, e));
      });
    });
    Http.continueIfExpected(req);
    req.resume();
  }

  private void write(RoutingContext ctx, Receiver r, HttpServerFileUpload upload) {
    AsyncFile file = r.file;
    file.exceptionHandler(e -> {
      LOG.error("writing the upload temp file {} failed", r.tmp, e);
      r.fail(ctx, ErrorCode.INTERNAL.exception("cannot store the upload"));
    });
    upload.handler(buf -> {
      if (r.failed != null) {
        return;
      }
      r.count += buf.length();
      if (r.count > maxBytes) {
        r.fail(ctx, tooLarge());
        return;
      }
      r.digest.update(buf.getBytes());
      file.write(buf);
      // once the body has ended the rest of the part is in memory already: holding it back saves nothing
      // and would keep settle() from seeing the part's end
      if (file.writeQueueFull() && !r.bodyEnded) {
        upload.pause();
        file.drainHandler(v -> upload.resume());
      }
    });
    upload.exceptionHandler(e -> r.fail(ctx, bodyError(e)));
    upload.endHandler(v -> {
      r.partEnded = true;
      r.closeFile().onComplete(c -> {
        if (r.failed != null) {
          return;   // the failure already answered and removes the file
        }
        if (c.failed()) {
          r.fail(ctx, ErrorCode.INTERNAL.exception("cannot store the upload"));
        } else {
          r.written.tryComplete();
        }
      });
    });
  }

  /** Answers now, then reads and drops the rest of the body (bounded in time) and closes the connection. */
  private void refuse(RoutingContext ctx, Throwable error) {
    HttpServerRequest req = ctx.request();
    ctx.response().putHeader("Connection", "close");
    Http.fail(ctx, error);
    io.chorus.web.LingeringClose.drain(vertx, req);
  }

  /** A refusal once the whole body is in (empty file, not audio, ...): as every refused upload, with {@code Connection: close}. */
  private static void failAndClose(RoutingContext ctx, Throwable error) {
    ctx.response().putHeader("Connection", "close").endHandler(v -> ctx.request().connection().close());
    Http.fail(ctx, error);
  }

  /**
   * What a failure while reading the body tells the client. The multipart decoder refuses a text field over the
   * HTTP server's form attribute size (64 KiB) with an IOException inside its ErrorDataDecoderException: that is
   * a field too long, far past the 255 characters title, artist and album may take, not an interrupted upload.
   */
  private static Throwable bodyError(Throwable e) {
    if (e instanceof HttpPostRequestDecoder.TooLongFormFieldException
        || e instanceof HttpPostRequestDecoder.ErrorDataDecoderException && e.getCause() instanceof java.io.IOException) {
      return ErrorCode.INVALID_ARGUMENT.exception("a form field is too long: title, artist and album take at most 255 characters"
          + " (and the audio goes in the file part 'file', with a filename)");
    }
    if (e instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
      return ErrorCode.INVALID_ARGUMENT.exception("too many form fields");
    }
    if (e instanceof HttpPostRequestDecoder.ErrorDataDecoderException) {
      return ErrorCode.INVALID_ARGUMENT.exception("the multipart body is malformed");
    }
    return ErrorCode.INVALID_ARGUMENT.exception("the upload was interrupted");
  }

  private static Throwable tooLarge() {
    return ErrorCode.PAYLOAD_TOO_LARGE.exception("the file is larger than UPLOAD_MAX_BYTES");
  }

  private static long contentLength(HttpServerRequest req) {
    try {
      String v = req.getHeader("Content-Length");
      return v == null ? -1 : Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** One upload's state on its event loop. */
  private final class Receiver {
    final Path tmp;
    final MessageDigest digest;
    final Promise<Void> written = Promise.promise();
    HttpServerFileUpload upload;
    AsyncFile file;
    boolean started;
    /** The request's body ended / the file part's end was delivered. */
    boolean bodyEnded;
    boolean partEnded;
    String fileName;
    long count;
    Throwable failed;
    io.vertx.core.Future<Void> closing;

    Receiver(Path tmp) {
      this.tmp = tmp;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The first failure answers the request; the temp file goes; the body is drained until its end. */
    void fail(RoutingContext ctx, Throwable e) {
      if (failed != null) {
        return;
      }
      failed = e;
      ctx.response().putHeader("Connection", "close");
      Http.fail(ctx, e);
      closeFile().onComplete(x -> {
        if (file != null) {
          vertx.fileSystem().delete(tmp.toString()).otherwiseEmpty();
        }
      });
      if (ctx.request().isEnded()) {
        return;
      }
      long timer = vertx.setTimer(io.chorus.web.LingeringClose.MAX_MS, t -> ctx.request().connection().close());
      ctx.request().endHandler(v -> {
        vertx.cancelTimer(timer);
        ctx.request().connection().close();
      });
    }

    /**
     * Once the body has ended and the temp file is open: whether the file part ended, else a 400. The multipart
     * decoder reads the whole body before the request's end is delivered (vert.x's Http1xServerRequest.onEnd
     * decodes, then ends), so a complete file part has by then queued its end behind its data in the upload's
     * own buffer; that buffer holds events back only while this class pauses the upload (the temp file being
     * opened, or its write queue full). A body that ends inside the part (no closing boundary) never ends it:
     * nothing else would answer, and the temp file and its descriptor would stay. So the upload is resumed
     * (its drain is scheduled on this event loop now) and looked at in a task queued after that drain: no
     * guessed timeout.
     */
    void settle(RoutingContext ctx) {
      if (!bodyEnded || partEnded || failed != null || file == null) {
        return;   // file == null: called again once it is open
      }
      upload.resume();
      vertx.runOnContext(v -> {
        if (!partEnded && failed == null) {
          ctx.response().endHandler(x -> ctx.request().connection().close());
          fail(ctx, ErrorCode.INVALID_ARGUMENT.exception("the body ended inside the 'file' part (no closing multipart boundary)"));
        }
      });
    }

    /** Closes the temp file once (a second close of an AsyncFile throws). */
    io.vertx.core.Future<Void> closeFile() {
      if (file == null) {
        return io.vertx.core.Future.succeededFuture();
      }
      if (closing == null) {
        closing = file.close();
      }
      return closing;
    }
  }
}

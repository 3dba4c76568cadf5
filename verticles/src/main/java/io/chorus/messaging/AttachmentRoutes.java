package io.chorus.messaging;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.web.Http;
import io.chorus.web.RateLimiter;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Attachment upload and download (docs/api.md, Messenger):
 * <ul>
 * <li>{@code POST /api/v1/conversations/{id}/attachments?name=<file name>}: the raw file as the body with its
 * {@code Content-Type}. The token, the ids, the name and the declared size are checked before the body is read, then
 * the write rate limit, then membership; the body streams to a temp file with back-pressure, counted against
 * {@code MESSENGER_ATTACHMENT_MAX_BYTES} as it comes (413, nothing stored), then to S3 from disk. The temp file is
 * always deleted. A request refused before its body ended is answered at once, the rest of the body read and dropped
 * (so the client reads the answer), and the connection closed.</li>
 * <li>{@code GET /api/v1/conversations/{id}/attachments/{attachment_id}}: with a Bearer token or a signed URL's
 * {@code u, exp, sig} ({@link AttachmentUrls}); the bytes relayed from S3 with the browser's single {@code Range}
 * passed on (206); the stored type only for the safe ones ({@link Attachments#isSafe}), else
 * {@code application/octet-stream} as {@code Content-Disposition: attachment}; always {@code nosniff}.</li>
 * </ul>
 */
final class AttachmentRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AttachmentRoutes.class);
  /** One range, {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}: passed to S3; anything else is ignored (the whole file). */
  private static final Pattern ONE_RANGE = Pattern.compile("bytes=(\\d{1,19}-\\d{0,19}|-\\d{1,19})");

  private final Vertx vertx;
  private final Attachments attachments;
  private final AttachmentStore store;
  private final AttachmentUrls urls;
  private final Function<RoutingContext, Future<SignedIn>> caller;
  private final Function<String, Future<Void>> countWrite;
  private final long maxBytes;
  private final Path tmpDir;

  AttachmentRoutes(Vertx vertx, Attachments attachments, AttachmentStore store, AttachmentUrls urls,
                   Function<RoutingContext, Future<SignedIn>> caller, Function<String, Future<Void>> countWrite, long maxBytes, Path tmpDir) {
    this.vertx = vertx;
    this.attachments = attachments;
    this.store = store;
    this.urls = urls;
    this.caller = caller;
    this.countWrite = countWrite;
    this.maxBytes = maxBytes;
    this.tmpDir = tmpDir;
  }

  void mount(Router router, String base) {
    router.post(base + "/:id/attachments").handler(this::upload);
    // GET only: a HEAD would need the relay without its body
    Http.getOnly(router.get(base + "/:id/attachments/:attachment_id")).handler(this::download);
  }

  // ---- upload

  private void upload(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.pause();
    Future<Object[]> checked = caller.apply(ctx).compose(me -> {
      UUID id = Inputs.uuid("id", ctx.pathParam("id"));
      String name = Inputs.name("name", req.getParam("name"), 1, Attachments.MAX_NAME);
      String type = Attachments.contentType(req.getHeader("Content-Type"));
      String length = req.getHeader("Content-Length");
      if (length != null && !length.isEmpty() && length.chars().allMatch(Character::isDigit)
          && (length.length() > 18 || Long.parseLong(length) > maxBytes)) {
        throw tooLarge();
      }
      if ("0".equals(length)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("the file is empty: send its bytes as the body");
      }
      return countWrite.apply(me.userId()).compose(x -> attachments.member(me.userId(), id)).map(x -> new Object[] {me.userId(), id, name, type});
    });
    checked.onComplete(ar -> {
      if (ar.failed()) {
        refuse(ctx, ar.cause());
      } else {
        Object[] c = ar.result();
        receive(ctx, (String) c[0], (UUID) c[1], (String) c[2], (String) c[3]);
      }
    });
  }

  /** The state of one body being received. */
  private static final class Receiver {
    final Path tmp;
    final Promise<Void> written = Promise.promise();
    AsyncFile file;
    long count;
    Throwable failed;

    Receiver(Path tmp) {
      this.tmp = tmp;
    }
  }

  private void receive(RoutingContext ctx, String me, UUID id, String name, String type) {
    HttpServerRequest req = ctx.request();
    Path tmp = tmpDir.resolve(UUID.randomUUID() + ".attachment");
    Receiver r = new Receiver(tmp);
    vertx.fileSystem().open(tmp.toString(), new OpenOptions().setWrite(true).setCreateNew(true)).onComplete(open -> {
      if (open.failed()) {
        LOG.error("cannot create the attachment temp file {}", tmp, open.cause());
        refuse(ctx, ErrorCode.INTERNAL.exception("cannot store the upload"));
        return;
      }
      AsyncFile file = open.result();
      r.file = file;
      file.exceptionHandler(e -> fail(ctx, r, ErrorCode.INTERNAL.exception("cannot store the upload"), e));
      req.handler(buf -> {
        if (r.failed != null) {
          return;
        }
        r.count += buf.length();
        if (r.count > maxBytes) {
          fail(ctx, r, tooLarge(), null);
          return;
        }
        file.write(buf);
        if (file.writeQueueFull()) {
          req.pause();
          file.drainHandler(v -> req.resume());
        }
      });
      req.exceptionHandler(e -> fail(ctx, r, ErrorCode.INVALID_ARGUMENT.exception("the upload was interrupted"), null));
      req.endHandler(v -> {
        if (r.failed != null) {
          req.connection().close();
          return;
        }
        file.close().onComplete(closed -> {
          if (closed.failed()) {
            fail(ctx, r, ErrorCode.INTERNAL.exception("cannot store the upload"), closed.cause());
          } else if (r.count == 0) {
            fail(ctx, r, ErrorCode.INVALID_ARGUMENT.exception("the file is empty: send its bytes as the body"), null);
          } else {
            attachments.store(me, id, tmp, r.count, name, type)
                .onComplete(done -> deleteTmp(tmp))
                .onSuccess(json -> Http.json(ctx, 201, json))
                .onFailure(e -> Http.fail(ctx, e));
          }
        });
      });
      Http.continueIfExpected(req);
      req.resume();
    });
  }

  /** A refusal while the body comes: answered now, the temp file closed and deleted, the rest of the body dropped. */
  private void fail(RoutingContext ctx, Receiver r, Throwable error, Throwable cause) {
    if (r.failed != null) {
      return;
    }
    r.failed = error;
    if (cause != null) {
      LOG.error("writing the attachment temp file {} failed", r.tmp, cause);
    }
    r.file.close().onComplete(x -> deleteTmp(r.tmp));
    refuse(ctx, error);
  }

  private void deleteTmp(Path tmp) {
    vertx.fileSystem().delete(tmp.toString()).onFailure(e -> LOG.warn("cannot delete {}: {}", tmp, e.getMessage()));
  }

  /**
   * Answers now, then reads and drops the rest of the body (bounded in time) and closes the connection: the client,
   * still sending, reads the answer instead of a reset. Closed at the body's end, after LingeringClose.IDLE_MS without data
   * or after LingeringClose.MAX_MS in all.
   */
  private void refuse(RoutingContext ctx, Throwable error) {
    HttpServerRequest req = ctx.request();
    if (!ctx.response().ended()) {
      ctx.response().putHeader("Connection", "close");
      RateLimiter.fail(ctx, error);
    }
    io.chorus.web.LingeringClose.drain(vertx, req);
  }

  private static RuntimeException tooLarge() {
    return ErrorCode.PAYLOAD_TOO_LARGE.exception("the file is larger than MESSENGER_ATTACHMENT_MAX_BYTES");
  }

  // ---- download

  private void download(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    HttpServerResponse out = ctx.response();
    Future<Void> served;
    try {
      String cid = ctx.pathParam("id");
      String aid = ctx.pathParam("attachment_id");
      String sig = req.getParam("sig");
      // who asks first (the signature, else the token), then the ids, as on every messenger route
      Future<String> who = sig != null
          ? Future.succeededFuture(urls.verify(cid, aid, req.getParam("u"), req.getParam("exp"), sig, System.currentTimeMillis() / 1000))
          : caller.apply(ctx).map(SignedIn::userId);
      String range = req.getHeader("Range");
      String passed = range != null && ONE_RANGE.matcher(range.strip()).matches() ? range.strip() : null;
      served = who.compose(user -> attachments.open(user, Inputs.uuid("id", cid), Inputs.uuid("attachment_id", aid)))
          .compose(file -> store.get(file.key(), passed).compose(resp -> relay(resp, out, file, sig != null)));
    } catch (RuntimeException e) {
      served = Future.failedFuture(e);
    }
    served.onFailure(e -> {
      if (!out.headWritten()) {
        Http.fail(ctx, e);
      } else if (!out.closed()) {
        out.reset();
      }
    });
  }

  private Future<Void> relay(HttpClientResponse resp, HttpServerResponse out, Attachments.Download file, boolean signed) {
    int status = resp.statusCode();
    if (status == 416) {
      drain(resp);
      out.putHeader("Content-Range", "bytes */" + file.size());
      return Future.failedFuture(ErrorCode.RANGE_NOT_SATISFIABLE.exception("the range is outside the " + file.size() + " bytes of the file"));
    }
    if (status != 200 && status != 206) {
      LOG.warn("S3 GET {} answered {}", file.key(), status);
      drain(resp);
      return Future.failedFuture(status == 404 ? ErrorCode.NOT_FOUND.exception("the file is missing from storage")
          : ErrorCode.UNAVAILABLE.exception("media storage is unavailable"));
    }
    boolean safe = file.safe();
    out.setStatusCode(status)
        .putHeader("Content-Type", safe ? file.contentType() : "application/octet-stream")
        .putHeader("Content-Disposition", (safe ? "inline" : "attachment") + "; filename*=UTF-8''" + rfc5987(file.name()))
        .putHeader("X-Content-Type-Options", "nosniff")
        // a file opened on its own (a new tab) still gets no script and no same-origin powers
        .putHeader("Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox")
        .putHeader("Accept-Ranges", "bytes")
        // a signed URL is one viewer's for a while; a Bearer answer is not for shared caches either
        .putHeader("Cache-Control", signed ? "private, max-age=" + urls.ttlSeconds() : "private, no-store");
    String length = resp.getHeader("Content-Length");
    if (length != null) {
      out.putHeader("Content-Length", length);
    }
    String contentRange = resp.getHeader("Content-Range");
    if (status == 206 && contentRange != null) {
      out.putHeader("Content-Range", contentRange);
    }
    return resp.pipe().endOnFailure(false).to(out).onFailure(e -> {
      // the browser went away mid-file (a seek, a closed tab): stop reading from S3
      resp.exceptionHandler(x -> { });
      resp.request().reset();
    });
  }

  /** Reads S3's short error answer and drops it, so the connection stays usable for the next download. */
  private static void drain(HttpClientResponse resp) {
    resp.body().onFailure(e -> LOG.debug("S3 error answer unread: {}", e.toString()));
  }

  /** A file name as an RFC 5987 {@code filename*} value: UTF-8, percent-encoded (no quoting, no header injection). */
  static String rfc5987(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

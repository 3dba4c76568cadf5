package io.chorus.web;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BiConsumer;
import java.util.function.Supplier;

/** JSON responses and the one error body: {@code {"error":{"code","message"}}}. */
public final class Http {
  private static final Logger LOG = LoggerFactory.getLogger(Http.class);

  private Http() {
  }

  private static final java.util.regex.Pattern ENTITY_TAG = java.util.regex.Pattern.compile("(?:W/)?(\"[^\"]*\")");

  /**
   * Whether an {@code If-None-Match} header matches the entity tag {@code etag} (quoted, weak or not):
   * {@code *}, or any tag of its list by the weak comparison RFC 9110 13.1.2 prescribes for it, so
   * {@code W/"x"} matches {@code "x"} (a proxy that compresses or a client may weaken a tag).
   */
  public static boolean noneMatch(String header, String etag) {
    if (header == null || etag == null) {
      return false;
    }
    if (header.strip().equals("*")) {
      return true;
    }
    java.util.regex.Matcher ours = ENTITY_TAG.matcher(etag.strip());
    if (!ours.matches()) {
      return false;
    }
    java.util.regex.Matcher m = ENTITY_TAG.matcher(header);
    while (m.find()) {
      if (m.group(1).equals(ours.group(1))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Route metadata of a GET route HEAD must not reach because its GET does something besides
   * answering (records what it served, opens or polls a SockJS session, upgrades to a WebSocket).
   */
  public static final String GET_ONLY = "chorus.get-only";

  /** Marks a GET route as {@link #GET_ONLY}. */
  public static io.vertx.ext.web.Route getOnly(io.vertx.ext.web.Route route) {
    return route.putMetadata(GET_ONLY, Boolean.TRUE);
  }

  /**
   * Runs {@code check} (e.g. the caller's token, the path's ids) before the request's body is read, with the request
   * paused: on failure the body is drained unread and the error answered (an unauthenticated caller never makes the
   * server read a large body), else {@code body} (a BodyHandler) reads it and routing goes on.
   */
  public static io.vertx.core.Handler<RoutingContext> checkedBeforeBody(java.util.function.Function<RoutingContext, Future<?>> check,
      io.vertx.core.Handler<RoutingContext> body) {
    return ctx -> {
      ctx.request().pause();
      check.apply(ctx).onComplete(ar -> {
        if (ar.failed()) {
          if (!ctx.request().isEnded()) {
            ctx.request().handler(b -> { }).endHandler(v -> { }).resume();
          }
          fail(ctx, ar.cause());
          return;
        }
        body.handle(ctx);
      });
    };
  }

  /**
   * Lets HEAD reach every route that serves GET alone and is not {@link #GET_ONLY}: HEAD is GET without
   * the body (RFC 9110 9.3.2), and monitors probe /health with it. Vert.x writes the head of the answer,
   * Content-Length included, and drops its body.
   */
  public static void headWhereGet(io.vertx.ext.web.Router router) {
    for (io.vertx.ext.web.Route route : router.getRoutes()) {
      java.util.Set<io.vertx.core.http.HttpMethod> methods = route.methods();
      if (methods != null && methods.size() == 1 && methods.contains(io.vertx.core.http.HttpMethod.GET)
          && !Boolean.TRUE.equals(route.getMetadata(GET_ONLY))) {
        route.method(io.vertx.core.http.HttpMethod.HEAD);
      }
    }
  }

  public static void json(RoutingContext ctx, int status, Object body) {
    if (ctx.response().ended()) {
      return;
    }
    io.vertx.core.buffer.Buffer bytes = io.vertx.core.buffer.Buffer.buffer(body instanceof JsonObject j ? j.encode() : io.vertx.core.json.Json.encode(body));
    if (ctx.request().method() == io.vertx.core.http.HttpMethod.HEAD) {
      // Vert.x sets no Content-Length on a HEAD answer: say what GET would send
      ctx.response().putHeader("content-length", Integer.toString(bytes.length()));
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8").end(bytes);
  }

  /**
   * Runs {@code action} and answers with its result as JSON ({@code 204}: no body; {@code 0}: the status
   * the action set); a throw or a failed future goes through {@link #fail}.
   */
  public static void respond(RoutingContext ctx, int status, Supplier<Future<?>> action) {
    respond(ctx, status, action, Http::fail);
  }

  /** {@link #respond(RoutingContext, int, Supplier)} with the route's own failure answer (e.g. one that adds Retry-After). */
  public static void respond(RoutingContext ctx, int status, Supplier<Future<?>> action, BiConsumer<RoutingContext, Throwable> failure) {
    Future<?> f;
    try {
      f = action.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onSuccess(r -> {
      if (status == 204) {
        ctx.response().setStatusCode(204).end();
      } else {
        json(ctx, status == 0 ? ctx.response().getStatusCode() : status, r);
      }
    }).onFailure(e -> failure.accept(ctx, e));
  }

  public static void error(RoutingContext ctx, ErrorCode code, String message) {
    json(ctx, code.httpStatus(), errorBody(code, message));
  }

  public static JsonObject errorBody(ErrorCode code, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", code.slug()).put("message", message));
  }

  /** Any failure of a chain: mapped through {@link ErrorCode}, never a bare 500 page. */
  public static void fail(RoutingContext ctx, Throwable t) {
    ErrorCode code = t instanceof DecodeException ? ErrorCode.MALFORMED_JSON : ErrorCode.of(t);
    if (code == ErrorCode.INTERNAL) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), t);
    }
    // Jackson's own words name its classes and options: a client gets ours
    String message = code == ErrorCode.INTERNAL ? "internal error"
        : t instanceof DecodeException d ? notJson(d) : String.valueOf(t.getMessage());
    error(ctx, code, message);
  }

  /**
   * The one reading of a JSON request body, for every route that takes one: the body as a JSON object, or null when
   * there is none (or it is empty). A body that is not valid JSON, or JSON that is not an object ({@code []},
   * {@code "x"}, {@code 1}, {@code null}), fails with {@code malformed_json} saying which (docs/api.md).
   */
  public static JsonObject jsonObject(RoutingContext ctx) {
    io.vertx.core.buffer.Buffer buf = nonEmptyBody(ctx);
    if (buf == null) {
      return null;
    }
    Object v;
    try {
      v = buf.toJsonValue();
    } catch (DecodeException e) {
      throw ErrorCode.MALFORMED_JSON.exception(notJson(e));
    }
    if (!(v instanceof JsonObject o)) {
      throw ErrorCode.MALFORMED_JSON.exception("the body must be a JSON object");
    }
    return o;
  }

  /**
   * What is wrong with a body that does not decode as JSON, in our words (Jackson's name its classes and options): a
   * limit of the JSON reader it exceeds (a number of more than 1000 digits, nesting deeper than 1000 levels, a string
   * too long), else that it is not valid JSON.
   */
  public static String notJson(DecodeException e) {
    return notJson("the body", e);
  }

  /** {@link #notJson(DecodeException)} of a WebSocket message or another text: {@code subject} names it. */
  public static String notJson(String subject, DecodeException e) {
    if (e.getCause() instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException c) {
      com.fasterxml.jackson.core.StreamReadConstraints limits = com.fasterxml.jackson.core.StreamReadConstraints.defaults();
      String what = String.valueOf(c.getOriginalMessage());
      if (what.startsWith("Number value length")) {
        return subject + " is not valid JSON: a number has more than " + limits.getMaxNumberLength() + " digits";
      }
      if (what.startsWith("Document nesting depth")) {
        return subject + " is not valid JSON: it nests arrays and objects deeper than " + limits.getMaxNestingDepth() + " levels";
      }
      if (what.startsWith("String value length")) {
        return subject + " is not valid JSON: a string is longer than " + limits.getMaxStringLength() + " characters";
      }
      return subject + " is not valid JSON: it exceeds a limit of the JSON reader";
    }
    return subject + " is not valid JSON";
  }

  /**
   * The request's body, or null when there is none or it is empty. With no body at all vertx-web's
   * {@code RequestBody.buffer()} is null and its {@code length()} -1, not 0: a test of the length alone misses it.
   */
  public static io.vertx.core.buffer.Buffer nonEmptyBody(RoutingContext ctx) {
    io.vertx.core.buffer.Buffer b = ctx.body() == null ? null : ctx.body().buffer();
    return b == null || b.length() == 0 ? null : b;
  }


  /**
   * Sends {@code 100 Continue} when an HTTP/1.1 request asked for it ({@code Expect: 100-continue}) and a handler that
   * reads the body by hand (not vertx-web's body handler, which does this itself) is about to read it: RFC 9110 §10.1.1
   * has the server send a final status or 100 at once, and a client waits for one of them before it sends the body
   * (curl a second, some clients for good). Call it once the request is accepted (the token and the declared size
   * checked), right before resuming it; a refusal before that is the final status instead.
   */
  public static void continueIfExpected(io.vertx.core.http.HttpServerRequest req) {
    if (req.version() == io.vertx.core.http.HttpVersion.HTTP_1_1 && !req.isEnded() && !req.response().headWritten()
        && "100-continue".equalsIgnoreCase(String.valueOf(req.getHeader(io.vertx.core.http.HttpHeaders.EXPECT)).strip())) {
      req.response().writeContinue();
    }
  }
  /** True when a parameter's name or value holds a NUL character (no text column or header can hold one). */
  public static boolean hasNul(Iterable<java.util.Map.Entry<String, String>> params) {
    for (java.util.Map.Entry<String, String> p : params) {
      if (p.getKey().indexOf('\0') >= 0 || p.getValue().indexOf('\0') >= 0) {
        return true;
      }
    }
    return false;
  }

  /** How long a request refused for its multipart Content-Type may go on sending its body before its connection is closed. */
  private static final long MULTIPART_REFUSAL_LINGER_MS = 10_000;

  /**
   * OpenSubsonic's routes, whose parameters' NULs and unreadable multipart types are its own errors (docs/api.md,
   * OpenSubsonic).
   */
  private static final String SUBSONIC_PREFIX = "/rest/";

  /**
   * First handler of the router: a path or query with raw (not percent-encoded) non-ASCII bytes, one that is not
   * valid percent-encoding, or one that decodes to a NUL
   * character (no text column or header can hold one, so it can only be an attack or a broken client), gets
   * 400 invalid_argument; WebSocket handshakes are the exception (their handlers refuse NUL in ids and names with
   * the WebSocket error of docs/api.md), and so is a NUL in the query of an OpenSubsonic request (its error 0); a
   * malformed query of an OpenSubsonic request is handed to its route's failure handler (its error 0 too).
   */
  public static void refuseMalformedUri(RoutingContext ctx) {
    // Netty reads the request line as ISO-8859-1: a raw UTF-8 "q=кино" (curl sends what it is given) would reach
    // the routes as "q=ÐºÐ¸Ð½Ð¾" and find nothing, a silently wrong answer; browsers and HTTP libraries percent-encode
    if (!ascii(ctx.request().uri())) {
      String message = "the request URI must be ASCII: percent-encode other characters as UTF-8 (q=%D0%BA%D0%B8%D0%BD%D0%BE for q=кино)";
      if (ctx.request().path().startsWith(SUBSONIC_PREFIX) && ascii(ctx.request().path())) {
        ctx.fail(ErrorCode.INVALID_ARGUMENT.httpStatus(), ErrorCode.INVALID_ARGUMENT.exception("The query could not be read: " + message));
      } else {
        error(ctx, ErrorCode.INVALID_ARGUMENT, message);
      }
      return;
    }
    try {
      String path = io.netty.handler.codec.http.QueryStringDecoder.decodeComponent(ctx.request().path());
      // OpenSubsonic answers a NUL in its parameters (query or form) itself, with its error 0 in its own format
      boolean nul = path.indexOf('\0') >= 0 || hasNul(ctx.request().params()) && !path.startsWith(SUBSONIC_PREFIX);
      // a WebSocket's handshake is left to its handler, which answers bad names and ids in a WebSocket error frame
      if (nul && !"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
        error(ctx, ErrorCode.INVALID_ARGUMENT, "the request URI must not contain NUL characters (%00)");
        return;
      }
    } catch (IllegalArgumentException e) {
      if (ctx.request().path().startsWith(SUBSONIC_PREFIX) && decodes(ctx.request().path())) {
        // OpenSubsonic's query that cannot be read: its route's failure handler answers it as a Subsonic error
        ctx.fail(ErrorCode.INVALID_ARGUMENT.httpStatus(),
            ErrorCode.INVALID_ARGUMENT.exception("The query could not be read: it must be valid percent-encoding"));
      } else {
        error(ctx, ErrorCode.INVALID_ARGUMENT, "malformed percent-encoding in the request URI");
      }
      return;
    }
    ctx.next();
  }

  private static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static boolean decodes(String component) {
    try {
      io.netty.handler.codec.http.QueryStringDecoder.decodeComponent(component);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Handler in front of every route: a multipart Content-Type whose boundary or charset Netty's form decoder cannot
   * read ({@code boundary=}, {@code boundary}, a lone quote, {@code charset=bogus}) gets 400 invalid_argument. The
   * decoder throws from {@code setExpectMultipart}, which the body handler and the upload call inside their
   * callbacks: uncaught there, it answers 500 or, on routes that authenticate first, nothing at all. OpenSubsonic's
   * {@code /rest/} gets the refusal as a failure of the route, so that its failure handler answers it as a Subsonic
   * error (docs/api.md); every other path gets the JSON error here.
   */
  public static void refuseUnreadableMultipart(RoutingContext ctx) {
    String type = ctx.request().getHeader(io.vertx.core.http.HttpHeaders.CONTENT_TYPE);
    if (type != null && type.regionMatches(true, 0, "multipart/", 0, "multipart/".length()) && !formDecoderReads(type)) {
      io.vertx.core.http.HttpServerRequest req = ctx.request();
      // the body is read and dropped so that a client still sending reads the answer rather than a reset; the
      // connection closes at its end, or after MULTIPART_REFUSAL_LINGER_MS
      ctx.response().putHeader("connection", "close");
      ctx.addEndHandler(v -> {
        long linger = ctx.vertx().setTimer(MULTIPART_REFUSAL_LINGER_MS, t -> req.connection().close());
        if (req.isEnded()) {
          ctx.vertx().cancelTimer(linger);
          req.connection().close();
        } else {
          req.endHandler(e -> {
            ctx.vertx().cancelTimer(linger);
            req.connection().close();
          });
        }
      });
      String message = "the multipart Content-Type needs a boundary (and a known charset, if any)";
      if (req.path().startsWith(SUBSONIC_PREFIX)) {
        ctx.fail(ErrorCode.INVALID_ARGUMENT.httpStatus(), ErrorCode.INVALID_ARGUMENT.exception(message));
      } else {
        error(ctx, ErrorCode.INVALID_ARGUMENT, message);
      }
      return;
    }
    ctx.next();
  }

  /** True when Netty's form decoder, as Vert.x makes it, accepts a request of Content-Type {@code type}. */
  static boolean formDecoderReads(String type) {
    io.netty.handler.codec.http.DefaultHttpRequest probe = new io.netty.handler.codec.http.DefaultHttpRequest(
        io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.POST, "/");
    probe.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, type);
    try {
      new io.netty.handler.codec.http.multipart.HttpPostRequestDecoder(new io.netty.handler.codec.http.multipart.DefaultHttpDataFactory(false),
          probe, io.netty.handler.codec.http.HttpConstants.DEFAULT_CHARSET).destroy();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Route handler in front of every WebSocket endpoint: a request without the upgrade ({@code Upgrade: websocket}
   * and {@code Connection: Upgrade}) gets 400 invalid_argument with the JSON error body instead of Vert.x's
   * plain-text 400.
   */
  public static void requireWebSocket(RoutingContext ctx) {
    if (!refuseWithoutUpgrade(ctx)) {
      ctx.next();
    }
  }

  /** The check of {@link #requireWebSocket} for a handler that authenticates first: true when it answered the 400. */
  public static boolean refuseWithoutUpgrade(RoutingContext ctx) {
    String connection = ctx.request().getHeader("Connection");
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))
        || connection == null || !connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade")) {
      error(ctx, ErrorCode.INVALID_ARGUMENT, "this is a WebSocket endpoint: send the upgrade (Connection: Upgrade, Upgrade: websocket)");
      return true;
    }
    return false;
  }

  /**
   * The HTTP server's handler of requests Netty could not decode (Vert.x's default answers them without a body):
   * 414 for a request line over {@code maxInitialLineLength}, 431 for headers over {@code maxHeaderSize}, else
   * 400, each with the JSON error body, then the connection is closed (what follows on it cannot be framed).
   */
  public static void invalidRequest(io.vertx.core.http.HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      refuseHead(request, 414, LINE_TOO_LONG, true);
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      refuseHead(request, 431, "the request headers are too large", true);
    } else if (cause instanceof AmbiguousLength) {
      refuseHead(request, 400, AmbiguousLength.MESSAGE, true);
    } else {
      refuseHead(request, 400, "the request is not valid HTTP/1.1", true);
    }
  }

  /** The longest request line (method, URI, version) of every route but OpenSubsonic's: 414 above it. */
  public static final int REQUEST_LINE_MAX = 4096;
  /**
   * OpenSubsonic's longest request line, the HTTP server's: players send a play queue or a playlist as one {@code id=}
   * per song in a GET (DSub, Subsonic's own clients), ~40 bytes a song, so 4 KB stopped at ~100 songs; 64 KiB holds
   * as many as a form POST's 64 KiB body does.
   */
  public static final int SUBSONIC_REQUEST_LINE_MAX = 64 * 1024;
  private static final String LINE_TOO_LONG = "the request line (method, path and query) is too long";

  /**
   * Router handler: the {@link #REQUEST_LINE_MAX} of every route but OpenSubsonic's, whose longer lines the HTTP
   * server reads. The route is the normalised path's, so {@code /rest/../api/...} is held to the shorter limit.
   */
  public static void refuseLongRequestLine(RoutingContext ctx) {
    io.vertx.core.http.HttpServerRequest req = ctx.request();
    // "GET /uri HTTP/1.1": the bytes Netty's own limit counts (the line without its CRLF)
    int line = req.method().name().length() + 1 + req.uri().length() + 1 + "HTTP/1.1".length();
    if (line > REQUEST_LINE_MAX && !ctx.normalizedPath().startsWith(SUBSONIC_PREFIX)) {
      refuseHead(req, 414, LINE_TOO_LONG, false);
    } else {
      ctx.next();
    }
  }

  /**
   * Answers a request refused by its head alone and closes the connection: at once when the codec could not read it
   * ({@code undecodable}: what follows cannot be framed), else once its body is in (StalledBodies reads and drops a
   * body still arriving, then closes).
   */
  private static void refuseHead(io.vertx.core.http.HttpServerRequest request, int status, String message, boolean undecodable) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8").putHeader("connection", "close")
        .end(errorBody(ErrorCode.INVALID_ARGUMENT, message).encode())
        .onComplete(v -> {
          if (undecodable || request.isEnded()) {
            request.connection().close();
          }
        });
  }

  /** Router failure handler: status-only failures (e.g. 413 from the body handler) keep their status. */
  public static void failure(RoutingContext ctx) {
    int status = ctx.statusCode();
    // a failure a handler of vertx-web raised with a 4xx (e.g. the BodyHandler's 400 for a body that does not
    // decode as the form its Content-Type names) is the client's: its status wins over the exception's type
    if (status == 403 && ctx.failure() != null && Cors.REJECTED.equals(ctx.failure().getMessage())) {
      error(ctx, ErrorCode.FORBIDDEN, "origin not allowed: " + ctx.request().getHeader("Origin"));
      return;
    }
    if (ctx.failure() != null && !(ctx.failure() instanceof io.chorus.bus.ChorusException) && status >= 400 && status < 500) {
      LOG.debug("{} {} refused with {}: {}", ctx.request().method(), ctx.request().path(), status, ctx.failure().toString());
      error(ctx, statusCode(status), "the request could not be read: " + ctx.failure().getClass().getSimpleName());
      return;
    }
    if (ctx.failure() != null) {
      fail(ctx, ctx.failure());
      return;
    }
    error(ctx, statusCode(status), "request failed with status " + status);
  }

  private static ErrorCode statusCode(int status) {
    return switch (status) {
      case 400 -> ErrorCode.INVALID_ARGUMENT;
      case 401 -> ErrorCode.UNAUTHENTICATED;
      case 403 -> ErrorCode.FORBIDDEN;
      case 404 -> ErrorCode.NOT_FOUND;
      case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
      case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
      case 429 -> ErrorCode.RATE_LIMITED;
      default -> status >= 400 && status < 500 ? ErrorCode.INVALID_ARGUMENT : ErrorCode.INTERNAL;
    };
  }
}

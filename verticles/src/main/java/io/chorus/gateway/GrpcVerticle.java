package io.chorus.gateway;

import io.chorus.config.ChorusConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The gRPC server on {@code GRPC_PORT}: Chorus services (protected by the API key in the
 * {@code x-api-key} metadata), server reflection and the standard health service (both open, so
 * {@code grpcurl -plaintext host:8083 list} and health probes need no key).
 */
public final class GrpcVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcVerticle.class);
  public static final String API_KEY_HEADER = "x-api-key";
  private static final List<String> OPEN_PREFIXES = List.of("/grpc.reflection.", "/grpc.health.");
  /** How long a call whose ended request held no message, or any call whose request has ended, may stay unanswered. */
  private static final long NO_MESSAGE_MS = 1_000;
  private static final long UNANSWERED_MS = 60_000;
  /** vertx-grpc's limit on a request message (GrpcServerOptions.DEFAULT_MAX_MESSAGE_SIZE), which Chorus keeps. */
  static final long MAX_MESSAGE_BYTES = io.vertx.grpc.server.GrpcServerOptions.DEFAULT_MAX_MESSAGE_SIZE;

  private final ChorusConfig config;
  private final List<Service> services;

  private final SharedPort port;
  /** A signed-in user's access JWT → the user id (fails for a bad one); null: only the API key is taken. */
  private final java.util.function.Function<String, Future<io.chorus.web.SignedIn>> users;
  /** The services (by gRPC service name) that take such a JWT in place of the key; the others need the key. */
  private final java.util.Set<String> userServices;

  public GrpcVerticle(ChorusConfig config, List<Service> services, SharedPort port) {
    this(config, services, port, null, java.util.Set.of());
  }

  public GrpcVerticle(ChorusConfig config, List<Service> services, SharedPort port,
                      java.util.function.Function<String, Future<io.chorus.web.SignedIn>> users, java.util.Set<String> userServices) {
    this.users = users;
    this.userServices = userServices;
    this.port = port;
    this.config = config;
    this.services = services;
  }

  @Override
  public Future<?> start() {
    GrpcServer grpc = GrpcServer.server(vertx);
    HealthService health = HealthService.create(vertx);
    for (Service s : services) {
      grpc.addService(MalformedMessages.wrap(s));
    }
    grpc.addService(ReflectionService.v1());
    grpc.addService(health);
    byte[] key = config.security().grpcApiKey().getBytes(StandardCharsets.UTF_8);
    return port.listen(vertx.createHttpServer(new HttpServerOptions())
        .requestHandler(req -> {
          String type = req.getHeader("content-type");
          if (type == null || !type.startsWith("application/grpc")) {
            // the gRPC over HTTP/2 spec: 415, so that an HTTP client does not read a gRPC error's 200 as success (the
            // server answered a bare 500)
            req.response().setStatusCode(415).putHeader("content-type", "text/plain; charset=utf-8")
                .end("a gRPC call needs content-type application/grpc");
            return;
          }
          if (!needsKey(req) || keyMatches(req.getHeader(API_KEY_HEADER), key)) {
            handle(grpc, req);
            return;
          }
          String jwt = io.chorus.web.Bearer.jwt(req.getHeader("authorization"), null);
          if (!takesUser(req)) {
            rejectUnauthenticated(req, "missing or wrong API key in '" + API_KEY_HEADER + "' metadata");
            return;
          }
          if (users == null || jwt == null) {
            rejectUnauthenticated(req, "missing or wrong API key in '" + API_KEY_HEADER + "' metadata (or a user's access JWT in 'authorization')");
            return;
          }
          // a signed-in user: the call acts as that user (io.chorus.web.Caller), not as a trusted service
          req.pause();
          users.apply(jwt).onComplete(ar -> {
            if (ar.failed()) {
              rejectUnauthenticated(req, "access token refused: " + ar.cause().getMessage());
              return;
            }
            // the whole sign-in, not only the user: a server stream ends when it does
            io.chorus.web.Caller.set(ar.result());
            // a user's rooms count on the per-IP creation limit, as the REST creates do
            io.chorus.web.Caller.setAddress(io.chorus.web.RateLimiter.clientIp(req));
            handle(grpc, req);
            req.resume();
          });
        }), config.host())
        .onSuccess(s -> {
          NodePorts.publishGrpc(vertx, s.actualPort());
          LOG.info("gRPC server listening on {}:{} with {} service(s), reflection and health", config.host(), s.actualPort(), services.size());
        })
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on GRPC_PORT " + config.grpcPort() + ": " + e.getMessage(), e)));
  }

  /**
   * Hands the call to the gRPC server, watched: vertx-grpc 5.0 waits for good on a request stream that ends
   * without one whole message (no body, a frame shorter than its length prefix). A call whose request has ended
   * without a whole message (fewer than 5 bytes, not even a message's prefix; or, for Chorus's services, which mark
   * each message that reaches them, a frame shorter than its prefix says) and has sent nothing back within
   * {@link #NO_MESSAGE_MS}, or with one and nothing back within {@link #UNANSWERED_MS} (no call of ours takes that
   * long), is answered INVALID_ARGUMENT here. A call that answers (a unary reply, a stream's first message) has written its head.
   */
  private void handle(GrpcServer grpc, HttpServerRequest req) {
    // vertx-grpc percent-encodes a status message with URLEncoder ('/' as %2F, ',' as %2C): the spec's encoding instead
    req.response().headersEndHandler(v -> {
      String message = req.response().headers().get("grpc-message");
      if (message != null) {
        req.response().headers().set("grpc-message", percent(unpercent(message)));
      } else if (String.valueOf(GrpcStatus.RESOURCE_EXHAUSTED.code).equals(req.response().headers().get("grpc-status"))) {
        // vertx-grpc refuses a request message over its limit with this status and no message; every one of ours has one
        req.response().headers().set("grpc-message", "request message larger than " + MAX_MESSAGE_BYTES + " bytes");
      }
    });
    // Chorus's services (wrapped by MalformedMessages) mark on the request's context that its message arrived
    io.vertx.core.Context context = vertx.getOrCreateContext();
    boolean marks = needsKey(req);
    grpc.handle(req);
    long[] endedAt = {-1};
    vertx.setPeriodic(NO_MESSAGE_MS, NO_MESSAGE_MS, id -> {
      if (req.response().headWritten() || req.response().ended() || req.response().closed()) {
        vertx.cancelTimer(id);
      } else if (req.isEnded()) {
        long now = System.currentTimeMillis();
        if (endedAt[0] < 0) {
          endedAt[0] = now;
        } else if (now - endedAt[0] >= (req.bytesRead() < 5 || marks && !MalformedMessages.messageArrived(context)
            ? NO_MESSAGE_MS : UNANSWERED_MS)) {
          vertx.cancelTimer(id);
          LOG.info("gRPC {} from {}: the request ended after {} bytes without a whole message; answered INVALID_ARGUMENT", req.path(),
              req.remoteAddress(), req.bytesRead());
          trailersOnly(req, GrpcStatus.INVALID_ARGUMENT, "the request ended without a whole message");
        }
      }
    });
  }

  private static boolean needsKey(HttpServerRequest req) {
    String path = req.path();
    return OPEN_PREFIXES.stream().noneMatch(path::startsWith);
  }

  /** Whether the call's service also takes a signed-in user's JWT (path {@code /<service>/<method>}). */
  private boolean takesUser(HttpServerRequest req) {
    String path = req.path();
    int slash = path.indexOf('/', 1);
    return users != null && slash > 1 && userServices.contains(path.substring(1, slash));
  }

  /** Constant-time comparison, so the key cannot be guessed byte by byte from response times. */
  private static boolean keyMatches(String presented, byte[] key) {
    return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), key);
  }

  /** A "trailers-only" gRPC response carrying UNAUTHENTICATED. */
  private static void rejectUnauthenticated(HttpServerRequest req, String message) {
    trailersOnly(req, GrpcStatus.UNAUTHENTICATED, message);
  }

  private static void trailersOnly(HttpServerRequest req, GrpcStatus status, String message) {
    req.response()
        .putHeader("content-type", "application/grpc")
        .putHeader("grpc-status", String.valueOf(status.code))
        .putHeader("grpc-message", percent(message))
        .end();
  }

  /** The text of a percent-encoded grpc-message: {@code %XX} decoded as UTF-8 bytes, everything else as it is. */
  static String unpercent(String s) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int hi = c == '%' && i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
      int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
      if (lo >= 0) {
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** grpc-message is percent-encoded (gRPC over HTTP/2: printable ASCII except '%'). */
  private static String percent(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }
}

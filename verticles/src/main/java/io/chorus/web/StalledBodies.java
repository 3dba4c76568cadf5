package io.chorus.web;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router handler that closes the connection of a request whose body stops arriving: a client that declares a
 * body and then sends nothing for {@code stallMs} (a slow-body attack, or a client that died without a FIN) would
 * otherwise hold its connection, its request and whatever the handler allocated for good. Progress is what counts,
 * not the total time, so a long upload on a slow link goes on as long as bytes keep coming. Requests without a body
 * (GET, WebSocket handshakes) are not watched. The same goes for a connection whose first request head does not
 * arrive within {@code stallMs} ({@link #connected}), and for a keep-alive connection whose next head does not arrive
 * within 2.5 × {@code stallMs} of the last response.
 */
public final class StalledBodies {
  private static final Logger LOG = LoggerFactory.getLogger(StalledBodies.class);

  private final Vertx vertx;
  private final long stallMs;
  /**
   * How long a keep-alive connection may wait between a response and the next request head: 2.5 × stallMs (75 s by
   * default, nginx's keepalive_timeout). A slow second head is cut off then; an idle client reconnects, as HTTP
   * clients do when a server closes an idle connection.
   */
  private final long keepAliveMs;

  /**
   * Connections of this server (one event loop) waiting for a whole request head, each with its wait's timer. The
   * timer is cancelled when the head arrives: a pending timer holds its connection, and a WebSocket's HTTP connection
   * (with its outbound queue, ~5 KB) must be let go at the upgrade, not when the wait would have ended.
   */
  private final java.util.Map<io.vertx.core.http.HttpConnection, Long> waiting = new java.util.HashMap<>();

  public StalledBodies(Vertx vertx, long stallMs) {
    this.vertx = vertx;
    this.stallMs = stallMs;
    this.keepAliveMs = stallMs * 5 / 2;
  }

  /**
   * The server's connection handler: a connection that has not delivered a whole request head within
   * {@code stallMs} (a slow-headers attack, or a client that connected and never spoke) is closed.
   */
  public void connected(io.vertx.core.http.HttpConnection conn) {
    conn.closeHandler(v -> stopWaiting(conn));   // a closed connection waits for nothing
    await(conn, stallMs);
  }

  private void await(io.vertx.core.http.HttpConnection conn, long ms) {
    stopWaiting(conn);
    waiting.put(conn, vertx.setTimer(ms, timer -> {
      if (waiting.remove(conn, timer)) {
        LOG.info("connection from {}: no whole request head within {} ms; closed", conn.remoteAddress(), ms);
        conn.close();
      }
    }));
  }

  private void stopWaiting(io.vertx.core.http.HttpConnection conn) {
    Long timer = waiting.remove(conn);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    io.vertx.core.http.HttpConnection conn = req.connection();
    stopWaiting(conn);
    if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
      // answered: the connection waits for its next request head (a WebSocket's connection never does)
      ctx.addEndHandler(ended -> await(conn, keepAliveMs));
    }
    String length = req.getHeader("Content-Length");
    boolean body = req.getHeader("Transfer-Encoding") != null || length != null && !length.strip().equals("0");
    if (body && !req.isEnded()) {
      watch(req, req.bytesRead(), System.currentTimeMillis());
      answeredEarly(ctx, req, conn);
    }
    ctx.next();
  }

  /**
   * A request answered before its body was read (a 401 for a missing token, a 413, a rate limit) left the body in the
   * connection: the client took the connection back as reusable, and its next request waited behind the unread body
   * until the stall check closed the connection (the client saw "connection closed"). Such an answer now says
   * {@code Connection: close}; the body is read and dropped, so that a client still sending reads the answer rather
   * than a reset, and the connection closes at the body's end (or when it stalls, as any body).
   */
  private static void answeredEarly(RoutingContext ctx, HttpServerRequest req, io.vertx.core.http.HttpConnection conn) {
    ctx.addHeadersEndHandler(v -> {
      if (!req.isEnded()) {
        ctx.response().putHeader("Connection", "close");
      }
    });
    ctx.addEndHandler(ended -> {
      if (!req.isEnded()) {
        req.handler(dropped -> { });
        req.endHandler(v -> conn.close());
        req.resume();
      }
    });
  }

  /**
   * Looks every quarter of {@code stallMs}: a change of the bytes read is progress (dated to the look that saw it,
   * so a close comes at most a quarter late); none for {@code stallMs} closes the connection.
   */
  private void watch(HttpServerRequest req, long seen, long progressAt) {
    vertx.setTimer(Math.max(1, stallMs / 4), t -> {
      if (req.isEnded() || req.response().closed()) {
        return;
      }
      long read = req.bytesRead();
      long now = System.currentTimeMillis();
      if (read != seen) {
        watch(req, read, now);
      } else if (now - progressAt >= stallMs) {
        LOG.info("{} {} from {}: no body bytes for {} ms after {}; connection closed", req.method(), req.path(), req.remoteAddress(), now - progressAt, read);
        req.connection().close();
      } else {
        watch(req, seen, progressAt);
      }
    });
  }
}

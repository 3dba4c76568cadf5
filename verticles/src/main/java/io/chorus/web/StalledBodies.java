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
 * arrive within {@code stallMs} ({@link #connected}).
 */
public final class StalledBodies {
  private static final Logger LOG = LoggerFactory.getLogger(StalledBodies.class);

  private final Vertx vertx;
  private final long stallMs;
  /** Connections of this server (one event loop) that have not yet delivered a whole request head. */
  private final java.util.Set<io.vertx.core.http.HttpConnection> waiting = new java.util.HashSet<>();

  public StalledBodies(Vertx vertx, long stallMs) {
    this.vertx = vertx;
    this.stallMs = stallMs;
  }

  /**
   * The server's connection handler: a connection that has not delivered a whole request head within
   * {@code stallMs} (a slow-headers attack, or a client that connected and never spoke) is closed.
   */
  public void connected(io.vertx.core.http.HttpConnection conn) {
    waiting.add(conn);
    vertx.setTimer(stallMs, t -> {
      if (waiting.remove(conn)) {
        LOG.info("connection from {}: no whole request within {} ms; closed", conn.remoteAddress(), stallMs);
        conn.close();
      }
    });
  }

  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    waiting.remove(req.connection());
    String length = req.getHeader("Content-Length");
    boolean body = req.getHeader("Transfer-Encoding") != null || length != null && !length.strip().equals("0");
    if (body && !req.isEnded()) {
      watch(req, req.bytesRead(), System.currentTimeMillis());
    }
    ctx.next();
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

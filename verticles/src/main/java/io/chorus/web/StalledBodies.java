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
 * (GET, WebSocket handshakes) are not watched.
 */
public final class StalledBodies {
  private static final Logger LOG = LoggerFactory.getLogger(StalledBodies.class);

  private final Vertx vertx;
  private final long stallMs;

  public StalledBodies(Vertx vertx, long stallMs) {
    this.vertx = vertx;
    this.stallMs = stallMs;
  }

  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String length = req.getHeader("Content-Length");
    boolean body = req.getHeader("Transfer-Encoding") != null || length != null && !length.strip().equals("0");
    if (body && !req.isEnded()) {
      watch(req, req.bytesRead());
    }
    ctx.next();
  }

  private void watch(HttpServerRequest req, long seen) {
    vertx.setTimer(stallMs, t -> {
      if (req.isEnded() || req.response().closed()) {
        return;
      }
      long now = req.bytesRead();
      if (now == seen) {
        LOG.info("{} {} from {}: no body bytes for {} ms after {}; connection closed", req.method(), req.path(), req.remoteAddress(), stallMs, now);
        req.connection().close();
      } else {
        watch(req, now);
      }
    });
  }
}

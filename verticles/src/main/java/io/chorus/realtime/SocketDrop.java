package io.chorus.realtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closing a socket whose client stopped reading. By the time its queue is full, its kernel buffers
 * are too, so the WebSocket close frame waits behind the queue and is never written; Vert.x starts
 * its closing timeout only once that frame is written — so a client that never reads again would
 * keep its connection, and the server the bytes queued for it, for as long as TCP keeps probing its
 * zero window (indefinitely). This
 * sends the close frame and, if the connection is still open {@link #GRACE_MS} later, drops it
 * (TCP reset, discarding what was queued) and counts it in {@code chorus_ws_dropped_total}.
 *
 * <p>The TCP channel is taken from the HTTP request before the upgrade (neither vertx-web's
 * WebSocket wrapper nor the SockJS socket exposes it); Vert.x 5.0's HTTP/1.x connection class
 * carries it. Where it is missing, the close frame is all there is.
 */
public final class SocketDrop {
  private static final Logger LOG = LoggerFactory.getLogger(SocketDrop.class);
  /** Time a client gets to take the close frame (and what was queued before it) before it is dropped. */
  public static final long GRACE_MS = 5_000;

  private final Vertx vertx;
  private final Counter dropped;

  public SocketDrop(Vertx vertx, MeterRegistry registry) {
    this.vertx = vertx;
    this.dropped = registry == null ? null : Counter.builder("chorus.ws.dropped")
        .description("connections dropped because the client did not take its close frame in time").register(registry);
  }

  /** The TCP channel under a request that is about to become a WebSocket; null if it cannot be had. */
  public static Channel channelOf(HttpServerRequest request) {
    return request.connection() instanceof ConnectionBase c ? c.channel() : null;
  }

  /** Sends a close frame; drops the connection if it is still open after {@link #GRACE_MS}. */
  public void close(ServerWebSocket ws, Channel channel, short code, String reason) {
    ws.close(code, reason);
    dropLater(channel);
  }

  /** Drops the connection if it is still open after {@link #GRACE_MS} (its close frame already sent). */
  public void dropLater(Channel channel) {
    if (channel == null) {
      return;
    }
    vertx.setTimer(GRACE_MS, t -> {
      if (channel.isOpen()) {
        LOG.info("Dropping the connection of {}: it did not take its close frame within {} ms", channel.remoteAddress(), GRACE_MS);
        if (dropped != null) {
          dropped.increment();
        }
        // a reset: the kernel discards what is still queued instead of probing a zero window for it
        channel.config().setOption(ChannelOption.SO_LINGER, 0);
        // closed from the head of the pipeline: Vert.x's WebSocket handler would turn a close that
        // passes it into one more close handshake, waiting on the very client that does not read
        ChannelHandlerContext first = channel.pipeline().firstContext();
        if (first != null) {
          first.close();
        } else {
          channel.close();
        }
      }
    });
  }
}

package io.chorus.chat;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@link RoomCleanup} every {@code ROOM_CLEANUP_INTERVAL_SECONDS} (one node per period wins the lock). */
public final class ChatVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ChatVerticle.class);

  private final RoomCleanup cleanup;
  private final long intervalMs;
  private final String node;
  private long timer = -1;

  public ChatVerticle(RoomCleanup cleanup, long intervalMs, String node) {
    this.cleanup = cleanup;
    this.intervalMs = intervalMs;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(intervalMs, intervalMs, id -> cleanup.tick(System.currentTimeMillis(), node)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("Cleanup ended {} expired room(s)", n);
          }
        })
        .onFailure(e -> LOG.warn("Room cleanup failed: {}", e.getMessage())));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}

package io.chorus.web;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * A lingering close, as nginx's, for an upload refused before its body ended (too large, not allowed): the answer has
 * gone out with {@code Connection: close}; the rest of the body is read and dropped so that the client, still
 * sending, reads the answer instead of a reset, and the connection closes at the body's end, after
 * {@link #IDLE_MS} without data (a client that stopped sending to wait for the answer) or after {@link #MAX_MS} in all.
 */
public final class LingeringClose {
  /** The longest a refused body is read and dropped. */
  public static final long MAX_MS = 30_000;
  /** The longest a refused body may pause before the connection closes. */
  public static final long IDLE_MS = 2_000;

  private LingeringClose() {
  }

  /** Reads and drops the rest of {@code req}'s body, then closes its connection (see the class). */
  public static void drain(Vertx vertx, HttpServerRequest req) {
    if (req.isEnded()) {
      return;   // nothing left to drop: the answer's Connection: close ends the connection
    }
    long[] idle = {-1};
    long total = vertx.setTimer(MAX_MS, t -> req.connection().close());
    Runnable close = () -> {
      vertx.cancelTimer(total);
      vertx.cancelTimer(idle[0]);
      req.connection().close();
    };
    Runnable rearm = () -> {
      vertx.cancelTimer(idle[0]);
      idle[0] = vertx.setTimer(IDLE_MS, t -> close.run());
    };
    rearm.run();
    req.handler(b -> rearm.run());
    req.endHandler(v -> close.run());
    req.exceptionHandler(e -> { });
    req.resume();
  }
}

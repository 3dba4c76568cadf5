package io.chorus.infra;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * Work tried again after a wait while it fails: {@value #FIRST_MS} ms, doubling to {@value #MAX_MS} ms between tries. For
 * consumers that must not lose a record to a passing outage ({@link KafkaConsumers#serial}, the search feed).
 */
public final class Backoff {
  public static final long FIRST_MS = 500;
  public static final long MAX_MS = 30_000;

  /** Told of each failed try that is followed by another, before the wait (to log it). */
  @FunctionalInterface
  public interface Retrying {
    void retrying(Throwable failure, int tries, long waitMs);
  }

  private Backoff() {
  }

  /**
   * Runs {@code work} until it succeeds or {@code giveUp} (given the failure and the tries so far) says to stop; the
   * result fails with the last failure then.
   */
  public static Future<Void> retried(Vertx vertx, Supplier<Future<?>> work, BiPredicate<Throwable, Integer> giveUp, Retrying retrying) {
    return attempt(vertx, work, giveUp, retrying, 1, FIRST_MS);
  }

  private static Future<Void> attempt(Vertx vertx, Supplier<Future<?>> work, BiPredicate<Throwable, Integer> giveUp, Retrying retrying,
                                      int tries, long waitMs) {
    Future<?> done;
    try {
      done = work.get();
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.<Void>mapEmpty().recover(e -> {
      if (giveUp.test(e, tries)) {
        return Future.failedFuture(e);
      }
      retrying.retrying(e, tries, waitMs);
      Promise<Void> again = Promise.promise();
      vertx.setTimer(waitMs, t -> attempt(vertx, work, giveUp, retrying, tries + 1, Math.min(MAX_MS, waitMs * 2)).onComplete(again));
      return again.future();
    });
  }
}

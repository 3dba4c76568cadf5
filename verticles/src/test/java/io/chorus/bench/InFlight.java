package io.chorus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** Runs many asynchronous operations with a bounded number in flight (the JVM benchmarks' load shape). */
final class InFlight {
  private InFlight() {
  }

  /**
   * Runs {@code op(0..total-1)}, at most {@code limit} at a time, started on a context of {@code vertx};
   * completes once all have finished, with how many failed.
   */
  static Future<Integer> run(Vertx vertx, int total, int limit, IntFunction<Future<?>> op) {
    Promise<Integer> done = Promise.promise();
    if (total == 0) {
      done.complete(0);
      return done.future();
    }
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= total) {
        return;
      }
      Future<?> f;
      try {
        f = op.apply(i);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        if (ar.failed()) {
          failed.incrementAndGet();
        }
        if (finished.incrementAndGet() == total) {
          done.complete(failed.get());
        } else {
          launch[0].run();
        }
      });
    };
    vertx.runOnContext(v -> {
      for (int k = 0; k < Math.min(limit, total); k++) {
        launch[0].run();
      }
    });
    return done.future();
  }
}

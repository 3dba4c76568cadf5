package io.chorus.web;

import io.vertx.core.Future;

import java.util.function.Function;

/**
 * A test's hold on the gap every signed-in socket has between its token check and its registration for the
 * sign-out and disable events: a test holds a socket there until such an event has been handled, to show the
 * socket's re-check after registration catches it. Nothing is held in production.
 */
public final class SignInGap<T> {
  private volatile Function<T, Future<Void>> hold;

  /** Tests only: from now on each socket of {@code who} waits for {@code hold(who)}; null lets every socket through. */
  public void hold(Function<T, Future<Void>> hold) {
    this.hold = hold;
  }

  public boolean holding() {
    return hold != null;
  }

  /** {@code who}, at once when nothing is held (or {@code who} is null), else once the hold lets it go. */
  public Future<T> pass(T who) {
    Function<T, Future<Void>> h = hold;
    return h == null || who == null ? Future.succeededFuture(who) : h.apply(who).transform(x -> Future.succeededFuture(who));
  }
}

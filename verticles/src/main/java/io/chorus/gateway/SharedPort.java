package io.chorus.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One port for every instance of a server verticle. Vert.x shares a listening socket among instances
 * that bind the same host and port, but port 0 gives each instance a port of its own; so with 0 (tests,
 * "any free port") the first instance binds an ephemeral port and the others bind the one it got.
 */
public final class SharedPort {
  private final int configured;
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final CompletableFuture<Integer> first = new CompletableFuture<>();

  public SharedPort(int configured) {
    this.configured = configured;
  }

  public Future<HttpServer> listen(Vertx vertx, HttpServer server, String host) {
    if (configured != 0) {
      return server.listen(configured, host);
    }
    if (claimed.compareAndSet(false, true)) {
      return server.listen(0, host)
          .onSuccess(s -> first.complete(s.actualPort()))
          .onFailure(first::completeExceptionally);
    }
    return Future.fromCompletionStage(first, vertx.getOrCreateContext()).compose(port -> server.listen(port, host));
  }
}

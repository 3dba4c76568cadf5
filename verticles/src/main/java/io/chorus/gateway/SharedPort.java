package io.chorus.gateway;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;

/**
 * One port for every instance of a server verticle. Vert.x shares a listening socket among the
 * instances that bind the same host and port, but port 0 gives each instance a port of its own; a
 * negative port is Vert.x's "random port shared by every server bound to this same negative number"
 * (eclipse-vertx/vert.x#3998). So a configured 0 (tests, "any free port") binds {@code -slot}: each
 * server kind of the node (HTTP, gRPC) has its own slot.
 */
public final class SharedPort {
  private final int configured;
  private final int slot;

  /** {@code slot}: 1, 2, …, distinct per server kind of a node. */
  public SharedPort(int configured, int slot) {
    this.configured = configured;
    this.slot = slot;
  }

  public Future<HttpServer> listen(HttpServer server, String host) {
    return server.listen(configured != 0 ? configured : -slot, host);
  }
}

package io.chorus.gateway;

import io.chorus.config.ChorusConfig;
import io.chorus.infra.Infra;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/** Mounts the feature routes (REST, WebSocket, bridge) on the gateway router. */
final class HttpRoutes {
  private HttpRoutes() {
  }

  static void mount(Vertx vertx, Router router, ChorusConfig config, Infra infra) {
    // feature routes are added here as features land
  }
}

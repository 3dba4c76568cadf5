package io.chorus.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/** The ports a node actually bound (they differ from the configured ones when those are 0). */
public final class NodePorts {
  private static final String MAP = "chorus.node.ports";

  private NodePorts() {
  }

  static void publishHttp(Vertx vertx, int port) {
    map(vertx).put("http", port);
  }

  static void publishGrpc(Vertx vertx, int port) {
    map(vertx).put("grpc", port);
  }

  public static int http(Vertx vertx) {
    return map(vertx).getOrDefault("http", -1);
  }

  public static int grpc(Vertx vertx) {
    return map(vertx).getOrDefault("grpc", -1);
  }

  private static LocalMap<String, Integer> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}

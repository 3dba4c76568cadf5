package io.chorus.infra;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Checks every dependency of a node, each bounded by a timeout, and reports which are down. A
 * failing check never fails the whole probe: it becomes a "down" entry with the reason. Kafka and S3
 * are reported but do not make the node unready: no client request waits on them (events to Kafka are
 * retried, uploads fail on their own with 503), so an outage of either must not take a node that
 * serves rooms and chat out of its load balancer; they are listed under {@code degraded}.
 */
public final class Readiness {
  private final Vertx vertx;
  private final Infra infra;
  private final ClusterManager clusterManager;
  private final long timeoutMs;

  public Readiness(Vertx vertx, Infra infra, ClusterManager clusterManager, long timeoutMs) {
    this.vertx = vertx;
    this.infra = infra;
    this.clusterManager = clusterManager;
    this.timeoutMs = timeoutMs;
  }

  /** Dependencies whose outage degrades the node without making it unready. */
  static final java.util.Set<String> OPTIONAL = java.util.Set.of("kafka", "s3");

  /** {@code {"status":"ready"|"not_ready","down":[...],"degraded":[...],"checks":{name:{status,...}}}} */
  public Future<JsonObject> check() {
    Map<String, Future<JsonObject>> checks = new LinkedHashMap<>();
    checks.put("redis", bounded(() -> infra.redisApi().ping(List.of()).map(r -> up())));
    checks.put("postgres", bounded(() -> infra.pg().query("SELECT 1").execute().map(r -> up())));
    checks.put("kafka", bounded(() -> infra.kafkaAdmin().describeCluster()
        .map(c -> up().put("brokers", c.getNodes().size()))));
    checks.put("s3", bounded(() -> vertx.executeBlocking(() -> {
      infra.s3().headBucket(HeadBucketRequest.builder().bucket(infra.config().s3().bucket()).build());
      return up().put("bucket", infra.config().s3().bucket());
    }, false)));
    checks.put("cluster", Future.succeededFuture(cluster()));

    return Future.join(List.copyOf(checks.values())).transform(ignored -> {
      JsonObject out = new JsonObject();
      JsonArray down = new JsonArray();
      JsonArray degraded = new JsonArray();
      checks.forEach((name, f) -> {
        JsonObject result = f.succeeded() ? f.result() : new JsonObject().put("status", "down")
            .put("error", String.valueOf(f.cause().getMessage()));
        if (!"up".equals(result.getString("status"))) {
          (OPTIONAL.contains(name) ? degraded : down).add(name);
        }
        out.put(name, result);
      });
      return Future.succeededFuture(new JsonObject()
          .put("status", down.isEmpty() ? "ready" : "not_ready")
          .put("down", down)
          .put("degraded", degraded)
          .put("checks", out));
    });
  }

  private JsonObject cluster() {
    boolean active = clusterManager != null && clusterManager.isActive();
    JsonObject c = new JsonObject().put("status", active ? "up" : "down");
    if (clusterManager != null) {
      c.put("node_id", clusterManager.getNodeId()).put("members", active ? clusterManager.getNodes().size() : 0);
    }
    return c;
  }

  private Future<JsonObject> bounded(Supplier<Future<JsonObject>> check) {
    Promise<JsonObject> promise = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, t -> promise.tryFail("no answer within " + timeoutMs + " ms"));
    Future<JsonObject> f;
    try {
      f = check.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future();
  }

  private static JsonObject up() {
    return new JsonObject().put("status", "up");
  }
}

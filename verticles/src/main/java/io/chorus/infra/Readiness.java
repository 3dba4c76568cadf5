package io.chorus.infra;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.kafka.admin.KafkaAdminClient;
import software.amazon.awssdk.services.s3.S3Client;
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
 * serves rooms and chat out of its load balancer; they are listed under {@code degraded}. Redis,
 * PostgreSQL and the cluster are checked on every node; features add their own checks (Kafka and S3
 * only exist on a node whose features use them).
 */
public final class Readiness {
  private final Vertx vertx;
  private final ClusterManager clusterManager;
  private final long timeoutMs;
  private final Infra infra;
  private final Map<String, Check> checks = new LinkedHashMap<>();

  public Readiness(Vertx vertx, Infra infra, ClusterManager clusterManager, long timeoutMs) {
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.timeoutMs = timeoutMs;
    this.infra = infra;
    add("redis", false, () -> infra.redisApi().ping(List.of()).map(r -> up()));
    add("postgres", false, () -> infra.pg().query("SELECT 1").execute().map(r -> up()));
  }

  private record Check(boolean optional, Supplier<Future<JsonObject>> probe) {
  }

  /** Adds a named check (the first of a name wins); {@code optional}: down degrades, not unready. */
  public synchronized void add(String name, boolean optional, Supplier<Future<JsonObject>> probe) {
    checks.putIfAbsent(name, new Check(optional, probe));
  }

  /** The {@code s3} check (optional) over a client that may still be being built. */
  public void addS3(Future<S3Client> client) {
    add("s3", true, () -> client.compose(s3 -> vertx.executeBlocking(() -> {
      s3.headBucket(HeadBucketRequest.builder().bucket(infra.config().s3().bucket()).build());
      return up().put("bucket", infra.config().s3().bucket());
    }, false)));
  }

  /** The {@code kafka} check (optional). */
  public void addKafka(Future<KafkaAdminClient> client) {
    add("kafka", true, () -> client.compose(admin -> admin.describeCluster()
        .map(c -> up().put("brokers", c.getNodes().size()))));
  }


  /** {@code {"status":"ready"|"not_ready","down":[...],"degraded":[...],"checks":{name:{status,...}}}} */
  public Future<JsonObject> check() {
    Map<String, Check> snapshot;
    synchronized (this) {
      snapshot = new LinkedHashMap<>(checks);
    }
    Map<String, Future<JsonObject>> results = new LinkedHashMap<>();
    snapshot.forEach((name, c) -> results.put(name, bounded(c.probe())));
    results.put("cluster", Future.succeededFuture(cluster()));

    return Future.join(List.copyOf(results.values())).transform(ignored -> {
      JsonObject out = new JsonObject();
      JsonArray down = new JsonArray();
      JsonArray degraded = new JsonArray();
      results.forEach((name, f) -> {
        JsonObject result = f.succeeded() ? f.result() : new JsonObject().put("status", "down")
            .put("error", String.valueOf(f.cause().getMessage()));
        if (!"up".equals(result.getString("status"))) {
          Check c = snapshot.get(name);
          (c != null && c.optional() ? degraded : down).add(name);
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

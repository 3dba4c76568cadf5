package io.chorus.platform;

import io.chorus.config.ChorusConfig;
import io.chorus.infra.Buckets;
import io.chorus.infra.Infra;
import io.chorus.infra.Readiness;
import io.chorus.realtime.Hub;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.kafka.admin.KafkaAdminClient;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a node gives its features while they start: the platform (Vert.x, config, backing-service clients,
 * the real-time hub, metrics), a registry of the APIs features publish for each other, and the lists of
 * verticles and readiness checks the composition root runs afterwards. Kafka and S3 clients are only
 * built, and only checked by {@code /ready}, when a feature asks for them.
 */
public final class NodeContext {
  private final Vertx vertx;
  private final ChorusConfig config;
  private final Infra infra;
  private final Hub hub;
  private final String nodeId;
  private final MeterRegistry metrics;
  private final Readiness readiness;
  private final Map<Class<?>, Object> apis = new HashMap<>();
  private final List<Step> steps = new ArrayList<>();
  private Future<S3Client> s3;
  private Future<KafkaAdminClient> kafka;

  private final ClusterManager clusterManager;

  public NodeContext(Vertx vertx, ChorusConfig config, Infra infra, Hub hub, ClusterManager clusterManager, MeterRegistry metrics,
                     Readiness readiness) {
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.config = config;
    this.infra = infra;
    this.hub = hub;
    this.nodeId = clusterManager.getNodeId();
    this.metrics = metrics;
    this.readiness = readiness;
  }

  public Vertx vertx() {
    return vertx;
  }

  public ChorusConfig config() {
    return config;
  }

  /** Redis and PostgreSQL, which every node uses. */
  public Infra infra() {
    return infra;
  }

  public Hub hub() {
    return hub;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The cluster membership (Hazelcast), for features that react to nodes leaving. */
  public ClusterManager clusterManager() {
    return clusterManager;
  }

  public boolean runs(ChorusConfig.Role role) {
    return config.runs(role);
  }

  /** The node's metrics registry; null when metrics are off. */
  public MeterRegistry metrics() {
    return metrics;
  }

  /**
   * The S3 client, built on first use (its SDK takes seconds of class loading, so off the event loop),
   * with the media bucket ensured and an {@code s3} readiness check (degrading, not unready) added.
   */
  public synchronized Future<S3Client> s3() {
    if (s3 == null) {
      s3 = vertx.executeBlocking(infra::s3, false)
          .compose(client -> Buckets.ensure(vertx, client, config.s3().bucket()).map(client));
      readiness.addS3(s3);
    }
    return s3;
  }

  /** The Kafka admin client (topics, the readiness check), built on first use; adds the {@code kafka} check. */
  public synchronized Future<KafkaAdminClient> kafka() {
    if (kafka == null) {
      kafka = vertx.executeBlocking(infra::kafkaAdmin, false);
      readiness.addKafka(kafka);
    }
    return kafka;
  }

  /** Makes {@code api} available to the features that start after this one. */
  public synchronized <T> void publish(Class<T> type, T api) {
    if (apis.putIfAbsent(type, api) != null) {
      throw new IllegalStateException(type.getSimpleName() + " is published twice");
    }
  }

  /** An API a feature started earlier published; fails fast naming it when none did (a wrong start order). */
  public synchronized <T> T api(Class<T> type) {
    Object api = apis.get(type);
    if (api == null) {
      throw new IllegalStateException("no feature published " + type.getSimpleName() + " before it was needed");
    }
    return type.cast(api);
  }

  /** An API another feature may have published, or {@code fallback}. */
  public synchronized <T> T apiOr(Class<T> type, T fallback) {
    Object api = apis.get(type);
    return api == null ? fallback : type.cast(api);
  }

  /** Queues a verticle; the composition root deploys every feature's in order, before the public servers. */
  public synchronized void deploy(String name, Supplier<? extends Deployable> factory, int instances) {
    steps.add(new Step(name, factory, instances));
  }

  /** A named readiness check; {@code optional}: its outage degrades the node without making it unready. */
  public void check(String name, boolean optional, Supplier<Future<io.vertx.core.json.JsonObject>> check) {
    readiness.add(name, optional, check);
  }

  public synchronized List<Step> steps() {
    return Collections.unmodifiableList(new ArrayList<>(steps));
  }

  public record Step(String name, Supplier<? extends Deployable> factory, int instances) {
  }
}

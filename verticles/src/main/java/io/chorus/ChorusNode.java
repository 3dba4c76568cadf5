package io.chorus;

import io.chorus.accounts.AccountsFeature;
import io.chorus.chat.ChatFeature;
import io.chorus.codecs.Codecs;
import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.gateway.GatewayVerticle;
import io.chorus.gateway.GrpcVerticle;
import io.chorus.gateway.NodePingVerticle;
import io.chorus.gateway.SharedPort;
import io.chorus.infra.Infra;
import io.chorus.infra.Readiness;
import io.chorus.platform.Feature;
import io.chorus.platform.NodeContext;
import io.chorus.realtime.Hub;
import io.chorus.room.RoomsFeature;
import io.chorus.streamhub.StreamHubFeature;
import io.chorus.web.SignedIn;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: one running Chorus node, a clustered Vert.x with the codecs registered, every
 * feature started in order and the verticles of its roles deployed. The only class that knows every
 * feature. Its backing services must already be reachable (see {@link Main}).
 */
public final class ChorusNode {
  private static final Logger LOG = LoggerFactory.getLogger(ChorusNode.class);
  private static final long CLOSE_AFTER_FAILURE_S = 20;

  private final ChorusConfig config;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  /** The deployment ids, in deployment order; {@link #close} undeploys them last first. */
  private final List<String> deployments = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Future<Void> closing;
  private final Infra infra;
  private final String metricsRegistry;

  private ChorusNode(ChorusConfig config, Vertx vertx, HazelcastClusterManager clusterManager, Infra infra, String metricsRegistry) {
    this.config = config;
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.infra = infra;
    this.metricsRegistry = metricsRegistry;
  }

  /**
   * Every feature, in start order: a feature comes after the ones whose API it uses (accounts publishes
   * the access-token verifier; the library the track resolver rooms use; rooms the room client and
   * participant tokens, which chat uses).
   */
  static List<Feature> features() {
    return List.of(new AccountsFeature(), new io.chorus.library.LibraryFeature(), new RoomsFeature(), new ChatFeature(),
        new StreamHubFeature(), new io.chorus.audio.AudioFeature(), new io.chorus.search.SearchFeature(),
        new io.chorus.messaging.MessagingFeature());
  }

  /**
   * The features this node runs ({@code CHORUS_FEATURES}, every one by default), in start order. Fails
   * naming the variable on an unknown name, on a feature without one it {@linkplain Feature#needs needs}, and
   * on a gateway without accounts (its servers check access tokens).
   */
  static List<Feature> features(ChorusConfig config) {
    List<Feature> all = features();
    List<String> known = all.stream().map(Feature::name).toList();
    for (String name : config.features()) {
      if (!known.contains(name)) {
        throw new ConfigException("CHORUS_FEATURES", "unknown feature '" + name + "' (known: all, " + String.join(", ", known) + ")");
      }
    }
    List<Feature> on = all.stream().filter(f -> config.runsFeature(f.name())).toList();
    for (Feature f : on) {
      for (String need : f.needs()) {
        if (!config.runsFeature(need)) {
          throw new ConfigException("CHORUS_FEATURES", "the " + f.name() + " feature needs " + need + ", which is not listed");
        }
      }
    }
    if (config.runs(ChorusConfig.Role.GATEWAY) && !config.runsFeature("accounts")) {
      throw new ConfigException("CHORUS_FEATURES", "a node with the gateway role needs accounts (its servers check access tokens)");
    }
    return on;
  }

  /** The Flyway folders of every feature (the schema is one, whichever features a node runs). */
  public static List<String> migrationLocations() {
    return features().stream().flatMap(f -> f.migrations().stream()).toList();
  }

  /**
   * The platform configuration, after every feature's own record has been parsed from the same source:
   * a bad feature setting fails here, before anything starts, naming the variable.
   */
  public static ChorusConfig validate(io.vertx.core.json.JsonObject json) {
    ChorusConfig config = ChorusConfig.parse(json);
    for (Feature feature : features(config)) {
      feature.validate(config);
    }
    return config;
  }

  public static Future<ChorusNode> start(ChorusConfig config) {
    // one registry per node so several nodes in one JVM (tests) keep separate metrics
    String registry = "chorus-" + UUID.randomUUID();
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(ClusterFactory.hazelcastConfig(config.cluster()));
    EventBusOptions bus = new EventBusOptions().setHost(config.cluster().host()).setPort(config.cluster().port());
    if (!config.cluster().publicHost().isEmpty()) {
      bus.setClusterPublicHost(config.cluster().publicHost());
    }
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(true)
        .setEventBusOptions(bus)
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .setRegistryName(registry)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    // the outcome is handed back through a promise of no context: on a failure the node's Vert.x is closed, and a
    // future bound to one of its contexts would dispatch to an event loop that no longer runs (the failure was lost
    // and the launcher waited for ever)
    Promise<ChorusNode> started = Promise.promise();
    Vertx.builder()
        .with(options)
        .withMetrics(io.chorus.gateway.ActiveRequestsFix.wrap(new MicrometerMetricsFactory()))   // vert.x#6328
        .withClusterManager(clusterManager)
        .buildClustered()
        .onFailure(e -> started.fail(new IllegalStateException(
            "cannot join the Hazelcast cluster '" + config.cluster().name() + "' (members " + config.cluster().members()
                + ", port " + config.cluster().hazelcastPort() + "): " + e.getMessage(), e)))
        .onSuccess(vertx -> {
          LOG.info("Transport: {}", vertx.isNativeTransportEnabled() ? "native (epoll)"
              : "NIO (native unavailable: " + vertx.unavailableNativeTransportCause() + ")");
          Codecs.register(vertx);
          vertx.executeBlocking(() -> Infra.create(vertx, config))
              .onFailure(e -> failAfterClose(vertx.close(), e, started))
              .onSuccess(infra -> {
                ChorusNode node = new ChorusNode(config, vertx, clusterManager, infra, registry);
                node.deployAll().onSuccess(v -> started.complete(node)).onFailure(e -> {
                  LOG.error("Node failed to start, shutting it down: {}", e.getMessage());
                  failAfterClose(node.close(), e, started);
                });
              });
        });
    return started.future();
  }

  /**
   * Fails {@code started} with {@code cause} once {@code closing} is done, or after {@link #CLOSE_AFTER_FAILURE_S}
   * whatever the close does (a feature that failed half-way may leave work running that holds the close up).
   */
  private static void failAfterClose(Future<Void> closing, Throwable cause, Promise<ChorusNode> started) {
    closing.toCompletionStage().toCompletableFuture().orTimeout(CLOSE_AFTER_FAILURE_S, TimeUnit.SECONDS)
        .whenComplete((v, closeFailure) -> {
          if (closeFailure != null) {
            LOG.warn("Closing the node that failed to start did not finish: {}", String.valueOf(closeFailure));
          }
          started.fail(cause);
        });
  }

  /**
   * Starts every feature in order (each builds its services and queues its verticles), deploys those
   * verticles, then the public servers. The client-facing verticles run one instance per core
   * ({@code GATEWAY_INSTANCES}); they share the node's real-time {@link Hub}, so a topic still costs one
   * cluster subscription per node.
   */
  private Future<Void> deployAll() {
    Readiness readiness = new Readiness(vertx, infra, clusterManager, config.security().readyTimeoutMs());
    MeterRegistry registry = BackendRegistries.getNow(metricsRegistry);
    Hub hub = new Hub(vertx);
    if (registry != null) {
      Gauge.builder("chorus.realtime.topics", hub, Hub::topics)
          .description("topics this node's clients listen to (one subscription each)").register(registry);
      Gauge.builder("chorus.realtime.listeners", hub, Hub::listeners)
          .description("event-loop channels and streams listening to those topics").register(registry);
    }
    NodeContext node = new NodeContext(vertx, config, infra, hub, clusterManager, registry, readiness);
    List<Feature> features = features(config);
    LOG.info("Features of this node: {}", features.stream().map(Feature::name).toList());
    node.deploy("NodePingVerticle", () -> new NodePingVerticle(node.nodeId()), 1);
    Future<Void> chain = Future.succeededFuture();
    for (Feature feature : features) {
      chain = chain.compose(v -> feature.start(node)
          .onSuccess(x -> LOG.info("Feature {} started", feature.name()))
          .recover(e -> Future.failedFuture(new IllegalStateException(
              "the " + feature.name() + " feature failed to start: " + e.getMessage(), e))));
    }
    return chain.compose(v -> {
      if (config.runs(ChorusConfig.Role.GATEWAY)) {
        int instances = config.gatewayInstancesOrCores();
        SharedPort grpcPort = new SharedPort(config.grpcPort(), 2);
        SharedPort httpPort = new SharedPort(config.httpPort(), 1);
        // for the services that say so, a user's access JWT may stand in for the API key: the call then acts as that user
        SignedIn.Verifier users = node.api(SignedIn.Verifier.class);
        java.util.Set<String> userServices = features.stream().flatMap(f -> f.grpcUserServices().stream())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
        node.deploy("GrpcVerticle", () -> new GrpcVerticle(config,
            features.stream().flatMap(f -> f.grpcServices(node).stream()).toList(), grpcPort,
            users::verify, userServices), instances);
        node.deploy("GatewayVerticle", () -> new GatewayVerticle(node, features, readiness, metricsRegistry, httpPort), instances);
      }
      Future<Void> deployed = Future.succeededFuture();
      for (NodeContext.Step step : node.steps()) {
        deployed = deployed.compose(x -> vertx.deployVerticle(step.factory(), new DeploymentOptions().setInstances(step.instances()))
            .onSuccess(id -> {
              deployments.add(id);
              LOG.info("Deployed {} ({} instance(s))", step.name(), step.instances());
            })
            .recover(e -> Future.failedFuture(new IllegalStateException("deploying " + step.name() + " failed: " + e.getMessage(), e)))
            .mapEmpty());
      }
      return deployed;
    });
  }

  public Vertx vertx() {
    return vertx;
  }

  public ChorusConfig config() {
    return config;
  }

  public String nodeId() {
    return clusterManager.getNodeId();
  }

  public int clusterSize() {
    return clusterManager.getNodes().size();
  }

  /**
   * Stops the node in the order that keeps clients informed: the verticles are undeployed last-deployed first, so
   * the public servers (gateway, gRPC) stop accepting first, close their WebSockets with 1001 and let the requests in
   * flight finish (bounded), while Redis, PostgreSQL and the rest are still open; then the clients, then Vert.x.
   */
  public synchronized Future<Void> close() {
    if (closing == null) {   // once: a second call (a test's cleanup after its own close) gets the same outcome
      closing = undeployAll().transform(ignored -> infra.close()).transform(ignored -> vertx.close());
    }
    return closing;
  }

  private Future<Void> undeployAll() {
    List<String> ids = new java.util.ArrayList<>(deployments);
    java.util.Collections.reverse(ids);
    Future<Void> chain = Future.succeededFuture();
    for (String id : ids) {
      chain = chain.transform(ignored -> vertx.undeploy(id).recover(e -> {
        LOG.warn("Undeploying {} at shutdown failed: {}", id, e.getMessage());
        return Future.succeededFuture();
      }));
    }
    return chain;
  }
}

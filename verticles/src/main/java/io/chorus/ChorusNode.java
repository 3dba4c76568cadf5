package io.chorus;

import io.chorus.codecs.Codecs;
import io.chorus.config.ChorusConfig;
import io.chorus.gateway.GatewayVerticle;
import io.chorus.gateway.GrpcVerticle;
import io.chorus.gateway.NodePingVerticle;
import io.chorus.gateway.SharedPort;
import io.chorus.infra.Buckets;
import io.chorus.infra.Infra;
import io.chorus.infra.Readiness;
import io.chorus.proto.room.RoomServiceGrpcService;
import io.chorus.realtime.Hub;
import io.chorus.room.ParticipantTokens;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomGrpcService;
import io.chorus.room.RoomService;
import io.chorus.room.RoomStore;
import io.chorus.room.RoomVerticle;
import io.chorus.room.RoomsConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
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

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One running Chorus node: a clustered Vert.x with the codecs registered and the verticles of its
 * roles deployed in order. Its backing services must already be reachable (see {@link Main}).
 */
public final class ChorusNode {
  private static final Logger LOG = LoggerFactory.getLogger(ChorusNode.class);

  private final ChorusConfig config;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
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
   * The platform configuration, after every feature's own record has been parsed from the same source:
   * a bad feature setting fails here, before anything starts, naming the variable.
   */
  public static ChorusConfig validate(io.vertx.core.json.JsonObject json) {
    ChorusConfig config = ChorusConfig.parse(json);
    RoomsConfig.of(config);
    io.chorus.chat.ChatConfig.of(config);
    io.chorus.streamhub.StreamConfig.of(config);
    io.chorus.accounts.AccountsConfig.of(config);
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
    return Vertx.builder()
        .with(options)
        .withMetrics(io.chorus.gateway.ActiveRequestsFix.wrap(new MicrometerMetricsFactory()))   // vert.x#6328
        .withClusterManager(clusterManager)
        .buildClustered()
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "cannot join the Hazelcast cluster '" + config.cluster().name() + "' (members " + config.cluster().members()
                + ", port " + config.cluster().hazelcastPort() + "): " + e.getMessage(), e)))
        .compose(vertx -> {
          LOG.info("Transport: {}", vertx.isNativeTransportEnabled() ? "native (epoll)"
              : "NIO (native unavailable: " + vertx.unavailableNativeTransportCause() + ")");
          Codecs.register(vertx);
          // building the S3 and Kafka admin clients takes seconds of class loading: not on an event loop
          return vertx.executeBlocking(() -> Infra.create(vertx, config)).compose(infra -> {
            ChorusNode node = new ChorusNode(config, vertx, clusterManager, infra, registry);
            return Buckets.ensure(vertx, infra.s3(), config.s3().bucket())
                .compose(v -> node.deployAll()).map(node).recover(e -> {
                  LOG.error("Node failed to start, shutting it down: {}", e.getMessage());
                  return node.close().transform(ignored -> Future.failedFuture(e));
                });
          }, e -> vertx.close().transform(ignored -> Future.failedFuture(e)));
        });
  }

  /**
   * Deploys in dependency order: back-end verticles first, the public servers last. The client-facing
   * verticles run one instance per core ({@code GATEWAY_INSTANCES}); they share the node's real-time
   * {@link Hub}, so a topic still costs one cluster subscription per node.
   */
  private Future<Void> deployAll() {
    Readiness readiness = new Readiness(vertx, infra, clusterManager, config.security().readyTimeoutMs());
    RoomsConfig roomsConfig = RoomsConfig.of(config);
    ParticipantTokens tokens = new ParticipantTokens(config.security().tokenSecret(), roomsConfig.ttlHours() * 3_600_000L);
    Hub hub = new Hub(vertx);
    String node = clusterManager.getNodeId();
    List<Step> steps = new ArrayList<>();
    steps.add(new Step("NodePingVerticle", () -> new NodePingVerticle(node), 1));
    RoomService service = config.runs(ChorusConfig.Role.ROOM) ? new RoomService(new RoomStore(infra.redisApi(),
        roomsConfig.ttlHours(), roomsConfig.presenceEventsMaxUsers()), vertx.eventBus(), roomsConfig) : null;
    if (service != null) {
      steps.add(new Step("RoomVerticle", () -> new RoomVerticle(service, clusterManager), 1));
      steps.add(new Step("ChatVerticle", () -> io.chorus.chat.ChatModule.cleanupVerticle(vertx, infra, config, node), 1));
    }
    // with the room role the node's gateways run room commands in place, else over the clustered bus
    RoomClient rooms = service != null ? new RoomClient(vertx.eventBus(), node, service) : RoomClient.remote(vertx.eventBus(), node);
    if (config.runs(ChorusConfig.Role.GATEWAY)) {
      int instances = config.gatewayInstancesOrCores();
      SharedPort grpcPort = new SharedPort(config.grpcPort(), 2);
      SharedPort httpPort = new SharedPort(config.httpPort(), 1);
      // a user's access JWT may stand in for the service API key: the call then acts as that user
      io.chorus.accounts.AccessTokens accessTokens = io.chorus.accounts.AccountsModule.accessTokens(vertx, config, infra);
      steps.add(new Step("GrpcVerticle", () -> new GrpcVerticle(config,
          List.of(RoomServiceGrpcService.of(new RoomGrpcService(vertx, hub, rooms, tokens)),
              io.chorus.accounts.AccountsModule.grpcService(vertx, config, infra)), grpcPort,
          jwt -> accessTokens.verify(jwt).map(p -> p.userId())), instances));
      steps.add(new Step("GatewayVerticle", () -> new GatewayVerticle(config, infra, readiness, metricsRegistry, hub, rooms, tokens, httpPort),
          instances));
    }
    Future<Void> chain = Future.succeededFuture();
    for (Step step : steps) {
      chain = chain.compose(v -> vertx.deployVerticle(step.factory, new DeploymentOptions().setInstances(step.instances))
          .onSuccess(id -> LOG.info("Deployed {} ({} instance(s))", step.name, step.instances))
          .recover(e -> Future.failedFuture(new IllegalStateException("deploying " + step.name + " failed: " + e.getMessage(), e)))
          .mapEmpty());
    }
    return chain;
  }

  private record Step(String name, Supplier<? extends io.vertx.core.Deployable> factory, int instances) {
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

  public Future<Void> close() {
    return infra.close().transform(ignored -> vertx.close());
  }
}

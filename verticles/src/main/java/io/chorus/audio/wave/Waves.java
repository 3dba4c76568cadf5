package io.chorus.audio.wave;

import io.chorus.audio.SimilarTracks;
import io.chorus.library.Access;
import io.chorus.library.LibraryConfig;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.room.RoomClient;
import io.vertx.core.Future;
import io.vertx.kafka.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * My Wave's wiring, one call each from {@code AudioFeature}: {@link #start} (the service, and a
 * {@link WaveVerticle} for the Kafka consumer of plays and feedback and the sweep of wave rooms) and
 * {@link #mount} (the REST routes).
 * {@link SimilarTracks} is looked up at its first use, so the audio feature may publish it after this
 * starts, and a node without it serves the wave without similarity.
 */
public final class Waves {
  private static final Logger LOG = LoggerFactory.getLogger(Waves.class);
  static final int PARTITIONS = 6;
  /** Answers no neighbours: the wave without a similarity index. */
  static final SimilarTracks NONE = new SimilarTracks() {
    @Override
    public Future<List<Neighbour>> nearest(java.util.UUID trackId, int limit) {
      return Future.succeededFuture(List.of());
    }

    @Override
    public Future<List<Neighbour>> nearestTo(java.util.Collection<java.util.UUID> seeds, int limit, java.util.Collection<java.util.UUID> exclude) {
      return Future.succeededFuture(List.of());
    }
  };

  private final WaveRoutes routes;

  private Waves(WaveRoutes routes) {
    this.routes = routes;
  }

  public static Waves start(NodeContext node, Access access) {
    WaveConfig config = WaveConfig.of(node.config());
    LibraryConfig library = LibraryConfig.of(node.config());
    WaveRepo repo = new WaveRepo(node.infra().pg());
    Wave wave = new Wave(repo, config, () -> node.apiOr(SimilarTracks.class, NONE));
    WaveRooms rooms = new WaveRooms(node.vertx(), node.infra().redisApi(), node.api(RoomClient.class), wave, config, node.nodeId());
    ensureTopic(node, config.feedbackTopic());
    WaveConsumer consumer = new WaveConsumer(node.vertx(), repo, library.topicPlayed());
    node.deploy("WaveVerticle", () -> new WaveVerticle(rooms, consumer, node.config().kafka().bootstrapServers(),
        List.of(library.topicPlayed(), config.feedbackTopic()), config.consumerGroup()), 1);
    return new Waves(new WaveRoutes(access, wave, rooms));
  }

  public void mount(GatewayContext gateway) {
    // /api/v1/rooms* already has the conference feature's CORS handler
    gateway.router().route("/api/v1/wave*").handler(io.chorus.web.Cors.handler(gateway.node().config().security().allowedOrigins()));
    routes.mount(gateway.router());
  }

  /** Creates the feedback topic when missing (the library's relay publishes to it); retried while Kafka is away. */
  private static void ensureTopic(NodeContext node, String topic) {
    node.kafka().compose(admin -> admin.listTopics().compose(topics -> topics.contains(topic) ? Future.succeededFuture()
            : admin.describeCluster().compose(c -> admin.createTopics(List.of(new NewTopic(topic, PARTITIONS,
                (short) Math.min(3, Math.max(1, c.getNodes().size()))).setConfig(Map.of()))))))
        .onFailure(e -> {
          if (!String.valueOf(e.getMessage()).contains("already exists")) {
            LOG.warn("Wave topic {} not ensured yet ({}); retrying", topic, e.toString());
            node.vertx().setTimer(5000, t -> ensureTopic(node, topic));
          }
        });
  }
}

package io.chorus.audio;

import io.chorus.config.ChorusConfig;
import io.chorus.library.Access;
import io.chorus.library.LibraryConfig;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Audio analysis (issue 18, seed 004): identify a song from a clip, and similar songs. Every node keeps an
 * in-memory landmark index and a similarity index of every processed track, rebuilt at start from
 * {@code track_fingerprints} and {@code track_features} and fed by {@code track.processed} (a consumer group
 * per node); gateways answer {@code POST /api/v1/identify}. Publishes {@link SimilarTracks} and the library's
 * {@link io.chorus.library.SoundAlike} (the library serves {@code /similar} and the Subsonic calls).
 * Starts after the library, whose settings (topic, ffmpeg) it reads.
 */
public final class AudioFeature implements Feature {
  private static final Logger LOG = LoggerFactory.getLogger(AudioFeature.class);
  /** The running feature per node id, for tests that index PCM directly. */
  private static final Map<String, AudioFeature> RUNNING = new ConcurrentHashMap<>();

  private Fingerprints fingerprints;
  private Similarity similarity;
  private NodeContext node;
  private Analysis analysis;
  private ClipDecoder decoder;
  private Access access;
  private io.chorus.audio.wave.Waves waves;
  /** The node's consumer of processed tracks, closed with the node (its Kafka client would outlive it otherwise). */
  private volatile ProcessedConsumer processed;
  private AudioConfig config;
  /** The node's identify requests in flight, over all its gateway instances ({@link IdentifyRoutes}). */
  private final java.util.concurrent.atomic.AtomicInteger identifying = new java.util.concurrent.atomic.AtomicInteger();

  /** My Wave feeds rooms' queues through the rooms feature's client. */
  @Override
  public Set<String> needs() {
    return Set.of("accounts", "rooms");
  }

  @Override
  public String name() {
    return "audio";
  }

  @Override
  public void validate(ChorusConfig config) {
    AudioConfig audio = AudioConfig.of(config);
    if (audio.embeddingModel() != null) {
      ModelSound.check(audio);
    }
    io.chorus.audio.wave.WaveConfig.of(config);
  }

  @Override
  public List<String> migrations() {
    return List.of("db/audio");
  }

  @Override
  public Future<Void> start(NodeContext node) {
    LibraryConfig library = LibraryConfig.of(node.config());
    AudioConfig config = AudioConfig.of(node.config());
    Future<SoundEmbedder> embedder = config.embeddingModel() == null ? Future.succeededFuture(SoundEmbedder.handcrafted(node.vertx()))
        : ModelSound.open(node.vertx(), config);
    return embedder.compose(e -> start(node, library, config, e));
  }

  private Future<Void> start(NodeContext node, LibraryConfig library, AudioConfig config, SoundEmbedder embedder) {
    // first: other features (My Wave) and the library's routes look these up
    this.node = node;
    this.config = config;
    similarity = new Similarity(node.vertx(), node.infra().pg(), embedder);
    node.publish(SimilarTracks.class, similarity);
    node.publish(io.chorus.library.SoundAlike.class, similarity.forLibrary());
    fingerprints = new Fingerprints(node.vertx(), node.infra().pg());
    analysis = new Analysis(fingerprints, similarity);
    decoder = new ClipDecoder(library);
    access = new Access(node.api(SignedIn.Verifier.class));
    String nodeId = node.nodeId();
    RUNNING.put(nodeId, this);
    processed = new ProcessedConsumer(node.vertx(), analysis, node.s3(), node.config().s3().bucket());
    // the fingerprint table alone is 64 MB: a closed node, which tests' static fields may still reach, must not keep it
    ((io.vertx.core.internal.VertxInternal) node.vertx()).addCloseHook(completion -> {
      RUNNING.remove(nodeId, this);
      // first the consumer (it leaves its group, and no record is analysed into a released index), then the index
      processed.close().eventually(() -> {
        fingerprints.index().release();
        return fingerprints.close();
      }).onComplete(closed -> completion.succeed());
    });
    if (node.metrics() != null) {
      io.micrometer.core.instrument.Gauge.builder("chorus.identify.in_flight", identifying, java.util.concurrent.atomic.AtomicInteger::get)
          .description("identify requests this node is reading, decoding or matching").register(node.metrics());
    }
    node.kafka();
    waves = io.chorus.audio.wave.Waves.start(node, access);
    // the indexes load in the background: a node serves (with fewer matches) while a large table loads
    Future.join(fingerprints.load().onFailure(e -> LOG.error("Fingerprint index not loaded: {}", e.getMessage())),
            similarity.load().onFailure(e -> LOG.error("Similarity index not loaded: {}", e.getMessage())))
        .onComplete(ar -> {
          ProcessedConsumer consumer = processed;
          consumer.backfill(node.infra().pg(), embedder)
              .onFailure(e -> LOG.warn("Similarity backfill failed: {}", e.getMessage()))
              .onComplete(v -> consumer.start(node.config().kafka().bootstrapServers(), library.topicProcessed(),
                  config.consumerGroupPrefix() + "-" + node.nodeId()));
        });
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    gateway.router().route("/api/v1/identify").handler(io.chorus.web.Cors.handler(gateway.node().config().security().allowedOrigins()));
    new IdentifyRoutes(gateway.node().vertx(), gateway.node().infra().pg(), access, fingerprints, decoder, identifying,
        config.identifyMaxInFlight()).mount(gateway.router());
    waves.mount(gateway);
    return Future.succeededFuture();
  }

  /** The running feature of node {@code nodeId} (tests). */
  public static AudioFeature of(String nodeId) {
    AudioFeature f = RUNNING.get(nodeId);
    if (f == null) {
      throw new IllegalStateException("no audio feature runs on node " + nodeId);
    }
    return f;
  }

  /**
   * Analyses a track's PCM (mono float at 11025 Hz) as a track.processed event would: fingerprint, duplicate
   * links and similarity vector, stored and indexed on this node.
   */
  public Future<Void> index(UUID trackId, float[] pcm) {
    return analysis.analyse(trackId, pcm);
  }

  /** This node's similar-songs API (tests). */
  public SimilarTracks similar() {
    return similarity;
  }

  /** A similarity index loaded from PostgreSQL alone, as a restarted node builds it (tests). */
  Future<Similarity> reloaded() {
    Similarity fresh = new Similarity(node.vertx(), node.infra().pg(), similarity.embedder());
    return fresh.load().map(n -> fresh);
  }

  /** This node's fingerprint store (tests). */
  Fingerprints fingerprints() {
    return fingerprints;
  }

  /** Tracks in this node's index. */
  public int indexed() {
    return fingerprints.index().trackCount();
  }
}

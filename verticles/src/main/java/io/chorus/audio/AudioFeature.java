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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Audio analysis (issue 18, seed 004): identify a song from a clip. Every node keeps an in-memory
 * landmark index of every processed track, rebuilt at start from {@code track_fingerprints} and fed by
 * {@code track.processed} (a consumer group per node); gateways answer {@code POST /api/v1/identify}.
 * Starts after the library, whose settings (topic, ffmpeg) it reads.
 */
public final class AudioFeature implements Feature {
  private static final Logger LOG = LoggerFactory.getLogger(AudioFeature.class);
  /** The running feature per node id, for tests that index PCM directly. */
  private static final Map<String, AudioFeature> RUNNING = new ConcurrentHashMap<>();

  private Fingerprints fingerprints;
  private ClipDecoder decoder;
  private Access access;
  private io.chorus.audio.wave.Waves waves;

  @Override
  public String name() {
    return "audio";
  }

  @Override
  public void validate(ChorusConfig config) {
    AudioConfig.of(config);
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
    fingerprints = new Fingerprints(node.vertx(), node.infra().pg());
    decoder = new ClipDecoder(library);
    access = new Access(node.api(SignedIn.Verifier.class));
    RUNNING.put(node.nodeId(), this);
    node.kafka();
    waves = io.chorus.audio.wave.Waves.start(node, access);
    // the index loads in the background: a node serves (with fewer matches) while a large table loads
    fingerprints.load()
        .onFailure(e -> LOG.error("Fingerprint index not loaded: {}", e.getMessage()))
        .onComplete(ar -> new ProcessedConsumer(node.vertx(), fingerprints, node.s3(), node.config().s3().bucket())
            .start(node.config().kafka().bootstrapServers(), library.topicProcessed(), config.consumerGroupPrefix() + "-" + node.nodeId()));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    new IdentifyRoutes(gateway.node().vertx(), gateway.node().infra().pg(), access, fingerprints, decoder).mount(gateway.router());
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

  /** Fingerprints and stores a track's analysis PCM (mono float at 11025 Hz) and indexes it on this node. */
  public Future<Void> index(UUID trackId, float[] pcm) {
    return fingerprints.index(trackId, pcm);
  }

  /** Tracks in this node's index. */
  public int indexed() {
    return fingerprints.index().trackCount();
  }
}

package io.chorus.library;

import io.chorus.config.ChorusConfig;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The music library (issue 17, seed 004): uploads to S3 and PostgreSQL, the outbox relay to Kafka,
 * processing workers (ffmpeg as a child process), albums, playlists, likes, streaming, moderation and
 * the OpenSubsonic API.
 */
public final class LibraryFeature implements Feature {
  private LibraryConfig config;
  private Access access;
  private io.chorus.web.SignedIn.Directory directory;
  private Future<software.amazon.awssdk.services.s3.S3Client> s3;
  private Tracks tracks;
  private Catalog catalog;

  @Override
  public String name() {
    return "library";
  }

  @Override
  public void validate(ChorusConfig config) {
    LibraryConfig.of(config);
  }

  @Override
  public List<String> migrations() {
    return List.of("db/library");
  }

  @Override
  public Future<Void> start(NodeContext node) {
    config = LibraryConfig.of(node.config());
    access = new Access(node.api(io.chorus.web.SignedIn.Verifier.class));
    directory = node.api(io.chorus.web.SignedIn.Directory.class);
    s3 = node.s3();
    // rooms play library tracks through this (the library starts before the rooms feature)
    node.publish(io.chorus.room.TrackResolver.class, new LibraryTracks(node.infra().pg()));
    return startTracks(node).compose(v -> startProcessing(node))
        .compose(v -> Catalog.start(node, config, m -> tracks.rows().forget(m)).onSuccess(c -> catalog = c).<Void>mapEmpty());
  }

  /** Upload, track REST and streaming (io.chorus.library.Tracks). */
  private Future<Void> startTracks(NodeContext node) {
    return Tracks.start(node, config).onSuccess(t -> tracks = t).mapEmpty();
  }

  /**
   * Processing: the outbox relay and the processing workers, on every node (one consumer group over all
   * nodes; the relay's rows are claimed with SKIP LOCKED). Waits for S3 and for ffmpeg to be located
   * (the bundled build is extracted once per JVM, on a worker thread).
   */
  private Future<Void> startProcessing(NodeContext node) {
    Vertx vertx = node.vertx();
    String kafka = node.config().kafka().bootstrapServers();
    MeterRegistry metrics = node.metrics() != null ? node.metrics() : new SimpleMeterRegistry();
    LibraryTopics.ensure(vertx, node.kafka(), List.of(config.topicUploaded(), config.topicProcessed(), config.topicPlayed(),
        config.topicDeadLetter(), config.topicCatalog()));
    node.deploy("OutboxRelayVerticle", () -> new OutboxRelayVerticle(node.infra().pg(), kafka, config.outboxPollMs(),
        config.outboxRetentionHours(), metrics), 1);
    return Future.all(node.s3(), Ffmpeg.locate(vertx, config)).onSuccess(all -> {
      WorkerExecutor workers = vertx.createSharedWorkerExecutor("chorus-library-processing", config.processingConcurrency(),
          7L * config.processingTimeoutSeconds(), TimeUnit.SECONDS);
      TrackProcessor processor = new TrackProcessor(vertx, node.infra().pg(), all.resultAt(0), node.config().s3().bucket(),
          all.resultAt(1), config, workers);
      node.deploy("ProcessingVerticle", () -> new ProcessingVerticle(kafka, config, processor::process, metrics), 1);
    }).mapEmpty();
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    tracks.mount(gateway);
    StreamRoutes streams = tracks.streams();
    catalog.mount(gateway.router());
    new ArtistRoutes(gateway.node().infra().pg(), access).mount(gateway.router());
    mountSubsonic(gateway, streams);
    new SimilarRoutes(gateway.node().infra().pg(), access, () -> gateway.node().apiOr(SoundAlike.class, null)).mount(gateway.router());
    return Future.succeededFuture();
  }

  /** OpenSubsonic under /rest and the credentials its clients sign in with. */
  private void mountSubsonic(GatewayContext gateway, StreamRoutes streams) {
    NodeContext node = gateway.node();
    // browser players (e.g. web Subsonic clients) call /rest from their own origin like any /api/v1 client
    gateway.router().route("/rest/*").handler(io.chorus.web.Cors.handler(node.config().security().allowedOrigins()));
    new io.chorus.library.subsonic.SubsonicCredentials(node.infra().pg(), access, node.config().security().allowedOrigins())
        .mount(gateway.router());
    new io.chorus.library.subsonic.SubsonicRoutes(node.vertx(), node.infra().pg(), directory, s3, node.config().s3().bucket(),
        config.topicPlayed(), (ctx, user, id, format, max, download, fail) -> streams.serveTo(ctx, user, id,
            subsonicFormat(format, max, download), download || max == null ? null : Integer.toString(max), download, fail))
        .similarity(() -> node.apiOr(SoundAlike.class, null))
        .playlistDeletion((user, id) -> catalog.deletePlaylist(id, user)).mount(gateway.router());
  }

  /**
   * OpenSubsonic's {@code format} as the library's: {@code raw} (and download) is the original; {@code mp3}
   * and {@code opus} are the transcode and the rendition; none with a {@code maxBitRate} is that rate as a ceiling
   * ({@code capped}: the original when within it, else an MP3 at that rate, as Navidrome); anything else the original.
   */
  static String subsonicFormat(String format, Integer maxBitRate, boolean download) {
    if (download || "raw".equals(format)) {
      return "original";
    }
    if ("mp3".equals(format) || "opus".equals(format)) {
      return format;
    }
    return maxBitRate != null && format == null ? "capped" : "original";
  }
}

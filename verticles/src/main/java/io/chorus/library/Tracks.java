package io.chorus.library;

import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tracks part of the library, built once per node: uploads, track REST and streaming with their
 * shared services (S3 store, probe, transcodes, the worker pool for blocking S3 and child-process
 * calls); {@link #mount} adds the routes to each gateway instance.
 */
final class Tracks {
  /** Blocking S3 calls and ffprobe/ffmpeg children of the upload side run here, never on an event loop. */
  static final String POOL = "chorus-library-io";
  private static final int POOL_SIZE = 8;

  private final Access access;
  private final TrackRepo repo;
  private final MediaStore store;
  private final Uploads uploads;
  private final StreamUrls urls;
  private final Transcodes transcodes;
  private final LibraryConfig config;
  private final Path tmpDir;
  private final List<String> allowedOrigins;
  private final MediaCache cache;
  private final StreamRows rows;
  /** The last mounted instance's streams, for the OpenSubsonic media calls mounted right after on the same instance. */
  private StreamRoutes streams;

  private Tracks(Access access, TrackRepo repo, MediaStore store, Uploads uploads, StreamUrls urls, Transcodes transcodes,
                 LibraryConfig config, Path tmpDir, List<String> allowedOrigins, MediaCache cache, StreamRows rows) {
    this.cache = cache;
    this.rows = rows;
    this.access = access;
    this.repo = repo;
    this.store = store;
    this.uploads = uploads;
    this.urls = urls;
    this.transcodes = transcodes;
    this.config = config;
    this.tmpDir = tmpDir;
    this.allowedOrigins = allowedOrigins;
  }

  static Future<Tracks> start(NodeContext node, LibraryConfig config) {
    Vertx vertx = node.vertx();
    Path tmpDir = node.config().dataDir().resolve("tmp").resolve("library").toAbsolutePath();
    WorkerExecutor workers = vertx.createSharedWorkerExecutor(POOL, POOL_SIZE, config.processingTimeoutSeconds() + 60L, TimeUnit.SECONDS);
    return vertx.fileSystem().mkdirs(tmpDir.toString())
        .compose(v -> workers.executeBlocking(() -> removeStale(tmpDir), false))
        .compose(v -> node.s3()).compose(s3 -> {
      MediaStore store = new MediaStore(s3, node.config().s3(), workers, node.metrics());
      Path cacheDir = node.config().dataDir().resolve("cache").resolve("media").resolve(node.nodeId()).toAbsolutePath();
      return MediaCache.start(store, workers, cacheDir, config.streamCacheMaxMb(), node.metrics()).compose(mediaCache -> {
      MediaTools tools = new MediaTools(config);
      TrackRepo repo = new TrackRepo(node.infra().pg(), config.topicUploaded(), config.topicPlayed(),
          new CatalogEvents(vertx, config.topicCatalog()));
      Uploads uploads = new Uploads(repo, store, new Probe(tools), workers, config.coverMaxBytes());
      TranscodeCache transcodeCache = new TranscodeCache(node.infra().pg(), store, node.nodeId(), config.transcodeCacheMaxMb() * 1024L * 1024L);
      transcodeCache.start(vertx);
      Transcodes transcodes = new Transcodes(store, transcodeCache, tools, workers, tmpDir, config.processingTimeoutSeconds() * 1000L, node.metrics());
      StreamRows rows = new StreamRows(repo, config.streamRowTtlMs());
      return rows.listen(vertx).map(v -> new Tracks(new Access(node.api(SignedIn.Verifier.class)), repo, store, uploads,
          new StreamUrls(node.config().security().tokenSecret(), config.streamUrlTtlSeconds()), transcodes, config, tmpDir,
          node.config().security().allowedOrigins(), mediaCache, rows));
      });
    });
  }

  /**
   * Temp files a killed node left behind. Only old ones: nodes sharing a data directory (tests, one host)
   * may be uploading right now.
   */
  private static Void removeStale(Path dir) throws java.io.IOException {
    java.time.Instant cutoff = java.time.Instant.now().minus(java.time.Duration.ofDays(1));
    try (var files = java.nio.file.Files.list(dir)) {
      for (Path f : files.toList()) {
        if (java.nio.file.Files.isRegularFile(f) && java.nio.file.Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
          java.nio.file.Files.deleteIfExists(f);
        }
      }
    }
    return null;
  }

  /** The node's stream rows: a takedown made on this node drops its track here before it answers. */
  StreamRows rows() {
    return rows;
  }

  /** Streams on the gateway instance mounted last (call right after {@link #mount}, on that instance). */
  StreamRoutes streams() {
    return streams;
  }

  void mount(GatewayContext gateway) {
    Vertx vertx = gateway.node().vertx();
    Router router = gateway.router();
    CorsHandler cors = io.chorus.web.Cors.handler(allowedOrigins, "If-None-Match");
    router.route("/api/v1/tracks*").handler(cors);
    S3Relay relay = new S3Relay(vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(512)), store);
    new UploadRoutes(vertx, access, uploads, config.uploadMaxBytes(), tmpDir).mount(router);
    StreamRoutes streams = new StreamRoutes(vertx, access, repo, store, relay, urls, transcodes, cache, rows,
        config.streamSendBufferKb() * 1024);
    streams.mount(router);
    this.streams = streams;
    new TrackRoutes(access, repo, store, relay, vertx.eventBus()).dropping(rows::forget).mount(router);
  }
}

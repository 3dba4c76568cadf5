package io.chorus.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * Development services: a real Redis, PostgreSQL, Kafka and S3 server on loopback for every service a
 * {@link Request} asks for, started in parallel, with their data under the data directory. This module
 * knows nothing of Chorus's configuration: it reports its endpoints as the environment variables a
 * node reads ({@link #environment}), which the dev launcher and the tests lay over the configuration.
 * Not part of the production image. {@link #close} stops them.
 */
public final class EmbeddedServices implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);

  private final Path dataDir;
  private EmbeddedRedis redis;
  private EmbeddedPostgres postgres;
  private EmbeddedKafka kafka;
  private EmbeddedS3 s3;
  private EmbeddedOpenSearch openSearch;
  /** Requested up front: its URL is part of {@link #environment} (one started later for a test is not). */
  private boolean openSearchRequested;

  private EmbeddedServices(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Which services to start and on which ports (0: a free ephemeral port); none by default. */
  public static final class Request {
    private final Path dataDir;
    private Integer redisPort;
    private Integer dbPort;
    private String dbUser;
    private String dbDatabase;
    private Integer kafkaPort;
    private Integer s3Port;
    private String s3AccessKey;
    private String s3SecretKey;
    private Integer openSearchPort;

    public Request(Path dataDir) {
      this.dataDir = dataDir;
    }

    public Request redis(int port) {
      redisPort = port;
      return this;
    }

    /** PostgreSQL with this superuser and database (trust authentication on loopback). */
    public Request postgres(int port, String user, String database) {
      dbPort = port;
      dbUser = user;
      dbDatabase = database;
      return this;
    }

    public Request kafka(int port) {
      kafkaPort = port;
      return this;
    }

    public Request s3(int port, String accessKey, String secretKey) {
      s3Port = port;
      s3AccessKey = accessKey;
      s3SecretKey = secretKey;
      return this;
    }

    /** A single-node OpenSearch (child JVM) for {@code SEARCH_URL}. */
    public Request openSearch(int port) {
      openSearchPort = port;
      return this;
    }

    public boolean isEmpty() {
      return redisPort == null && dbPort == null && kafkaPort == null && s3Port == null && openSearchPort == null;
    }
  }

  public static EmbeddedServices start(Request request) {
    Path dataDir = request.dataDir.toAbsolutePath().normalize();
    EmbeddedServices services = new EmbeddedServices(dataDir);
    try {
      Files.createDirectories(dataDir.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + dataDir, e);
    }
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    long t0 = System.nanoTime();
    if (request.redisPort != null) {
      services.redis = new EmbeddedRedis(dataDir, Ports.orFree(request.redisPort));
      starts.add(CompletableFuture.runAsync(services.redis::start));
    }
    if (request.dbPort != null) {
      services.postgres = new EmbeddedPostgres(dataDir, Ports.orFree(request.dbPort), request.dbUser, request.dbDatabase);
      starts.add(CompletableFuture.runAsync(services.postgres::start));
    }
    if (request.kafkaPort != null) {
      int kafkaPort = Ports.orFree(request.kafkaPort);
      int controllerPort = request.kafkaPort == 0 ? Ports.orFree(0) : kafkaPort + 1;
      services.kafka = new EmbeddedKafka(dataDir, kafkaPort, controllerPort);
      starts.add(CompletableFuture.runAsync(services.kafka::start));
    }
    if (request.s3Port != null) {
      services.s3 = new EmbeddedS3(dataDir, Ports.orFree(request.s3Port), request.s3AccessKey, request.s3SecretKey);
      starts.add(CompletableFuture.runAsync(services.s3::start));
    }
    if (request.openSearchPort != null) {
      services.openSearch = new EmbeddedOpenSearch(dataDir, Ports.orFree(request.openSearchPort));
      services.openSearchRequested = true;
      starts.add(CompletableFuture.runAsync(services.openSearch::start));
    }
    try {
      CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      services.close();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("an embedded service failed to start: " + cause.getMessage()
          + " (logs in " + dataDir.resolve("logs") + ")", cause);
    }
    if (!starts.isEmpty()) {
      LOG.info("Embedded services started in {} ms under {}: {}", (System.nanoTime() - t0) / 1_000_000, dataDir,
          services.environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
    }
    return services;
  }

  /** The embedded endpoints as the environment variables a node reads. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    if (redis != null) {
      env.put("REDIS_ADDR", redis.address());
      env.put("REDIS_MODE", "standalone");
      env.put("REDIS_PASSWORD", "");
    }
    if (postgres != null) {
      env.put("DB_HOST", "127.0.0.1");
      env.put("DB_PORT", Integer.toString(postgres.port()));
      env.put("DB_SSLMODE", "disable");
    }
    if (kafka != null) {
      env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    }
    if (s3 != null) {
      env.put("S3_ENDPOINT", s3.endpoint());
    }
    if (openSearch != null && openSearchRequested) {
      env.put("SEARCH_URL", openSearch.url());
    }
    return env;
  }

  /** Writes {@code KEY=value} lines for the cluster script and returns them. */
  public String writeEnvFile(Path file) {
    String text = environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n", "", "\n"));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text;
  }

  public EmbeddedRedis redis() {
    return redis;
  }

  public EmbeddedPostgres postgres() {
    return postgres;
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  public EmbeddedS3 s3() {
    return s3;
  }

  public EmbeddedOpenSearch openSearch() {
    return openSearch;
  }

  /**
   * Starts the OpenSearch node now if it is not running, for the tests that ask for it; its URL stays out of
   * {@link #environment}, so the other tests' nodes keep the embedded Lucene index.
   */
  public synchronized EmbeddedOpenSearch startOpenSearch() {
    if (openSearch == null) {
      openSearch = new EmbeddedOpenSearch(dataDir, Ports.orFree(0));
    }
    openSearch.start();
    return openSearch;
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public synchronized void close() {
    // reverse order of dependence: nothing here depends on another, so stop all, each guarded
    for (AutoCloseable c : new AutoCloseable[] {openSearch, s3, kafka, postgres, redis}) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Stopping {} failed: {}", c.getClass().getSimpleName(), e.getMessage());
      }
    }
  }
}

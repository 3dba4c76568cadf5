package io.chorus.embedded;

import io.chorus.config.ChorusConfig;
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
 * Starts a real Redis, PostgreSQL, Kafka and S3 server for every endpoint the configuration leaves
 * empty (all four by default), in parallel, on loopback, with their data under the data directory.
 * {@link #resolve} fills the configuration with their endpoints. {@link #close} stops them.
 */
public final class EmbeddedServices implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);

  private final Path dataDir;
  private EmbeddedRedis redis;
  private EmbeddedPostgres postgres;
  private EmbeddedKafka kafka;
  private EmbeddedS3 s3;

  private EmbeddedServices(Path dataDir) {
    this.dataDir = dataDir;
  }

  public static EmbeddedServices start(ChorusConfig config) {
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    EmbeddedServices services = new EmbeddedServices(dataDir);
    try {
      Files.createDirectories(dataDir.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + dataDir, e);
    }
    ChorusConfig.Embedded ports = config.embedded();
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    long t0 = System.nanoTime();
    if (config.redis().embedded()) {
      services.redis = new EmbeddedRedis(dataDir, Ports.orFree(ports.redisPort()));
      starts.add(CompletableFuture.runAsync(services.redis::start));
    }
    if (config.db().embedded()) {
      services.postgres = new EmbeddedPostgres(dataDir, Ports.orFree(ports.dbPort()), config.db().user(), config.db().database());
      starts.add(CompletableFuture.runAsync(services.postgres::start));
    }
    if (config.kafka().embedded()) {
      int kafkaPort = Ports.orFree(ports.kafkaPort());
      int controllerPort = ports.kafkaPort() == 0 ? Ports.orFree(0) : kafkaPort + 1;
      services.kafka = new EmbeddedKafka(dataDir, kafkaPort, controllerPort);
      starts.add(CompletableFuture.runAsync(services.kafka::start));
    }
    if (config.s3().embedded()) {
      services.s3 = new EmbeddedS3(dataDir, Ports.orFree(ports.s3Port()), config.s3().accessKey(), config.s3().secretKey());
      starts.add(CompletableFuture.runAsync(services.s3::start));
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

  /** The configuration with every embedded endpoint filled in. */
  public ChorusConfig resolve(ChorusConfig config) {
    ChorusConfig c = config;
    if (redis != null) {
      c = c.withRedis(new ChorusConfig.Redis(redis.address(), ChorusConfig.RedisMode.STANDALONE, ""));
    }
    if (postgres != null) {
      ChorusConfig.Db db = c.db();
      c = c.withDb(new ChorusConfig.Db("127.0.0.1", postgres.port(), db.user(), db.password(), db.database(), "disable", db.poolSize()));
    }
    if (kafka != null) {
      c = c.withKafka(new ChorusConfig.Kafka(kafka.bootstrapServers()));
    }
    if (s3 != null) {
      ChorusConfig.S3 s = c.s3();
      c = c.withS3(new ChorusConfig.S3(s3.endpoint(), s.bucket(), s.accessKey(), s.secretKey(), s.region()));
    }
    return c;
  }

  /** The embedded endpoints as the environment variables a node reads. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    if (redis != null) {
      env.put("REDIS_ADDR", redis.address());
    }
    if (postgres != null) {
      env.put("DB_HOST", "127.0.0.1");
      env.put("DB_PORT", Integer.toString(postgres.port()));
    }
    if (kafka != null) {
      env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    }
    if (s3 != null) {
      env.put("S3_ENDPOINT", s3.endpoint());
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

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public synchronized void close() {
    // reverse order of dependence: nothing here depends on another, so stop all, each guarded
    for (AutoCloseable c : new AutoCloseable[] {s3, kafka, postgres, redis}) {
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

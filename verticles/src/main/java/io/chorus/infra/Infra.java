package io.chorus.infra;

import io.chorus.config.ChorusConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The clients of one node to its backing services, created once and shared by its verticles
 * (all clients here are safe to use from several verticles). Kafka and S3 clients are built only when
 * a feature asks for them (through {@code NodeContext}).
 */
public final class Infra {
  private final ChorusConfig config;
  private final Redis redis;
  private final RedisAPI redisApi;
  private final Pool pg;
  private final Vertx vertx;
  private KafkaAdminClient kafkaAdmin;
  private S3Client s3;

  private Infra(Vertx vertx, ChorusConfig config, Redis redis, Pool pg) {
    this.vertx = vertx;
    this.config = config;
    this.redis = redis;
    this.redisApi = RedisAPI.api(redis);
    this.pg = pg;
  }

  public static Infra create(Vertx vertx, ChorusConfig config) {
    RedisOptions redisOptions = new RedisOptions()
        .setType(config.redis().mode() == ChorusConfig.RedisMode.CLUSTER ? RedisClientType.CLUSTER : RedisClientType.STANDALONE)
        // bursts of joins (thousands of sockets connecting at once) queue here rather than fail
        .setMaxPoolSize(32)
        .setMaxPoolWaiting(65_536)
        .setMaxWaitingHandlers(65_536);
    config.redis().connectionStrings().forEach(redisOptions::addConnectionString);
    Redis redis = Redis.createClient(vertx, redisOptions);

    ChorusConfig.Db db = config.db();
    PgConnectOptions connect = new PgConnectOptions()
        .setHost(db.host()).setPort(db.port()).setUser(db.user()).setPassword(db.password())
        .setDatabase(db.database()).setSslMode(SslMode.of(db.sslMode()));
    Pool pg = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(db.poolSize()).setMaxWaitQueueSize(10_000))
        .connectingTo(connect)
        .using(vertx)
        .build();

    return new Infra(vertx, config, redis, pg);
  }

  /** A path-style S3 client, as MinIO and other S3-protocol servers expect. */
  public static S3Client s3Client(ChorusConfig.S3 s3) {
    return S3Client.builder()
        .endpointOverride(URI.create(s3.endpoint()))
        .region(Region.of(s3.region()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
        .forcePathStyle(true)
        // SDK 2.30+ adds CRC trailers with aws-chunked uploads by default, which S3-protocol servers
        // (S3Proxy, older MinIO) reject ("x-amz-content-sha256 does not match"): only when required
        .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
        // a request that went out on a kept-alive connection the server had closed (it restarted) is sent again
        .httpClient(new StaleConnectionRetry(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(Duration.ofSeconds(10))
            .build()))
        .build();
  }

  public ChorusConfig config() {
    return config;
  }

  public Redis redis() {
    return redis;
  }

  public RedisAPI redisApi() {
    return redisApi;
  }

  public Pool pg() {
    return pg;
  }

  /** Built on first use (blocking: seconds of class loading), so nodes whose features need no Kafka have none. */
  public synchronized KafkaAdminClient kafkaAdmin() {
    if (kafkaAdmin == null) {
      kafkaAdmin = KafkaAdminClient.create(vertx, Map.of(
          "bootstrap.servers", config.kafka().bootstrapServers(),
          "request.timeout.ms", "5000",
          "default.api.timeout.ms", "5000",
          "reconnect.backoff.max.ms", "1000"));
    }
    return kafkaAdmin;
  }

  /** Built on first use (blocking), so nodes whose features store no media have no S3 client. */
  public synchronized S3Client s3() {
    if (s3 == null) {
      s3 = s3Client(config.s3());
    }
    return s3;
  }

  public Future<Void> close() {
    KafkaAdminClient admin;
    synchronized (this) {
      if (s3 != null) {
        s3.close();
      }
      admin = kafkaAdmin;
    }
    redis.close();
    return Future.all(pg.close(), admin == null ? Future.succeededFuture() : admin.close()).mapEmpty();
  }
}

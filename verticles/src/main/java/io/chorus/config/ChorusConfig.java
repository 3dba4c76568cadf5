package io.chorus.config;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The platform's typed configuration of a node (and, for now, the records of the room, stream and chat
 * features). Built only by {@link #parse(JsonObject)}, which validates every value and names the offending
 * variable in its {@link ConfigException}. {@code source} is the merged configuration it was parsed from:
 * a feature module parses its own record from it (e.g. {@code AccountsConfig.of}); the composition root
 * ({@code ChorusNode.validate}) parses them all at start, so a bad feature setting fails before anything runs.
 */
public record ChorusConfig(
    boolean production,
    String host,
    int httpPort,
    int grpcPort,
    Set<Role> roles,
    Set<String> features,
    int gatewayInstances,
    Path dataDir,
    String nodeName,
    Redis redis,
    Db db,
    Kafka kafka,
    S3 s3,
    Embedded embedded,
    Cluster cluster,
    Security security,
    String logLevel,
    JsonObject source) {

  /**
   * {@code GATEWAY}: the client-facing servers (HTTP, WebSocket, bridge, stream hub, gRPC); without the
   * {@code ROOM} role they send room commands over the clustered bus. {@code ROOM}: the room command
   * consumers and the background sweeps (departed nodes' users, expired conference rooms).
   */
  public enum Role { GATEWAY, ROOM }

  public enum RedisMode { STANDALONE, CLUSTER }

  /** {@code addr} empty means "start an embedded Redis". */
  public record Redis(String addr, RedisMode mode, String password) {
    public boolean embedded() {
      return addr.isEmpty();
    }

    /** Connection strings for the Vert.x Redis client, one per seed node in cluster mode. */
    public List<String> connectionStrings() {
      String auth = password.isEmpty() ? "" : ":" + password + "@";
      return Parse.csv(addr).stream().map(a -> "redis://" + auth + a).toList();
    }
  }

  /** {@code host} empty means "start an embedded PostgreSQL". */
  public record Db(String host, int port, String user, String password, String database, String sslMode, int poolSize) {
    public boolean embedded() {
      return host.isEmpty();
    }

    public String jdbcUrl() {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?sslmode=" + sslMode;
    }
  }

  /** {@code bootstrapServers} empty means "start an embedded Kafka". */
  public record Kafka(String bootstrapServers) {
    public boolean embedded() {
      return bootstrapServers.isEmpty();
    }
  }

  /** {@code endpoint} empty means "start an embedded S3 server". */
  public record S3(String endpoint, String bucket, String accessKey, String secretKey, String region) {
    public boolean embedded() {
      return endpoint.isEmpty();
    }
  }

  /** Ports of the embedded services; 0 picks a free port (tests). */
  public record Embedded(int redisPort, int dbPort, int kafkaPort, int s3Port) {
  }

  public record Cluster(String host, int port, String publicHost, String name, int hazelcastPort,
                        List<String> members, boolean kubernetes, String kubernetesService) {
  }

  /** {@code bodyStallMs}: a request body that sends nothing for this long has its connection closed. */
  public record Security(String grpcApiKey, String tokenSecret, List<String> allowedOrigins, long readyTimeoutMs, long bodyStallMs) {
  }

  public boolean runs(Role role) {
    return roles.contains(role);
  }

  /** Client-facing verticle instances per node: {@code GATEWAY_INSTANCES}, 0 meaning one per core. */
  public int gatewayInstancesOrCores() {
    return gatewayInstances > 0 ? gatewayInstances : Runtime.getRuntime().availableProcessors();
  }

  /** Parses and validates the merged configuration (defaults, file, environment). */
  public static ChorusConfig parse(JsonObject json) {
    Parse p = new Parse(json);
    String env = p.oneOf("APP_ENV", "development", "production");
    boolean production = env.equals("production");
    Set<Role> roles = parseRoles(p.string("CHORUS_ROLES"));
    Set<String> features = parseFeatures(p.string("CHORUS_FEATURES"));

    String dbPassword = p.string("DB_PASSWORD");
    if (production && dbPassword.isEmpty()) {
      throw new ConfigException("DB_PASSWORD", "is required when APP_ENV=production");
    }
    String tokenSecret = p.string("TOKEN_SECRET");
    if (tokenSecret.length() < 16) {
      throw new ConfigException("TOKEN_SECRET", "must be at least 16 characters");
    }
    if (production && tokenSecret.contains("change-me")) {
      throw new ConfigException("TOKEN_SECRET", "the development default must be replaced when APP_ENV=production");
    }
    String apiKey = p.string("GRPC_API_KEY");
    if (apiKey.isEmpty()) {
      throw new ConfigException("GRPC_API_KEY", "must not be empty");
    }
    String redisAddr = p.string("REDIS_ADDR");
    for (String a : Parse.csv(redisAddr)) {
      if (!a.matches("[^:\\s]+:\\d{1,5}")) {
        throw new ConfigException("REDIS_ADDR", "expected host:port[,host:port...], got '" + redisAddr + "'");
      }
    }
    String nodeName = p.string("CHORUS_NODE_NAME");
    // logback's own reading of an unknown level is DEBUG, silently
    String logLevel = p.oneOf("LOG_LEVEL", "trace", "debug", "info", "warn", "error", "off", "all");

    return new ChorusConfig(
        production,
        p.string("APP_HOST"),
        p.port("HTTP_PORT"),
        p.port("GRPC_PORT"),
        roles,
        features,
        p.intIn("GATEWAY_INSTANCES", 0, 1024),
        Path.of(p.string("CHORUS_DATA_DIR")),
        nodeName,
        new Redis(redisAddr, RedisMode.valueOf(p.oneOf("REDIS_MODE", "standalone", "cluster").toUpperCase()),
            p.string("REDIS_PASSWORD")),
        new Db(p.string("DB_HOST"), p.port("DB_PORT"), p.nonEmpty("DB_USER"), dbPassword, p.nonEmpty("DB_DATABASE"),
            p.oneOf("DB_SSLMODE", "disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
            p.intIn("DB_POOL_SIZE", 1, 1000)),
        new Kafka(p.hostPortsOrEmpty("KAFKA_BOOTSTRAP_SERVERS")),
        new S3(p.urlOrEmpty("S3_ENDPOINT", "http", "https"), p.nonEmpty("S3_BUCKET"), p.nonEmpty("S3_ACCESS_KEY"), p.nonEmpty("S3_SECRET_KEY"),
            p.nonEmpty("S3_REGION")),
        new Embedded(p.port("EMBEDDED_REDIS_PORT"), p.port("EMBEDDED_DB_PORT"), p.port("EMBEDDED_KAFKA_PORT"),
            p.port("EMBEDDED_S3_PORT")),
        new Cluster(p.nonEmpty("CLUSTER_HOST"), p.port("CLUSTER_PORT"), p.string("CLUSTER_PUBLIC_HOST"),
            p.nonEmpty("HZ_CLUSTER_NAME"), p.port("HZ_PORT"), Parse.csv(p.string("HZ_MEMBERS")), p.bool("HZ_KUBERNETES"),
            p.string("HZ_KUBERNETES_SERVICE")),
        new Security(apiKey, tokenSecret, Parse.csv(p.string("CORS_ALLOWED_ORIGINS")), p.intIn("READY_TIMEOUT_MS", 100, 60_000),
            p.intIn("HTTP_BODY_STALL_MS", 1_000, 3_600_000)),
        logLevel,
        json.copy());
  }

  /**
   * {@code CHORUS_FEATURES}: the feature modules this node runs, by name; empty for {@code all}. The names and
   * the dependencies between them are checked by the composition root, which knows the features.
   */
  private static Set<String> parseFeatures(String value) {
    if (value.isBlank() || value.trim().equalsIgnoreCase("all")) {
      return Set.of();
    }
    Set<String> names = new java.util.LinkedHashSet<>();
    for (String f : Parse.csv(value)) {
      names.add(f.toLowerCase(java.util.Locale.ROOT));
    }
    return java.util.Collections.unmodifiableSet(names);
  }

  /** True when this node runs the feature named {@code name} ({@code CHORUS_FEATURES}). */
  public boolean runsFeature(String name) {
    return features.isEmpty() || features.contains(name);
  }

  private static Set<Role> parseRoles(String value) {
    if (value.isBlank() || value.trim().equalsIgnoreCase("all")) {
      return EnumSet.allOf(Role.class);
    }
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (String r : Parse.csv(value)) {
      try {
        roles.add(Role.valueOf(r.toUpperCase()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("CHORUS_ROLES", "unknown role '" + r + "' (known: all, gateway, room)");
      }
    }
    return roles;
  }
}

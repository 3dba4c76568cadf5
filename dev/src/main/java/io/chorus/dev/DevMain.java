package io.chorus.dev;

import io.chorus.Main;
import io.chorus.config.ChorusConfig;
import io.chorus.embedded.EmbeddedServices;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * The development launcher ({@code dev/target/chorus-dev.jar}, started by {@code scripts/run} and
 * {@code scripts/cluster}). {@code chorus-dev [run|migrate|seed|services] [--conf file.json]}: starts an
 * embedded Redis, PostgreSQL, Kafka or S3 server for every endpoint the configuration leaves unset (and an
 * OpenSearch node for {@code SEARCH_URL=embedded}), lays
 * their endpoints over the configuration and then does what the production launcher ({@link Main}) does;
 * {@code services} starts only the services, prints their endpoints as environment variables (and writes
 * them to {@code <data>/services.env}) and keeps them up until stopped.
 */
public final class DevMain {
  static {
    Main.configureLogging();
  }

  private static final Logger LOG = LoggerFactory.getLogger(DevMain.class);

  private DevMain() {
  }

  public static void main(String[] args) {
    Main.Args parsed = Main.parseArgs(args, List.of("run", "migrate", "seed", "services", "user"));
    JsonObject json = Main.loadConfigJson(parsed.confFile());
    // SEARCH_URL=embedded: replaced below by the URL of the OpenSearch node started here
    boolean openSearch = "embedded".equals(String.valueOf(json.getValue("SEARCH_URL", "")).strip());
    if (openSearch) {
      json.put("SEARCH_URL", "");
    }
    ChorusConfig config = Main.parseConfig(json);
    EmbeddedServices services = null;
    try {
      services = EmbeddedServices.start(request(config, openSearch));
    } catch (RuntimeException e) {
      LOG.error("Embedded services failed to start: {}", e.getMessage(), e);
      Main.fatal("start-up failed: " + e.getMessage());
    }
    services.environment().forEach(json::put);
    ChorusConfig resolved = Main.parseConfig(json);
    if (parsed.command().equals("services")) {
      Path envFile = config.dataDir().resolve("services.env");
      System.out.println(services.writeEnvFile(envFile));
      LOG.info("Embedded services up; endpoints written to {}", envFile);
      Main.awaitShutdown(services, null);
    } else {
      Main.execute(parsed, resolved, services);
    }
  }

  /** An embedded service for every endpoint the configuration leaves unset, on the EMBEDDED_* ports. */
  static EmbeddedServices.Request request(ChorusConfig config, boolean openSearch) {
    ChorusConfig.Embedded ports = config.embedded();
    EmbeddedServices.Request request = new EmbeddedServices.Request(config.dataDir());
    for (String endpoint : Main.unsetEndpoints(config)) {
      switch (endpoint) {
        case "REDIS_ADDR" -> request.redis(ports.redisPort());
        case "DB_HOST" -> request.postgres(ports.dbPort(), config.db().user(), config.db().database());
        case "KAFKA_BOOTSTRAP_SERVERS" -> request.kafka(ports.kafkaPort());
        case "S3_ENDPOINT" -> request.s3(ports.s3Port(), config.s3().accessKey(), config.s3().secretKey());
        default -> throw new IllegalStateException("no embedded service for " + endpoint);
      }
    }
    // SEARCH_URL=embedded: a development OpenSearch node instead of the per-node Lucene index
    if (openSearch) {
      request.openSearch(new io.chorus.config.Parse(config.source()).port("EMBEDDED_OPENSEARCH_PORT"));
    }
    return request;
  }
}

package io.chorus;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.chorus.infra.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The production launcher. {@code chorus [run|migrate|seed] [--conf file.json]}:
 * <ul>
 *   <li>{@code run} (default): migrate, join the cluster, deploy the verticles;</li>
 *   <li>{@code migrate}: apply the SQL migrations and exit;</li>
 *   <li>{@code seed}: migrations plus the sample data, then exit.</li>
 * </ul>
 * Every backing service is external here: an unset {@link #ENDPOINTS endpoint} stops the launch naming it.
 * The development launcher ({@code io.chorus.dev.DevMain}, module {@code dev/}, what {@code scripts/run}
 * starts) fills unset endpoints with embedded services and then calls {@link #execute} like this class.
 */
public final class Main {
  static {
    configureLogging();
  }

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** The variables that name a backing service; the production launcher needs every one set. */
  public static final List<String> ENDPOINTS = List.of("REDIS_ADDR", "DB_HOST", "KAFKA_BOOTSTRAP_SERVERS", "S3_ENDPOINT");

  /** The parsed command line; {@code userArgs}: what follows {@code user} (the accounts command line). */
  public record Args(String command, String confFile, List<String> userArgs) {
  }

  private Main() {
  }

  /** Points logback, Vert.x and Hazelcast at conf/logback.xml; a launcher calls it before its first logger. */
  public static void configureLogging() {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "conf/logback.xml");
    }
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
  }

  public static void main(String[] args) {
    Args parsed = parseArgs(args, List.of("run", "migrate", "seed", "user"));
    if ("services".equals(parsed.command())) {
      fatal("'services' starts the development services, which this production jar leaves out: use the dev launcher "
          + "(dev/target/chorus-dev.jar, as scripts/cluster does)");
    }
    ChorusConfig config = parseConfig(loadConfigJson(parsed.confFile()));
    List<String> unset = unsetEndpoints(config);
    if (!unset.isEmpty()) {
      fatal(String.join(", ", unset) + (unset.size() == 1 ? " is" : " are") + " not set: a production node uses external "
          + "services only (docs/configuration.md); for a local run with embedded ones use scripts/run");
    }
    execute(parsed, config, null);
  }

  /** Command and {@code --conf}; {@code services} is recognised for a clear error even where it is not offered. */
  public static Args parseArgs(String[] args, List<String> commands) {
    String usage = "usage: chorus [" + String.join("|", commands) + "] [--conf file.json]"
        + (commands.contains("run") ? " ('api' = run, 'migrate up' = migrate)" : "")
        + (commands.contains("user") ? "\n       chorus user add [--admin] NAME [--conf file.json]" : "");
    String command = "run";
    String confFile = null;
    List<String> userArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (command.equals("user") && !arg.equals("--conf")) {
        userArgs.add(arg);   // everything after "user" belongs to the accounts command line
        continue;
      }
      if (arg.equals("--conf")) {
        if (i + 1 >= args.length) {
          fatal("--conf needs a file name");
        }
        confFile = args[++i];
      } else if (commands.contains(arg) || arg.equals("services")) {
        command = arg;
      } else if (arg.equals("api") && commands.contains("run")) {
        command = "run";   // seed 001's name for serving
      } else if (arg.equals("up") && command.equals("migrate")) {
        continue;   // seed 001's "migrate up": migrate applies every pending migration
      } else if (arg.equals("command")) {
        fatal("'command migrate-create' is not offered: migrations ship inside the jar "
            + "(verticles/src/main/resources/db/<feature>/V<n>__<name>.sql, applied at start and by 'migrate'); add a file there and rebuild");
      } else if (arg.equals("-h") || arg.equals("--help")) {
        System.out.println(usage);
        System.exit(0);
      } else {
        fatal("unknown argument '" + arg + "' (" + usage + ")");
      }
    }
    return new Args(command, confFile, List.copyOf(userArgs));
  }

  /** The endpoint variables {@code config} leaves empty, in {@link #ENDPOINTS} order. */
  public static List<String> unsetEndpoints(ChorusConfig config) {
    List<String> unset = new ArrayList<>();
    if (config.redis().embedded()) {
      unset.add("REDIS_ADDR");
    }
    if (config.db().embedded()) {
      unset.add("DB_HOST");
    }
    if (config.kafka().embedded()) {
      unset.add("KAFKA_BOOTSTRAP_SERVERS");
    }
    if (config.s3().embedded()) {
      unset.add("S3_ENDPOINT");
    }
    return unset;
  }

  /**
   * Runs {@code run}, {@code migrate} or {@code seed} on a configuration whose endpoints are all set.
   * {@code services} (may be null) are whatever the caller started for it: closed after the node on
   * shutdown, at once after {@code migrate}/{@code seed}, and on a failed start.
   */
  public static void execute(String command, ChorusConfig config, AutoCloseable services) {
    execute(new Args(command, null, List.of()), config, services);
  }

  /** {@link #execute(String, ChorusConfig, AutoCloseable)}, and {@code user …} (accounts from the command line). */
  public static void execute(Args args, ChorusConfig config, AutoCloseable services) {
    String command = args.command();
    try {
      switch (command) {
        case "user" -> {
          Migrations.migrate(config.db(), ChorusNode.migrationLocations());
          int rc = io.chorus.accounts.UserCli.run(config, args.userArgs(), System.in, System.getenv(), System.out);
          closeQuietly(services);
          System.exit(rc);
        }
        case "migrate" -> {
          Migrations.migrate(config.db(), ChorusNode.migrationLocations());
          closeQuietly(services);
        }
        case "seed" -> {
          seed(config);
          closeQuietly(services);
        }
        default -> {
          Migrations.migrate(config.db(), ChorusNode.migrationLocations());
          ChorusNode node = ChorusNode.start(config).toCompletionStage().toCompletableFuture().join();
          LOG.info("Chorus node {} up: HTTP {} gRPC {} roles {} cluster members {}", node.nodeId(),
              config.httpPort(), config.grpcPort(), config.roles(), node.clusterSize());
          awaitShutdown(services, node);
        }
      }
    } catch (Exception e) {
      closeQuietly(services);
      Throwable cause = e.getCause() != null && e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
      LOG.error("Chorus failed to start: {}", cause.getMessage(), cause);
      fatal("start-up failed: " + cause.getMessage());
    }
  }

  /**
   * The {@code seed} command: the migrations, the sample data, and the sample room {@code DEMO42} live in Redis (made
   * as a REST create makes a room, unless it is live already), so it can be joined right after seeding.
   */
  public static void seed(ChorusConfig config) throws Exception {
    Migrations.seed(config.db(), ChorusNode.migrationLocations());
    Vertx vertx = Vertx.vertx();
    try {
      io.chorus.infra.Infra infra = io.chorus.infra.Infra.create(vertx, config);
      try {
        boolean made = io.chorus.chat.DemoRoom.ensure(infra, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        LOG.info(made ? "Sample room {} is live" : "Sample room {} was live already", io.chorus.chat.DemoRoom.ID);
      } finally {
        infra.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Defaults + optional file + environment as raw JSON (before validation); exits 2 when it cannot be read. */
  public static JsonObject loadConfigJson(String confFile) {
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.loadJson(vertx, confFile).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      fatal("configuration error: " + e.getCause().getMessage());
      return null;
    } catch (Exception e) {
      fatal("configuration error: " + e.getMessage());
      return null;
    } finally {
      vertx.close();
    }
  }

  /**
   * Validates the configuration (exits 2 naming the bad variable) and sets the root log level to its
   * {@code LOG_LEVEL}: logback's file reads only the environment's, not the one of a {@code --conf} file.
   */
  public static ChorusConfig parseConfig(JsonObject json) {
    ChorusConfig config;
    try {
      config = ChorusNode.validate(json);
    } catch (ConfigException e) {
      fatal("configuration error: " + e.getMessage());
      return null;
    }
    applyLogLevel(config);
    return config;
  }

  /** Sets the root logger's level to the configuration's {@code LOG_LEVEL} (docs/configuration.md). */
  public static void applyLogLevel(ChorusConfig config) {
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.toLevel(config.logLevel(), ch.qos.logback.classic.Level.INFO));
    }
  }

  /** Blocks until SIGINT/SIGTERM, then stops the node and the services it started. */
  public static void awaitShutdown(AutoCloseable services, ChorusNode node) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Shutting down");
      if (node != null) {
        try {
          node.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.warn("Node did not close cleanly: {}", e.getMessage());
        }
      }
      closeQuietly(services);
      stopped.countDown();
    }, "chorus-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static void closeQuietly(AutoCloseable services) {
    if (services != null) {
      try {
        services.close();
      } catch (Exception e) {
        LOG.warn("Services did not stop cleanly: {}", e.getMessage());
      }
    }
  }

  /** Prints the reason and exits 2. */
  public static void fatal(String message) {
    System.err.println("chorus: " + message);
    LOG.error(message);
    System.exit(2);
  }
}

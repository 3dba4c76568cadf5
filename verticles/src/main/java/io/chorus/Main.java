package io.chorus;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.chorus.embedded.EmbeddedServices;
import io.chorus.infra.Migrations;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one start-up point. {@code chorus [run|migrate|seed|services] [--conf file.json]}:
 * <ul>
 *   <li>{@code run} (default): start embedded services for every endpoint left unset, migrate, join
 *   the cluster, deploy the verticles;</li>
 *   <li>{@code migrate}: apply the SQL migrations and exit;</li>
 *   <li>{@code seed}: migrations plus the sample data, then exit;</li>
 *   <li>{@code services}: start only the embedded services, print their endpoints as environment
 *   variables (and write them to {@code <data>/services.env}) and keep them up until stopped.</li>
 * </ul>
 */
public final class Main {
  static {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "conf/logback.xml");
    }
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
  }

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    String command = "run";
    String confFile = null;
    java.util.List<String> userArgs = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (command.equals("user") && !args[i].equals("--conf")) {
        userArgs.add(args[i]);   // everything after "user" belongs to the accounts command line
        continue;
      }
      switch (args[i]) {
        case "--conf" -> {
          if (i + 1 >= args.length) {
            fatal("--conf needs a file name");
          }
          confFile = args[++i];
        }
        case "run", "migrate", "seed", "services", "user" -> command = args[i];
        case "-h", "--help" -> {
          System.out.println("usage: chorus [run|migrate|seed|services] [--conf file.json]\n       chorus user add [--admin] NAME [--conf file.json]");
          return;
        }
        default -> fatal("unknown argument '" + args[i] + "' (usage: chorus [run|migrate|seed|services] [--conf file.json])");
      }
    }
    ChorusConfig config = loadConfig(confFile);
    EmbeddedServices embedded = null;
    try {
      embedded = EmbeddedServices.start(config);
      ChorusConfig resolved = embedded.resolve(config);
      final EmbeddedServices services = embedded;
      switch (command) {
        case "migrate" -> {
          Migrations.migrate(resolved.db());
          services.close();
        }
        case "seed" -> {
          Migrations.seed(resolved.db());
          services.close();
        }
        case "user" -> {
          Migrations.migrate(resolved.db());
          int rc = io.chorus.accounts.UserCli.run(resolved, userArgs, System.in, System.getenv(), System.out);
          services.close();
          System.exit(rc);
        }
        case "services" -> {
          String env = services.writeEnvFile(config.dataDir().resolve("services.env"));
          System.out.println(env);
          LOG.info("Embedded services up; endpoints written to {}", config.dataDir().resolve("services.env"));
          awaitShutdown(services, null);
        }
        default -> {
          Migrations.migrate(resolved.db());
          ChorusNode node = ChorusNode.start(resolved).toCompletionStage().toCompletableFuture().join();
          LOG.info("Chorus node {} up: HTTP {} gRPC {} roles {} cluster members {}", node.nodeId(),
              resolved.httpPort(), resolved.grpcPort(), resolved.roles(), node.clusterSize());
          awaitShutdown(services, node);
        }
      }
    } catch (ConfigException e) {
      closeQuietly(embedded);
      fatal("configuration error: " + e.getMessage());
    } catch (Exception e) {
      closeQuietly(embedded);
      Throwable cause = e.getCause() != null && e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
      LOG.error("Chorus failed to start: {}", cause.getMessage(), cause);
      fatal("start-up failed: " + cause.getMessage());
    }
  }

  private static ChorusConfig loadConfig(String confFile) {
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.load(vertx, confFile).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      fatal("configuration error: " + cause.getMessage());
      return null;
    } catch (Exception e) {
      fatal("configuration error: " + e.getMessage());
      return null;
    } finally {
      vertx.close();
    }
  }

  /** Blocks until SIGINT/SIGTERM, then stops the node and the services it started. */
  private static void awaitShutdown(EmbeddedServices services, ChorusNode node) {
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

  private static void closeQuietly(EmbeddedServices services) {
    if (services != null) {
      try {
        services.close();
      } catch (Exception e) {
        LOG.warn("Embedded services did not stop cleanly: {}", e.getMessage());
      }
    }
  }

  private static void fatal(String message) {
    System.err.println("chorus: " + message);
    LOG.error(message);
    System.exit(2);
  }
}

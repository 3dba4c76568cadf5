package io.chorus.testing;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigLoader;
import io.chorus.embedded.EmbeddedServices;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Real Redis, PostgreSQL, Kafka and S3 started once per test JVM on ephemeral ports (fresh data
 * under target/), and the node configuration on them ({@link TestCluster} starts the nodes).
 */
public final class TestServices {
  private static EmbeddedServices services;
  private static ChorusConfig base;

  private TestServices() {
  }

  public static synchronized EmbeddedServices services() {
    if (services == null) {
      JsonObject json = ConfigLoader.defaults()
          .put("CHORUS_DATA_DIR", Path.of("target", "test-data", UUID.randomUUID().toString()).toString());
      ChorusConfig cfg = ChorusConfig.parse(json);
      services = EmbeddedServices.start(new EmbeddedServices.Request(cfg.dataDir()).redis(0)
          .postgres(0, cfg.db().user(), cfg.db().database()).kafka(0).s3(0, cfg.s3().accessKey(), cfg.s3().secretKey()));
      services.environment().forEach(json::put);
      base = ChorusConfig.parse(json);
      io.chorus.infra.Migrations.migrate(base.db(), io.chorus.ChorusNode.migrationLocations());
      EmbeddedServices s = services;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "test-services-stop"));
    }
    return services;
  }

  /** Configuration JSON for a node on the test services, with ephemeral ports and the given overrides. */
  public static JsonObject nodeJson(Map<String, ?> overrides) {
    EmbeddedServices s = services();
    JsonObject json = ConfigLoader.defaults();
    s.environment().forEach(json::put);
    json.put("HTTP_PORT", 0).put("GRPC_PORT", 0).put("CHORUS_DATA_DIR", s.dataDir().toString());
    overrides.forEach(json::put);
    return json;
  }

  public static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future failed: " + e.getMessage(), e);
    }
  }

  /**
   * Waits until {@code condition} holds (checked every millisecond), failing with {@code what} after
   * {@code timeoutMs}: for state another thread changes with no future to wait on.
   */
  public static void until(String what, long timeoutMs, java.util.function.BooleanSupplier condition) {
    until(what, timeoutMs, 1, condition);
  }

  /** {@link #until(String, long, java.util.function.BooleanSupplier)}, checked every {@code pollMs}. */
  public static void until(String what, long timeoutMs, long pollMs, java.util.function.BooleanSupplier condition) {
    until(what, timeoutMs, pollMs, () -> condition.getAsBoolean() ? Boolean.TRUE : null, () -> "");
  }

  /**
   * The first non-null {@code value}, asked every {@code pollMs}: for state behind a query (SQL, HTTP, a search index),
   * which a tighter loop would only load. Fails after {@code timeoutMs} with {@code what} and {@code diagnostics}
   * (what was there instead).
   */
  public static <T> T until(String what, long timeoutMs, long pollMs, java.util.function.Supplier<T> value,
                            java.util.function.Supplier<String> diagnostics) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      T v = value.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        String more = diagnostics.get();
        throw new AssertionError("not within " + timeoutMs + " ms: " + what + (more.isEmpty() ? "" : "; " + more));
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pollMs));
    }
  }

  private static final java.net.http.HttpClient METRICS_HTTP = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

  /** A meter as the node on {@code port} exposes it on /metrics (it must be there): its first label set. */
  public static double metric(int port, String name) {
    java.util.regex.Matcher m = series(port, name);
    if (!m.find()) {
      throw new AssertionError(name + " is not in /metrics of " + port);
    }
    return Double.parseDouble(m.group(1));
  }

  /** A meter summed over all its label sets (e.g. per address, per server); 0 when the node does not expose it. */
  public static double metricSum(int port, String name) {
    java.util.regex.Matcher m = series(port, name);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** {@link #metricSum}, for a meter that must be there. */
  public static double requiredMetricSum(int port, String name) {
    java.util.regex.Matcher m = series(port, name);
    double sum = 0;
    boolean found = false;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
      found = true;
    }
    if (!found) {
      throw new AssertionError(name + " is not in /metrics of " + port);
    }
    return sum;
  }

  /** The value of each of a meter's series on the node's /metrics page, one {@code find()} at a time. */
  private static java.util.regex.Matcher series(int port, String name) {
    String body;
    try {
      body = METRICS_HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(java.time.Duration.ofSeconds(30)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      throw new AssertionError("GET /metrics on " + port + " failed: " + e.getMessage(), e);
    }
    return java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(body);
  }

  /** Polls the node's counter until it exceeds {@code before}; fails after {@code timeoutMs}. */
  public static void awaitMetricAbove(int port, String name, double before, long timeoutMs) {
    until(name + " above " + before, timeoutMs, 50, () -> metric(port, name) > before);   // 50 ms: a poll of the server's counter
  }

}

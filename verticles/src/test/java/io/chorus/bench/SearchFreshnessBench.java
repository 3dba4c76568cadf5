package io.chorus.bench;

import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * scripts/bench-search-freshness (issue 19): on a 3-node cluster (each node its own index and Kafka
 * consumer), the time from a moderator's approve (the HTTP 200 on node 0) until the track is found by an
 * anonymous search on every node, and from a takedown until it is gone from every node's results. Each
 * node is polled by its own thread ({@code bench.pollMs} between searches); the sample is the slowest node.
 * Prints Markdown rows.
 */
public final class SearchFreshnessBench {
  static final String PW = "a long enough password";
  static final String ADMIN = "fresh-admin";

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 50);
    long pollMs = Long.getLong("bench.pollMs", 10);
    TestCluster tc = TestCluster.start(3, Map.of("RATE_LIMIT_REGISTER", 0, "RATE_LIMIT_LOGIN", 0, "RATE_LIMIT_LOGIN_PER_USERNAME", 0,
        "ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", PW));
    ExecutorService pollers = Executors.newFixedThreadPool(3);
    HttpClient http = HttpClient.newHttpClient();
    try {
      Rest rest = tc.rest();
      String owner = rest.postOk(tc.port(0), "/api/v1/auth/register", null,
          new JsonObject().put("username", "fresh-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW)).getJsonObject("user").getString("id");
      String admin = rest.postOk(tc.port(0), "/api/v1/auth/login", null, new JsonObject().put("username", ADMIN).put("password", PW))
          .getString("access_token");
      // the bench's own consumer of the catalog topic: when the approve's event reached Kafka consumers
      Map<String, Long> seen = new java.util.concurrent.ConcurrentHashMap<>();
      KafkaConsumer<String, String> events = KafkaConsumer.create(tc.client(), Map.of("bootstrap.servers", tc.config().kafka().bootstrapServers(),
          "group.id", "bench-" + UUID.randomUUID(), "auto.offset.reset", "latest",
          "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
          "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"));
      events.handler(r -> {
        if (r.value() != null && r.value().contains("\"approve\"")) {
          seen.putIfAbsent(r.key(), System.nanoTime());
        }
      });
      TestServices.await(events.subscribe(tc.config().source().getString("LIBRARY_TOPIC_CATALOG")));
      List<Long> approve = new ArrayList<>();
      List<Long> takedown = new ArrayList<>();
      List<Long> kafka = new ArrayList<>();
      for (int i = -3; i < rounds; i++) {   // 3 warm-up rounds
        String word = "свежесть" + word(i + 3);
        UUID id = UUID.randomUUID();
        tc.sql("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format, mime, status, moderation)"
                + " VALUES (?, ?::uuid, ?, ?, 'k', 1, 'mp3', 'audio/mpeg', 'ready', 'pending')",
            id, owner, word, HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64));
        long[] decided = new long[1];
        long a = timed(tc, http, pollers, pollMs, word, id, true, () -> {
          decide(rest, tc, admin, id, "approve");
          decided[0] = System.nanoTime();
        });
        Long got = seen.get(id.toString());
        long t = timed(tc, http, pollers, pollMs, word, id, false, () -> decide(rest, tc, admin, id, "takedown"));
        if (i >= 0) {
          approve.add(a);
          takedown.add(t);
          if (got != null) {
            kafka.add(Math.max(0, (got - decided[0]) / 1_000_000));
          }
        }
      }
      double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      System.out.printf("%n%d rounds, 3 nodes, poll every %d ms, %d cores, load average %.1f%n%n", rounds, pollMs,
          Runtime.getRuntime().availableProcessors(), load);
      System.out.println("| change | p50 ms | p99 ms | max ms |");
      System.out.println("|---|---|---|---|");
      row("approve → found on all 3 nodes", approve);
      row("takedown → gone from all 3 nodes", takedown);
      row("approve → its catalog event at a Kafka consumer", kafka);
      List<Map<String, Object>> relay = tc.sql("SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000)::int AS p50,"
          + " (percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000)::int AS p99 FROM library_outbox WHERE topic = ?",
          tc.config().source().getString("LIBRARY_TOPIC_CATALOG"));
      System.out.printf("| outbox row committed → published (relay) | %s | %s | |%n", relay.get(0).get("p50"), relay.get(0).get("p99"));
      events.close();
    } finally {
      pollers.shutdownNow();
      tc.close();
    }
    System.exit(0);   // the embedded services' threads would keep the JVM alive
  }

  /** A distinct made-up word per round (letters only: digits would be split off by the analyzer). */
  static String word(int n) {
    String letters = "бвгдклмнпрст";
    StringBuilder b = new StringBuilder();
    do {
      b.append(letters.charAt(n % letters.length()));
      n /= letters.length();
    } while (n > 0);
    return b.toString();
  }

  static void decide(Rest rest, TestCluster tc, String admin, UUID id, String decision) {
    Rest.Reply r = rest.post(tc.port(0), "/api/v1/moderation/tracks/" + id, admin, new JsonObject().put("decision", decision).put("reason", "bench"));
    if (r.status() != 200) {
      throw new IllegalStateException(decision + ": " + r.status() + " " + r.body());
    }
  }

  /** ms from the change's HTTP answer until every node's results agree with {@code present}. */
  static long timed(TestCluster tc, HttpClient http, ExecutorService pollers, long pollMs, String q, UUID id, boolean present, Runnable change)
      throws Exception {
    change.run();
    long start = System.nanoTime();
    List<CompletableFuture<Long>> nodes = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      URI uri = URI.create("http://127.0.0.1:" + tc.port(n) + "/api/v1/search?types=tracks&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
      nodes.add(CompletableFuture.supplyAsync(() -> {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try {
          while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains(id.toString()) == present) {
              return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(pollMs);   // a polling interval, not synchronisation: the loop ends on the condition
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        throw new IllegalStateException("node did not converge in 30 s: " + uri);
      }, pollers));
    }
    long slowest = 0;
    for (CompletableFuture<Long> f : nodes) {
      slowest = Math.max(slowest, f.get());
    }
    return slowest;
  }

  static void row(String what, List<Long> ms) {
    List<Long> s = new ArrayList<>(ms);
    Collections.sort(s);
    System.out.printf("| %s | %d | %d | %d |%n", what, s.get(s.size() / 2), s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1)),
        s.get(s.size() - 1));
  }
}

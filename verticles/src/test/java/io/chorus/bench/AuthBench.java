package io.chorus.bench;

import io.chorus.ChorusNode;
import io.chorus.accounts.AccessTokens;
import io.chorus.accounts.AccountsFeature;
import io.chorus.accounts.PasswordHasher;
import io.chorus.gateway.NodePorts;
import io.chorus.infra.Infra;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * scripts/bench-auth (issue 16): on one node with the real embedded services, (1) one Argon2id hash with
 * the configured parameters, (2) sign-ins per second and their latency with {@code bench.clients}
 * concurrent clients for {@code bench.seconds}, (3) access-token verification: in process
 * ({@link AccessTokens#verify}: signature + claims + the Redis revocation check) and end to end
 * ({@code GET /api/v1/users/me}, one at a time). Prints Markdown rows.
 */
public final class AuthBench {
  public static void main(String[] args) throws Exception {
    int clients = Integer.getInteger("bench.clients", 8);
    int seconds = Integer.getInteger("bench.seconds", 15);
    int verifies = Integer.getInteger("bench.verifies", 5000);
    int nodeCount = Integer.getInteger("bench.nodes", 1);
    Map<String, Object> settings = new java.util.HashMap<>(Map.of("RATE_LIMIT_LOGIN", 0, "RATE_LIMIT_LOGIN_PER_USERNAME", 0, "RATE_LIMIT_REGISTER", 0));
    for (String k : List.of("PASSWORD_HASH_POOL_SIZE", "ARGON2_MEMORY_KIB", "ARGON2_ITERATIONS", "ARGON2_PARALLELISM")) {
      if (System.getenv(k) != null) {
        settings.put(k, System.getenv(k));
      }
    }
    TestCluster tc = TestCluster.start(nodeCount, settings);
    ChorusNode node = tc.node();
    int port = NodePorts.http(node.vertx());
    int[] ports = tc.nodes().stream().mapToInt(x -> NodePorts.http(x.vertx())).toArray();
    var a = io.chorus.accounts.AccountsConfig.of(node.config());
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    PasswordHasher hasher = new PasswordHasher(null, a.argon2MemoryKib(), a.argon2Iterations(), a.argon2Parallelism());
    hasher.hashNow("warm-up password");
    long[] hashes = new long[10];
    for (int i = 0; i < hashes.length; i++) {
      long t = System.nanoTime();
      hasher.hashNow("bench password " + i);
      hashes[i] = System.nanoTime() - t;
    }
    Arrays.sort(hashes);

    String password = "bench password 0123";
    List<String> names = new ArrayList<>();
    String token = null;
    for (int i = 0; i < clients; i++) {
      String n = "bench-" + Long.toHexString(System.nanoTime()) + i;
      JsonObject r = new JsonObject(post(http, port, "/api/v1/auth/register", new JsonObject().put("username", n).put("password", password)).body());
      names.add(n);
      token = r.getString("access_token");
    }

    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failures = new AtomicInteger();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      String n = names.get(c);
      int loginPort = ports[c % ports.length];   // clients spread round-robin over the nodes
      loops.add(CompletableFuture.runAsync(() -> {
        while (System.nanoTime() < end) {
          long t = System.nanoTime();
          HttpResponse<String> r = post(http, loginPort, "/api/v1/auth/login", new JsonObject().put("username", n).put("password", password));
          if (r.statusCode() == 200) {
            latencies.add(System.nanoTime() - t);
          } else {
            failures.incrementAndGet();
          }
        }
      }));
    }
    CompletableFuture.allOf(loops.toArray(new CompletableFuture[0])).join();
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();

    Infra infra = Infra.create(node.vertx(), node.config());
    AccessTokens tokens = AccountsFeature.accessTokens(node.vertx(), node.config(), infra);
    for (int i = 0; i < 1000; i++) {
      TestServices.await(tokens.verify(token));
    }
    long[] verify = new long[verifies];
    for (int i = 0; i < verifies; i++) {
      long t = System.nanoTime();
      TestServices.await(tokens.verify(token));
      verify[i] = System.nanoTime() - t;
    }
    Arrays.sort(verify);
    long[] me = new long[Math.min(verifies, 2000)];
    for (int i = 0; i < me.length; i++) {
      long t = System.nanoTime();
      http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/users/me")).header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      me[i] = System.nanoTime() - t;
    }
    Arrays.sort(me);

    System.out.printf("| Argon2id m=%d KiB t=%d p=%d, one hash | p50 %.1f ms, max %.1f ms |%n", a.argon2MemoryKib(), a.argon2Iterations(),
        a.argon2Parallelism(), hashes[hashes.length / 2] / 1e6, hashes[hashes.length - 1] / 1e6);
    System.out.printf("| sign-ins, %d node(s) in one JVM, %d clients, %d s, hash pool %d per node | %.1f /s, p50 %.1f ms, p99 %.1f ms, %d failed |%n", nodeCount, clients, seconds,
        a.passwordHashPoolSize(), lat.length / elapsed, pct(lat, 50) / 1e6, pct(lat, 99) / 1e6, failures.get());
    System.out.printf("| AccessTokens.verify (signature + claims + Redis EXISTS), sequential | p50 %.0f µs, p99 %.0f µs |%n",
        pct(verify, 50) / 1e3, pct(verify, 99) / 1e3);
    System.out.printf("| GET /api/v1/users/me end to end (verify + PostgreSQL read), sequential | p50 %.0f µs, p99 %.0f µs |%n",
        pct(me, 50) / 1e3, pct(me, 99) / 1e3);
    tc.close();
    System.exit(0);
  }

  private static double pct(long[] sorted, int p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  private static HttpResponse<String> post(HttpClient http, int port, String path, JsonObject body) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.chorus.bench;

import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * scripts/bench-messenger (seed 003): {@code bench.conversations} group conversations (1 by default) sharing
 * {@code bench.members} users evenly (member i in group i mod conversations) on {@code bench.nodes} clustered nodes, every member on a {@code /ws/user} socket (round-robin over the nodes, offering
 * permessage-deflate as a browser does); members send {@code POST …/messages} (round-robin, each on its own node,
 * with a client_message_id) at each target rate of {@code bench.rates} for {@code bench.seconds}, after an unreported
 * warm-up. Reported per rate: sends accepted per second, refused ones, the send's answer time, every member's copy
 * delivered (members × accepted) and its latency from the send, and whether the stored history is exactly the
 * accepted messages with seq 1, 2, 3, … (read back with after_seq paging). Prints Markdown rows.
 */
public final class MessengerBench {
  private static final String PW = "bench password 0123";

  public static void main(String[] args) throws Exception {
    int nodes = Integer.getInteger("bench.nodes", 3);
    int members = Integer.getInteger("bench.members", 50);
    int conversations = Integer.getInteger("bench.conversations", 1);
    if (conversations < 1 || members % conversations != 0 || members / conversations < 2) {
      throw new IllegalArgumentException("bench.members must be a multiple of bench.conversations with at least 2 members each");
    }
    int seconds = Integer.getInteger("bench.seconds", 20);
    int warmup = Integer.getInteger("bench.warmup", 15);
    String[] rates = System.getProperty("bench.rates", "50,100,200").split(",");
    TestCluster tc = TestCluster.start(nodes, Map.of("RATE_LIMIT_LOGIN", 0, "RATE_LIMIT_LOGIN_PER_USERNAME", 0, "RATE_LIMIT_REGISTER", 0,
        "RATE_LIMIT_MESSENGER_WRITES", 0));
    int[] ports = tc.nodes().stream().mapToInt(n -> NodePorts.http(n.vertx())).toArray();
    Vertx vertx = Vertx.vertx();
    HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
    WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setTryUsePerMessageCompression(true).setMaxFrameSize(1 << 20));
    String tag = Long.toHexString(System.nanoTime());
    List<JsonObject> users = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      users.add(call(http, ports[i % nodes], HttpMethod.POST, "/api/v1/auth/register", null,
          new JsonObject().put("username", "mb-" + tag + "-" + i).put("password", PW)));
    }
    // group g: members g, g + C, g + 2C, ...; its owner member g
    List<String> convs = new ArrayList<>();
    for (int g = 0; g < conversations; g++) {
      JsonArray others = new JsonArray();
      for (int j = g + conversations; j < members; j += conversations) {
        others.add(users.get(j).getJsonObject("user").getString("id"));
      }
      convs.add(call(http, ports[g % nodes], HttpMethod.POST, "/api/v1/conversations", token(users, g),
          new JsonObject().put("type", "group").put("title", "bench " + tag + " " + g).put("user_ids", others)).getString("id"));
    }

    // the text "m-<k>" names message k: its send time, and each member's first copy of it
    Map<Integer, Long> sentAt = new ConcurrentHashMap<>();
    AtomicLong delivered = new AtomicLong();
    @SuppressWarnings("unchecked")
    Map<Integer, Integer>[] seen = new Map[members];
    List<WebSocket> sockets = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      int me = i;
      seen[i] = new ConcurrentHashMap<>();
      WebSocket ws = await(wsClient.connect(ports[i % nodes], "127.0.0.1", "/ws/user?token=" + token(users, i)));
      ws.textMessageHandler(text -> {
        long now = System.nanoTime();
        JsonObject e = new JsonObject(text);
        if (!"message".equals(e.getString("type"))) {
          return;
        }
        String t = e.getJsonObject("message").getString("text");
        int k = Integer.parseInt(t.substring(2));
        Long at = sentAt.get(k);
        if (at != null && seen[me].putIfAbsent(k, 1) == null) {
          delivered.incrementAndGet();
          Lat.record(now - at);
        }
      });
      sockets.add(ws);
    }
    AtomicInteger next = new AtomicInteger();
    run(http, ports, nodes, users, convs, sentAt, next, 25, warmup, null);
    awaitQuiet(delivered);
    System.out.println("| members, conversations, nodes | target msg/s | accepted msg/s | refused | send answer p50 / p99 (ms) | delivered / expected | delivery p50 / p99 / max (ms) | history: stored, seq 1..N gapless |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (String r : rates) {
      int rate = Integer.parseInt(r.trim());
      Lat.reset();
      long before = delivered.get();
      int first = next.get();
      Result res = run(http, ports, nodes, users, convs, sentAt, next, rate, seconds, new Result());
      awaitQuiet(delivered);
      long got = delivered.get() - before;
      // each message reaches the members of its conversation
      long expected = (long) res.accepted.get() * (members / conversations);
      System.out.printf("| %d, %d, %d | %d | %.1f | %d | %.1f / %.1f | %d / %d | %.1f / %.1f / %.1f | %s |%n", members, conversations, nodes, rate,
          res.accepted.get() / (double) seconds, res.refused.get(), res.pct(50), res.pct(99), got, expected, Lat.pct(50), Lat.pct(99),
          Lat.pct(100), history(http, ports, users, convs, next.get() - first));
    }
    sockets.forEach(WebSocket::close);
    tc.close();
    System.exit(0);
  }

  /** Sends at {@code rate} per second for {@code seconds}, open loop (the schedule does not wait for answers). */
  private static Result run(HttpClientAgent http, int[] ports, int nodes, List<JsonObject> users, List<String> convs, Map<Integer, Long> sentAt,
      AtomicInteger next, int rate, int seconds, Result res) throws Exception {
    Result r = res == null ? new Result() : res;
    long start = System.nanoTime();
    long total = (long) rate * seconds;
    List<Future<?>> all = new ArrayList<>();
    for (long n = 0; n < total; n++) {
      long due = start + n * 1_000_000_000L / rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);   // the load's schedule, not synchronisation
      }
      int k = next.getAndIncrement();
      int u = k % users.size();
      long t0 = System.nanoTime();
      sentAt.put(k, t0);
      JsonObject body = new JsonObject().put("text", "m-" + k).put("client_message_id", "c" + k);
      all.add(http.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(ports[u % nodes]).setHost("127.0.0.1")
              .setURI("/api/v1/conversations/" + convs.get(u % convs.size()) + "/messages").putHeader("content-type", "application/json")
              .putHeader("authorization", "Bearer " + token(users, u)))
          .compose(req -> req.send(body.toBuffer()))
          .compose(resp -> resp.body().map(b -> resp.statusCode()))
          .onComplete(ar -> {
            if (ar.succeeded() && ar.result() == 201) {
              r.accepted.incrementAndGet();
              r.answers.add(System.nanoTime() - t0);
            } else {
              r.refused.incrementAndGet();
            }
          }));
    }
    await(Future.join(all).otherwiseEmpty());
    return r;
  }

  /** The stored histories read back by after_seq pages: their size and whether each one's seqs run 1, 2, 3, … with no gap. */
  private static String history(HttpClientAgent http, int[] ports, List<JsonObject> users, List<String> convs, int sentSinceStart) {
    int count = 0;
    boolean gapless = true;
    for (int g = 0; g < convs.size(); g++) {
      long last = 0;
      while (true) {
        // read as the group's owner (member g)
        JsonObject page = call(http, ports[0], HttpMethod.GET, "/api/v1/conversations/" + convs.get(g) + "/messages?limit=200&after_seq=" + last,
            token(users, g), null);
        for (Object o : page.getJsonArray("messages")) {
          long seq = ((JsonObject) o).getLong("seq");
          gapless &= seq == last + 1;
          last = seq;
          count++;
        }
        if (!page.getBoolean("has_more")) {
          break;
        }
      }
    }
    return count + " stored in all (" + sentSinceStart + " sent in this row), " + (gapless ? "gapless" : "GAPS");
  }

  private static void awaitQuiet(AtomicLong delivered) throws InterruptedException {
    // deliveries still arriving: wait until a whole second passes without one (bounded by 30 s)
    long last = -1;
    for (int i = 0; i < 30 && delivered.get() != last; i++) {
      last = delivered.get();
      Thread.sleep(1000);   // the quiet period is the measure of "done", not a synchronisation of a known event
    }
  }

  private static String token(List<JsonObject> users, int i) {
    return users.get(i).getString("access_token");
  }

  private static JsonObject call(HttpClientAgent http, int port, HttpMethod method, String path, String token, JsonObject body) {
    RequestOptions o = new RequestOptions().setMethod(method).setPort(port).setHost("127.0.0.1").setURI(path).putHeader("content-type", "application/json");
    if (token != null) {
      o.putHeader("authorization", "Bearer " + token);
    }
    return await(http.request(o).compose(req -> req.send(body == null ? Buffer.buffer() : body.toBuffer()))
        .compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + resp.statusCode() + " " + b);
          }
          return b.length() == 0 ? new JsonObject() : b.toJsonObject();
        })));
  }

  private static <T> T await(Future<T> f) {
    return TestServices.await(f);
  }

  private static final class Result {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final java.util.Queue<Long> answers = new java.util.concurrent.ConcurrentLinkedQueue<>();

    double pct(int p) {
      return Lat.pct(answers.stream().mapToLong(Long::longValue).sorted().toArray(), p);
    }
  }

  /** Delivery latencies of the current row. */
  private static final class Lat {
    private static final java.util.Queue<Long> ALL = new java.util.concurrent.ConcurrentLinkedQueue<>();

    static void record(long nanos) {
      ALL.add(nanos);
    }

    static void reset() {
      ALL.clear();
    }

    static double pct(int p) {
      return pct(ALL.stream().mapToLong(Long::longValue).sorted().toArray(), p);
    }

    static double pct(long[] d, int p) {
      if (d.length == 0) {
        return Double.NaN;
      }
      return d[Math.max(0, Math.min(d.length - 1, (int) Math.ceil(p / 100.0 * d.length) - 1))] / 1e6;
    }
  }
}

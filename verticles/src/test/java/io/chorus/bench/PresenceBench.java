package io.chorus.bench;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * scripts/bench-auth, part 2 (issue 16): presence fan-out on 3 nodes. {@code bench.friends} friends of one
 * user hold {@code /ws/user} sockets spread round-robin over the nodes; the user connects, then closes;
 * reported: time from the user's connect (close) until each friend received {@code online}
 * ({@code offline}). Prints Markdown rows.
 */
public final class PresenceBench {
  public static void main(String[] args) throws Exception {
    int friends = Integer.getInteger("bench.friends", 100);
    TestCluster tc = TestCluster.start(3, Map.of("RATE_LIMIT_LOGIN", 0, "RATE_LIMIT_LOGIN_PER_USERNAME", 0,
        "RATE_LIMIT_REGISTER", 0));
    List<ChorusNode> nodes = tc.nodes();
    int[] ports = nodes.stream().mapToInt(n -> NodePorts.http(n.vertx())).toArray();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String tag = Long.toHexString(System.nanoTime());
    JsonObject me = register(http, ports[0], "pb-" + tag + "-me");
    String myId = me.getJsonObject("user").getString("id");
    List<JsonObject> others = IntStream.range(0, friends).parallel()
        .mapToObj(i -> register(http, ports[i % 3], "pb-" + tag + "-" + i)).toList();
    for (int i = 0; i < friends; i++) {
      JsonObject f = others.get(i);
      call(http, ports[0], "/api/v1/friends/requests", me.getString("access_token"),
          new JsonObject().put("user_id", f.getJsonObject("user").getString("id")));
      call(http, ports[i % 3], "/api/v1/friends/requests/" + myId + "/accept", f.getString("access_token"), null);
    }
    Map<String, Long> online = new ConcurrentHashMap<>();
    Map<String, Long> offline = new ConcurrentHashMap<>();
    java.util.concurrent.CountDownLatch onlineAll = new java.util.concurrent.CountDownLatch(friends);
    java.util.concurrent.CountDownLatch offlineAll = new java.util.concurrent.CountDownLatch(friends);
    List<WebSocket> sockets = new ArrayList<>();
    for (int i = 0; i < friends; i++) {
      String fid = others.get(i).getJsonObject("user").getString("id");
      CompletableFuture<Void> hello = new CompletableFuture<>();
      sockets.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + ports[i % 3] + "/ws/user?token="
          + others.get(i).getString("access_token")), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
              long now = System.nanoTime();
              JsonObject m = new JsonObject(data.toString());
              if ("hello".equals(m.getString("type"))) {
                hello.complete(null);
              } else if ("presence".equals(m.getString("type")) && myId.equals(m.getString("user_id"))) {
                boolean on = "online".equals(m.getString("status"));
                if ((on ? online : offline).putIfAbsent(fid, now) == null) {
                  (on ? onlineAll : offlineAll).countDown();
                }
              }
              ws.request(1);
              return null;
            }
          }).get(20, TimeUnit.SECONDS));
      hello.get(20, TimeUnit.SECONDS);
    }
    long t0 = System.nanoTime();
    CompletableFuture<Void> myHello = new CompletableFuture<>();
    WebSocket mine = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + ports[0] + "/ws/user?token=" + me.getString("access_token")),
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            myHello.complete(null);
            ws.request(1);
            return null;
          }
        }).get(20, TimeUnit.SECONDS);
    myHello.get(20, TimeUnit.SECONDS);
    onlineAll.await(30, TimeUnit.SECONDS);
    long t1 = System.nanoTime();
    mine.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    offlineAll.await(30, TimeUnit.SECONDS);
    System.out.printf("| presence fan-out, 3 nodes, %d friends, online | received by %d; p50 %.1f ms, p99 %.1f ms, max %.1f ms after the connect |%n",
        friends, online.size(), pct(online, t0, 50), pct(online, t0, 99), pct(online, t0, 100));
    System.out.printf("| presence fan-out, 3 nodes, %d friends, offline | received by %d; p50 %.1f ms, p99 %.1f ms, max %.1f ms after the close |%n",
        friends, offline.size(), pct(offline, t1, 50), pct(offline, t1, 99), pct(offline, t1, 100));
    sockets.forEach(WebSocket::abort);
    tc.close();
    System.exit(0);
  }

  private static double pct(Map<String, Long> arrivals, long start, int p) {
    long[] d = arrivals.values().stream().mapToLong(t -> t - start).sorted().toArray();
    if (d.length == 0) {
      return Double.NaN;
    }
    return d[Math.max(0, Math.min(d.length - 1, (int) Math.ceil(p / 100.0 * d.length) - 1))] / 1e6;
  }

  private static JsonObject register(HttpClient http, int port, String name) {
    return new JsonObject(call(http, port, "/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", "bench password 0123")));
  }

  private static String call(HttpClient http, int port, String path, String token, JsonObject body) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("content-type", "application/json")
          .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
      }
      return r.body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

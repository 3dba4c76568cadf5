package io.chorus.bench;

import io.chorus.embedded.Ports;
import io.chorus.testing.ChildNode;
import io.chorus.testing.TestServices;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * scripts/bench-connections: how many idle seed-000 WebSocket connections a node holds, and what
 * each costs. The {@code bench.nodes} nodes (1 by default; 3 for the connect rate over a cluster) run
 * in their own JVMs ({@code -Xmx} {@code bench.heap}, 2g) as one Hazelcast cluster; the generator (this
 * JVM) opens {@code bench.connections} sockets in rooms of 50 (each one a real join in Redis, announced
 * to the room's members on every node), spread round-robin over the nodes, from several loopback
 * source addresses (one address has only ~28k ephemeral ports), at most 500 in flight.
 * Reported: connect rate, and heap (after a full GC, from each node's /metrics) and RSS (from /proc)
 * per connection, summed over the nodes. {@code -Dbench.transport=bridge} measures bridge sockets
 * instead: a REST join, then {@code /eventbus/websocket} with a REGISTER of the room (pinging every 5 s).
 */
public final class ConnBench {
  static final int CONNECTIONS = Integer.getInteger("bench.connections", 50_000);
  static final int PER_ROOM = 50;
  /** Listeners per room: the host created with the room is the 50th member. */
  static final int LISTENERS_PER_ROOM = PER_ROOM - 1;
  static final int IN_FLIGHT = 500;
  static final int NODES = Integer.getInteger("bench.nodes", 1);
  static final String HEAP = System.getProperty("bench.heap", "2g");
  /** {@code ws}: seed 000's /ws; {@code bridge}: REST join, then /eventbus/websocket and a REGISTER of the room. */
  static final String TRANSPORT = System.getProperty("bench.transport", "ws");
  /** {@code socketio}: the same idle sockets against one Socket.IO 4 peer process (bench/socketio-peer.js) instead. */
  static final String SYSTEM = System.getProperty("bench.system", "chorus");

  /** {@code -Dbench.histo=true}: the first node's live-object histogram before and after, per class and connection. */
  static final boolean HISTO = Boolean.getBoolean("bench.histo");

  public static void main(String[] args) throws Exception {
    if (SYSTEM.equals("socketio")) {
      SocketIoConnBench.run(CONNECTIONS, IN_FLIGHT);
      System.exit(0);
    }
    String cluster = "conn-" + UUID.randomUUID();
    List<Integer> hzPorts = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int k = 0; k < NODES; k++) {
      hzPorts.add(Ports.orFree(0));
      ports.add(Ports.orFree(0));
    }
    String members = String.join(",", hzPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    List<ChildNode> nodes = new ArrayList<>();
    try {
      for (int k = 0; k < NODES; k++) {
        Map<String, String> env = new HashMap<>(TestServices.services().environment());
        env.put("HZ_CLUSTER_NAME", cluster);
        env.put("HZ_PORT", Integer.toString(hzPorts.get(k)));
        env.put("HZ_MEMBERS", members);
        env.put("GRPC_PORT", Integer.toString(Ports.orFree(0)));
        env.put("MAX_ROOM_USERS", Integer.toString(PER_ROOM));
        env.put("RATE_LIMIT_ROOM_CREATE", "0"); // the bench creates its rooms in a burst from one address
        env.put("RATE_LIMIT_ROOM_REQUESTS", "0"); // and the bridge sockets' REST joins (1,200 per address and minute)
        // -Dbench.gatewayInstances=1: one gateway instance, whose server runs in strict thread mode
        env.put("GATEWAY_INSTANCES", System.getProperty("bench.gatewayInstances", "0"));
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + HEAP, "-Xms" + HEAP));
        // -Dbench.nodeJvmArgs="-Dchorus.bench.vertxDefaults=true": the same jar with Vert.x's own write path and queues
        String extra = System.getProperty("bench.nodeJvmArgs", "").trim();
        if (!extra.isEmpty()) {
          jvm.addAll(List.of(extra.split("\\s+")));
        }
        nodes.add(ChildNode.start(env, ports.get(k), Path.of("target", "conn-node-" + k + ".log"), jvm.toArray(String[]::new)));
      }
      for (ChildNode node : nodes) {
        node.awaitReady(NODES, Duration.ofSeconds(Integer.getInteger("bench.readySeconds", 300)));
      }
      int port = ports.get(0);
      List<String> rooms = createRooms(port, (CONNECTIONS + LISTENERS_PER_ROOM - 1) / LISTENERS_PER_ROOM);
      long heap0 = heapAfterGc(nodes, ports);
      long rss0 = rss(nodes);
      Map<String, long[]> histo0 = HISTO ? histogram(nodes.get(0).process.pid()) : null;
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
      List<WebSocketClient> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
            .setLocalAddress("127.0.0." + (10 + i)).setConnectTimeout(30_000)));
      }
      List<ClientWebSocket> open = new ArrayList<>(CONNECTIONS);
      boolean bridge = TRANSPORT.equals("bridge");
      io.vertx.core.http.HttpClient http = vertx.createHttpClient(new io.vertx.core.http.PoolOptions().setHttp1MaxSize(IN_FLIGHT));
      // bridge sockets must ping (the server closes one silent for 10 s), as the client library does every 5 s
      vertx.setPeriodic(5000, t -> {
        if (bridge) {
          synchronized (open) {
            open.forEach(ws -> ws.writeTextMessage("{\"type\":\"ping\"}"));
          }
        }
      });
      long t0 = System.nanoTime();
      // a loaded machine opens a few hundred per second: the default 90 s of TestServices.await is too short
      int failed = InFlight.run(vertx, CONNECTIONS, IN_FLIGHT, i -> {
        ClientWebSocket ws = clients.get(i % clients.size()).webSocket();
        int nodePort = ports.get(i % NODES);
        String room = rooms.get(i / LISTENERS_PER_ROOM);
        // a socket counts once it is in its room: seed WS, its room_info arrived; bridge, the reply to a
        // request sent after its REGISTER arrived without an error before it (frames are handled in order)
        Promise<Void> joined = Promise.promise();
        ws.handler(b -> {
          String t = b.toString();
          if (t.startsWith("{\"type\":\"room_info\"") || (bridge && t.startsWith("{\"type\":\"rec\""))) {
            joined.tryComplete();
          } else if (t.startsWith("{\"type\":\"error\"") || t.startsWith("{\"type\":\"err\"")) {
            joined.tryFail(t);
          }
        });
        ws.closeHandler(v -> joined.tryFail("closed"));
        io.vertx.core.Future<String> token = !bridge ? io.vertx.core.Future.succeededFuture(null)
            : http.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST).setHost("127.0.0.1")
                .setPort(nodePort).setURI("/api/v1/rooms/" + room + "/join").putHeader("content-type", "application/json")
                .putHeader("x-participant-id", "u" + i))
              .compose(req -> req.send("{\"display_name\":\"u" + i + "\"}"))
              .compose(res -> res.body().compose(body -> res.statusCode() == 200
                  ? io.vertx.core.Future.succeededFuture(body.toJsonObject().getString("token"))
                  : io.vertx.core.Future.failedFuture("join " + res.statusCode() + " " + body)));
        return token.compose(tok -> ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(nodePort)
                .setURI(bridge ? "/eventbus/websocket" : "/ws?room_id=" + room + "&user_id=u" + i))
            .compose(v -> {
              if (bridge) {
                ws.writeTextMessage("{\"type\":\"register\",\"address\":\"client.room." + room + "\",\"headers\":{\"token\":\"" + tok + "\"}}");
                ws.writeTextMessage("{\"type\":\"send\",\"address\":\"client.clock\",\"replyAddress\":\"r" + i + "\",\"body\":{\"t0\":0}}");
              }
              return joined.future();
            }))
            .onSuccess(v -> {
              synchronized (open) {
                open.add(ws);
              }
            });
      }).toCompletionStage().toCompletableFuture().get(Long.getLong("bench.connectSeconds", 1800), java.util.concurrent.TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long heap1 = heapAfterGc(nodes, ports);
      long rss1 = rss(nodes);
      int n = open.size();
      if (HISTO) {
        printHistogramDiff(histo0, histogram(nodes.get(0).process.pid()), n / NODES);
      }
      System.out.println();
      System.out.println("transport: " + (bridge ? "SockJS bridge, raw WebSocket /eventbus/websocket (REST join + REGISTER)" : "seed 000 /ws"));
      System.out.println("| nodes | connections joined and open | failed | connect+join rate (/s) | heap after GC (all nodes) | heap per connection | RSS (all nodes) | RSS per connection |");
      System.out.println("|---|---|---|---|---|---|---|---|");
      System.out.printf("| %d | %d | %d | %.0f | %d MB (from %d MB) | %.1f KB | %d MB (from %d MB) | %.1f KB |%n", NODES, n, failed, n / seconds,
          heap1 >> 20, heap0 >> 20, (heap1 - heap0) / 1024.0 / Math.max(1, n), rss1 >> 20, rss0 >> 20, (rss1 - rss0) / 1024.0 / Math.max(1, n));
      // -Dbench.hold=<s>: keep the sockets open a while longer, e.g. for jcmd <pid> GC.class_histogram
      Thread.sleep(Long.getLong("bench.hold", 0L) * 1000);
      vertx.close();
    } catch (Throwable e) {
      e.printStackTrace();
      nodes.forEach(ChildNode::close);
      System.exit(1);
    } finally {
      nodes.forEach(ChildNode::close);
      System.exit(0);
    }
  }

  /** Rooms made through the node's REST endpoint before the sockets connect. */
  static List<String> createRooms(int port, int count) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    List<String> out = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      String body = "{\"host_id\":\"h" + k + "\",\"track_url\":\"https://example.invalid/t.mp3\"}";
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/listen/rooms"))
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("\"room_id\":\"([A-Z0-9]+)\"").matcher(r.body());
      if (r.statusCode() != 201 || !m.find()) {
        throw new IllegalStateException("room creation failed: " + r.statusCode() + " " + r.body());
      }
      out.add(m.group(1));
    }
    return out;
  }

  static long heapAfterGc(List<ChildNode> nodes, List<Integer> ports) throws Exception {
    long sum = 0;
    for (int k = 0; k < nodes.size(); k++) {
      sum += heapAfterGc(nodes.get(k).process.pid(), ports.get(k));
    }
    return sum;
  }

  static long rss(List<ChildNode> nodes) throws Exception {
    long sum = 0;
    for (ChildNode node : nodes) {
      sum += rss(node.process.pid());
    }
    return sum;
  }

  static long heapAfterGc(long pid, int port) throws Exception {
    new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start().waitFor();
    String metrics = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    long sum = 0;
    Matcher m = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E+]+)").matcher(metrics);
    while (m.find()) {
      sum += (long) Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** {@code jcmd GC.class_histogram} (live objects, after a full GC): class -> {instances, bytes}. */
  static Map<String, long[]> histogram(long pid) throws Exception {
    Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Map<String, long[]> classes = new HashMap<>();
    Matcher m = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)").matcher(out);
    while (m.find()) {
      classes.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
          (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    }
    return classes;
  }

  /** The classes that grew most, per connection of the node (bytes, instances). */
  static void printHistogramDiff(Map<String, long[]> before, Map<String, long[]> after, int connections) {
    record Row(String cls, long instances, long bytes) {
    }
    List<Row> rows = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[2]);
      Row r = new Row(e.getKey(), e.getValue()[0] - b[0], e.getValue()[1] - b[1]);
      total += r.bytes();
      rows.add(r);
    }
    rows.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
    int n = Math.max(1, connections);
    System.out.printf("%nlive-object histogram of node 0, growth per connection (%d connections): %.0f bytes in all%n", connections, (double) total / n);
    System.out.println("| class | bytes per connection | instances per connection |");
    System.out.println("|---|---|---|");
    for (Row r : rows.subList(0, Math.min(Integer.getInteger("bench.histoTop", 25), rows.size()))) {
      System.out.printf("| %s | %.0f | %.2f |%n", r.cls(), (double) r.bytes() / n, (double) r.instances() / n);
    }
  }

  static long rss(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return 0;
  }
}

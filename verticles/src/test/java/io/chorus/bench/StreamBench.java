package io.chorus.bench;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * scripts/bench-stream: one source → N operators. Chorus: 3 clustered nodes (operators spread
 * round-robin, the source on node 0, frames crossing the Hazelcast-clustered event bus). Peer: a plain
 * single-node Vert.x WebSocket relay (source frames written straight to the operator sockets, no bus),
 * measured in the same run. Each frame carries its send time (System.nanoTime, same JVM) in its first
 * 8 bytes; operators record delivery latency. Prints a Markdown table.
 */
public final class StreamBench {
  static final int FRAME = Integer.getInteger("bench.frameBytes", 16 * 1024);
  static final int FRAMES = Integer.getInteger("bench.frames", 400);

  public static void main(String[] args) throws Exception {
    int[] counts = Arrays.stream(System.getProperty("bench.operators", "1,10,100").split(",")).mapToInt(Integer::parseInt).toArray();
    TestCluster cluster = TestCluster.start(3, Map.of("SESSION_MAX_OPERATORS", 10_000, "STREAM_OPERATOR_QUEUE_BYTES", 64 * 1024 * 1024));
    List<ChorusNode> nodes = cluster.nodes();
    Vertx client = Vertx.vertx();
    Vertx peerVertx = Vertx.vertx();
    int peerPort = TestServices.await(startPeer(peerVertx)).actualPort();
    List<String> rows = new ArrayList<>();
    try {
      for (int n : counts) {
        rows.add(row("Chorus, 3 nodes, event bus", n, runChorus(client, nodes, n)));
        rows.add(row("plain Vert.x relay, 1 node, no bus", n, runPeer(client, peerPort, n)));
      }
    } catch (Throwable t) {
      t.printStackTrace();
      rows.add("| (run failed: " + t + ") |");
    } finally {
      System.out.println();
      System.out.println("| relay | operators | frames x size | delivered | throughput to all operators (MB/s) | p50 latency (ms) | p99 latency (ms) | max (ms) |");
      System.out.println("|---|---|---|---|---|---|---|---|");
      rows.forEach(System.out::println);
      client.close();
      peerVertx.close();
      cluster.close();
      System.exit(0);
    }
  }

  record Result(long delivered, long expected, double seconds, long[] latenciesNs) {
  }

  static String row(String name, int n, Result r) {
    long[] l = r.latenciesNs;
    Arrays.sort(l);
    double mb = (double) r.delivered * FRAME / (1024 * 1024);
    return String.format("| %s | %d | %d x %d KiB | %d/%d | %.1f | %.2f | %.2f | %.2f |", name, n, FRAMES, FRAME / 1024,
        r.delivered, r.expected, mb / r.seconds, pct(l, 50), pct(l, 99), l.length == 0 ? 0 : l[l.length - 1] / 1e6);
  }

  static double pct(long[] sorted, int p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
  }

  static Result runChorus(Vertx client, List<ChorusNode> nodes, int operators) throws Exception {
    WebClient web = WebClient.create(client);
    JsonObject s = TestServices.await(web.post(NodePorts.http(nodes.get(0).vertx()), "127.0.0.1", "/sessions")
        .sendJsonObject(new JsonObject().put("client_id", "bench-src"))).bodyAsJsonObject();
    String id = s.getString("session_id");
    List<Integer> ports = nodes.stream().map(n -> NodePorts.http(n.vertx())).toList();
    return run(client, operators, i -> new int[] {ports.get(i % ports.size())}, i -> "/ws/stream/" + id + "/op-" + i,
        ports.get(0), "/ws/stream/" + id + "/bench-src?key=" + s.getString("stream_key"));
  }

  static Result runPeer(Vertx client, int port, int operators) throws Exception {
    return run(client, operators, i -> new int[] {port}, i -> "/op", port, "/src");
  }

  interface PortOf {
    int[] apply(int i);
  }

  interface UriOf {
    String apply(int i);
  }

  static Result run(Vertx client, int operators, PortOf portOf, UriOf uriOf, int sourcePort, String sourceUri) throws Exception {
    WebSocketClient ws = client.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000).setMaxFrameSize(FRAME * 2).setMaxMessageSize(FRAME * 2));
    long expected = (long) operators * FRAMES;
    AtomicLong delivered = new AtomicLong();
    long[] latencies = new long[(int) expected];
    AtomicLong slot = new AtomicLong();
    CountDownLatch done = new CountDownLatch(operators);
    List<ClientWebSocket> sockets = new ArrayList<>();
    for (int i = 0; i < operators; i++) {
      ClientWebSocket op = ws.webSocket();
      int[] got = {0};
      op.binaryMessageHandler(b -> {
        long lat = System.nanoTime() - b.getLong(0);
        latencies[(int) slot.getAndIncrement()] = lat;
        delivered.incrementAndGet();
        if (++got[0] == FRAMES) {
          done.countDown();
        }
      });
      TestServices.await(op.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(portOf.apply(i)[0]).setURI(uriOf.apply(i))));
      sockets.add(op);
    }
    // let the operators' registrations settle on every node before the first frame
    Thread.sleep(1000);
    ClientWebSocket source = ws.webSocket();
    TestServices.await(source.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(sourcePort).setURI(sourceUri)));
    Thread.sleep(300);
    long t0 = System.nanoTime();
    Promise<Void> sent = Promise.promise();
    client.runOnContext(v -> sendFrames(source, 0, sent));
    TestServices.await(sent.future());
    boolean all = done.await(120, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (!all) {
      System.err.println("not every operator received every frame within 120 s");
    }
    sockets.forEach(ClientWebSocket::close);
    source.close();
    ws.close();
    return new Result(delivered.get(), expected, seconds, Arrays.copyOf(latencies, (int) Math.min(slot.get(), expected)));
  }

  /** Sends with backpressure: waits for the drain when the socket's write queue is full. */
  static void sendFrames(ClientWebSocket source, int i, Promise<Void> done) {
    int k = i;
    while (k < FRAMES) {
      if (source.writeQueueFull()) {
        int next = k;
        source.drainHandler(v -> sendFrames(source, next, done));
        return;
      }
      Buffer b = Buffer.buffer(new byte[FRAME]);
      b.setLong(0, System.nanoTime());
      source.writeBinaryMessage(b);
      k++;
    }
    done.complete();
  }

  /** The peer: a plain relay with no bus, source frames written straight to every operator. */
  static Future<HttpServer> startPeer(Vertx vertx) {
    Set<ServerWebSocket> operators = ConcurrentHashMap.newKeySet();
    return vertx.createHttpServer(new HttpServerOptions().setMaxWebSocketFrameSize(FRAME * 2).setMaxWebSocketMessageSize(FRAME * 2))
        .webSocketHandler(ws -> {
          if (ws.path().equals("/src")) {
            ws.binaryMessageHandler(b -> operators.forEach(op -> op.writeBinaryMessage(b.copy())));
          } else {
            operators.add(ws);
            ws.closeHandler(v -> operators.remove(ws));
          }
        }).listen(0, "127.0.0.1");
  }
}

package io.chorus.bench;

import io.chorus.realtime.Fanout;
import io.chorus.realtime.Frame;
import io.chorus.realtime.QueueTrim;
import io.chorus.realtime.Sink;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write path of one delivered frame, in one JVM on loopback: a Vert.x server (its own event loop,
 * not in strict thread mode, as the gateway with several instances) holds N WebSockets and writes
 * each event to all of them under the core's slow-consumer policy ({@link Fanout#offer}), alternating
 * rounds of the ordinary write ({@link Frame#writeTo}: Vert.x promise, frame wrappers, Netty's
 * per-socket header encoding and payload copy) and the direct one ({@link Frame#send}); the server
 * loop's user and kernel CPU (ThreadMXBean) per frame is reported per mode. Clients (another event
 * loop) count frames. Not a substitute for scripts/bench-fanout (no cluster, bus, JSON or generator
 * latency): it isolates what changed.
 *
 * With LOOPS &gt; 1 the sockets are spread over that many server event loops (one HTTP server per loop on one
 * port, as the gateway's instances), every loop writes each event's one {@link Frame} to its own sockets at
 * the same time, and the loops' CPU is summed: what frames shared between cores cost.
 *
 * <pre>java -cp … io.chorus.bench.FrameWriteBench [N=1000] [events per round=200] [rounds per mode=5] [LOOPS=1]</pre>
 */
public final class FrameWriteBench {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int events = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int loopCount = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    Vertx server = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loopCount).setPreferNativeTransport(true));
    Vertx clients = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();
    java.util.Map<ServerWebSocket, Thread> loopOf = new java.util.concurrent.ConcurrentHashMap<>();
    List<Context> loops = new CopyOnWriteArrayList<>();
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    // one server per instance on one port: Vert.x shares the port between a deployment's instances
    server.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public io.vertx.core.Future<?> start() {
        loops.add(context);
        return vertx.createHttpServer(new HttpServerOptions()).connectionHandler(QueueTrim::trim)
            .requestHandler(req -> QueueTrim.upgrade(req).onSuccess(ws -> {
              loopOf.put(ws, Thread.currentThread());
              sockets.add(ws);
            }))
            .listen(port, "127.0.0.1");
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(loopCount)).toCompletionStage().toCompletableFuture().get();
    AtomicLong received = new AtomicLong();
    WebSocketClient client = clients.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(n + 10));
    for (int i = 0; i < n; i++) {
      client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/s" + i))
          .onSuccess(ws -> ws.handler(b -> received.incrementAndGet())).toCompletionStage().toCompletableFuture().get();
    }
    while (sockets.size() < n) {
      Thread.sleep(10);
    }
    long[] threads = new long[loops.size()];
    for (int l = 0; l < loops.size(); l++) {
      CompletableFuture<Long> tid = new CompletableFuture<>();
      loops.get(l).runOnContext(v -> tid.complete(Thread.currentThread().getId()));
      threads[l] = tid.get();
    }
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    String payload = "{\"type\":\"seek\",\"room_id\":\"BENCH01\",\"user_id\":\"host\",\"user_name\":\"host\",\"position\":12.5,"
        + "\"timestamp\":1764892800,\"version\":%d,\"server_time\":1764892800123}";
    List<String> lines = new ArrayList<>();
    long expected = 0;
    String[] modes = {"ordinary (Frame.writeTo)", "direct through Vert.x's queue, HTTP chunked writer kept (before)",
        "direct past an empty queue, no chunked writer (WsSink)"};
    List<io.chorus.realtime.WsSink> wsSinks = new ArrayList<>();
    for (ServerWebSocket ws : sockets) {
      wsSinks.add(new io.chorus.realtime.WsSink(ws, null, null, "slow"));
    }
    for (int r = 0; r < rounds * modes.length + modes.length; r++) {
      int mode = r % modes.length;
      // the chunked writer QueueTrim.upgrade removes, put back where the HTTP pipeline had it (before Vert.x's handler)
      for (Context loop : loops) {
        chunkedWriters(loop, sockets, loopOf, mode == 1);
      }
      long userBefore = sum(mx::getThreadUserTime, threads);
      long cpuBefore = sum(mx::getThreadCpuTime, threads);
      for (int e = 0; e < events; e++) {
        Frame frame = Frame.of(String.format(payload, e));
        List<io.vertx.core.Future<Void>> all = new ArrayList<>();
        for (Context loop : loops) {
          Promise<Void> done = Promise.promise();
          all.add(done.future());
          loop.runOnContext(v -> {
            for (int i = 0; i < sockets.size(); i++) {
              ServerWebSocket ws = sockets.get(i);
              if (loopOf.get(ws) == Thread.currentThread()) {
                Fanout.offer(mode == 0 ? new OrdinarySink(ws) : mode == 1 ? new DirectSink(ws) : wsSinks.get(i), frame, null);
              }
            }
            done.complete();
          });
        }
        io.vertx.core.Future.all(all).toCompletionStage().toCompletableFuture().get();
        expected += n;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (received.get() < expected && System.nanoTime() < deadline) {
          Thread.sleep(1); // one event at a time: no socket's queue ever fills
        }
      }
      double user = (sum(mx::getThreadUserTime, threads) - userBefore) / 1e3 / ((double) events * n);
      double all = (sum(mx::getThreadCpuTime, threads) - cpuBefore) / 1e3 / ((double) events * n);
      if (r >= modes.length) { // the first round of each mode warms the JIT
        lines.add(String.format("| %s | %d | %d | %.2f | %.2f |", modes[mode], n, events, user, all - user));
      }
    }
    System.out.println("received " + received.get() + " of " + expected);
    System.out.println("| write path | sockets | events | server loops' user µs per frame (" + loops.size() + " loop(s)) | kernel µs per frame |");
    System.out.println("|---|---|---|---|---|");
    lines.forEach(System.out::println);
    clients.close();
    server.close();
    System.exit(received.get() == expected ? 0 : 1);
  }

  private static long sum(java.util.function.LongUnaryOperator cpu, long[] threads) {
    long t = 0;
    for (long thread : threads) {
      t += cpu.applyAsLong(thread);
    }
    return t;
  }

  /** Adds (or removes) a chunked writer in the pipeline of every socket of {@code loop}, on that loop. */
  private static void chunkedWriters(Context loop, List<ServerWebSocket> sockets, java.util.Map<ServerWebSocket, Thread> loopOf,
      boolean add) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.runOnContext(v -> {
      for (ServerWebSocket ws : sockets) {
        if (loopOf.get(ws) != Thread.currentThread()) {
          continue;
        }
        io.netty.channel.ChannelHandlerContext ctx = Frame.connectionOf(ws).channelHandlerContext();
        io.netty.channel.ChannelPipeline p = ctx.pipeline();
        boolean has = p.get(io.netty.handler.stream.ChunkedWriteHandler.class) != null;
        if (add && !has) {
          p.addBefore(ctx.name(), "chunkedWriter", new io.netty.handler.stream.ChunkedWriteHandler());
        } else if (!add && has) {
          p.remove(io.netty.handler.stream.ChunkedWriteHandler.class);
        }
      }
      done.complete(null);
    });
    done.get();
  }

  /** The socket as the core sees it, written the ordinary way. */
  private record OrdinarySink(ServerWebSocket ws) implements Sink {
    public boolean isClosed() {
      return ws.isClosed();
    }

    public boolean writeQueueFull() {
      return ws.writeQueueFull();
    }

    public void write(Frame frame) {
      frame.writeTo(ws);
    }

    public void closeSlow() {
      ws.close((short) 1013);
    }

    public void abort() {
      ws.close();
    }
  }

  /** The same, written the direct way (what {@code WsSink} does). */
  private record DirectSink(ServerWebSocket ws) implements Sink {
    public boolean isClosed() {
      return ws.isClosed();
    }

    public boolean writeQueueFull() {
      return ws.writeQueueFull();
    }

    public void write(Frame frame) {
      frame.send(ws);
    }

    public void closeSlow() {
      ws.close((short) 1013);
    }

    public void abort() {
      ws.close();
    }
  }
}

package io.chorus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Fan-out latency load generator on the JVM (issue 6, benchmarks 1 and 2): the same protocol and
 * measurement as {@code bench/fanout.js}, but able to read a burst of N frames on two threads with a
 * few microseconds per frame, so that the figure is the servers' delivery time rather than the
 * generator's queue. One host sends {@code seek} controls at a fixed rate; the control's position is
 * a sequence number and latency = this JVM's receive time − its own send time for that sequence (one
 * monotonic clock, {@link System#nanoTime()}), taken first thing in the frame handler. Frames are
 * scanned as bytes (no JSON parse on the hot path). Prints one JSON line, the same fields as
 * fanout.js, so scripts/bench-fanout tabulates either generator.
 *
 * <p>Systems: {@code chorus} (seed 000 WebSocket /ws), {@code bridge} (SockJS raw WebSocket
 * /eventbus/websocket with the eventbus-bridge-client.js frames; REST join first), {@code socketio}
 * (bench/socketio-peer.js, spoken as Engine.IO 4 / Socket.IO 5 packets over the WebSocket
 * transport, as socket.io-client does with {@code transports: ['websocket']}).
 *
 * <pre>java -cp … io.chorus.bench.FanoutBench --system chorus --n 1000 [--rate 10] [--duration 20]
 *   [--batch 200] [--ports 8099,8199,8299] [--drain 5] [--connect-timeout 240] [--threads 2]
 *   [--server-pids p1,p2,p3]</pre>
 */
public final class FanoutBench {
  private static final byte[] POSITION = "\"position\":".getBytes(StandardCharsets.US_ASCII);

  private final String system;
  private final int n;
  private final double rate;
  private final int events;
  private final int batch;
  private final int[] ports;
  private final int drainS;
  /** Seconds of servers' CPU read with every listener connected and no event sent, before the run (0: none). */
  private final int baselineS;
  private final int connectTimeoutS;
  private final Vertx vertx;
  private final WebSocketClient wsClient;
  private final HttpClient http;
  /** Server processes whose CPU time is read over the measured window (Linux /proc). */
  private final long[] serverPids;

  private final AtomicLongArray sendAt;
  private final long[] latencyNs;
  private final int[] latencySeq;
  private final AtomicInteger delivered = new AtomicInteger();
  private final AtomicInteger unknownSeq = new AtomicInteger();
  private final AtomicInteger duplicate = new AtomicInteger();
  private final AtomicInteger closedDuringRun = new AtomicInteger();
  private final AtomicInteger errors = new AtomicInteger();
  private final List<String> firstErrors = new ArrayList<>();
  private volatile long lastMsgAt = System.nanoTime();
  private volatile boolean measuring;

  private FanoutBench(Args a) {
    system = a.str("system", "chorus");
    n = a.integer("n", 1000);
    rate = a.dbl("rate", 10);
    events = (int) Math.round(rate * a.dbl("duration", 20));
    batch = a.integer("batch", 200);
    drainS = a.integer("drain", 5);
    baselineS = a.integer("baseline", 0);
    connectTimeoutS = a.integer("connect-timeout", 240);
    ports = Arrays.stream(a.str("ports", system.equals("socketio") ? "3001,3002,3003" : "8099,8199,8299").split(","))
        .mapToInt(Integer::parseInt).toArray();
    String pids = a.str("server-pids", "");
    serverPids = pids.isBlank() ? new long[0] : Arrays.stream(pids.split(",")).mapToLong(Long::parseLong).toArray();
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(a.integer("threads", 2)).setPreferNativeTransport(true));
    wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
        .setConnectTimeout(60_000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
    http = vertx.createHttpClient(new HttpClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    sendAt = new AtomicLongArray(events + 1);
    latencyNs = new long[events * n];
    latencySeq = new int[events * n];
  }

  /** One listening socket: which sequences it has seen. Written by its own event loop only. */
  private final class Listener {
    final byte[] seen = new byte[events + 1];
    volatile boolean probed;

    void onSeek(long now, int seq) {
      if (seq < 1 || seq > events || sendAt.get(seq) == 0) {
        unknownSeq.incrementAndGet();
        return;
      }
      if (seen[seq] != 0) {
        duplicate.incrementAndGet();
        return;
      }
      seen[seq] = 1;
      int k = delivered.getAndIncrement();
      latencyNs[k] = now - sendAt.get(seq);
      latencySeq[k] = seq;
    }
  }

  /** What differs between the systems: set-up, joining a listener, sending a control. */
  private interface Sut {
    Future<WebSocket> connect(int i, Listener l);

    void send(int seq);

    default Future<Void> confirm(List<Listener> all) {
      return Future.succeededFuture();
    }

    default boolean serialFirst() {
      return false;
    }
  }

  // ---------- helpers ----------
  private void noteError(String m) {
    errors.incrementAndGet();
    synchronized (firstErrors) {
      if (firstErrors.size() < 5) {
        firstErrors.add(m.length() > 200 ? m.substring(0, 200) : m);
      }
    }
  }

  private static boolean startsWith(Buffer b, String prefix) {
    if (b.length() < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (b.getByte(i) != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(Buffer b, byte[] needle, int from) {
    outer:
    for (int i = from, end = b.length() - needle.length; i <= end; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (b.getByte(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static boolean contains(Buffer b, String s) {
    return indexOf(b, s.getBytes(StandardCharsets.US_ASCII), 0) >= 0;
  }

  /** The integer part of the first "position": value (positions are whole sequence numbers). */
  private static int position(Buffer b) {
    int i = indexOf(b, POSITION, 0);
    if (i < 0) {
      return -1;
    }
    i += POSITION.length;
    int v = 0;
    boolean any = false;
    for (; i < b.length(); i++) {
      byte c = b.getByte(i);
      if (c < '0' || c > '9') {
        break;
      }
      v = v * 10 + (c - '0');
      any = true;
    }
    return any ? v : -1;
  }

  private Future<JsonObject> post(int port, String uri, JsonObject body, String participant, int expect) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(uri)
        .putHeader("content-type", "application/json");
    if (participant != null) {
      o.putHeader("x-participant-id", participant);
    }
    return http.request(o).compose(req -> req.send(body.toBuffer()))
        .compose(res -> res.body().compose(b -> res.statusCode() == expect ? Future.succeededFuture(b.toJsonObject())
            : Future.failedFuture(uri + ": " + res.statusCode() + " " + b)));
  }

  private Future<WebSocket> open(int port, String uri) {
    return wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)).map(ws -> ws);
  }

  private void watchClose(WebSocket ws, Promise<?> ready, String label) {
    ws.closeHandler(v -> {
      if (measuring) {
        closedDuringRun.incrementAndGet();
      }
      ready.tryFail(label + ": closed " + ws.closeStatusCode() + " " + ws.closeReason() + " before ready");
    });
    ws.exceptionHandler(e -> noteError(label + ": " + e.getMessage()));
  }

  // ---------- Chorus: seed 000 WebSocket ----------
  private Future<Sut> chorus() {
    return createRoom().compose(room -> {
      String roomId = room.getString("room_id");
      return chorusConnect(ports[0], roomId, room.getString("host_id"), room.getString("token"), null).map(host -> new Sut() {
        public Future<WebSocket> connect(int i, Listener l) {
          return chorusConnect(ports[i % ports.length], roomId, "l" + i, null, l);
        }

        public void send(int seq) {
          host.writeTextMessage("{\"type\":\"control\",\"action\":\"seek\",\"position\":" + seq + "}");
        }
      });
    });
  }

  private Future<JsonObject> createRoom() {
    return post(ports[0], "/api/v1/listen/rooms", new JsonObject().put("host_id", "bench-host-" + ProcessHandle.current().pid())
        .put("host_name", "bench host").put("track_url", "https://example.invalid/track.mp3"), null, 201);
  }

  private Future<WebSocket> chorusConnect(int port, String roomId, String user, String token, Listener l) {
    String uri = "/ws?room_id=" + roomId + "&user_id=" + user + "&user_name=" + user + (token == null ? "" : "&token=" + token);
    return open(port, uri).compose(ws -> {
      Promise<WebSocket> joined = Promise.promise();
      ws.handler(b -> {
        long now = System.nanoTime();
        lastMsgAt = now;
        if (startsWith(b, "{\"type\":\"seek\"")) {
          if (l != null) {
            l.onSeek(now, position(b));
          }
        } else if (startsWith(b, "{\"type\":\"room_info\"")) {
          joined.tryComplete(ws);
        } else if (startsWith(b, "{\"type\":\"error\"")) {
          noteError(user + ": " + b);
        }
      });
      watchClose(ws, joined, user);
      return joined.future();
    });
  }

  // ---------- Chorus: SockJS event-bus bridge, raw WebSocket transport ----------
  private Future<Sut> bridge() {
    return createRoom().compose(room -> {
      String roomId = room.getString("room_id");
      String token = room.getString("token");
      String address = "client.room." + roomId;
      return bridgeOpen(ports[0], "host", null).map(host -> {
        List<WebSocket> sockets = new ArrayList<>();
        sockets.add(host);
        vertx.setPeriodic(5000, t -> {
          synchronized (sockets) {
            sockets.forEach(ws -> ws.writeTextMessage("{\"type\":\"ping\"}"));
          }
        });
        return new Sut() {
          public Future<WebSocket> connect(int i, Listener l) {
            int port = ports[i % ports.length];
            return post(port, "/api/v1/rooms/" + roomId + "/join", new JsonObject().put("display_name", "l" + i), "l" + i, 200)
                .compose(joined -> bridgeOpen(port, "l" + i, l).onSuccess(ws -> {
                  ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address)
                      .put("headers", new JsonObject().put("token", joined.getString("token"))).encode());
                  synchronized (sockets) {
                    sockets.add(ws);
                  }
                }));
          }

          public void send(int seq) {
            host.writeTextMessage(new JsonObject().put("type", "send").put("address", "client.room-control")
                .put("headers", new JsonObject().put("token", token))
                .put("body", new JsonObject().put("room_id", roomId).put("action", "seek").put("position", seq)).encode());
          }

          // REGISTER has no acknowledgement: seek to 0 until every listener has seen one
          public Future<Void> confirm(List<Listener> all) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < until) {
              send(0);
              LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
              long missing = all.stream().filter(x -> !x.probed).count();
              if (missing == 0) {
                return Future.succeededFuture();
              }
              log(missing + " listener(s) have not received the probe yet");
            }
            return Future.failedFuture("not every listener received the probe within 120 s");
          }

          public boolean serialFirst() {
            return true;
          }
        };
      });
    });
  }

  private Future<WebSocket> bridgeOpen(int port, String label, Listener l) {
    return open(port, "/eventbus/websocket").map(ws -> {
      ws.handler(b -> {
        long now = System.nanoTime();
        lastMsgAt = now;
        if (contains(b, "\"type\":\"seek\"")) {
          if (l != null) {
            int seq = position(b);
            if (seq == 0) {
              l.probed = true;
            } else {
              l.onSeek(now, seq);
            }
          }
        } else if (startsWith(b, "{\"type\":\"err\"")) {
          noteError(label + ": " + b);
        }
      });
      watchClose(ws, Promise.promise(), label);
      return ws;
    });
  }

  // ---------- Socket.IO peer: Engine.IO 4 packets over the WebSocket transport ----------
  private Future<Sut> socketio() {
    String roomId = "R" + ProcessHandle.current().pid();
    return sioConnect(ports[0], roomId, "bench-host-" + ProcessHandle.current().pid(), null).map(host -> new Sut() {
      public Future<WebSocket> connect(int i, Listener l) {
        return sioConnect(ports[i % ports.length], roomId, "l" + i, l);
      }

      public void send(int seq) {
        host.writeTextMessage("42[\"control\",{\"type\":\"control\",\"action\":\"seek\",\"position\":" + seq + "}]");
      }
    });
  }

  private Future<WebSocket> sioConnect(int port, String roomId, String user, Listener l) {
    return open(port, "/socket.io/?EIO=4&transport=websocket&room_id=" + roomId + "&user_id=" + user).compose(ws -> {
      Promise<WebSocket> joined = Promise.promise();
      ws.handler(b -> {
        long now = System.nanoTime();
        lastMsgAt = now;
        if (startsWith(b, "42[\"room_event\"")) {
          if (l != null && contains(b, "\"type\":\"seek\"")) {
            l.onSeek(now, position(b));
          }
        } else if (startsWith(b, "2")) {
          ws.writeTextMessage("3"); // Engine.IO ping → pong
        } else if (startsWith(b, "0{")) {
          ws.writeTextMessage("40"); // Engine.IO open → Socket.IO CONNECT to the main namespace
        } else if (startsWith(b, "42[\"room_info\"")) {
          joined.tryComplete(ws);
        } else if (startsWith(b, "44")) {
          joined.tryFail(user + ": connect error " + b);
        }
      });
      watchClose(ws, joined, user);
      return joined.future();
    });
  }

  // ---------- the run ----------
  private void log(String m) {
    System.err.println("fanout-jvm[" + system + " n=" + n + "]: " + m);
  }

  private static <T> T await(Future<T> f, long seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  private JsonObject run() throws Exception {
    long t0 = System.nanoTime();
    Sut sut = await(switch (system) {
      case "chorus" -> chorus();
      case "bridge" -> bridge();
      case "socketio", "floor" -> socketio();   // the floor speaks the peer's wire protocol
      default -> Future.<Sut>failedFuture("unknown system " + system);
    }, 60);
    List<Listener> listeners = new ArrayList<>(n);
    long deadline = t0 + TimeUnit.SECONDS.toNanos(connectTimeoutS);
    for (int start = 0, end; start < n; start = end) {
      // bridge: the first REST join alone (see fanout.js: concurrent first joins race on the room's row)
      end = Math.min(n, sut.serialFirst() && start == 0 ? 1 : start + batch);
      List<Future<WebSocket>> pending = new ArrayList<>();
      for (int i = start; i < end; i++) {
        Listener l = new Listener();
        listeners.add(l);
        pending.add(sut.connect(i, l));
      }
      long left = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
      await(Future.all(pending), left);
    }
    await(sut.confirm(listeners), 130);
    double joinedS = (System.nanoTime() - t0) / 1e9;
    log(String.format("%d listeners ready in %.1f s; waiting for quiet", n, joinedS));
    long quietDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() - lastMsgAt < TimeUnit.SECONDS.toNanos(1) && System.nanoTime() < quietDeadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
    double load1 = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    // the servers' own background (timers, heartbeats, consumers' polls, GC) with the same sockets open and
    // nothing sent: subtracted from the run's CPU, it leaves what the frames themselves cost
    long[] idle0 = cpuTicks(serverPids);
    long idleAt = System.nanoTime();
    if (baselineS > 0) {
      log("reading the servers' idle CPU for " + baselineS + " s");
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(baselineS));
    }
    long[] idle1 = cpuTicks(serverPids);
    double idleS = (System.nanoTime() - idleAt) / 1e9;
    log("sending " + events + " seek controls at " + rate + "/s");
    long[] serverCpu0 = cpuTicks(serverPids);
    long runAt = System.nanoTime();
    long[] ownCpu0 = cpuTicks(new long[] {ProcessHandle.current().pid()});
    measuring = true;
    long interval = (long) (1e9 / rate);
    long start = System.nanoTime();
    for (int seq = 1; seq <= events; seq++) {
      long due = start + (seq - 1) * interval;
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      sendAt.set(seq, System.nanoTime());
      sut.send(seq);
    }
    long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainS);
    while (delivered.get() < (long) events * n && System.nanoTime() < drainUntil) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    measuring = false;
    long[] serverCpu1 = cpuTicks(serverPids);
    double runS = (System.nanoTime() - runAt) / 1e9;
    long[] ownCpu1 = cpuTicks(new long[] {ProcessHandle.current().pid()});
    int count = delivered.get();
    int warmSeq = (int) Math.round(5 * rate);
    long[] all = Arrays.copyOf(latencyNs, count);
    long[] steady = new long[count];
    int s = 0;
    for (int k = 0; k < count; k++) {
      if (latencySeq[k] > warmSeq) {
        steady[s++] = latencyNs[k];
      }
    }
    steady = Arrays.copyOf(steady, s);
    Arrays.sort(all);
    Arrays.sort(steady);
    JsonObject r = new JsonObject().put("system", system).put("generator", "jvm").put("n", n).put("events", events)
        .put("rate", rate).put("expected", (long) events * n).put("delivered", count).put("unknown_seq", unknownSeq.get())
        .put("duplicate", duplicate.get()).put("closed_during_run", closedDuringRun.get()).put("errors", errors.get())
        .put("first_errors", new io.vertx.core.json.JsonArray(new ArrayList<>(firstErrors)))
        .put("join_s", Math.round(joinedS * 10) / 10.0).put("deflate", "none")
        .put("p50_ms", ms(pct(all, 50))).put("p99_ms", ms(pct(all, 99))).put("max_ms", ms(all.length == 0 ? -1 : all[all.length - 1]))
        .put("after_5s", new JsonObject().put("p50_ms", ms(pct(steady, 50))).put("p99_ms", ms(pct(steady, 99)))
            .put("max_ms", ms(steady.length == 0 ? -1 : steady[steady.length - 1])))
        .put("load1_at_start", Math.round(load1 * 100) / 100.0);
    // CPU per delivered frame over the measured window (sending, drain): what each frame costs the
    // servers (all their threads, kernel time included) and this generator; 1 tick = 10 ms
    if (count > 0) {
      io.vertx.core.json.JsonArray per = new io.vertx.core.json.JsonArray();
      long total = 0;
      long kernel = 0;
      for (int k = 0; k < serverPids.length; k++) {
        long d = serverCpu1[2 * k] - serverCpu0[2 * k];
        long sys = serverCpu1[2 * k + 1] - serverCpu0[2 * k + 1];
        total += d + sys;
        kernel += sys;
        per.add((d + sys) * 10);
      }
      r.put("server_cpu_ms", per);
      if (serverPids.length > 0) {
        r.put("server_cpu_us_per_frame", perFrame(total, count)).put("server_kernel_us_per_frame", perFrame(kernel, count));
      }
      r.put("generator_cpu_us_per_frame", perFrame(ownCpu1[0] + ownCpu1[1] - ownCpu0[0] - ownCpu0[1], count));
      if (baselineS > 0 && serverPids.length > 0) {
        long idleUser = 0;
        long idleSys = 0;
        long runUser = 0;
        for (int k = 0; k < serverPids.length; k++) {
          idleUser += idle1[2 * k] - idle0[2 * k];
          idleSys += idle1[2 * k + 1] - idle0[2 * k + 1];
          runUser += serverCpu1[2 * k] - serverCpu0[2 * k];
        }
        r.put("server_idle_cpu_ms_per_s", Math.round((idleUser + idleSys) * 10 / idleS * 10) / 10.0)
            .put("server_user_us_per_frame", perFrame(runUser, count))
            .put("server_user_us_per_frame_less_idle", perFrame(Math.max(0, runUser - Math.round(idleUser * runS / idleS)), count));
      }
    }
    return r;
  }

  /** utime and stime of each process in clock ticks (1/100 s), two entries per process; -1 when unreadable. */
  private static long[] cpuTicks(long[] pids) {
    long[] t = new long[2 * pids.length];
    for (int k = 0; k < pids.length; k++) {
      try {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pids[k] + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        t[2 * k] = Long.parseLong(f[11]); // fields 14 (utime) and 15 (stime) of proc(5)
        t[2 * k + 1] = Long.parseLong(f[12]);
      } catch (java.io.IOException | RuntimeException e) {
        t[2 * k] = -1;
        t[2 * k + 1] = -1;
      }
    }
    return t;
  }

  /** Ticks (10 ms) per delivered frame, in µs with one decimal. */
  private static double perFrame(long ticks, int frames) {
    return Math.round(ticks * 10_000.0 / frames * 10) / 10.0;
  }

  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return -1;
    }
    int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
    return sorted[i];
  }

  private static Double ms(long ns) {
    return ns < 0 ? null : Math.round(ns / 10_000.0) / 100.0;
  }

  public static void main(String[] argv) {
    Args a = new Args(argv);
    FanoutBench bench = new FanoutBench(a);
    int code = 0;
    try {
      System.out.println(bench.run().encode());
    } catch (Throwable e) {
      Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      bench.log("failed: " + c);
      System.out.println(new JsonObject().put("system", bench.system).put("n", bench.n).put("failed", String.valueOf(c.getMessage())).encode());
      code = 1;
    }
    System.out.flush();
    Runtime.getRuntime().halt(code); // sockets are torn down with the process, as fanout.js does
  }

  /** --key value pairs. */
  private record Args(String[] v) {
    String str(String key, String dflt) {
      for (int i = 0; i + 1 < v.length; i++) {
        if (v[i].equals("--" + key)) {
          return v[i + 1];
        }
      }
      return dflt;
    }

    int integer(String key, int dflt) {
      return Integer.parseInt(str(key, Integer.toString(dflt)));
    }

    double dbl(String key, double dflt) {
      return Double.parseDouble(str(key, Double.toString(dflt)));
    }
  }
}

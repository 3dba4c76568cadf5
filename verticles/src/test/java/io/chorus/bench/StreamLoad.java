package io.chorus.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Paced audio listeners, as a media element plays a 128 kbps stream: each opens one connection, GETs the
 * whole file, plays once it holds {@code bench.buffer} bytes (64 KiB, 4 s) and from then on consumes
 * {@code bench.rate} bytes/s (16,000); it reads only while it holds less than that buffer ahead of its
 * playback position (the response is paused otherwise, so the server sees TCP back-pressure as from a
 * player). A <b>stall</b> is the playback position catching up with the bytes received after playback
 * started (the player then waits and resumes when bytes arrive). TTFB = request start → first body byte.
 * <p>Per level N: N listeners arrive at {@code bench.arrivals} per second (200), all keep playing for
 * {@code bench.hold} s (30) after the last arrived, then the connections are closed. Server CPU (user +
 * system of a process and all its descendants, from /proc) and RSS are sampled over that window.
 */
final class StreamLoad implements AutoCloseable {
  private static final long HZ = 100; // USER_HZ of /proc/<pid>/stat

  private final int buffer = Integer.getInteger("bench.buffer", 65536);
  private final int rate = Integer.getInteger("bench.rate", 16000);
  private final int arrivals = Integer.getInteger("bench.arrivals", 200);
  private final int hold = Integer.getInteger("bench.hold", 30);
  private final int warm = Integer.getInteger("bench.warm", 300);
  private final List<Integer> levels = ints(System.getProperty("bench.levels", "500,1000,2000"));
  private final List<String> systems = List.of(System.getProperty("bench.systems", "chorus,static").split(","));
  private final Map<String, Long> roots = Map.of("chorus", Long.getLong("bench.chorusPid", -1L), "static", Long.getLong("bench.staticPid", -1L));
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Integer.getInteger("bench.loops", 2)));
  private final HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(10_000)
      .setIdleTimeout(60).setReceiveBufferSize(64 * 1024), new PoolOptions().setHttp1MaxSize(1_000_000).setMaxWaitQueueSize(-1));

  private final List<Context> contexts = contexts();

  /** One context per event loop (a plain thread's getOrCreateContext sticks to one). */
  private List<Context> contexts() {
    List<Context> out = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < Integer.getInteger("bench.loops", 2); i++) {
      Thread t = new Thread(() -> out.add(vertx.getOrCreateContext()));
      t.start();
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return out;
  }

  void run(Map<String, List<String>> chorus, Map<String, List<String>> statik) throws Exception {
    System.out.printf("%n%d-byte start buffer, %d bytes/s per listener, %d arrivals/s, %d s held after the last arrival%n%n", buffer, rate, arrivals, hold);
    for (String format : chorus.keySet()) {
      for (String system : systems) {
        System.err.printf("bench-library: warm-up %s %s, %d listeners%n", system, format, warm);
        level(system, format, urls(system, format, chorus, statik), warm, Math.min(hold, 10));
      }
    }
    System.out.println("| system | file | listeners | started / errors | TTFB p50 / p99 / max ms | start-up (to the buffer) p99 ms | stalled listeners (stalls, s) | min buffer ahead KiB | received MB/s | server CPU % of a core: process / with children | RSS MB: process / with children | generator CPU % | requests sent late p99 ms | kernel TCP memory peak MB | load |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    Map<String, Boolean> broke = new HashMap<>();
    for (int n : levels) {
      for (String format : chorus.keySet()) {
        for (String system : systems) {
          if (broke.getOrDefault(system + format, false)) {
            continue;
          }
          Result r = level(system, format, urls(system, format, chorus, statik), n, hold);
          System.out.println(r.row());
          System.out.flush();
          // beyond a level that lost a fifth of its listeners the next one only measures the wreck
          broke.put(system + format, r.errors * 5 > n);
        }
      }
    }
  }

  private static List<String> urls(String system, String format, Map<String, List<String>> chorus, Map<String, List<String>> statik) {
    return system.equals("chorus") ? chorus.get(format) : statik.get(format);
  }

  /** One listener; every field is touched on its own context only, until {@link Result} reads them after the close. */
  private final class Listener {
    final Context ctx;
    long start;
    long ttfb = -1;
    long connected = -1;
    long headers = -1;
    long buffered = -1;
    long playStart = -1;
    long received;
    long minAhead = Long.MAX_VALUE;
    int stalls;
    long stallNs;
    boolean paused;
    boolean done;
    boolean ended;
    String error;
    HttpClientRequest request;
    HttpClientResponse response;

    Listener(Context ctx) {
      this.ctx = ctx;
    }

    void start(String url) {
      start = System.nanoTime();
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setIdleTimeout(30_000))
          .compose(req -> {
            request = req;
            connected = System.nanoTime();
            return req.send();
          })
          .onSuccess(resp -> {
            headers = System.nanoTime();
            if (done) {
              resp.request().reset();
              return;
            }
            if (resp.statusCode() != 200) {
              fail("HTTP " + resp.statusCode());
              return;
            }
            response = resp;
            resp.handler(this::chunk);
            resp.endHandler(v -> ended = true);
            resp.exceptionHandler(e -> fail(e.getClass().getSimpleName() + ": " + e.getMessage()));
          })
          .onFailure(e -> fail(e.getClass().getSimpleName() + ": " + e.getMessage()));
    }

    private void fail(String why) {
      if (!done && error == null) {
        error = why;
      }
    }

    private double position(long now) {
      return playStart < 0 ? 0 : (double) rate * (now - playStart) / 1e9;
    }

    private void checkStall(long now) {
      if (playStart >= 0 && received < position(now)) {
        long ranOut = playStart + (long) (received * 1e9 / rate);
        stalls++;
        stallNs += now - ranOut;
        playStart += now - ranOut; // the player waited that long
      }
    }

    private void chunk(Buffer b) {
      long now = System.nanoTime();
      if (ttfb < 0) {
        ttfb = now - start;
      }
      checkStall(now);
      if (playStart >= 0) {
        minAhead = Math.min(minAhead, received - (long) position(now));
      }
      received += b.length();
      if (playStart < 0 && received >= buffer) {
        playStart = now;
        buffered = now - start;
      }
      double allowed = buffer + position(now);
      if (received >= allowed && !paused && !done) {
        paused = true;
        response.pause();
        long wait = (long) ((received - allowed) * 1e9 / rate) + 250_000_000L;
        vertx.setTimer(Math.max(1, wait / 1_000_000), t -> {
          paused = false;
          if (!done) {
            response.resume();
          }
        });
      }
    }

    void close(long now) {
      if (error == null && !ended) {
        checkStall(now);
      }
      done = true;
      if (request != null) {
        request.reset();
      }
    }
  }

  private record Result(String system, String format, int n, int started, int errors, Map<String, Integer> why, List<Double> ttfb,
                        List<Double> startup, int stalled, int stalls, double stallS, long minAhead, double mbps, double cpuProc,
                        double cpuTree, long rssProc, long rssTree, double genCpu, double lateP99, long tcpMb,
                        String load) {
    String row() {
      String whyText = why.isEmpty() ? "" : " " + why;
      return String.format("| %s | %s | %d | %d / %d%s | %.1f / %.1f / %.1f | %.0f | %d (%d, %.1f) | %s | %.1f | %.0f / %.0f | %d / %d | %.0f | %.0f | %d | %s |",
          system.equals("chorus") ? "Chorus (signed URL)" : "nginx", format, n, started, errors, whyText, pct(ttfb, 50), pct(ttfb, 99),
          pct(ttfb, 100), pct(startup, 99), stalled, stalls, stallS, minAhead == Long.MAX_VALUE ? "–" : Long.toString(minAhead / 1024), mbps,
          cpuProc, cpuTree, rssProc, rssTree, genCpu, lateP99, tcpMb, load);
    }
  }

  private Result level(String system, String format, List<String> urls, int n, int holdS) throws Exception {
    long root = roots.getOrDefault(system, -1L);
    String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    long[] cpu0 = cpu(root);
    long gen0 = genCpu();
    long t0 = System.nanoTime();
    List<Listener> ls = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long due = t0 + i * 1_000_000_000L / arrivals;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      Context ctx = contexts.get(i % contexts.size());
      Listener l = new Listener(ctx);
      ls.add(l);
      String url = urls.get(i % urls.size());
      ctx.runOnContext(v -> l.start(url));
    }
    long rssProc = 0;
    long rssTree = 0;
    long tcpPages = 0;
    long end = System.nanoTime() + holdS * 1_000_000_000L;
    while (System.nanoTime() < end) {
      Thread.sleep(1000);
      tcpPages = Math.max(tcpPages, tcpMemPages());
      long[] rss = rss(root);
      rssProc = Math.max(rssProc, rss[0]);
      rssTree = Math.max(rssTree, rss[1]);
    }
    long t1 = System.nanoTime();
    long[] cpu1 = cpu(root);
    long gen1 = genCpu();
    CountDownLatch closed = new CountDownLatch(n);
    for (Listener l : ls) {
      l.ctx.runOnContext(v -> {
        l.close(t1);
        closed.countDown();
      });
    }
    if (!closed.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("listeners did not close");
    }
    List<Double> ttfb = new ArrayList<>();
    List<Double> startup = new ArrayList<>();
    Map<String, Integer> why = new HashMap<>();
    int errors = 0;
    int started = 0;
    int stalled = 0;
    int stalls = 0;
    double stallS = 0;
    long minAhead = Long.MAX_VALUE;
    long bytes = 0;
    for (Listener l : ls) {
      bytes += l.received;
      if (l.ttfb >= 0) {
        started++;
        ttfb.add(l.ttfb / 1e6);
      }
      if (l.buffered >= 0) {
        startup.add(l.buffered / 1e6);
      }
      if (l.error != null || l.ttfb < 0) {
        errors++;
        why.merge(l.error == null ? "no byte" : l.error.length() > 40 ? l.error.substring(0, 40) : l.error, 1, Integer::sum);
        continue;
      }
      if (l.playStart < 0) {
        errors++;
        why.merge("never buffered", 1, Integer::sum);
        continue;
      }
      if (l.stalls > 0) {
        stalled++;
        stalls += l.stalls;
        stallS += l.stallNs / 1e9;
      }
      minAhead = Math.min(minAhead, l.minAhead);
    }
    double wall = (t1 - t0) / 1e9;
    // the generator's own lag (each request's start against its arrival schedule) and where TTFB went:
    // connection obtained, response head, first body byte
    List<Double> late = new ArrayList<>();
    List<Double> connect = new ArrayList<>();
    List<Double> head = new ArrayList<>();
    List<Double> body = new ArrayList<>();
    for (int i = 0; i < ls.size(); i++) {
      Listener l = ls.get(i);
      late.add((l.start - (t0 + i * 1_000_000_000L / arrivals)) / 1e6);
      if (l.connected > 0) {
        connect.add((l.connected - l.start) / 1e6);
        if (l.headers > 0) {
          head.add((l.headers - l.connected) / 1e6);
          if (l.ttfb > 0) {
            body.add((l.start + l.ttfb - l.headers) / 1e6);
          }
        }
      }
    }
    System.err.printf("bench-library: %s %s %d: sent late p50/p99/max %.1f/%.1f/%.1f ms; TTFB = connect %.1f/%.1f/%.1f + head %.1f/%.1f/%.1f"
            + " + first body byte %.1f/%.1f/%.1f ms%n", system, format, n, pct(late, 50), pct(late, 99), pct(late, 100),
        pct(connect, 50), pct(connect, 99), pct(connect, 100), pct(head, 50), pct(head, 99), pct(head, 100), pct(body, 50), pct(body, 99), pct(body, 100));
    Result r = new Result(system, format, n, started, errors, why, ttfb, startup, stalled, stalls, stallS, minAhead, bytes / 1e6 / wall,
        (cpu1[0] - cpu0[0]) * 100.0 / HZ / wall, (cpu1[1] - cpu0[1]) * 100.0 / HZ / wall, rssProc / 1024, rssTree / 1024,
        (gen1 - gen0) / 1e7 / wall, pct(late, 99), tcpPages * 4 / 1024, load);
    // the closed connections' TIME_WAIT and the servers' clean-up are not the next level's
    Thread.sleep(3000);
    return r;
  }

  /**
   * The machine's TCP buffer memory in pages ({@code /proc/net/sockstat}); above {@code net.ipv4.tcp_mem}'s
   * pressure value the kernel shrinks buffers and drops segments on every TCP socket (loopback too).
   */
  private static long tcpMemPages() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
        if (line.startsWith("TCP:")) {
          String[] f = line.split("\\s+");
          for (int i = 0; i + 1 < f.length; i++) {
            if (f[i].equals("mem")) {
              return Long.parseLong(f[i + 1]);
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }

  /** user+system ticks of {@code root} alone and with all its descendants. */
  private static long[] cpu(long root) {
    if (root < 0) {
      return new long[] {0, 0};
    }
    long own = 0;
    long all = 0;
    for (long pid : tree(root)) {
      long t = ticks(pid);
      all += t;
      if (pid == root) {
        own = t;
      }
    }
    return new long[] {own, all};
  }

  /** VmRSS (KiB) of {@code root} alone and with all its descendants. */
  private static long[] rss(long root) {
    if (root < 0) {
      return new long[] {0, 0};
    }
    long own = 0;
    long all = 0;
    for (long pid : tree(root)) {
      long kb = 0;
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmRSS:")) {
            kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException e) {
        continue; // exited meanwhile
      }
      all += kb;
      if (pid == root) {
        own = kb;
      }
    }
    return new long[] {own, all};
  }

  private static long ticks(long pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static Set<Long> tree(long root) {
    Map<Long, List<Long>> children = new HashMap<>();
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        String name = d.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String s = Files.readString(d.resolve("stat"));
          long ppid = Long.parseLong(s.substring(s.lastIndexOf(')') + 2).split(" ")[1]);
          children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(Long.parseLong(name));
        } catch (IOException | RuntimeException e) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      return Set.of(root);
    }
    Set<Long> out = new HashSet<>();
    List<Long> todo = new ArrayList<>(List.of(root));
    while (!todo.isEmpty()) {
      long p = todo.remove(todo.size() - 1);
      if (out.add(p)) {
        todo.addAll(children.getOrDefault(p, List.of()));
      }
    }
    return out;
  }

  private static long genCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static double pct(List<Double> xs, double p) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
    return s.get(Math.max(0, Math.min(s.size() - 1, i)));
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      out.add(Integer.parseInt(s.strip()));
    }
    return out;
  }

  @Override
  public void close() {
    client.close();
    vertx.close();
  }
}

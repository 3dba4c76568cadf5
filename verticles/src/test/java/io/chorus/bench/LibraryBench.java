package io.chorus.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * scripts/bench-library (issue 17): against one running Chorus node (and a static file server the script
 * started): upload → ready latency of real Debian music files, sequential then concurrent, timed by the
 * owner's {@code track_status} events on {@code /ws/user}; then the approved tracks' bytes (original and the
 * 128 kbps MP3 transcode) are written to the static server's root and {@link StreamLoad} ramps paced
 * listeners against both. Prints Markdown tables on stdout, progress on stderr.
 * <p>Properties: bench.base (Chorus), bench.static (the static server), bench.staticRoot (its root),
 * bench.admin / bench.adminPassword, bench.seq (3 sequential uploads), bench.conc (6 concurrent),
 * bench.tracks (4 streamed tracks), bench.levels (500,1000,2000), bench.formats (original,mp3),
 * bench.systems (chorus,static), plus {@link StreamLoad}'s and the pids for CPU/RSS (bench.chorusPids,
 * bench.staticPids: comma lists).
 */
public final class LibraryBench {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(10);

  private final String base = System.getProperty("bench.base", "http://127.0.0.1:8099");
  private final Map<String, CompletableFuture<Long>> ready = new ConcurrentHashMap<>();
  private final Map<String, String> failed = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    new LibraryBench().run();
    System.exit(0);
  }

  private void run() throws Exception {
    List<Path> files = music();
    int seq = Integer.getInteger("bench.seq", 3);
    int conc = Integer.getInteger("bench.conc", 6);
    if (files.size() < seq + conc) {
      throw new IllegalStateException("only " + files.size() + " music files; need " + (seq + conc));
    }
    String user = "bench" + UUID.randomUUID().toString().substring(0, 8);
    String token = register(user);
    String admin = adminLogin();
    openUserChannel(token);
    List<String> ids = new ArrayList<>();
    if (seq + conc > 0) {
      System.out.println();
      System.out.println("| uploads | files | audio min | MB | upload (POST → 202) p50 / max ms | upload → ready p50 / p99 / max s | wall s | throughput tracks/min (audio min/min) | failed |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
    }
    if (seq > 0) {
      List<Upload> ups = new ArrayList<>();
      long t0 = System.nanoTime();
      for (Path f : files.subList(0, seq)) {
        Upload u = upload(token, f);
        ups.add(u);
        awaitReady(u);
      }
      report("sequential", ups, t0);
      ups.forEach(u -> ids.add(u.id));
    }
    if (conc > 0) {
      ExecutorService pool = Executors.newFixedThreadPool(conc);
      long t0 = System.nanoTime();
      List<Future<Upload>> fs = new ArrayList<>();
      for (Path f : files.subList(seq, seq + conc)) {
        fs.add(pool.submit(() -> upload(token, f)));
      }
      List<Upload> ups = new ArrayList<>();
      for (Future<Upload> f : fs) {
        ups.add(f.get());
      }
      for (Upload u : ups) {
        awaitReady(u);
      }
      pool.shutdown();
      report("concurrent (all at once)", ups, t0);
      ups.forEach(u -> ids.add(u.id));
    }
    List<String> streamed = ids.stream().filter(id -> !failed.containsKey(id)).limit(Integer.getInteger("bench.tracks", 4)).toList();
    if (streamed.isEmpty()) {
      throw new IllegalStateException("no ready track to stream");
    }
    for (String id : streamed) {
      check(send("POST", "/api/v1/moderation/tracks/" + id, admin, new JsonObject().put("decision", "approve")), 200);
    }
    List<String> formats = List.of(System.getProperty("bench.formats", "original,mp3").split(","));
    Path root = Path.of(System.getProperty("bench.staticRoot"));
    Files.createDirectories(root);
    Map<String, List<String>> chorusUrls = new java.util.LinkedHashMap<>();
    Map<String, List<String>> staticUrls = new java.util.LinkedHashMap<>();
    String staticBase = System.getProperty("bench.static", "");
    for (String format : formats) {
      List<String> cu = new ArrayList<>();
      List<String> su = new ArrayList<>();
      for (String id : streamed) {
        JsonObject body = new JsonObject().put("format", format);
        if (format.equals("mp3")) {
          body.put("max_bitrate", 128);
        }
        // anonymous: the signed URL of an approved track, as a public player page would get it
        String url = base + check(send("POST", "/api/v1/tracks/" + id + "/stream-url", null, body), 200).getString("url");
        HttpResponse<byte[]> bytes = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        if (bytes.statusCode() != 200) {
          throw new IllegalStateException("GET " + url + " answered " + bytes.statusCode());
        }
        String name = id + "." + format;
        Files.write(root.resolve(name), bytes.body());
        cu.add(url);
        su.add(staticBase + "/" + name);
        System.err.printf("bench-library: %s %s: %d bytes%n", id, format, bytes.body().length);
      }
      chorusUrls.put(format, cu);
      staticUrls.put(format, su);
    }
    StreamLoad load = new StreamLoad();
    try {
      load.run(chorusUrls, staticUrls);
    } finally {
      load.close();
    }
  }

  private record Upload(String id, String file, long bytes, long startNs, long acceptedNs, double audioS) {
  }

  private static List<Path> music() throws IOException {
    List<Path> out = new ArrayList<>();
    for (String dir : List.of("/usr/share/games/warzone2100/music/albums", "/usr/share/games/singularity/music")) {
      Path d = Path.of(dir);
      if (!Files.isDirectory(d)) {
        throw new IllegalStateException(d + " is missing: run scripts/install-test-deps");
      }
      try (Stream<Path> s = Files.walk(d)) {
        out.addAll(s.filter(p -> p.toString().endsWith(".opus") || p.toString().endsWith(".ogg")).sorted().toList());
      }
    }
    // interleave the two sets so sequential and concurrent runs get both formats
    List<Path> mixed = new ArrayList<>();
    List<Path> a = out.stream().filter(p -> p.toString().endsWith(".opus")).toList();
    List<Path> b = out.stream().filter(p -> p.toString().endsWith(".ogg")).toList();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      if (i < a.size()) {
        mixed.add(a.get(i));
      }
      if (i < b.size()) {
        mixed.add(b.get(i));
      }
    }
    return mixed;
  }

  private Upload upload(String token, Path file) throws Exception {
    String boundary = "----bench" + UUID.randomUUID().toString().replace("-", "");
    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file.getFileName()
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] end = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] data = Files.readAllBytes(file);
    long start = System.nanoTime();
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tracks"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .timeout(Duration.ofMinutes(5))
        .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(head, data, end))).build(), HttpResponse.BodyHandlers.ofString());
    long accepted = System.nanoTime();
    if (r.statusCode() != 202) {
      throw new IllegalStateException("upload of " + file + " answered " + r.statusCode() + ": " + r.body());
    }
    String id = new JsonObject(r.body()).getJsonObject("track").getString("id");
    ready.computeIfAbsent(id, k -> new CompletableFuture<>());
    return new Upload(id, file.getFileName().toString(), data.length, start, accepted, 0);
  }

  /** Waits for the track's {@code ready} (or {@code failed}) event; a GET confirms it (and gives the duration). */
  private Upload awaitReady(Upload u) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    CompletableFuture<Long> f = ready.get(u.id);
    while (!f.isDone()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("track " + u.id + " (" + u.file + ") not ready within " + READY_TIMEOUT);
      }
      try {
        f.get(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // a lost event must not hang the run: the row is the truth
        JsonObject t = check(send("GET", "/api/v1/tracks/" + u.id, tokenForPoll, null), 200).getJsonObject("track");
        if ("ready".equals(t.getString("status")) || "failed".equals(t.getString("status"))) {
          System.err.printf("bench-library: %s is %s by GET but no event arrived yet%n", u.id, t.getString("status"));
        }
      }
    }
    return u;
  }

  private String tokenForPoll;

  private void report(String what, List<Upload> ups, long t0) throws Exception {
    List<Double> post = new ArrayList<>();
    List<Double> toReady = new ArrayList<>();
    double audio = 0;
    long bytes = 0;
    long last = t0;
    int bad = 0;
    for (Upload u : ups) {
      JsonObject t = check(send("GET", "/api/v1/tracks/" + u.id, tokenForPoll, null), 200).getJsonObject("track");
      if (failed.containsKey(u.id)) {
        bad++;
        System.err.printf("bench-library: %s (%s) failed: %s%n", u.id, u.file, failed.get(u.id));
        continue;
      }
      long at = ready.get(u.id).get();
      last = Math.max(last, at);
      post.add((u.acceptedNs - u.startNs) / 1e6);
      toReady.add((at - u.startNs) / 1e9);
      audio += t.getLong("duration_ms", 0L) / 1000.0;
      bytes += u.bytes;
    }
    double wall = (last - t0) / 1e9;
    System.out.printf("| %s | %d | %.1f | %.1f | %.0f / %.0f | %.1f / %.1f / %.1f | %.1f | %.2f (%.1f) | %d |%n", what, ups.size(), audio / 60,
        bytes / 1e6, StreamLoad.pct(post, 50), StreamLoad.pct(post, 100), StreamLoad.pct(toReady, 50), StreamLoad.pct(toReady, 99),
        StreamLoad.pct(toReady, 100), wall, (ups.size() - bad) / wall * 60, audio / 60 / wall * 60, bad);
  }

  private void openUserChannel(String token) throws Exception {
    tokenForPoll = token;
    CompletableFuture<Void> hello = new CompletableFuture<>();
    String ws = base.replaceFirst("^http", "ws") + "/ws/user";
    HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + token).buildAsync(URI.create(ws), new WebSocket.Listener() {
      private final StringBuilder text = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        long now = System.nanoTime();
        text.append(data);
        if (last) {
          JsonObject e = new JsonObject(text.toString());
          text.setLength(0);
          if ("hello".equals(e.getString("type"))) {
            hello.complete(null);
          } else if ("track_status".equals(e.getString("type"))) {
            String id = e.getString("track_id");
            String status = e.getString("status");
            if ("ready".equals(status) || "failed".equals(status)) {
              if ("failed".equals(status)) {
                failed.put(id, String.valueOf(e.getString("reason")));
              }
              ready.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(now);
            }
          }
        }
        socket.request(1);
        return null;
      }
    }).get();
    hello.get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  private String register(String user) throws Exception {
    return check(send("POST", "/api/v1/auth/register", null, new JsonObject().put("username", user).put("password", "bench password 123")), 201)
        .getString("access_token");
  }

  /** The admin the node creates at start: /ready may answer before that committed on a loaded machine. */
  private String adminLogin() throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      HttpResponse<String> r = send("POST", "/api/v1/auth/login", null,
          new JsonObject().put("username", System.getProperty("bench.admin")).put("password", System.getProperty("bench.adminPassword")));
      if (r.statusCode() != 401 || System.nanoTime() > deadline) {
        return check(r, 200).getString("access_token");
      }
      Thread.sleep(1000);   // polling for the account, with a deadline
    }
  }

  private HttpResponse<String> send(String method, String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject check(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }
}

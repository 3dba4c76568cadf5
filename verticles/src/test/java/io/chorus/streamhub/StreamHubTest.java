package io.chorus.streamhub;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.realtime.SocketDrop;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.StalledWsClient;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Seed 001's stream hub across three clustered nodes on a real PostgreSQL and Redis. */
// no creation limit: the tests here create more sessions than the default allows per minute (StreamSecurityTest tests it)
@ChorusCluster(nodes = 3, config = {
    "SESSION_MAX_OPERATORS=3",
    "STREAM_OPERATOR_QUEUE_BYTES=1048576",
    "WS_BASE_URL=wss://stream.example.com",
    "RATE_LIMIT_SESSION_CREATE=0"})
class StreamHubTest {
  static List<ChorusNode> nodes;
  static Vertx client;
  static WebClient web;

  @BeforeAll
  static void start() {
    web = WebClient.create(client);
  }

  static int port(int i) {
    return NodePorts.http(nodes.get(i).vertx());
  }

  static JsonObject createSession(String clientId) {
    HttpResponse<Buffer> r = TestServices.await(web.post(port(0), "127.0.0.1", "/sessions")
        .sendJsonObject(new JsonObject().put("client_id", clientId)));
    assertThat(r.statusCode()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  static JsonObject get(int node, String path) {
    return TestServices.await(web.get(port(node), "127.0.0.1", path).send()).bodyAsJsonObject();
  }

  @Test
  void restContractAndErrors() {
    JsonObject s = createSession("client-1");
    String id = s.getString("session_id");
    assertThat(s.getString("status")).isEqualTo("waiting");
    assertThat(s.getString("stream_key")).hasSizeGreaterThan(20);
    assertThat(s.getString("ws_url")).isEqualTo("wss://stream.example.com/ws/stream/" + id + "/client-1");
    assertThat(get(1, "/sessions/" + id).getString("status")).isEqualTo("waiting");
    assertThat(get(2, "/sessions/" + id).containsKey("stream_key")).isFalse();

    HttpResponse<Buffer> bad = TestServices.await(web.post(port(0), "127.0.0.1", "/sessions").sendBuffer(Buffer.buffer("{oops")));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("malformed_json");
    HttpResponse<Buffer> missing = TestServices.await(web.post(port(0), "127.0.0.1", "/sessions").sendJsonObject(new JsonObject().put("client_id", 5)));
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("invalid_argument");
    for (String path : List.of("/sessions/00000000-0000-4000-8000-00000000dead", "/sessions/not-a-uuid", "/sessions/not-a-uuid/operators")) {
      HttpResponse<Buffer> nf = TestServices.await(web.get(port(1), "127.0.0.1", path).send());
      assertThat(nf.statusCode()).as(path).isEqualTo(404);
      assertThat(nf.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("not_found");
    }
    assertThat(TestServices.await(web.delete(port(2), "127.0.0.1", "/sessions/" + id).putHeader("X-Stream-Key", s.getString("stream_key"))
        .send()).statusCode()).isEqualTo(204);
    assertThat(get(0, "/sessions/" + id).getString("status")).isEqualTo("finished");
    assertThat(TestServices.await(web.delete(port(2), "127.0.0.1", "/sessions/not-a-uuid").send()).statusCode()).isEqualTo(404);
  }

  /**
   * POST /sessions takes a JSON body only, but its body handler accepted file uploads: a multipart request with a file
   * part (curl -F file=@x -F client_id=a localhost:8099/sessions) was answered 400 and left the file in ./file-uploads for
   * good, so anyone could fill the node's disk 64 KiB a request, without a key and before any rate limit.
   */
  @Test
  void aMultipartBodyLeavesNoFileOnDisk() throws Exception {
    java.nio.file.Path uploads = java.nio.file.Path.of(io.vertx.ext.web.handler.BodyHandler.DEFAULT_UPLOADS_DIRECTORY);
    List<String> before = files(uploads);
    String boundary = "chorus-boundary-1";
    String form = "--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n"
        + "x".repeat(4096) + "\r\n"
        + "--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"client_id\"\r\n\r\n"
        + "cam\r\n"
        + "--" + boundary + "--\r\n";
    HttpResponse<Buffer> r = TestServices.await(web.post(port(0), "127.0.0.1", "/sessions")
        .putHeader("Content-Type", "multipart/form-data; boundary=" + boundary).sendBuffer(Buffer.buffer(form)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("malformed_json");
    assertThat(files(uploads)).isEqualTo(before);
  }

  private static List<String> files(java.nio.file.Path dir) throws java.io.IOException {
    if (!java.nio.file.Files.isDirectory(dir)) {
      return List.of();
    }
    try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(dir)) {
      return s.map(java.nio.file.Path::toString).sorted().toList();
    }
  }

  /**
   * A session id is the canonical 8-4-4-4-12 hex form, in either case, and every answer names it lower case:
   * GET /sessions/<ID upper case>/operators echoed the id as given, and GET /sessions/1-1-1-1-1 (Java's short UUID
   * form) was looked up as 00000001-0001-0001-0001-000000000001.
   */
  @Test
  void sessionIdsAreCanonicalAndAnsweredLowerCase() {
    String id = createSession("client-case").getString("session_id");
    assertThat(id).isEqualTo(id.toLowerCase(java.util.Locale.ROOT));
    String upper = id.toUpperCase(java.util.Locale.ROOT);
    assertThat(get(1, "/sessions/" + upper).getString("session_id")).isEqualTo(id);
    assertThat(get(1, "/sessions/" + upper + "/operators").getString("session_id")).isEqualTo(id);
    for (String path : List.of("/sessions/1-1-1-1-1", "/sessions/1-1-1-1-1/operators")) {
      HttpResponse<Buffer> nf = TestServices.await(web.get(port(1), "127.0.0.1", path).send());
      assertThat(nf.statusCode()).as(path).isEqualTo(404);
    }
  }

  /**
   * The stream hub's REST routes follow CORS_ALLOWED_ORIGINS as /api/v1 does: they sent no Access-Control-Allow-Origin,
   * answered the preflight 404 and created a session for any origin.
   */
  @Test
  @ChorusCluster(config = {"CORS_ALLOWED_ORIGINS=https://app.example", "RATE_LIMIT_SESSION_CREATE=0"})
  void sessionsFollowTheCorsPolicy(TestCluster strict) {
    String clientId = "6f1c3b1e-8a4e-4d0e-9c57-111111111111";
    HttpResponse<Buffer> preflight = TestServices.await(web.request(io.vertx.core.http.HttpMethod.OPTIONS, strict.port(), "127.0.0.1", "/sessions")
        .putHeader("Origin", "https://app.example").putHeader("Access-Control-Request-Method", "POST")
        .putHeader("Access-Control-Request-Headers", "content-type").send());
    assertThat(preflight.statusCode()).as(preflight.bodyAsString()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    HttpResponse<Buffer> created = TestServices.await(web.post(strict.port(), "127.0.0.1", "/sessions")
        .putHeader("Origin", "https://app.example").sendJsonObject(new JsonObject().put("client_id", clientId)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    String id = created.bodyAsJsonObject().getString("session_id");
    HttpResponse<Buffer> deletePreflight = TestServices.await(web.request(io.vertx.core.http.HttpMethod.OPTIONS, strict.port(), "127.0.0.1",
            "/sessions/" + id).putHeader("Origin", "https://app.example").putHeader("Access-Control-Request-Method", "DELETE")
        .putHeader("Access-Control-Request-Headers", "x-stream-key").send());
    assertThat(deletePreflight.statusCode()).as(deletePreflight.bodyAsString()).isEqualTo(204);

    HttpResponse<Buffer> evil = TestServices.await(web.post(strict.port(), "127.0.0.1", "/sessions")
        .putHeader("Origin", "https://evil.example").sendJsonObject(new JsonObject().put("client_id", clientId)));
    assertThat(evil.statusCode()).as(evil.bodyAsString()).isEqualTo(403);
    assertThat(evil.getHeader("Access-Control-Allow-Origin")).isNull();
    assertThat(evil.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("forbidden");
    HttpResponse<Buffer> evilGet = TestServices.await(web.get(strict.port(), "127.0.0.1", "/sessions/" + id)
        .putHeader("Origin", "https://evil.example").send());
    assertThat(evilGet.statusCode()).isEqualTo(403);
  }

  @Test
  void sourceOnOneNodeReachesOperatorsOnOthersByteIdenticalInOrder() {
    JsonObject s = createSession("cam");
    String id = s.getString("session_id");
    try (WsProbe opB = WsProbe.connect(port(1), "/ws/stream/" + id + "/op-b");
         WsProbe opC = WsProbe.connect(port(2), "/ws/stream/" + id + "/op-c")) {
      awaitOperators(id, 2);
      try (WsProbe source = WsProbe.connect(port(0), "/ws/stream/" + id + "/cam?key=" + s.getString("stream_key"))) {
        awaitStatus(id, "active");
        Random random = new Random(42);
        List<Buffer> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
          byte[] frame = new byte[1 + random.nextInt(64 * 1024)];
          random.nextBytes(frame);
          sent.add(Buffer.buffer(frame));
          source.sendBinary(Buffer.buffer(frame));
        }
        source.sendText("caption: hello");
        for (WsProbe op : List.of(opB, opC)) {
          for (int i = 0; i < sent.size(); i++) {
            assertThat(op.nextBinary(10_000).getBytes()).as("frame " + i).isEqualTo(sent.get(i).getBytes());
          }
          assertThat(op.nextText(10_000)).isEqualTo("caption: hello");
        }
      }
      JsonArray ops = get(0, "/sessions/" + id + "/operators").getJsonArray("operators");
      assertThat(ops.stream().map(o -> ((JsonObject) o).getString("user_id")).toList()).containsExactlyInAnyOrder("op-b", "op-c");
    }
  }

  @Test
  void lateOperatorGetsTheInitSegmentThenLiveFrames() {
    JsonObject s = createSession("cam2");
    String id = s.getString("session_id");
    try (WsProbe source = WsProbe.connect(port(0), "/ws/stream/" + id + "/cam2?key=" + s.getString("stream_key"))) {
      awaitStatus(id, "active");
      source.sendText("{\"type\":\"init_segment\"}");
      source.sendBinary(Buffer.buffer("INIT-moov"));
      source.sendBinary(Buffer.buffer("early-frame"));
      // the init segment follows the handshake at once: the probe must keep bytes read with the 101
      try (WsProbe late = WsProbe.connect(port(2), "/ws/stream/" + id + "/late")) {
        awaitOperators(id, 1);
        assertThat(late.nextBinary(10_000).toString()).isEqualTo("INIT-moov");
        // node 0 learns of node 2's new subscription from Hazelcast a moment later: live frames reach
        // the late operator from the first one published after that, then every one in order
        int sent = 0;
        Buffer got = null;
        while (got == null) {
          assertThat(sent).as("live frames published before the late operator received one").isLessThan(200);
          source.sendBinary(Buffer.buffer("live-" + sent++));
          got = late.pollBinary(50);
          if (got != null && got.toString().equals("early-frame")) {
            // sent before the late operator connected, but node 0 may relay it after node 2's subscription is
            // known: then it is the first live frame, before every "live-" one
            got = null;
          }
        }
        int first = Integer.parseInt(got.toString().substring("live-".length()));
        for (int k = 0; k < 3; k++) {
          source.sendBinary(Buffer.buffer("live-" + sent++));
        }
        for (int i = first + 1; i < sent; i++) {
          assertThat(late.nextBinary(10_000).toString()).isEqualTo("live-" + i);
        }
      }
    }
  }

  /**
   * The init-segment marker is a JSON message, recognised however it is spaced: {@code {"type": "init_segment"}} (what
   * Python's json.dumps writes) was compared as a string prefix, relayed to the operators as a text frame, and the init
   * segment after it treated as a live frame, so a late operator never got it.
   */
  @Test
  void theInitMarkerIsReadAsJson() {
    JsonObject s = createSession("cam-py");
    String id = s.getString("session_id");
    try (WsProbe source = WsProbe.connect(port(0), "/ws/stream/" + id + "/cam-py?key=" + s.getString("stream_key"))) {
      awaitStatus(id, "active");
      source.sendText("{\"type\": \"init_segment\"}");
      source.sendBinary(Buffer.buffer("INIT-spaced"));
      try (WsProbe late = WsProbe.connect(port(0), "/ws/stream/" + id + "/late-py")) {
        assertThat(late.nextBinary(10_000).toString()).isEqualTo("INIT-spaced");
      }
    }
  }

  @Test
  void tenMegabyteFramePassesAndOneByteMoreIsRefused() {
    JsonObject s = createSession("big");
    String id = s.getString("session_id");
    try (WsProbe op = WsProbe.connect(port(1), "/ws/stream/" + id + "/op")) {
      awaitOperators(id, 1);
      try (WsProbe source = WsProbe.connect(port(0), "/ws/stream/" + id + "/big?key=" + s.getString("stream_key"))) {
        awaitStatus(id, "active");
        byte[] tenMb = new byte[10 * 1024 * 1024];
        new Random(7).nextBytes(tenMb);
        source.sendBinary(Buffer.buffer(tenMb));
        assertThat(op.nextBinary(30_000).getBytes()).isEqualTo(tenMb);
        // the server refuses the frame from its header and closes: the write itself may fail
        source.sendBinaryAsync(Buffer.buffer(new byte[10 * 1024 * 1024 + 1]));
        assertThat(source.awaitClose(30_000)).isEqualTo((short) 1009);
        assertThat(op.binaries).isEmpty();
      }
      // an operator only receives: what it sends is dropped, but one message over the limit closes it the same way
      op.sendBinary(Buffer.buffer(new byte[1024]));
      op.sendBinaryAsync(Buffer.buffer(new byte[10 * 1024 * 1024 + 1]));
      assertThat(op.awaitClose(30_000)).isEqualTo((short) 1009);
    }
  }

  /**
   * A storm of new operators connecting at once: the count and the insert ran in one statement, so concurrent connects
   * each counted the others out and more than SESSION_MAX_OPERATORS were recorded (104 of 100). Exactly the limit is
   * recorded and served; every other one gets too_many_operators (4429).
   */
  @Test
  @ChorusCluster(config = {"SESSION_MAX_OPERATORS=100", "RATE_LIMIT_SESSION_CREATE=0"})
  void aStormOfOperatorsNeverOvershootsTheLimit(TestCluster storm) {
    int port = storm.port();
    HttpResponse<Buffer> created = TestServices.await(web.post(port, "127.0.0.1", "/sessions")
        .sendJsonObject(new JsonObject().put("client_id", "storm")));
    String id = created.bodyAsJsonObject().getString("session_id");
    int n = 160;
    List<WsProbe> ops = new ArrayList<>();
    // all at once: each handshake on a thread of its own
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      List<java.util.concurrent.Future<WsProbe>> connects = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        connects.add(pool.submit(() -> WsProbe.connect(port, "/ws/stream/" + id + "/storm-" + k)));
      }
      for (java.util.concurrent.Future<WsProbe> c : connects) {
        ops.add(c.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
      // settled: every operator is either recorded or refused and closed (50 ms: a poll of the REST answer)
      TestServices.until("every operator recorded or refused", 30_000, 50, () -> {
        List<String> recorded = operatorIds(port, id);
        for (int i = 0; i < n; i++) {
          if (!ops.get(i).isClosed() && !recorded.contains("storm-" + i)) {
            return false;
          }
        }
        return true;
      });
      List<String> recorded = operatorIds(port, id);
      assertThat(recorded).hasSize(100);
      for (int i = 0; i < n; i++) {
        if (!recorded.contains("storm-" + i)) {
          assertThat(ops.get(i).awaitType("error").getString("code")).isEqualTo("too_many_operators");
          assertThat(ops.get(i).awaitClose(5_000)).isEqualTo((short) 4429);
        }
      }
    } catch (InterruptedException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    } finally {
      pool.shutdownNow();
      ops.forEach(WsProbe::close);
    }
  }

  /**
   * A source whose network vanishes sends no FIN and no reset. The server only reads from a source, so it kept such a
   * source connected for good: the source's own reconnection was refused (4409, "a source is already connected") and
   * its grace period never began. Now the source is pinged, and one that answers nothing for
   * STREAM_SOURCE_GRACE_SECONDS is closed (1001) and dropped: the source's new connection takes over.
   */
  @Test
  @ChorusCluster(config = {"STREAM_SOURCE_GRACE_SECONDS=3", "RATE_LIMIT_SESSION_CREATE=0"})
  void aSourceGoneWithoutClosingIsLetGoSoItsReconnectionTakesOver(TestCluster one) throws Exception {
    int port = one.port();
    WebClient oneWeb = WebClient.create(one.client());
    JsonObject s = TestServices.await(oneWeb.post(port, "127.0.0.1", "/sessions").sendJsonObject(new JsonObject().put("client_id", "cam"))).bodyAsJsonObject();
    String id = s.getString("session_id");
    String source = "/ws/stream/" + id + "/cam?key=" + s.getString("stream_key");
    try (WsProbe operator = WsProbe.connect(port, "/ws/stream/" + id + "/op");
         StalledWsClient ghost = StalledWsClient.open(port, source)) {
      // the ghost reads what comes but never answers (no Pong, no Close): pings, a close frame, then the drop
      StalledWsClient.Rest seen = ghost.readToEnd();
      assertThat(seen.closeFrame()).isTrue();
      assertThat(seen.frames()).as("pings before the close").isPositive();
      // the source's new connection is the source: its frames reach the operator
      long deadline = System.currentTimeMillis() + 15_000;
      while (true) {
        assertThat(System.currentTimeMillis()).as("the reconnected source never reached the operator").isLessThan(deadline);
        try (WsProbe back = WsProbe.connect(port, source)) {
          try {
            back.sendBinary(Buffer.buffer("frame"));
          } catch (AssertionError refusedBeforeTheSend) {
            continue;   // the ghost's place was not free yet (its claim is released as its connection ends)
          }
          Buffer got = operator.pollBinary(500);
          if (got != null) {
            assertThat(got.toString()).isEqualTo("frame");
            JsonObject now = TestServices.await(oneWeb.get(port, "127.0.0.1", "/sessions/" + id).send()).bodyAsJsonObject();
            assertThat(now.getString("status")).isEqualTo("active");
            return;
          }
        }
      }
    }
  }

  @Test
  void refusalsWithClearErrors() {
    JsonObject s = createSession("src");
    String id = s.getString("session_id");
    try (WsProbe wrongKey = WsProbe.connect(port(0), "/ws/stream/" + id + "/src?key=nope")) {
      assertThat(wrongKey.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(wrongKey.awaitClose(5000)).isEqualTo((short) 4401);
    }
    try (WsProbe noKey = WsProbe.connect(port(1), "/ws/stream/" + id + "/src")) {
      assertThat(noKey.awaitClose(5000)).isEqualTo((short) 4401);
    }
    try (WsProbe unknown = WsProbe.connect(port(1), "/ws/stream/00000000-0000-4000-8000-00000000beef/x")) {
      JsonObject unknownErr = unknown.awaitType("error");
      assertThat(unknownErr.getString("code")).isEqualTo("not_found");
      assertThat(unknownErr.getLong("timestamp")).as("the error frame of docs/api.md").isPositive();
      assertThat(unknown.awaitClose(5000)).isEqualTo((short) 4404);
    }
    assertThat(get(0, "/sessions/" + id).getString("status")).isEqualTo("waiting");
    // operator limit (3): the fourth distinct operator is refused, a known one may reconnect
    List<WsProbe> ops = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ops.add(WsProbe.connect(port(i), "/ws/stream/" + id + "/op" + i));
    }
    awaitOperators(id, 3);
    try (WsProbe fourth = WsProbe.connect(port(0), "/ws/stream/" + id + "/op3")) {
      assertThat(fourth.awaitType("error").getString("code")).isEqualTo("too_many_operators");
      assertThat(fourth.awaitClose(5000)).isEqualTo((short) 4429);
    }
    try (WsProbe again = WsProbe.connect(port(2), "/ws/stream/" + id + "/op0")) {
      assertThat(again.isClosed()).isFalse();
    }
    ops.forEach(WsProbe::close);
  }

  @Test
  void stalledOperatorDoesNotDelayOthersAndDeleteClosesEveryone() {
    JsonObject s = createSession("cam3");
    String id = s.getString("session_id");
    double disconnectedBefore = slowDisconnects(1);
    // the probe reads only what it is asked for: paused, its socket backs up and then the server's queue
    WsProbe stalled = WsProbe.connect(port(1), "/ws/stream/" + id + "/stalled");
    WsProbe fast = WsProbe.connect(port(1), "/ws/stream/" + id + "/fast");
    WsProbe other = WsProbe.connect(port(2), "/ws/stream/" + id + "/other");
    stalled.pause();
    awaitOperators(id, 3);
    WsProbe source = WsProbe.connect(port(0), "/ws/stream/" + id + "/cam3?key=" + s.getString("stream_key"));
    awaitStatus(id, "active");
    byte[] chunk = new byte[256 * 1024];
    int maxFrames = 400; // 100 MB: the stalled operator's 1 MB queue and its socket buffers are full long before
    int frames = 0;
    int afterDisconnect = -1;
    // send until node 1 reports the stalled operator disconnected, then a few more: the others must get every one
    while (afterDisconnect < 8) {
      assertThat(frames).as("frames sent before node 1 disconnected the stalled operator").isLessThan(maxFrames);
      java.nio.ByteBuffer.wrap(chunk).putInt(0, frames);
      source.sendBinary(Buffer.buffer(chunk.clone()));
      frames++;
      if (afterDisconnect >= 0) {
        afterDisconnect++;
      } else if (frames % 4 == 0 && slowDisconnects(1) > disconnectedBefore) {
        afterDisconnect = 0;
      }
    }
    for (WsProbe op : List.of(fast, other)) {
      String name = op == fast ? "fast (node 1, beside the stalled one)" : "other (node 2)";
      for (int i = 0; i < frames; i++) {
        Buffer got;
        try {
          got = op.nextBinary(20_000);
        } catch (AssertionError e) {
          throw new AssertionError(name + " is missing frame " + i + " of " + frames, e);
        }
        assertThat(got.getInt(0)).as(name + " frame " + i).isEqualTo(i);
      }
    }
    // the stalled client reads again: behind the frames its buffers held comes the 1013 close
    stalled.resume();
    assertThat(stalled.awaitClose(20_000)).isEqualTo((short) 1013);
    assertThat(stalled.binaries.size()).isLessThan(frames);
    assertThat(TestServices.await(web.delete(port(2), "127.0.0.1", "/sessions/" + id).putHeader("X-Stream-Key", s.getString("stream_key"))
        .send()).statusCode()).isEqualTo(204);
    assertThat(fast.awaitClose(10_000)).isEqualTo((short) 1000);
    assertThat(other.awaitClose(10_000)).isEqualTo((short) 1000);
    assertThat(source.awaitClose(10_000)).isEqualTo((short) 1000);
    try (WsProbe afterwards = WsProbe.connect(port(0), "/ws/stream/" + id + "/late")) {
      assertThat(afterwards.awaitType("error").getString("code")).isEqualTo("gone");
    }
    List.of(stalled, fast, other, source).forEach(WsProbe::close);
  }

  /**
   * A client that never reads: once its kernel buffers (small here: a 4 KiB receive buffer) and then
   * its queue are full, the node closes it (1013), but the close frame waits behind the queue and is
   * never written, so Vert.x's closing timeout (which starts once it is) never runs; without SocketDrop
   * the connection and its queue would stay for as long as TCP probes the zero window. The node drops
   * it after the grace: the client gets part of the frames, never the close frame, then the reset.
   */
  @Test
  void anOperatorThatNeverReadsIsDroppedAfterTheGrace() throws Exception {
    int nodePort = port(1);
    JsonObject s = createSession("cam4");
    String id = s.getString("session_id");
    double droppedBefore = TestServices.metric(nodePort, "chorus_ws_dropped_total");
    try (StalledWsClient client = StalledWsClient.open(nodePort, "/ws/stream/" + id + "/never-reads");
         WsProbe source = connectSource(nodePort, id, s)) {
      byte[] chunk = new byte[256 * 1024];
      int frames = 0;
      double disconnectedBefore = TestServices.metric(nodePort, "chorus_stream_slow_operators_disconnected_total");
      while (TestServices.metric(nodePort, "chorus_stream_slow_operators_disconnected_total") <= disconnectedBefore) {
        assertThat(frames).as("frames sent before the node closed the operator that never reads").isLessThan(400);
        source.sendBinary(Buffer.buffer(chunk));
        frames++;
      }
      TestServices.awaitMetricAbove(nodePort, "chorus_ws_dropped_total", droppedBefore, SocketDrop.GRACE_MS + 20_000);
      assertThat(TestServices.metric(nodePort, "chorus_ws_dropped_total")).as("the node dropped the connection").isEqualTo(droppedBefore + 1);
      // what reached the client: part of the frames, then the end of the connection (the reset), never the close frame
      StalledWsClient.Rest rest = client.readToEnd();
      assertThat(rest.closeFrame()).as("the close frame was stuck behind the queue (%d of %d frames got out)", rest.frames(), frames).isFalse();
      assertThat(rest.frames()).isLessThan(frames);
    }
  }

  /** The session's source, once the operator is listed; returns when the session is active. */
  private static WsProbe connectSource(int port, String id, JsonObject session) {
    awaitOperators(id, 1);
    WsProbe source = WsProbe.connect(port, "/ws/stream/" + id + "/cam4?key=" + session.getString("stream_key"));
    awaitStatus(id, "active");
    return source;
  }

  /** chorus_stream_slow_operators_disconnected_total as node {@code node} exposes it on /metrics. */
  private static double slowDisconnects(int node) {
    return TestServices.metric(port(node), "chorus_stream_slow_operators_disconnected_total");
  }

  private static List<String> operatorIds(int port, String id) {
    List<String> ids = new ArrayList<>();
    TestServices.await(web.get(port, "127.0.0.1", "/sessions/" + id + "/operators").send()).bodyAsJsonObject().getJsonArray("operators").forEach(o -> ids.add(((JsonObject) o).getString("user_id")));
    return ids;
  }

  private static void awaitOperators(String id, int n) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (get(0, "/sessions/" + id + "/operators").getJsonArray("operators").size() < n) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("operators not recorded: " + get(0, "/sessions/" + id + "/operators"));
      }
    }
  }

  private static void awaitStatus(String id, String status) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!status.equals(get(0, "/sessions/" + id).getString("status"))) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("session never became " + status);
      }
    }
  }
}

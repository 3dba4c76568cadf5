package io.chorus.streamhub;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 items 5 and 6 on two clustered nodes: only the stream key ends a session; session and
 * listen-room creation are rate-limited per client IP across the nodes; a session whose source never
 * connects expires. Each test speaks from its own loopback address (127.0.0.x), so the per-IP
 * counters of one test do not reach another.
 */
@ChorusCluster(nodes = 2, config = {
    "RATE_LIMIT_SESSION_CREATE=" + StreamSecurityTest.SESSION_LIMIT,
    "RATE_LIMIT_ROOM_CREATE=" + StreamSecurityTest.ROOM_LIMIT,
    "RATE_LIMIT_WINDOW_SECONDS=3600",
    "STREAM_WAITING_TTL_SECONDS=" + StreamSecurityTest.WAITING_TTL})
class StreamSecurityTest {
  static final int SESSION_LIMIT = 3;
  static final int ROOM_LIMIT = 3;
  static final int WAITING_TTL = 2;
  static List<ChorusNode> nodes;
  static Vertx client;
  static RedisAPI redis;

  static int port(int i) {
    return NodePorts.http(nodes.get(i).vertx());
  }

  /** A client whose requests come from {@code localAddress}; earlier runs' counters for it are cleared. */
  static WebClient from(String localAddress) {
    TestServices.await(redis.del(List.of("ratelimit:{session-create:" + localAddress + "}", "ratelimit:{create:" + localAddress + "}")));
    return WebClient.create(client, new WebClientOptions().setLocalAddress(localAddress));
  }

  static HttpResponse<Buffer> createSession(WebClient web, int node, String clientId) {
    return TestServices.await(web.post(port(node), "127.0.0.1", "/sessions").sendJsonObject(new JsonObject().put("client_id", clientId)));
  }

  static JsonObject created(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  static String status(WebClient web, String id) {
    return TestServices.await(web.get(port(1), "127.0.0.1", "/sessions/" + id).send()).bodyAsJsonObject().getString("status");
  }

  static void awaitStatus(WebClient web, String id, String status, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    String now;
    while (!status.equals(now = status(web, id))) {
      assertThat(System.currentTimeMillis()).as("session %s still %s, expected %s", id, now, status).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000); // poll interval
    }
  }

  static HttpResponse<Buffer> delete(WebClient web, int node, String path, Map<String, String> headers) {
    HttpRequest<Buffer> req = web.request(HttpMethod.DELETE, port(node), "127.0.0.1", path);
    headers.forEach(req::putHeader);
    return TestServices.await(req.send());
  }

  static String errorCode(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    return r.bodyAsJsonObject().getJsonObject("error").getString("code");
  }

  static void assertLimited(HttpResponse<Buffer> r) {
    assertThat(errorCode(r, 429)).isEqualTo("rate_limited");
    assertThat(Long.parseLong(r.getHeader("Retry-After"))).isBetween(1L, 3600L);
  }

  @Test
  void onlyTheStreamKeyEndsASession() {
    WebClient web = from("127.0.0.11");
    JsonObject s = created(createSession(web, 0, "cam"));
    String id = s.getString("session_id");
    String key = s.getString("stream_key");
    try (WsProbe operator = WsProbe.connect(port(1), "/ws/stream/" + id + "/op");
         WsProbe source = WsProbe.connect(port(0), "/ws/stream/" + id + "/cam?key=" + key)) {
      awaitStatus(web, id, "active", 10_000);

      // the session id is in every operator's URL: by itself it ends nothing
      assertThat(errorCode(delete(web, 1, "/sessions/" + id, Map.of()), 401)).isEqualTo("unauthenticated");
      assertThat(errorCode(delete(web, 0, "/sessions/" + id, Map.of("X-Stream-Key", "not-the-key")), 403)).isEqualTo("forbidden");
      assertThat(errorCode(delete(web, 1, "/sessions/" + id, Map.of("Authorization", "Bearer " + key + "x")), 403)).isEqualTo("forbidden");
      assertThat(errorCode(delete(web, 0, "/sessions/" + id + "?key=" + key.substring(1), Map.of()), 403)).isEqualTo("forbidden");
      assertThat(status(web, id)).isEqualTo("active");
      // the broadcast goes on: the source's next frame still reaches the operator
      source.sendBinary(Buffer.buffer("after-refused-deletes"));
      assertThat(operator.nextBinary(10_000).toString()).isEqualTo("after-refused-deletes");
      assertThat(source.isClosed()).isFalse();

      // an unknown session stays a 404, key or not
      assertThat(errorCode(delete(web, 0, "/sessions/00000000-0000-4000-8000-00000000dead", Map.of("X-Stream-Key", key)), 404))
          .isEqualTo("not_found");

      HttpResponse<Buffer> ok = delete(web, 1, "/sessions/" + id, Map.of("X-Stream-Key", key));
      assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(204);
      assertThat(status(web, id)).isEqualTo("finished");
      assertThat(source.awaitClose(10_000)).isEqualTo((short) 1000);
      assertThat(operator.awaitClose(10_000)).isEqualTo((short) 1000);
    }
    // Authorization: Bearer <stream_key> works as well
    JsonObject other = created(createSession(web, 1, "cam2"));
    HttpResponse<Buffer> bearer = delete(web, 0, "/sessions/" + other.getString("session_id"),
        Map.of("Authorization", "Bearer " + other.getString("stream_key")));
    assertThat(bearer.statusCode()).as(bearer.bodyAsString()).isEqualTo(204);
  }

  @Test
  void sessionCreationIsLimitedPerClientIpOnEveryNode() {
    WebClient web = from("127.0.0.12");
    for (int i = 0; i < SESSION_LIMIT; i++) {
      created(createSession(web, i % 2, "c" + i));
    }
    assertLimited(createSession(web, 0, "one-too-many"));
    assertLimited(createSession(web, 1, "one-too-many"));
    // another address is not affected
    created(createSession(from("127.0.0.13"), 0, "elsewhere"));
  }

  @Test
  void listenRoomCreationSharesTheRoomCreateLimit() {
    WebClient web = from("127.0.0.14");
    JsonObject listen = new JsonObject().put("track_url", "https://example.com/a.mp3");
    HttpResponse<Buffer> rest = TestServices.await(web.post(port(0), "127.0.0.1", "/api/v1/rooms")
        .sendJsonObject(new JsonObject().put("title", "r")));
    assertThat(rest.statusCode()).as(rest.bodyAsString()).isEqualTo(201);
    for (int i = 1; i < ROOM_LIMIT; i++) {
      HttpResponse<Buffer> r = TestServices.await(web.post(port(i % 2), "127.0.0.1", "/api/v1/listen/rooms").sendJsonObject(listen));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    }
    assertLimited(TestServices.await(web.post(port(0), "127.0.0.1", "/api/v1/listen/rooms").sendJsonObject(listen)));
    assertLimited(TestServices.await(web.post(port(1), "127.0.0.1", "/api/v1/rooms").sendJsonObject(new JsonObject().put("title", "r"))));
    HttpResponse<Buffer> elsewhere = TestServices.await(from("127.0.0.15").post(port(1), "127.0.0.1", "/api/v1/listen/rooms")
        .sendJsonObject(listen));
    assertThat(elsewhere.statusCode()).as(elsewhere.bodyAsString()).isEqualTo(201);
  }

  @Test
  void aSessionWhoseSourceNeverConnectsExpires() {
    WebClient web = from("127.0.0.16");
    JsonObject waiting = created(createSession(web, 0, "never"));
    JsonObject live = created(createSession(web, 1, "live"));
    String id = waiting.getString("session_id");
    try (WsProbe operator = WsProbe.connect(port(1), "/ws/stream/" + id + "/op");
         WsProbe source = WsProbe.connect(port(0), "/ws/stream/" + live.getString("session_id") + "/live?key="
             + live.getString("stream_key"))) {
      awaitStatus(web, live.getString("session_id"), "active", 10_000);
      awaitStatus(web, id, "finished", 30_000);
      // its operators are closed as for DELETE, on their own node
      assertThat(operator.awaitClose(10_000)).isEqualTo((short) 1000);
      // a session whose source connected is not touched, although it is as old
      assertThat(status(web, live.getString("session_id"))).isEqualTo("active");
      assertThat(source.isClosed()).isFalse();
    }
    assertThat(TestServices.await(web.get(port(0), "127.0.0.1", "/sessions/" + id).send()).bodyAsJsonObject()
        .getString("finished_at")).isNotNull();
  }
}

package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every SockJS transport of the bridge: the official {@code @vertx/eventbus-bridge-client.js} over
 * sockjs-client 1.6.1 in Node with each transport it can use there (web/test/bridge-transports.mjs:
 * websocket, xhr-streaming, xhr-polling, eventsource) registers as a member, receives the host's play
 * and gets a clock reply. jsonp-polling (and htmlfile) need a browser document, so sockjs-client
 * cannot use them under Node: the jsonp-polling exchange is spoken here with a plain HTTP client.
 * The POST transports used to fail (500: vertx-web 5's SockJS handler needs a BodyHandler).
 */
@ChorusCluster
class BridgeTransportsTest {
  static final List<String> NODE_TRANSPORTS = List.of("websocket", "xhr-streaming", "xhr-polling", "eventsource");
  static ChorusNode node;
  static ParticipantTokens tokens;
  static int port;
  static String roomId;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start(TestCluster cluster) {
    node = cluster.node();
    RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
    tokens = TestTokens.tokens();
    port = cluster.port();
    roomId = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("host-1")
        .setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(roomId).setUserId("member-1")
        .setUserName("Max").build(), false, true));
  }

  @Test
  void theOfficialClientWorksOverEveryTransportNodeCanUse() {
    NodeScripts.requireInstalled("@vertx/eventbus-bridge-client.js");
    JsonObject cfg = new JsonObject()
        .put("url", "http://127.0.0.1:" + port + "/eventbus")
        .put("roomId", roomId)
        .put("hostToken", tokens.issue(roomId, "host-1", "host"))
        .put("memberToken", tokens.issue(roomId, "member-1", "participant"))
        .put("transports", new JsonArray(NODE_TRANSPORTS));
    JsonObject r = NodeScripts.run("test/bridge-transports.mjs", Duration.ofMinutes(3), cfg.encode());
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as(dump).isTrue();
    for (String t : NODE_TRANSPORTS) {
      JsonObject out = r.getJsonObject("results").getJsonObject(t);
      assertThat(out.getString("error")).as("%s:\n%s", t, dump).isNull();
      assertThat(out.getString("transport")).as("the transport sockjs-client used for %s:\n%s", t, dump).isEqualTo(t);
      assertThat(out.getBoolean("clockEchoed")).as("%s clock reply:\n%s", t, dump).isTrue();
      assertThat(out.getJsonObject("control").getJsonObject("reply")).as("%s host control:\n%s", t, dump).isNotNull();
      JsonObject play = out.getJsonObject("play");
      assertThat(play).as("%s: the member received the host's play:\n%s", t, dump).isNotNull();
      assertThat(play.getString("type")).isEqualTo("play");
      assertThat(play.getString("room_id")).isEqualTo(roomId);
      assertThat(out.getJsonArray("errors")).as("%s:\n%s", t, dump).isEmpty();
      assertThat(out.getJsonArray("handlerErrors")).as("%s:\n%s", t, dump).isEmpty();
    }
  }

  /** jsonp-polling as a browser speaks it: open, a clock request by jsonp_send, its reply on the next poll. */
  @Test
  void jsonpPollingCarriesARequestAndItsReply() throws Exception {
    String base = "http://127.0.0.1:" + port + "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "");
    HttpResponse<String> open = get(base + "/jsonp?c=cb");
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(open.body()).startsWith("/**/cb(\"o\")");
    String frame = new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", "jsonp-1")
        .put("body", new JsonObject().put("t0", 5)).encode();
    String payload = new JsonArray().add(frame).encode();
    HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/jsonp_send"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("d=" + URLEncoder.encode(payload, StandardCharsets.UTF_8))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
    assertThat(sent.body()).isEqualTo("ok");
    HttpResponse<String> poll = get(base + "/jsonp?c=cb");
    assertThat(poll.statusCode()).isEqualTo(200);
    // cb("a[\"{\\\"type\\\":\\\"rec\\\",\\\"address\\\":\\\"jsonp-1\\\",...}\"]")
    assertThat(poll.body()).startsWith("/**/cb(\"a[").contains("jsonp-1").contains("t0");
  }

  /** A POST body beyond the bridge's limit is refused with 413, not buffered. */
  @Test
  void anOversizedSendIsRefused() throws Exception {
    String base = "http://127.0.0.1:" + port + "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "");
    HttpResponse<String> open = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/xhr")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(open.body()).startsWith("o");
    String big = new JsonArray().add("x".repeat(64 * 1024 + 10)).encode(); // beyond RoomBridge.MAX_SEND_BODY
    HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/xhr_send"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(sent.statusCode()).isEqualTo(413);
  }

  /** The same limit on the WebSocket transports: a frame over 64 KiB closes the socket with 1009. */
  @Test
  void anOversizedWebSocketFrameClosesWith1009() {
    try (io.chorus.testing.WsProbe ws = io.chorus.testing.WsProbe.connect(port, "/eventbus/websocket")) {
      ws.sendText(new JsonObject().put("type", "ping").encode());
      ws.sendText(new JsonObject().put("type", "send").put("address", "client.clock").put("body", "x".repeat(64 * 1024 + 10)).encode());
      assertThat(ws.awaitClose(10_000)).isEqualTo((short) 1009);
    }
  }

  /**
   * With CORS_ALLOWED_ORIGINS set, the bridge's HTTP transports follow the one CORS policy of the REST routes: another
   * origin gets no Access-Control-Allow-Origin (vertx-web's SockJS echoed any origin, with credentials) but the
   * policy's 403, on info, xhr, xhr_send, xhr_streaming and their preflights; the configured origin is named, with
   * credentials (sockjs-client's xhr transports send them), and its session works.
   */
  @Test
  @ChorusCluster(config = "CORS_ALLOWED_ORIGINS=https://chorus.example")
  void theHttpTransportsFollowTheConfiguredCorsOrigins(TestCluster strict) throws Exception {
    String base = "http://127.0.0.1:" + strict.port() + "/eventbus";
    for (String origin : List.of("https://evil.example", "https://chorus.example")) {
      boolean allowed = origin.equals("https://chorus.example");
      HttpResponse<String> info = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/info")).header("Origin", origin).build(),
          HttpResponse.BodyHandlers.ofString());
      cors(info, origin, allowed, "info");
      String session = base + "/000/" + UUID.randomUUID().toString().replace("-", "");
      HttpResponse<String> open = HTTP.send(HttpRequest.newBuilder(URI.create(session + "/xhr")).header("Origin", origin)
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      cors(open, origin, allowed, "xhr");
      String frame = new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", "xhr-1")
          .put("body", new JsonObject().put("t0", 5)).encode();
      HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(URI.create(session + "/xhr_send")).header("Origin", origin)
          .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(new JsonArray().add(frame).encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      cors(sent, origin, allowed, "xhr_send");
      HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create(session + "/xhr_send")).header("Origin", origin)
          .header("Access-Control-Request-Method", "POST").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      cors(preflight, origin, allowed, "xhr_send preflight");
      HttpResponse<java.io.InputStream> streaming = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/000/"
              + UUID.randomUUID().toString().replace("-", "") + "/xhr_streaming")).header("Origin", origin)
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofInputStream());
      streaming.body().close();
      assertThat(streaming.headers().firstValue("Access-Control-Allow-Origin")).as("xhr_streaming from %s", origin)
          .isEqualTo(allowed ? java.util.Optional.of(origin) : java.util.Optional.empty());
      assertThat(streaming.statusCode()).as("xhr_streaming from %s", origin).isEqualTo(allowed ? 200 : 403);
      if (allowed) {
        assertThat(open.body()).startsWith("o");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(204);
        HttpResponse<String> poll = HTTP.send(HttpRequest.newBuilder(URI.create(session + "/xhr")).header("Origin", origin)
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        cors(poll, origin, true, "xhr poll");
        assertThat(poll.body()).startsWith("a[").contains("xhr-1").contains("t0");
      }
    }
    // the refusal says why, on the bridge and on /api/v1 alike (it said "the request could not be read: VertxException")
    String api = "http://127.0.0.1:" + strict.port();
    for (HttpRequest refused : List.of(HttpRequest.newBuilder(URI.create(base + "/info")).header("Origin", "https://evil.example").build(),
        HttpRequest.newBuilder(URI.create(api + "/api/v1/time?t0=1")).header("Origin", "https://evil.example").build(),
        HttpRequest.newBuilder(URI.create(api + "/api/v1/auth/login")).header("Origin", "https://evil.example")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build())) {
      HttpResponse<String> r = HTTP.send(refused, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("%s", refused.uri()).isEqualTo(403);
      assertThat(new JsonObject(r.body()).getJsonObject("error")).as("%s", refused.uri())
          .isEqualTo(new JsonObject().put("code", "forbidden").put("message", "origin not allowed: https://evil.example"));
    }
  }

  private static void cors(HttpResponse<String> r, String origin, boolean allowed, String what) {
    if (allowed) {
      assertThat(r.statusCode()).as("%s from %s: %s", what, origin, r.body()).isBetween(200, 204);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as("%s from %s", what, origin).contains(origin);
      assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).as("%s from %s", what, origin).contains("true");
    } else {
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as("%s from %s", what, origin).isEmpty();
      assertThat(r.statusCode()).as("%s from %s: %s", what, origin, r.body()).isEqualTo(403);
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}

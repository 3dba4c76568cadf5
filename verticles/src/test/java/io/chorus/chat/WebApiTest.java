package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomState;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the web page needs from the REST API (issue 14): the host sets a room's track over REST, the
 * chat cursor a page continues from, and refused cursors.
 */
// one gateway instance: the held SockJS poll below must meet the session its first poll opened on the same
// event loop (across instances a poll can race the previous one's release and be answered at once, 2010)
@ChorusCluster(config = {"RATE_LIMIT_ROOM_CREATE=100000", "RATE_LIMIT_CHAT_MESSAGES=100000", "GATEWAY_INSTANCES=1", "HTTP_BODY_STALL_MS=1000"})
class WebApiTest {
  static TestCluster cluster;
  static ChorusNode node;
  static Vertx client;
  static Rest rest;
  static io.vertx.redis.client.RedisAPI redis;

  /** A conference room (host) plus a second member; returns {roomId, hostToken, bobToken}. */
  static String[] roomWithGuest() {
    Rest.Reply created = rest.post(cluster.port(), "/api/v1/rooms", null, new JsonObject().put("title", "Web").put("display_name", "Hanna"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getJsonObject("room").getString("id");
    Rest.Reply joined = rest.post(cluster.port(), "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Bob"));
    assertThat(joined.status()).as(joined.body()).isEqualTo(200);
    return new String[] {id, created.json().getString("token"), joined.json().getString("token")};
  }

  @Test
  void hostSetsTheTrackOverRest() {
    String[] r = roomWithGuest();
    String path = "/api/v1/rooms/" + r[0] + "/track";
    JsonObject body = new JsonObject().put("track_url", "https://example.org/a.mp3");

    assertThat(rest.call(HttpMethod.PUT, cluster.port(), path, null, null, body).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.call(HttpMethod.PUT, cluster.port(), path, r[2], null, body).errorCode(403)).isEqualTo("forbidden");
    for (String bad : new String[] {"javascript:alert(1)", "ftp://example.org/a.mp3", "http://", "",
        "https://example.org/" + "a".repeat(2048)}) {
      assertThat(rest.call(HttpMethod.PUT, cluster.port(), path, r[1], null, new JsonObject().put("track_url", bad)).errorCode(400))
          .as(bad).isEqualTo("invalid_argument");
    }
    assertThat(rest.call(HttpMethod.PUT, cluster.port(), path, r[1], null, new JsonObject().put("track_url", 42)).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.call(HttpMethod.PUT, cluster.port(), path, r[1], null, "{nope").errorCode(400)).isEqualTo("malformed_json");

    // a member's seed WebSocket sees the change as track_changed
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws?room_id=" + r[0] + "&user_id=" + participant(r[2]) + "&token=" + r[2])) {
      ws.awaitType("room_info");
      Rest.Reply ok = rest.call(HttpMethod.PUT, cluster.port(), path, r[1], null, body);
      assertThat(ok.status()).as(ok.body()).isEqualTo(200);
      assertThat(ok.json().getString("track_url")).isEqualTo("https://example.org/a.mp3");
      assertThat(ok.json().getJsonObject("playback").getString("status")).isEqualTo("pause");
      JsonObject ev = ws.awaitType("track_changed");
      assertThat(ev.getString("track_url")).isEqualTo("https://example.org/a.mp3");
    }
    RoomState room = TestServices.await(new RoomClient(node.vertx().eventBus(), "test").get(r[0]));
    assertThat(room.trackUrl()).isEqualTo("https://example.org/a.mp3");
  }

  static String participant(String token) {
    String payload = token.substring(0, token.indexOf('.'));
    return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(payload))).getString("p");
  }

  @Test
  void chatCursorIsTheOneToContinueFrom() {
    String[] r = roomWithGuest();
    String base = "/api/v1/rooms/" + r[0] + "/chat/messages";
    for (int i = 0; i < 3; i++) {
      assertThat(rest.post(cluster.port(), base, r[1], new JsonObject().put("content", "m" + i)).status()).isEqualTo(201);
    }
    JsonObject all = rest.get(cluster.port(), base, r[1]).json();
    long head = all.getLong("head_seq");
    assertThat(all.getLong("last_seq")).isEqualTo(head);

    // nothing after the head: the cursor stays at the head (it was 0, so a client following it started over)
    JsonObject none = rest.get(cluster.port(), base + "?after=" + head, r[1]).json();
    assertThat(none.getJsonArray("messages")).isEmpty();
    assertThat(none.getLong("last_seq")).isEqualTo(head);
    assertThat(none.getLong("head_seq")).isEqualTo(head);
    // after the last message's id: the same
    JsonArray msgs = all.getJsonArray("messages");
    String lastId = msgs.getJsonObject(msgs.size() - 1).getString("id");
    assertThat(rest.get(cluster.port(), base + "?after=" + lastId, r[1]).json().getLong("last_seq")).isEqualTo(head);
    // a page in the middle ends at its last message
    JsonObject one = rest.get(cluster.port(), base + "?limit=1&after=" + (head - 2), r[1]).json();
    assertThat(one.getLong("last_seq")).isEqualTo(head - 1);
    assertThat(one.getBoolean("has_more")).isTrue();
  }

  /**
   * A room outlives its chat (ROOM_TTL_HOURS 24, CHAT_TTL_HOURS 6): after 6 h without a message the chat's keys
   * expired, the room's last seq with them, and its next message was seq 1 again, so a client continuing from its
   * cursor (after=3) got nothing ({@code messages: [], last_seq: 3}) until the room passed seq 3 anew, and a chat socket
   * dropped the new messages as already seen. The 6 hours are emulated by deleting every chat key whose TTL is at most
   * the chat's: the messages go, the room's seq now stays for the room's lifetime.
   */
  @Test
  void aRoomWhoseChatExpiredNumbersOnFromItsLastSeq() {
    String[] r = roomWithGuest();
    String base = "/api/v1/rooms/" + r[0] + "/chat/messages";
    long last = 0;
    for (int i = 0; i < 3; i++) {
      last = rest.post(cluster.port(), base, r[1], new JsonObject().put("content", "before " + i)).json().getLong("seq");
    }
    long chatTtl = 6 * 3600;
    for (String key : ChatStore.allKeys(r[0])) {
      long ttl = TestServices.await(redis.ttl(key)).toLong();
      if (ttl >= 0 && ttl <= chatTtl) {
        TestServices.await(redis.del(java.util.List.of(key)));   // what 6 hours without chat do
      }
    }
    JsonObject later = rest.post(cluster.port(), base, r[2], new JsonObject().put("content", "six hours later")).json();
    assertThat(later.getLong("seq")).isGreaterThan(last);
    JsonObject page = rest.get(cluster.port(), base + "?after=" + last, r[1]).json();
    assertThat(page.getJsonArray("messages")).hasSize(1);
    assertThat(page.getJsonArray("messages").getJsonObject(0).getString("id")).isEqualTo(later.getString("id"));
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws/chat/" + r[0] + "?token=" + r[1] + "&after=" + last)) {
      JsonObject replayed = ws.awaitType("message_created");
      assertThat(replayed.getJsonObject("message").getString("id")).isEqualTo(later.getString("id"));
      ws.awaitType("synced");
      JsonObject live = rest.post(cluster.port(), base, r[2], new JsonObject().put("content", "and live")).json();
      assertThat(ws.awaitType("message_created").getJsonObject("message").getString("id")).isEqualTo(live.getString("id"));
    }
  }

  /**
   * A message id is a UUID, whose hex digits may come in either case: the id in upper case was taken as a message id's
   * shape and then found nowhere (404 for the cursor, the edit and the delete). Now it names the same message.
   */
  @Test
  void aMessageIdInUpperCaseNamesTheSameMessage() {
    String[] r = roomWithGuest();
    String base = "/api/v1/rooms/" + r[0] + "/chat/messages";
    JsonObject first = rest.post(cluster.port(), base, r[2], new JsonObject().put("content", "first")).json();
    JsonObject second = rest.post(cluster.port(), base, r[2], new JsonObject().put("content", "second")).json();
    String upper = first.getString("id").toUpperCase(java.util.Locale.ROOT);

    Rest.Reply after = rest.get(cluster.port(), base + "?after=" + upper, r[2]);
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    assertThat(after.json().getJsonArray("messages").getJsonObject(0).getString("id")).isEqualTo(second.getString("id"));
    Rest.Reply edited = rest.call(HttpMethod.PUT, cluster.port(), base + "/" + upper, r[2], null, new JsonObject().put("content", "first, edited"));
    assertThat(edited.status()).as(edited.body()).isEqualTo(200);
    assertThat(edited.json().getString("id")).isEqualTo(first.getString("id"));
    Rest.Reply deleted = rest.call(HttpMethod.DELETE, cluster.port(), base + "/" + second.getString("id").toUpperCase(java.util.Locale.ROOT),
        r[1], null, null);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws/chat/" + r[0] + "?token=" + r[1] + "&after=" + upper)) {
      JsonObject synced = ws.awaitType("synced");
      assertThat(synced.getLong("last_seq")).isEqualTo(second.getLong("seq"));
    }
  }

  @Test
  void badCursorsAreRefusedWith400() {
    String[] r = roomWithGuest();
    String base = "/api/v1/rooms/" + r[0] + "/chat/messages";
    for (String bad : new String[] {"-1", "-0", "1.5", "1e3", "99999999999999999999", "a%20b", "..%2F..", "%3Cx%3E", "abc", "unknown-id",
        "0b7e4c4e-1111-4222-8333-44445555666"}) {
      assertThat(rest.get(cluster.port(), base + "?after=" + bad, r[1]).errorCode(400)).as(bad).isEqualTo("invalid_argument");
    }
    // an unknown message id is still a 404
    assertThat(rest.get(cluster.port(), base + "?after=0b7e4c4e-1111-4222-8333-444455556666", r[1]).errorCode(404)).isEqualTo("not_found");

    // the chat socket shares the parser: an error frame, then close 4400
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws/chat/" + r[0] + "?token=" + r[1] + "&after=-1")) {
      JsonObject err = ws.awaitType("error");
      assertThat(err.getString("code")).isEqualTo("invalid_argument");
      assertThat(err.getLong("timestamp")).as("the error frame of docs/api.md").isPositive();
      assertThat(ws.awaitClose(10_000)).isEqualTo((short) 4400);
    }
    // an unknown message id: not_found, so 4404 (4000 + REST's 404)
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws/chat/" + r[0] + "?token=" + r[1] + "&after=0b7e4c4e-1111-4222-8333-444455556666")) {
      assertThat(ws.awaitType("error").getString("code")).isEqualTo("not_found");
      assertThat(ws.awaitClose(10_000)).isEqualTo((short) 4404);
    }
  }

  /** The sum over every label set of a meter on /metrics (0 when absent). */
  static double metricSum(String name) {
    return TestServices.metricSum(cluster.port(), name);
  }

  /**
   * {@code vertx_http_server_active_requests} comes back to its baseline (1: the /metrics request
   * itself) after WebSocket upgrades (/ws, /ws/chat, the bridge) and after requests answered before
   * their body arrived whose client then hung up (vert.x#6328: each of those stayed counted for good).
   */
  @Test
  void activeRequestsGaugeReturnsToBaseline() throws Exception {
    String[] r = roomWithGuest();
    String gauge = "vertx_http_server_active_requests";
    awaitGauge(gauge, 1);
    for (int i = 0; i < 3; i++) {
      try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws?room_id=" + r[0] + "&user_id=" + participant(r[2]) + "&token=" + r[2])) {
        ws.awaitType("room_info");
      }
      try (WsProbe ws = WsProbe.connect(cluster.port(), "/ws/chat/" + r[0] + "?token=" + r[1])) {
        ws.awaitType("synced");
      }
      try (WsProbe ws = WsProbe.connect(cluster.port(), "/eventbus/websocket")) {
        ws.send(new JsonObject().put("type", "ping"));
      }
    }
    awaitGauge(gauge, 1);
    // early answers (404 no route, 401 no token, 413 too large, 200) to requests whose declared body never comes
    for (String head : new String[] {"POST /nope", "GET /api/v1/rooms/" + r[0] + "/participants", "POST /api/v1/listen/rooms",
        "GET /health"}) {
      for (int i = 0; i < 3; i++) {
        String req = head + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
        assertThat(raw(req, 12)).as(head).startsWith("HTTP/1.1 ");
      }
    }
    awaitGauge(gauge, 1);
    // streaming and polling responses that never end, whose client hangs up (SockJS transports): the
    // request ended, the response did not, and Vert.x reports no reset when the connection closes
    for (String head : new String[] {"GET /eventbus/000/s%d/eventsource", "GET /eventbus/000/s%d/htmlfile?c=cb",
        "POST /eventbus/000/s%d/xhr_streaming", "POST /eventbus/000/s%d/xhr"}) {
      for (int i = 0; i < 3; i++) {
        String path = String.format(head, System.nanoTime());
        String req = path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
        try (java.net.Socket sock = send(req)) {
          assertThat(read(sock, 12)).as(path).startsWith("HTTP/1.1 200");
          if (head.endsWith("/xhr")) {
            // the open frame answered the first poll; a second poll is held open: hang up once it counts
            try (java.net.Socket held = send(req)) {
              awaitGauge(gauge, 2);
            }
          }
        }
      }
    }
    awaitGauge(gauge, 1);
  }

  /**
   * Requests without any body where the route needs one get {@code 400 malformed_json}, as docs/api.md's error rules
   * say for every route of every feature (they got {@code invalid_argument}, naming the first missing field, on the
   * rooms, chat and stream hub routes), never a 500 (NPE on the absent body).
   */
  @Test
  void requestsWithoutABodyAreMalformedJsonNever500() {
    String[] r = roomWithGuest();
    String base = "/api/v1/rooms/" + r[0];
    assertThat(rest.call(HttpMethod.PUT, cluster.port(), base + "/track", r[1], null, null).errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.call(HttpMethod.POST, cluster.port(), "/api/v1/rooms", null, null, null).errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.call(HttpMethod.POST, cluster.port(), base + "/chat/messages", r[1], null, null).errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.call(HttpMethod.POST, cluster.port(), "/sessions", null, null, null).errorCode(400)).isEqualTo("malformed_json");
    Rest.Reply sent = rest.post(cluster.port(), base + "/chat/messages", r[1], new JsonObject().put("content", "hi"));
    assertThat(sent.status()).as(sent.body()).isEqualTo(201);
    String msg = base + "/chat/messages/" + sent.json().getString("id");
    assertThat(rest.call(HttpMethod.PUT, cluster.port(), msg, r[1], null, null).errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.call(HttpMethod.POST, cluster.port(), base + "/join", null, null, null).errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.call(HttpMethod.POST, cluster.port(), base + "/join", r[2], null, null).errorCode(400)).isEqualTo("malformed_json");
    // an empty body is no body; an empty object is a body whose fields break the route's rules
    assertThat(rest.call(HttpMethod.POST, cluster.port(), "/sessions", null, null, "").errorCode(400)).isEqualTo("malformed_json");
    assertThat(rest.call(HttpMethod.POST, cluster.port(), "/sessions", null, null, "{}").errorCode(400)).isEqualTo("invalid_argument");
    assertThat(rest.call(HttpMethod.POST, cluster.port(), "/api/v1/rooms", null, null, "{}").errorCode(400)).isEqualTo("invalid_argument");
    // routes that take no body still take none
    assertThat(rest.call(HttpMethod.POST, cluster.port(), base + "/media/token", r[2], null, null).status()).isEqualTo(200);
    assertThat(rest.call(HttpMethod.POST, cluster.port(), base + "/leave", r[2], null, null).status()).isEqualTo(200);
  }

  /** A malformed percent-encoding in the path or the query is a 400 JSON error on every route, never a 500 or a text page. */
  @Test
  void malformedPercentEncodingIs400Json() throws Exception {
    String[] r = roomWithGuest();
    for (String target : new String[] {"GET /api/v1/time?t0=%ZZ", "GET /api/v1/rooms/" + r[0] + "/chat/messages?after=%ZZ",
        "GET /api/v1/rooms/%ZZ", "DELETE /sessions/x?key=%ZZ", "GET /ws?room_id=%ZZ", "GET /ws/chat/" + r[0] + "?token=%G1",
        "GET /health?x=%"}) {
      String req = target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      String answer = raw(req, -1);
      assertThat(answer).as(target).startsWith("HTTP/1.1 400");
      assertThat(answer).as(target).contains("{\"error\":{\"code\":\"invalid_argument\"");
    }
  }

  /**
   * Raw UTF-8 bytes in a request line (curl sends what it is given) are refused, never read as ISO-8859-1 text (a
   * search for "кино" would have searched for "ÐºÐ¸Ð½Ð¾" and answered 200 with nothing): 400 JSON, a WebSocket handshake
   * too; OpenSubsonic answers its own error 0. The same characters percent-encoded are read as they are meant.
   */
  @Test
  void rawNonAsciiInTheUriIsRefusedAndPercentEncodedIsRead() throws Exception {
    for (String target : new String[] {"GET /api/v1/search?q=кино", "GET /api/v1/rooms/кино", "GET /ws?room_id=ABCDEF&user_name=Алиса",
        "GET /health?x=é"}) {
      String answer = rawUtf8(target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assertThat(answer).as(target).startsWith("HTTP/1.1 400");
      assertThat(answer).as(target).contains("{\"error\":{\"code\":\"invalid_argument\",\"message\":\"the request URI must be ASCII");
    }
    String subsonic = rawUtf8("GET /rest/ping?u=кино&f=json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(subsonic).startsWith("HTTP/1.1 200");
    assertThat(subsonic).contains("\"status\":\"failed\"").contains("\"code\":0").contains("must be ASCII");
    // percent-encoded, the same text reaches the route: a room id in another script is a 400 of the id's rules, not of the URI
    String encoded = raw("GET /api/v1/rooms/%D0%BA%D0%B8%D0%BD%D0%BE HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", -1);
    assertThat(encoded).doesNotContain("must be ASCII");
    assertThat(encoded).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
  }

  private static String rawUtf8(String request) throws java.io.IOException {
    try (java.net.Socket sock = new java.net.Socket("127.0.0.1", cluster.port())) {
      sock.setSoTimeout(10_000);
      sock.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sock.getOutputStream().flush();
      return read(sock, -1);
    }
  }

  /**
   * The SockJS polling transports close the connection after each answer; they must say so
   * ({@code Connection: close}), or a keep-alive client sends its next poll onto the closing
   * connection and fails ("socket hang up", sockjs-client close 1006).
   */
  @Test
  void pollingAnswersThatCloseTheirConnectionSaySo() throws Exception {
    for (String head : new String[] {"POST /eventbus/000/p%d/xhr", "GET /eventbus/000/p%d/jsonp?c=cb"}) {
      String path = String.format(head, System.nanoTime());
      String req = path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
      // the server closes the connection after the open frame: read to the end
      String answer = raw(req, -1);
      assertThat(answer).as(path).startsWith("HTTP/1.1 200");
      String headers = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
      assertThat(headers).as(path + ": closed by the server").contains("connection: close");
    }
  }

  /** Opens a connection to the node and writes one raw HTTP/1.1 request on it. */
  private static java.net.Socket send(String request) throws java.io.IOException {
    java.net.Socket sock = new java.net.Socket("127.0.0.1", cluster.port());
    sock.setSoTimeout(10_000);
    sock.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    sock.getOutputStream().flush();
    return sock;
  }

  /** The first {@code max} bytes of the answer on {@code sock}, or all of it up to the close with a negative {@code max}. */
  private static String read(java.net.Socket sock, int max) throws java.io.IOException {
    byte[] bytes = max < 0 ? sock.getInputStream().readAllBytes() : sock.getInputStream().readNBytes(max);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Requests Netty cannot take (a request line or headers over the limits) and NULs in the URI get the JSON error too. */
  @Test
  void overlongRequestLinesHugeHeadersAndNulsAre4xxJson() throws Exception {
    String[][] cases = {
        {"GET /health?x=" + "x".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "414"},
        // OpenSubsonic's routes take request lines up to 64 KiB (a player's long play queue), the others 4 KB, by the
        // normalised path; over 64 KiB the codec refuses it for every route
        {"GET /rest/../health?x=" + "x".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "414"},
        {"POST /api/v1/auth/login?x=" + "x".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: 2\r\n\r\n{}", "414"},
        {"GET /rest/ping.view?x=" + "x".repeat(70_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "414"},
        {"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "A".repeat(20_000) + "\r\n\r\n", "431"},
        {"GET /api/v1/time?t0=%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "400"},
        {"GET /api/v1/rooms/a%00b HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "400"},
        // a JSON route's body sent as a form that does not decode: the BodyHandler's 400, not a 500
        {"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n"
            + "Connection: close\r\n\r\n{\"a\":%}", "400"}};
    for (String[] c : cases) {
      String answer = raw(c[0], -1);   // read to the end: the server closes the connection after these answers
      // Netty could not read the version of a request line it refused: Vert.x answers it as HTTP/1.0
      assertThat(answer).as(c[1]).matches("(?s)HTTP/1\\.[01] " + c[1] + " .*");
      assertThat(answer).as(c[1]).contains("{\"error\":{\"code\":\"invalid_argument\",\"message\":\"");
    }
  }

  /**
   * A head with both Transfer-Encoding: chunked and Content-Length (the request-smuggling shape, RFC 9112 §6.3) is refused
   * with the JSON 400 and Connection: close, and the connection is closed: nothing sent after it on the connection (here a
   * second request, which a proxy framing by Content-Length would have taken as the first one's body) is answered. It was
   * answered as a chunked request (here a 401 for the wrong password) and the connection kept open.
   */
  @Test
  void aRequestWithBothTransferEncodingAndContentLengthIsRefusedAndItsConnectionClosed() throws Exception {
    String body = "{\"username\":\"nobody\",\"password\":\"wrong password\"}";
    String smuggled = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    String request = "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + (body.length() + 10) + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n" + smuggled;
    String answer = raw(request, -1);   // read to the end: a connection left open fails the read after 10 s
    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("\r\nconnection: close\r\n");
    assertThat(answer).contains("{\"error\":{\"code\":\"invalid_argument\",\"message\":\"a request may not carry both Transfer-Encoding and Content-Length\"}}");
    assertThat(answer).as("one answer only").containsOnlyOnce("HTTP/1.");
    // HTTP/1.0 with keep-alive too (Netty keeps both headers there): both requests below in 1.0 with keep-alive
    String answer10 = raw(request.replace("HTTP/1.1\r\nHost", "HTTP/1.0\r\nConnection: keep-alive\r\nHost"), -1);
    assertThat(answer10).matches("(?s)HTTP/1\\.[01] 400 .*").contains("a request may not carry both Transfer-Encoding and Content-Length")
        .containsOnlyOnce("HTTP/1.");
    // the ordinary shapes still pass: chunked alone, and Content-Length alone
    assertThat(raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n", -1))
        .startsWith("HTTP/1.1 401 ");
    assertThat(raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body, -1)).startsWith("HTTP/1.1 401 ");
  }

  /**
   * A body that stops arriving has its connection closed after HTTP_BODY_STALL_MS (1 s here); one that keeps
   * coming, however slowly, is read to its end and answered.
   */
  @Test
  void aStalledBodyIsCutOffAndASlowOneIsNot() throws Exception {
    String head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 48\r\n\r\n";
    try (java.net.Socket stalled = send(head + "{\"username\":")) {
      assertThat(read(stalled, -1)).as("closed without an answer (the socket's 10 s read timeout fails the test otherwise)").isEmpty();
    }
    // the same for a request head that never ends, and for a connection that never speaks
    try (java.net.Socket slowHead = send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"); java.net.Socket mute = send("")) {
      assertThat(read(slowHead, -1)).isEmpty();
      assertThat(read(mute, -1)).isEmpty();
    }
    // and for a keep-alive connection whose second head trickles in (a header every 0.5 s): closed 2.5 s (2.5 × the
    // stall time) after the first answer, whatever it still sends
    try (java.net.Socket keptAlive = send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
      assertThat(read(keptAlive, 12)).isEqualTo("HTTP/1.1 200");
      keptAlive.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      boolean closed = false;
      for (int i = 0; i < 16 && !closed; i++) {   // 8 s at most; the server closes it at about 2.5 s
        java.util.concurrent.locks.LockSupport.parkNanos(500_000_000);
        try {
          keptAlive.getOutputStream().write(("X-" + i + ": y\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          keptAlive.getOutputStream().flush();
        } catch (java.io.IOException e) {
          closed = true;
        }
      }
      String rest = "";
      if (!closed) {   // writes may still succeed after the close: read to the end (a socket left open times out)
        try {
          rest = new String(keptAlive.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          closed = true;
        } catch (java.net.SocketTimeoutException e) {
          closed = false;
        } catch (java.io.IOException e) {
          closed = true;   // reset: closed
        }
      }
      assertThat(closed).as("the kept-alive connection was closed").isTrue();
      assertThat(rest).as("no second answer").doesNotContain("HTTP/1.1 200");
    }
    String body = "{\"username\":\"nobody-here\",\"password\":\"x\"}";
    body = body + " ".repeat(48 - body.length());
    try (java.net.Socket slow = send(head)) {
      for (int i = 0; i < body.length(); i += 8) {   // 8 bytes every 400 ms: 2 s in all, never 1 s without a byte
        java.util.concurrent.locks.LockSupport.parkNanos(400_000_000);
        slow.getOutputStream().write(body.substring(i, Math.min(body.length(), i + 8)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        slow.getOutputStream().flush();
      }
      assertThat(read(slow, 12)).isEqualTo("HTTP/1.1 401");
    }
  }

  /** What vertx-web's SockJS transports answered with a bare-text 500 or 400 gets the JSON error. */
  @Test
  void badSockJsTransportRequestsAre400Json() throws Exception {
    String[] requests = {
        "GET /eventbus/123/abc/jsonp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "GET /eventbus/123/abc/htmlfile?c=alert(1)// HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "POST /eventbus/123/abc/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "POST /eventbus/123/abc/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        "POST /eventbus/123/abc/jsonp_send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: 3\r\nConnection: close\r\n\r\nx=1",
        "GET /eventbus/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"};
    for (String r : requests) {
      String answer = raw(r, -1);
      assertThat(answer).as(r).startsWith("HTTP/1.1 400");
      assertThat(answer).as(r).contains("{\"error\":{\"code\":\"invalid_argument\"");
    }
    // a well-formed send to a session nobody opened: vertx-web's empty 404, with the JSON body now
    String unknown = raw("POST /eventbus/123/unknownsess/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
        + "Connection: close\r\n\r\n[\"x\"]", -1);
    assertThat(unknown).startsWith("HTTP/1.1 404");
    assertThat(unknown).contains("{\"error\":{\"code\":\"not_found\"");
  }

  /** A plain GET of a WebSocket endpoint (no upgrade) gets the JSON 400, not Vert.x's plain-text one. */
  @Test
  void webSocketEndpointsWithoutTheUpgradeAre400Json() {
    for (String path : java.util.List.of("/ws", "/ws?room_id=ABCDEF&user_id=u1", "/ws/chat/ABCDEF", "/ws/stream/a/b")) {
      Rest.Reply r = rest.get(cluster.port(), path, null);
      assertThat(r.errorCode(400)).as(path).isEqualTo("invalid_argument");
      assertThat(r.headers().get("content-type")).as(path).startsWith("application/json");
    }
  }

  /** One raw request on its own connection: {@link #read} of its answer. */
  private static String raw(String request, int max) throws java.io.IOException {
    try (java.net.Socket sock = send(request)) {
      return read(sock, max);
    }
  }

  static void awaitGauge(String name, double expected) {
    // the server closes the sockets asynchronously; 100 ms a poll of its gauge
    TestServices.until(name + " at " + expected + " (no request open)", 10_000, 100,
        () -> metricSum(name) == expected ? Boolean.TRUE : null, () -> name + " is " + metricSum(name));
  }
}

package io.chorus.gateway;

import io.chorus.ChorusNode;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One node whose client-facing verticles run as four instances (four event loops): sockets spread
 * over all of them, and every socket on every instance receives every room and chat event, in order.
 */
@ChorusCluster(config = {"GATEWAY_INSTANCES=4", "RATE_LIMIT_CHAT_MESSAGES=0", "RATE_LIMIT_ROOM_CREATE=0"})
class MultiInstanceTest {
  static final int INSTANCES = 4;
  static final int SOCKETS = 12;
  static final int EVENTS = 30;
  static ChorusNode node;
  static int port;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start(ChorusNode started) {
    node = started;
    port = NodePorts.http(node.vertx());
  }

  static JsonObject post(String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body.encode()));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }

  /** Gateway instances with at least one room socket, from the per-loop gauge on /metrics. */
  static Set<String> loopsWithSockets() throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^chorus_room_sockets\\{instance=\"([^\"]+)\"[^}]*\\} ([0-9.]+)$").matcher(body);
    Set<String> loops = new HashSet<>();
    while (m.find()) {
      if (Double.parseDouble(m.group(2)) > 0) {
        loops.add(m.group(1));
      }
    }
    return loops;
  }

  @Test
  void everySocketOnEveryInstanceGetsEveryRoomEventInOrder() throws Exception {
    JsonObject created = post("/api/v1/listen/rooms", null, new JsonObject().put("host_id", "host-1").put("host_name", "Host")
        .put("track_url", "https://example.com/t.mp3"));
    String id = created.getString("room_id");
    String hostToken = created.getString("token");
    List<WsProbe> sockets = new ArrayList<>();
    try (WsProbe host = WsProbe.connect(port, "/ws?room_id=" + id + "&user_id=host-1&user_name=Host&token=" + hostToken)) {
      host.awaitType("room_info");
      for (int i = 0; i < SOCKETS; i++) {
        WsProbe s = WsProbe.connect(port, "/ws?room_id=" + id + "&user_id=l" + i + "&user_name=L" + i);
        s.awaitType("room_info");
        sockets.add(s);
      }
      assertThat(loopsWithSockets()).as("connections are spread over every instance").hasSize(INSTANCES);

      for (int i = 1; i <= EVENTS; i++) {
        host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", i));
      }
      for (WsProbe s : sockets) {
        long lastVersion = -1;
        for (int i = 1; i <= EVENTS; i++) {
          JsonObject seek = s.awaitType("seek");
          assertThat(seek.getDouble("position")).as("seek %d in order on %s", i, s.history()).isEqualTo((double) i);
          assertThat(seek.getLong("version")).isGreaterThan(lastVersion);
          lastVersion = seek.getLong("version");
        }
      }
    } finally {
      sockets.forEach(WsProbe::close);
    }
  }

  @Test
  void everyChatSocketOnEveryInstanceGetsEveryMessageInOrder() throws Exception {
    JsonObject created = post("/api/v1/rooms", null, new JsonObject().put("title", "multi").put("display_name", "Host"));
    String id = created.getJsonObject("room").getString("id");
    String hostToken = created.getString("token");
    List<WsProbe> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < SOCKETS; i++) {
        String token = post("/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "P" + i)).getString("token");
        WsProbe s = WsProbe.connect(port, "/ws/chat/" + id + "?token=" + token);
        s.awaitType("synced");
        sockets.add(s);
      }
      for (int i = 1; i <= EVENTS; i++) {
        post("/api/v1/rooms/" + id + "/chat/messages", hostToken, new JsonObject().put("content", "m" + i));
      }
      for (WsProbe s : sockets) {
        long lastSeq = 0;
        for (int i = 1; i <= EVENTS; i++) {
          // (join notices are chat messages too: only the test's own ones count here, each after the one before)
          JsonObject m = s.await(e -> "message_created".equals(e.getString("type"))
              && e.getJsonObject("message").getString("content", "").matches("m\\d+"), 10_000);
          assertThat(m.getJsonObject("message").getString("content")).as("message %d in order on %s", i, s.history()).isEqualTo("m" + i);
          assertThat(m.getLong("seq")).isGreaterThan(lastSeq);
          lastSeq = m.getLong("seq");
        }
      }
    } finally {
      sockets.forEach(WsProbe::close);
    }
  }
}

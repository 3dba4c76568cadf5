package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomState;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the web page needs from the REST API (issue 14): the host sets a room's track over REST, the
 * chat cursor a page continues from, and refused cursors.
 */
class WebApiTest {
  static ChorusNode node;
  static Vertx client;
  static Rest rest;
  static int port;

  @BeforeAll
  static void start() {
    node = TestServices.startNode(Map.of("RATE_LIMIT_ROOM_CREATE", 100_000, "RATE_LIMIT_CHAT_MESSAGES", 100_000));
    port = NodePorts.http(node.vertx());
    client = Vertx.vertx();
    rest = new Rest(client);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      TestServices.await(client.close());
    }
    if (node != null) {
      TestServices.closeAll(List.of(node));
    }
  }

  /** A conference room (host) plus a second member; returns {roomId, hostToken, bobToken}. */
  static String[] roomWithGuest() {
    Rest.Reply created = rest.post(port, "/api/v1/rooms", null, new JsonObject().put("title", "Web").put("display_name", "Hanna"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getJsonObject("room").getString("id");
    Rest.Reply joined = rest.post(port, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Bob"));
    assertThat(joined.status()).as(joined.body()).isEqualTo(200);
    return new String[] {id, created.json().getString("token"), joined.json().getString("token")};
  }

  @Test
  void hostSetsTheTrackOverRest() {
    String[] r = roomWithGuest();
    String path = "/api/v1/rooms/" + r[0] + "/track";
    JsonObject body = new JsonObject().put("track_url", "https://example.org/a.mp3");

    assertThat(rest.call(HttpMethod.PUT, port, path, null, null, body).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(rest.call(HttpMethod.PUT, port, path, r[2], null, body).errorCode(403)).isEqualTo("forbidden");
    for (String bad : new String[] {"javascript:alert(1)", "/media/x.wav", "ftp://example.org/a.mp3", "http://", "",
        "https://example.org/" + "a".repeat(2048)}) {
      assertThat(rest.call(HttpMethod.PUT, port, path, r[1], null, new JsonObject().put("track_url", bad)).errorCode(400))
          .as(bad).isEqualTo("invalid_argument");
    }
    assertThat(rest.call(HttpMethod.PUT, port, path, r[1], null, new JsonObject().put("track_url", 42)).errorCode(400))
        .isEqualTo("invalid_argument");
    assertThat(rest.call(HttpMethod.PUT, port, path, r[1], null, "{nope").errorCode(400)).isEqualTo("malformed_json");

    // a member's seed WebSocket sees the change as track_changed
    try (WsProbe ws = WsProbe.connect(port, "/ws?room_id=" + r[0] + "&user_id=" + participant(r[2]) + "&token=" + r[2])) {
      ws.awaitType("room_info");
      Rest.Reply ok = rest.call(HttpMethod.PUT, port, path, r[1], null, body);
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
      assertThat(rest.post(port, base, r[1], new JsonObject().put("content", "m" + i)).status()).isEqualTo(201);
    }
    JsonObject all = rest.get(port, base, r[1]).json();
    long head = all.getLong("head_seq");
    assertThat(all.getLong("last_seq")).isEqualTo(head);

    // nothing after the head: the cursor stays at the head (it was 0, so a client following it started over)
    JsonObject none = rest.get(port, base + "?after=" + head, r[1]).json();
    assertThat(none.getJsonArray("messages")).isEmpty();
    assertThat(none.getLong("last_seq")).isEqualTo(head);
    assertThat(none.getLong("head_seq")).isEqualTo(head);
    // after the last message's id: the same
    JsonArray msgs = all.getJsonArray("messages");
    String lastId = msgs.getJsonObject(msgs.size() - 1).getString("id");
    assertThat(rest.get(port, base + "?after=" + lastId, r[1]).json().getLong("last_seq")).isEqualTo(head);
    // a page in the middle ends at its last message
    JsonObject one = rest.get(port, base + "?limit=1&after=" + (head - 2), r[1]).json();
    assertThat(one.getLong("last_seq")).isEqualTo(head - 1);
    assertThat(one.getBoolean("has_more")).isTrue();
  }

  @Test
  void badCursorsAreRefusedWith400() {
    String[] r = roomWithGuest();
    String base = "/api/v1/rooms/" + r[0] + "/chat/messages";
    for (String bad : new String[] {"-1", "-0", "1.5", "1e3", "99999999999999999999", "a%20b", "..%2F..", "%3Cx%3E"}) {
      assertThat(rest.get(port, base + "?after=" + bad, r[1]).errorCode(400)).as(bad).isEqualTo("invalid_argument");
    }
    // an unknown message id is still a 404
    assertThat(rest.get(port, base + "?after=0b7e4c4e-1111-4222-8333-444455556666", r[1]).errorCode(404)).isEqualTo("not_found");

    // the chat socket shares the parser: an error frame, then close 4400
    try (WsProbe ws = WsProbe.connect(port, "/ws/chat/" + r[0] + "?token=" + r[1] + "&after=-1")) {
      JsonObject err = ws.awaitType("error");
      assertThat(err.getString("code")).isEqualTo("invalid_argument");
      assertThat(ws.awaitClose(10_000)).isEqualTo((short) 4400);
    }
  }
}

package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.Sql;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code WS /ws/chat/:room_id}: live events in seq order on both nodes, and a client that drops and
 * reconnects to the other node with {@code after=<last seq>} gets exactly what it missed while two
 * senders on two nodes keep sending: no gap, no duplicate.
 */
@ChorusCluster(nodes = 2, config = {
    "RATE_LIMIT_CHAT_MESSAGES=0",
    "RATE_LIMIT_ROOM_REQUESTS=0",
    "RATE_LIMIT_ROOM_CREATE=0",
    "ROOM_CLEANUP_INTERVAL_SECONDS=1"})
class ChatRecoveryTest {
  static TestCluster cluster;
  static List<ChorusNode> nodes;
  static Vertx client;
  static Rest rest;

  static JsonObject post(int node, String path, String token, JsonObject body) {
    return rest.postOk(cluster.port(node), path, token, body);
  }

  /** Reads created events until {@code synced}, returning their seqs. */
  static List<Long> replayed(WsProbe ws) {
    List<Long> seqs = new ArrayList<>();
    while (true) {
      JsonObject m = ws.await(x -> true, 10_000);
      if ("synced".equals(m.getString("type"))) {
        return seqs;
      }
      if ("message_created".equals(m.getString("type"))) {
        seqs.add(m.getLong("seq"));
      }
    }
  }

  @Test
  void reconnectToTheOtherNodeRecoversExactlyWhatWasMissed() throws Exception {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "busy").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    String hostToken = c.getString("token");
    String aToken = post(1, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "A")).getString("token");
    String bToken = post(0, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "B")).getString("token");
    String rToken = post(1, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Reader")).getString("token");

    WsProbe watcher = WsProbe.connect(cluster.port(1), "/ws/chat/" + id + "?token=" + hostToken);
    List<Long> watcherSeqs = new ArrayList<>(replayed(watcher));
    WsProbe reader = WsProbe.connect(cluster.port(0), "/ws/chat/" + id + "?token=" + rToken);
    List<Long> readerSeqs = new ArrayList<>(replayed(reader));
    assertThat(readerSeqs).containsExactly(1L, 2L, 3L);   // the three join lines

    // two senders, one per node, 150 messages each, sending concurrently (8 in flight each)
    int perSender = 150;
    AtomicBoolean failed = new AtomicBoolean();
    WebClient web = WebClient.create(client);
    List<Future<Void>> senders = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      int node = s;
      String token = s == 0 ? aToken : bToken;
      senders.add(sendMany(web, cluster.port(node), "/api/v1/rooms/" + id + "/chat/messages", token, "s" + s, perSender, failed));
    }
    long t0 = System.currentTimeMillis();
    // the reader reads some live messages, drops, and reconnects to the other node while sending goes on
    while (readerSeqs.size() < 3 + 40) {
      JsonObject m = reader.await(x -> "message_created".equals(x.getString("type")), 10_000);
      readerSeqs.add(m.getLong("seq"));
    }
    reader.close();
    long last = readerSeqs.get(readerSeqs.size() - 1);
    WsProbe again = WsProbe.connect(cluster.port(1), "/ws/chat/" + id + "?token=" + rToken + "&after=" + last);
    long reconnectedAt = System.currentTimeMillis();
    readerSeqs.addAll(replayed(again));
    long total = 3 + 2L * perSender;
    while (readerSeqs.get(readerSeqs.size() - 1) < total) {
      readerSeqs.add(again.await(x -> "message_created".equals(x.getString("type")), 10_000).getLong("seq"));
    }
    TestServices.await(Future.all(senders));
    long sendMs = System.currentTimeMillis() - t0;
    assertThat(failed).isFalse();
    while (watcherSeqs.size() < total) {
      watcherSeqs.add(watcher.await(x -> "message_created".equals(x.getString("type")), 10_000).getLong("seq"));
    }
    List<Long> expected = new ArrayList<>();
    for (long i = 1; i <= total; i++) {
      expected.add(i);
    }
    assertThat(readerSeqs).as("reader after reconnect").isEqualTo(expected);
    assertThat(watcherSeqs).as("live watcher on node 1").isEqualTo(expected);
    assertThat(last).isLessThan(total);

    // REST history agrees: every seq once, ascending
    JsonObject page = rest.get(cluster.port(0), "/api/v1/rooms/" + id + "/chat/messages?limit=200&after=0", hostToken).json();
    assertThat(page.getJsonArray("messages")).hasSize(200);
    assertThat(page.getBoolean("has_more")).isTrue();
    System.out.printf("ChatRecoveryTest: %d messages from 2 nodes in %d ms; reader resumed after seq %d (%d ms after start)%n",
        2 * perSender, sendMs, last, reconnectedAt - t0);
    watcher.close();
    again.close();
  }

  static Future<Void> sendMany(WebClient web, int port, String path, String token, String tag, int n, AtomicBoolean failed) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    int[] next = {0};
    int[] inFlight = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (inFlight[0] < 8 && next[0] < n) {
        int i = next[0]++;
        inFlight[0]++;
        web.post(port, "127.0.0.1", path).putHeader("Authorization", "Bearer " + token)
            .sendJsonObject(new JsonObject().put("content", tag + "-" + i)).onComplete(ar -> {
              inFlight[0]--;
              if (ar.failed() || ar.result().statusCode() != 201) {
                failed.set(true);
              }
              if (next[0] == n && inFlight[0] == 0) {
                done.tryComplete();
              } else {
                pump[0].run();
              }
            });
      }
    };
    client.runOnContext(v -> pump[0].run());
    return done.future();
  }

  @Test
  void theClustersCleanupEndsAnExpiredRoomAndItsSockets() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "expiring").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    String hostId = c.getJsonObject("participant").getString("participant_id");
    // the room's seed /ws sockets, the host's on node 0 and a listener's on node 1, end with it too (they were left
    // open in a room that no longer existed, told nothing, every control answered not_found)
    try (WsProbe ws = WsProbe.connect(cluster.port(1), "/ws/chat/" + id + "?token=" + c.getString("token"));
         WsProbe host = WsProbe.connect(cluster.port(0), "/ws?room_id=" + id + "&user_id=" + hostId + "&token=" + c.getString("token"));
         WsProbe listener = WsProbe.connect(cluster.port(1), "/ws?room_id=" + id + "&user_id=expiring-listener")) {
      replayed(ws);
      host.awaitType("room_info");
      long version = listener.awaitType("room_info").getLong("version");
      Sql.query(nodes.get(0).config().db(), "UPDATE rooms SET expires_at = NOW() - INTERVAL '1 second' WHERE id = ?", id);
      long t0 = System.currentTimeMillis();
      JsonObject ended = ws.await(m -> "room_ended".equals(m.getString("type")), 10_000);
      assertThat(ended.getString("room_id")).isEqualTo(id);
      assertThat(ws.awaitClose(5000)).isEqualTo((short) 1000);
      System.out.printf("ChatRecoveryTest: expired room ended by the periodic cleanup within %d ms%n", System.currentTimeMillis() - t0);
      for (WsProbe seed : List.of(host, listener)) {
        JsonObject roomEnded = seed.await(m -> "room_ended".equals(m.getString("type")), 10_000);
        assertThat(roomEnded.getString("room_id")).isEqualTo(id);
        assertThat(roomEnded.getString("reason")).isEqualTo("expired");
        assertThat(roomEnded.getLong("version")).isGreaterThan(version);
        assertThat(seed.awaitClose(5000)).isEqualTo((short) 1000);
      }
    }
    assertThat(rest.get(cluster.port(0), "/api/v1/rooms/" + id, null).json().getString("status")).isEqualTo("ended");
    assertThat(rest.get(cluster.port(0), "/api/v1/rooms/" + id + "/chat/messages", c.getString("token")).errorCode(404)).isEqualTo("not_found");
  }

  @Test
  void refusedSocketsAndEditDeleteEvents() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "ws").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    String host = c.getString("token");
    JsonObject other = post(1, "/api/v1/rooms", null, new JsonObject().put("title", "other"));
    try (WsProbe none = WsProbe.connect(cluster.port(0), "/ws/chat/" + id)) {
      assertThat(none.awaitType("error").getString("code")).isEqualTo("unauthenticated");
      assertThat(none.awaitClose(5000)).isEqualTo((short) 4401);
    }
    try (WsProbe wrong = WsProbe.connect(cluster.port(0), "/ws/chat/" + id + "?token=" + other.getString("token"))) {
      assertThat(wrong.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(wrong.awaitClose(5000)).isEqualTo((short) 4403);
    }
    String bob = post(1, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "Bob")).getString("token");
    post(1, "/api/v1/rooms/" + id + "/leave", bob, null);
    try (WsProbe gone = WsProbe.connect(cluster.port(0), "/ws/chat/" + id + "?token=" + bob)) {
      assertThat(gone.awaitType("error").getString("code")).isEqualTo("forbidden");
      assertThat(gone.awaitClose(5000)).isEqualTo((short) 4403);
    }
    try (WsProbe ws = WsProbe.connect(cluster.port(1), "/ws/chat/" + id + "?token=" + host)) {
      replayed(ws);
      JsonObject m = post(0, "/api/v1/rooms/" + id + "/chat/messages", host, new JsonObject().put("content", "one"));
      assertThat(ws.awaitType("message_created").getJsonObject("message").getString("content")).isEqualTo("one");
      rest.call(io.vertx.core.http.HttpMethod.PUT, cluster.port(0), "/api/v1/rooms/" + id + "/chat/messages/" + m.getString("id"), host, null,
          new JsonObject().put("content", "uno"));
      JsonObject upd = ws.awaitType("message_updated");
      assertThat(upd.getJsonObject("message").getString("content")).isEqualTo("uno");
      rest.call(io.vertx.core.http.HttpMethod.DELETE, cluster.port(1), "/api/v1/rooms/" + id + "/chat/messages/" + m.getString("id"), host, null, null);
      JsonObject del = ws.awaitType("message_deleted");
      assertThat(del.getString("message_id")).isEqualTo(m.getString("id"));
      ws.send(new JsonObject().put("type", "ping"));
      ws.awaitType("pong");
      ws.sendText("not json");
      assertThat(ws.awaitType("error").getString("code")).isEqualTo("malformed_json");
    }
  }

  /** A socket gets edits and deletions of the messages it has only: not of those older than its replay (contract B, 15). */
  @Test
  void editsOfMessagesOlderThanTheReplayAreNotSent() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "edits").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    String host = c.getString("token");
    String path = "/api/v1/rooms/" + id + "/chat/messages";
    List<JsonObject> sent = new ArrayList<>();
    for (int i = 0; i < 55; i++) {
      sent.add(post(0, path, host, new JsonObject().put("content", "m" + i)));
    }
    try (WsProbe ws = WsProbe.connect(cluster.port(0), "/ws/chat/" + id + "?token=" + host)) {
      List<Long> seqs = replayed(ws);
      assertThat(seqs).hasSize(50).doesNotContain(sent.get(0).getLong("seq"));
      JsonObject oldest = sent.get(0);
      JsonObject newest = sent.get(sent.size() - 1);
      rest.call(io.vertx.core.http.HttpMethod.PUT, cluster.port(0), path + "/" + oldest.getString("id"), host, null, new JsonObject().put("content", "old"));
      rest.call(io.vertx.core.http.HttpMethod.DELETE, cluster.port(0), path + "/" + sent.get(1).getString("id"), host, null, null);
      rest.call(io.vertx.core.http.HttpMethod.PUT, cluster.port(0), path + "/" + newest.getString("id"), host, null, new JsonObject().put("content", "new"));
      // the three events leave this node in that order: the first one this socket gets is the newest message's
      JsonObject first = ws.await(x -> x.getString("type", "").startsWith("message_"), 10_000);
      assertThat(first.getString("type")).as(ws.history()).isEqualTo("message_updated");
      assertThat(first.getJsonObject("message").getString("id")).isEqualTo(newest.getString("id"));
    }
  }

  /**
   * The protocol's own frames are no client message: a Ping (clients that keep a connection alive send one every few
   * seconds) got an {@code invalid_argument} error frame besides its Pong, and so did an unsolicited Pong; a message
   * sent in fragments (RFC 6455 5.4) got one error per fragment. Now a Ping gets its Pong only, a Pong nothing, and
   * fragments make one message; a message too long in fragments is refused once.
   */
  @Test
  void controlFramesAreNoMessagesAndFragmentsMakeOne() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "frames").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    try (WsProbe ws = WsProbe.connect(cluster.port(0), "/ws/chat/" + id + "?token=" + c.getString("token"))) {
      ws.awaitType("synced");
      ws.sendPing("keep-alive");
      ws.sendPong("heartbeat");
      ws.sendTextInParts("{\"type\":", "\"ping\"", "}");
      ws.sendTextInParts("{\"type\":\"" + "x".repeat(3000), "y".repeat(3000) + "\"}");
      ws.send(new JsonObject().put("type", "ping"));
      // in order: the fragmented ping's pong, the long message's one error, the last ping's pong; nothing before them
      JsonObject first = ws.await(x -> true, 10_000);
      assertThat(first.getString("type")).as(ws.history()).isEqualTo("pong");
      JsonObject second = ws.await(x -> true, 10_000);
      assertThat(second.getString("type")).as(ws.history()).isEqualTo("error");
      assertThat(second.getString("code")).isEqualTo("invalid_argument");
      assertThat(ws.await(x -> true, 10_000).getString("type")).as(ws.history()).isEqualTo("pong");
    }
  }

  /**
   * A client that pings without reading the pongs: the node queued every pong (3 M pings grew a node by 600 MB). The
   * pong goes out under the events' slow-socket policy, so the socket is closed (1013, then dropped).
   */
  @Test
  void aSocketThatPingsButDoesNotReadThePongsIsClosed() {
    JsonObject c = post(0, "/api/v1/rooms", null, new JsonObject().put("title", "deaf").put("display_name", "Host"));
    String id = c.getJsonObject("room").getString("id");
    try (WsProbe ws = WsProbe.connect(cluster.port(0), "/ws/chat/" + id + "?token=" + c.getString("token"))) {
      ws.awaitType("synced");
      // the new code closes after a few MB of pongs
      ws.sendWithoutReading("{\"type\":\"ping\"}", 1_000_000);
      assertThat(ws.awaitClose(30_000)).isIn((short) 1013, (short) 1006);
    }
  }
}

package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A room's shared queue and the ready wait over real WebSockets on two clustered nodes sharing one
 * Redis: the host edits, everyone sees the same queue in the same order, the next track starts for
 * everyone when all are ready or at the deadline, a leaver or a late joiner never blocks it, and a
 * wait whose node is gone still ends.
 */
@ChorusCluster(nodes = 2, config = {"ROOM_READY_TIMEOUT_MS=4000", "ROOM_QUEUE_MAX=120", "RATE_LIMIT_ROOM_CREATE=0"})
class RoomQueueClusterTest {
  static TestCluster cluster;
  static List<ChorusNode> nodes;

  static RoomClient client(int node) {
    return new RoomClient(nodes.get(node).vertx().eventBus(), nodes.get(node).nodeId());
  }

  /** A room made by a service; its host joins over the WebSocket of node 0 with the token. */
  static String createRoom(String host) {
    return TestServices.await(client(0).create(CreateRoomRequest.newBuilder().setHostId(host).setTrackUrl("https://example.com/0.mp3")
        .build(), false)).roomId();
  }

  static WsProbe host(String room, String host) {
    WsProbe ws = WsProbe.connect(cluster.port(0), "/ws?room_id=" + room + "&user_id=" + host + "&token="
        + TestTokens.issue(room, host, "host"));
    ws.awaitType("room_info");
    return ws;
  }

  static WsProbe listener(int node, String room, String user) {
    WsProbe ws = WsProbe.connect(cluster.port(node), "/ws?room_id=" + room + "&user_id=" + user);
    ws.awaitType("room_info");
    return ws;
  }

  static JsonObject add(String url, String title) {
    return new JsonObject().put("type", "queue_add").put("track_url", url).put("title", title);
  }

  static List<String> ids(JsonArray queue) {
    List<String> out = new ArrayList<>();
    queue.forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  static JsonObject error(WsProbe ws) {
    return ws.awaitType("error");
  }

  @Test
  void everyoneSeesTheSameQueueInOrderAndTheNextTrackStartsWhenAllAreReady() {
    String room = createRoom("h1");
    try (WsProbe host = host(room, "h1"); WsProbe b = listener(1, room, "b1")) {
      host.awaitType("user_joined");
      String libraryTrack = io.chorus.testing.LibraryRows.approvedTrack(cluster, "Library song", 200_000);
      host.send(add("https://example.com/a.mp3", "A"));
      host.send(new JsonObject().put("type", "queue_add").put("track_id", libraryTrack.toUpperCase()).put("duration", 180.5));
      host.send(add("https://example.com/c.mp3", "C").put("position", 0));
      List<JsonObject> hostEvents = new ArrayList<>();
      List<JsonObject> bEvents = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        hostEvents.add(host.awaitType("queue"));
        bEvents.add(b.awaitType("queue"));
      }
      JsonArray queue = bEvents.get(2).getJsonArray("queue");
      assertThat(queue.stream().map(o -> ((JsonObject) o).getString("title")).toList()).containsExactly("C", "A", "Library song");
      JsonObject library = queue.getJsonObject(2);
      assertThat(library.getString("track_id")).isEqualTo(libraryTrack);
      assertThat(library.getString("track_url")).isEqualTo("/api/v1/tracks/" + libraryTrack + "/stream");
      assertThat(library.getLong("duration_ms")).isEqualTo(180_500);
      assertThat(library.getString("added_by")).isEqualTo("h1");
      List<String> order = ids(queue);
      host.send(new JsonObject().put("type", "queue_move").put("item_id", order.get(0)).put("position", 2));
      host.send(new JsonObject().put("type", "queue_remove").put("item_id", order.get(1)));
      for (int i = 0; i < 2; i++) {
        hostEvents.add(host.awaitType("queue"));
        bEvents.add(b.awaitType("queue"));
      }
      // the same queues in the same order on both nodes, one event per change
      assertThat(bEvents.stream().map(e -> e.getLong("queue_version") + ":" + ids(e.getJsonArray("queue"))).toList())
          .isEqualTo(hostEvents.stream().map(e -> e.getLong("queue_version") + ":" + ids(e.getJsonArray("queue"))).toList());
      assertThat(bEvents.stream().map(e -> e.getLong("queue_version")).toList()).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(bEvents.stream().map(e -> e.getString("action")).toList()).containsExactly("add", "add", "add", "move", "remove");
      assertThat(ids(bEvents.get(4).getJsonArray("queue"))).containsExactly(order.get(2), order.get(0));
      // a late joiner's room_info carries the queue
      try (WsProbe late = WsProbe.connect(cluster.port(1), "/ws?room_id=" + room + "&user_id=late1")) {
        JsonObject info = late.awaitType("room_info");
        assertThat(ids(info.getJsonArray("queue"))).containsExactly(order.get(2), order.get(0));
        assertThat(info.getLong("queue_version")).isEqualTo(5);
      }
      b.awaitType("user_left");
      host.awaitType("user_left");

      host.send(new JsonObject().put("type", "skip"));
      JsonObject changedB = b.awaitType("track_changed");
      JsonObject changedHost = host.awaitType("track_changed");
      assertThat(changedB.getString("status")).isEqualTo("waiting");
      assertThat(changedB.getString("cause")).isEqualTo("skip");
      assertThat(changedB.getString("track_id")).isEqualTo(libraryTrack);
      assertThat(changedB.getLong("version")).isEqualTo(changedHost.getLong("version"));
      assertThat(ids(changedB.getJsonArray("queue"))).containsExactly(order.get(0));
      long trackVersion = changedB.getLong("track_version");
      long deadline = changedB.getLong("ready_deadline");
      host.send(new JsonObject().put("type", "ready").put("track_version", trackVersion));
      b.send(new JsonObject().put("type", "ready").put("track_version", trackVersion));
      JsonObject playB = b.awaitType("play");
      JsonObject playHost = host.awaitType("play");
      assertThat(playB.getString("cause")).isEqualTo("all_ready");
      assertThat(playB.getDouble("position")).isEqualTo(0.0);
      assertThat(playB.getJsonObject("playback").getString("status")).isEqualTo("play");
      assertThat(playB.getJsonObject("playback").getLong("updated_at")).isLessThan(deadline);
      assertThat(playB.getLong("version")).isEqualTo(changedB.getLong("version") + 1).isEqualTo(playHost.getLong("version"));
    }
  }

  @Test
  void nonHostsAreForbiddenAndBadInputGetsClearErrors() {
    String room = createRoom("h2");
    try (WsProbe host = host(room, "h2"); WsProbe b = listener(1, room, "b2")) {
      host.send(add("https://example.com/a.mp3", "A"));
      String item = ids(b.awaitType("queue").getJsonArray("queue")).get(0);
      for (JsonObject msg : List.of(add("https://example.com/x.mp3", "X"), new JsonObject().put("type", "skip"),
          new JsonObject().put("type", "queue_remove").put("item_id", item),
          new JsonObject().put("type", "queue_move").put("item_id", item).put("position", 0))) {
        b.send(msg);
        JsonObject err = error(b);
        assertThat(err.getString("code")).as(msg.encode()).isEqualTo("forbidden");
        assertThat(err.getString("message")).contains("only the host");
      }
      Object[][] bad = {
          {new JsonObject().put("type", "queue_remove").put("item_id", "0123456789abcdef"), "not_found"},
          {new JsonObject().put("type", "queue_remove"), "invalid_argument"},
          {new JsonObject().put("type", "queue_move").put("item_id", item).put("position", 1), "invalid_argument"},
          {new JsonObject().put("type", "queue_move").put("item_id", item).put("position", "first"), "invalid_argument"},
          {new JsonObject().put("type", "queue_add").put("track_id", "not-a-uuid"), "invalid_argument"},
          {new JsonObject().put("type", "queue_add").put("title", "no track"), "invalid_argument"},
          {new JsonObject().put("type", "queue_add").put("track_url", "javascript:alert(1)"), "invalid_argument"},
          {new JsonObject().put("type", "queue_add").put("track_url", "https://e.com/x").put("duration_ms", -5), "invalid_argument"},
          {new JsonObject().put("type", "ready"), "invalid_argument"},
      };
      for (Object[] c : bad) {
        host.send((JsonObject) c[0]);
        JsonObject err = error(host);
        assertThat(err.getString("code")).as(c[0].toString()).isEqualTo(c[1]);
        assertThat(err.getString("message")).isNotBlank();
      }
      // fill the queue to ROOM_QUEUE_MAX (120), then one more
      List<Future<RoomState>> fill = new ArrayList<>();
      for (int i = 1; i < 120; i++) {
        fill.add(client(i % 2).send(new RoomCommand.QueueAdd(room, "", "https://example.com/" + i, "", "", 0, -1)));
      }
      TestServices.await(Future.all(fill));
      host.send(add("https://example.com/over.mp3", "Over"));
      JsonObject full = error(host);
      assertThat(full.getString("code")).isEqualTo("queue_full");
      assertThat(full.getString("message")).contains("120");
      assertThat(TestServices.await(client(1).get(room)).queue()).hasSize(120);
    }
  }

  @Test
  void concurrentAddsFromTwoNodesLoseNothingAndEveryListenerEndsOnTheSameQueue() {
    String room = createRoom("h3");
    try (WsProbe b = listener(1, room, "b3"); WsProbe c = listener(0, room, "c3")) {
      b.awaitType("user_joined");   // c's join, heard on the other node (c has its own join in room_info only)
      List<Future<RoomState>> adds = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        adds.add(client(i % 2).send(new RoomCommand.QueueAdd(room, "h3", "https://example.com/" + i, "", "T" + i, 0, -1)));
      }
      TestServices.await(Future.all(adds));
      RoomState state = TestServices.await(client(0).get(room));
      assertThat(state.queue()).hasSize(100);
      assertThat(ids(state.queue())).doesNotHaveDuplicates();
      assertThat(state.queueVersion()).isEqualTo(100);
      // each listener gets the queue events in version order and ends on the room's queue; under a burst
      // from two nodes the real-time core may skip an event that came late (each carries the whole queue,
      // so the next one supersedes it), never reorder or repeat one
      for (WsProbe ws : List.of(b, c)) {
        List<Long> versions = new ArrayList<>();
        JsonObject last;
        do {
          last = ws.await(m -> "queue".equals(m.getString("type")), 20_000);
          versions.add(last.getLong("version"));
        } while (last.getLong("queue_version") < 100);
        assertThat(versions).isSorted().doesNotHaveDuplicates();
        assertThat(ids(last.getJsonArray("queue"))).isEqualTo(ids(state.queue()));
        assertThat(last.getLong("version")).isEqualTo(state.version());
      }
    }
  }

  @Test
  void theTrackStartsAtTheDeadlineWhenOneListenerNeverAnswers() {
    String room = createRoom("h4");
    try (WsProbe host = host(room, "h4"); WsProbe b = listener(1, room, "b4"); WsProbe silent = listener(0, room, "s4")) {
      host.send(add("https://example.com/a.mp3", "A"));
      b.awaitType("queue");
      host.send(new JsonObject().put("type", "skip"));
      JsonObject changed = b.awaitType("track_changed");
      long trackVersion = changed.getLong("track_version");
      long deadline = changed.getLong("ready_deadline");
      host.send(new JsonObject().put("type", "ready").put("track_version", trackVersion));
      b.send(new JsonObject().put("type", "ready").put("track_version", trackVersion));
      JsonObject play = b.await(m -> "play".equals(m.getString("type")), 15_000);
      assertThat(play.getString("cause")).isEqualTo("timeout");
      assertThat(play.getJsonObject("playback").getLong("updated_at")).isGreaterThanOrEqualTo(deadline);
      assertThat(play.getLong("version")).isEqualTo(changed.getLong("version") + 1);
      assertThat(silent.awaitType("play").getLong("version")).isEqualTo(play.getLong("version"));
      // nothing more happens: the next change is the host's and its version follows the start's
      host.send(new JsonObject().put("type", "control").put("action", "pause"));
      assertThat(b.awaitType("pause").getLong("version")).isEqualTo(play.getLong("version") + 1);
    }
  }

  @Test
  void aLeaverDoesNotBlockTheStartNorDoesALateJoiner() {
    String room = createRoom("h5");
    try (WsProbe host = host(room, "h5"); WsProbe b = listener(1, room, "b5")) {
      WsProbe leaver = listener(0, room, "x5");
      host.send(add("https://example.com/a.mp3", "A"));
      b.awaitType("queue");
      host.send(new JsonObject().put("type", "skip"));
      JsonObject changed = b.awaitType("track_changed");
      long trackVersion = changed.getLong("track_version");
      try (WsProbe late = listener(1, room, "late5")) {
        host.send(new JsonObject().put("type", "ready").put("track_version", trackVersion));
        b.send(new JsonObject().put("type", "ready").put("track_version", trackVersion));
        leaver.close();
        JsonObject play = b.await(m -> "play".equals(m.getString("type")), 15_000);
        assertThat(play.getString("cause")).isEqualTo("all_ready");
        assertThat(play.getJsonObject("playback").getLong("updated_at")).isLessThan(changed.getLong("ready_deadline"));
        assertThat(late.awaitType("play").getLong("version")).isEqualTo(play.getLong("version"));
      }
    }
  }

  @Test
  void theNextTrackFollowsAtTheEndOnceForEveryoneAndTheLastPausesAtItsEnd() {
    String room = createRoom("h6");
    try (WsProbe host = host(room, "h6"); WsProbe b = listener(1, room, "b6")) {
      host.send(add("https://example.com/a.mp3", "A").put("duration_ms", 400));
      host.send(add("https://example.com/b.mp3", "B").put("duration_ms", 400));
      b.awaitType("queue");
      b.awaitType("queue");
      host.send(new JsonObject().put("type", "skip"));
      long firstVersion = b.awaitType("track_changed").getLong("track_version");
      host.send(new JsonObject().put("type", "ready").put("track_version", firstVersion));
      b.send(new JsonObject().put("type", "ready").put("track_version", firstVersion));
      JsonObject firstPlay = b.awaitType("play");
      JsonObject next = b.awaitType("track_changed");
      assertThat(next.getString("cause")).isEqualTo("ended");
      assertThat(next.getJsonObject("track").getString("title")).isEqualTo("B");
      assertThat(next.getJsonArray("queue")).isEmpty();
      assertThat(next.getLong("version")).isEqualTo(firstPlay.getLong("version") + 1);
      assertThat(next.getJsonObject("playback").getLong("updated_at") - firstPlay.getJsonObject("playback").getLong("updated_at"))
          .isGreaterThanOrEqualTo(400);
      long secondVersion = next.getLong("track_version");
      host.send(new JsonObject().put("type", "ready").put("track_version", secondVersion));
      b.send(new JsonObject().put("type", "ready").put("track_version", secondVersion));
      JsonObject secondPlay = b.awaitType("play");
      JsonObject end = b.awaitType("pause");
      assertThat(end.getString("cause")).isEqualTo("ended");
      assertThat(end.getDouble("position")).isEqualTo(0.4);
      // every change once: versions without a gap or a repeat, and the room agrees
      assertThat(List.of(next.getLong("version"), secondPlay.getLong("version"), end.getLong("version")))
          .containsExactly(firstPlay.getLong("version") + 1, firstPlay.getLong("version") + 2, firstPlay.getLong("version") + 3);
      RoomState state = TestServices.await(client(0).get(room));
      assertThat(state.version()).isEqualTo(end.getLong("version"));
      assertThat(state.status()).isEqualTo("pause");
    }
  }

  @Test
  void aWaitWhoseNodeIsGoneEndsByTheSweepOrByTheNextRead() {
    RedisAPI redis = RedisAPI.api(Redis.createClient(cluster.client(), "redis://" + TestServices.services().redis().address()));
    // a store with no timers and no due entry: as if the node that made the change died at once
    RoomStore orphan = new RoomStore(redis, 24);
    for (boolean bySweep : new boolean[] {true, false}) {
      String room = createRoom(bySweep ? "h7" : "h8");
      try (WsProbe b = listener(1, room, "b")) {
        TestServices.await(orphan.queueAdd(room, "", new JsonObject().put("id", "x").put("track_url", "https://example.com/x")
            .put("track_id", "").put("title", "").put("duration_ms", 0).put("added_by", ""), -1, 10));
        RoomState waiting = TestServices.await(orphan.skip(room, "", 300));
        assertThat(waiting.status()).isEqualTo("waiting");
        if (bySweep) {
          // the due entry the dead node had written: any room node's sweep ends the wait
          TestServices.await(orphan.markDue(room, waiting.readyDeadline()));
        } else {
          // nothing else knows of the wait: it stays stuck past its deadline until a read comes
          long stuckFor = waiting.readyDeadline() + RoomService.OVERDUE_MS + 50 - System.currentTimeMillis();
          assertThatThrownBy(() -> b.await(m -> "play".equals(m.getString("type")), stuckFor)).isInstanceOf(AssertionError.class);
          assertThat(TestServices.await(client(1).get(room)).status()).isEqualTo("waiting");
        }
        JsonObject play = b.await(m -> "play".equals(m.getString("type")), 10_000);
        assertThat(play.getString("cause")).isEqualTo("timeout");
        assertThat(play.getLong("version")).isEqualTo(waiting.version() + 1);
      }
    }
  }
}

package io.chorus.library;

import io.chorus.bus.Addresses;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomCommand;
import io.chorus.room.RoomState;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A library takedown (or deletion) stops room playback on every node: a room on node 0 plays and queues
 * library tracks, with sockets on both nodes (WebSocket, and the bridge on node 1); a moderator's takedown
 * over REST moves the room on once, with the usual events to every socket, and the room's state and queue
 * agree. A queued-only track leaves the queue while playback goes on; a repeated takedown changes nothing;
 * the owner's DELETE and an album takedown act the same way.
 */
@ChorusCluster(nodes = 2, config = {"ADMIN_USERNAME=" + CatalogApi.ADMIN, "ADMIN_PASSWORD=" + CatalogApi.ADMIN_PASSWORD,
    "RATE_LIMIT_LOGIN=100000", "RATE_LIMIT_LOGIN_PER_USERNAME=100000", "RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_ROOM_CREATE=0",
    "ROOM_READY_TIMEOUT_MS=60000"})
class RoomTakedownTest {
  static TestCluster tc;
  static CatalogApi a;
  static CatalogApi b;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    a = new CatalogApi(c.port(0));
    b = new CatalogApi(c.port(1));
  }

  static RoomClient client(int node) {
    return new RoomClient(tc.node(node).vertx().eventBus(), tc.node(node).nodeId());
  }

  static String track(CatalogApi.User owner, String title) {
    return CatalogApi.insertTrack(tc.node().config().db(), owner.id(), title, "approved");
  }

  /** A room on node 0 whose current track is library track {@code current}, playing; returns its id. */
  static String roomPlaying(String host, String current) {
    String room = TestServices.await(client(0).create(CreateRoomRequest.newBuilder().setHostId(host)
        .setTrackUrl("https://example.com/0.mp3").build(), false)).roomId();
    TestServices.await(client(0).send(new RoomCommand.ChangeTrack(room, "", "", current)));
    TestServices.await(client(0).send(new RoomCommand.Control(room, "", "play", -1)));
    return room;
  }

  static String queue(String room, String url, String trackId, String title) {
    RoomState s = TestServices.await(client(0).send(new RoomCommand.QueueAdd(room, "", url, trackId, title, 0, -1)));
    return s.itemId();
  }

  static WsProbe socket(int node, String room, String user, String role) {
    WsProbe ws = WsProbe.connect(tc.port(node), "/ws?room_id=" + room + "&user_id=" + user + "&token=" + TestTokens.issue(room, user, role));
    ws.awaitType("room_info");
    return ws;
  }

  static CatalogApi.Reply decide(CatalogApi api, String kind, String id, String decision) {
    return api.post("/api/v1/moderation/" + kind + "/" + id, a.admin().token(), new JsonObject().put("decision", decision).put("reason", "DMCA"));
  }

  static List<String> trackIds(JsonArray queue) {
    return queue.stream().map(o -> ((JsonObject) o).getString("track_id")).toList();
  }

  static List<String> itemIds(JsonArray queue) {
    return queue.stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  static JsonObject awaitAddress(WsProbe ws, String address) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      io.vertx.core.buffer.Buffer buf = ws.pollBinary(deadline - System.currentTimeMillis());
      String text = buf != null ? buf.toString() : ws.texts.poll();
      if (text != null && address.equals(new JsonObject(text).getString("address"))) {
        return new JsonObject(text);
      }
    }
    throw new AssertionError("nothing for " + address);
  }

  @Test
  void aTakedownMovesThePlayingRoomOnForEverySocketOnBothNodesOnce() {
    CatalogApi.User owner = a.newUser("owner");
    String down = track(owner, "Infringing");
    String later = track(owner, "Fine");
    String room = roomPlaying("h1", down);
    String again = queue(room, "", down, "");
    String next = queue(room, "https://example.com/next.mp3", "", "Next");
    String fine = queue(room, "", later, "");
    try (WsProbe host = socket(0, room, "h1", "host"); WsProbe listener = socket(1, room, "l1", "participant");
         WsProbe bridge = WsProbe.connect(tc.port(1), "/eventbus/websocket")) {
      host.awaitType("user_joined");
      bridge.send(new JsonObject().put("type", "register").put("address", "client.room." + room)
          .put("headers", new JsonObject().put("token", TestTokens.issue(room, "l1", "participant"))));
      long before = TestServices.await(client(1).get(room)).version();

      decide(a, "tracks", down, "takedown").expect(200);

      JsonObject onHost = host.awaitType("track_changed");
      JsonObject onListener = listener.awaitType("track_changed");
      JsonObject onBridge = awaitAddress(bridge, "client.room." + room).getJsonObject("body");
      for (JsonObject e : List.of(onHost, onListener, onBridge)) {
        assertThat(e.getString("type")).isEqualTo("track_changed");
        assertThat(e.getString("cause")).isEqualTo("takedown");
        assertThat(e.getString("reason")).isEqualTo("takedown");
        assertThat(e.getString("track_url")).isEqualTo("https://example.com/next.mp3");
        assertThat(e.getString("item_id")).isEqualTo(next);
        assertThat(e.getJsonArray("removed_items")).containsExactly(again);
        assertThat(itemIds(e.getJsonArray("queue"))).containsExactly(fine);
        assertThat(e.getLong("version")).isEqualTo(before + 1);
      }
      // the state on either node, and the queue over REST, agree
      RoomState state = TestServices.await(client(1).get(room));
      assertThat(state.trackId()).isEmpty();
      assertThat(state.trackUrl()).isEqualTo("https://example.com/next.mp3");
      assertThat(state.version()).isEqualTo(before + 1);
      JsonObject listed = b.get("/api/v1/rooms/" + room + "/queue", TestTokens.issue(room, "l1", "participant")).expect(200).json();
      assertThat(trackIds(listed.getJsonArray("queue"))).containsExactly(later);
      assertThat(listed.getJsonObject("track").getString("url")).isEqualTo("https://example.com/next.mp3");

      // repeated: the moderator's second takedown is a conflict, and the message again (every node got it
      // once already) changes nothing: the next event is the host's pause, one version on
      assertThat(decide(b, "tracks", down, "takedown").error(409)).isEqualTo("conflict");
      tc.node(1).vertx().eventBus().publish(Addresses.LIBRARY_TAKEDOWN, Moderation.takedownMessage("track", down,
          new JsonArray().add(down), null));
      tc.node(0).vertx().eventBus().publish(Addresses.LIBRARY_TAKEDOWN, new JsonObject().put("type", "takedown")
          .put("subject_type", "track").put("subject_id", down));
      // a room that tries to bring the taken-down track back is refused
      assertThat(a.post("/api/v1/rooms/" + room + "/queue", TestTokens.issue(room, "h1", "host"), new JsonObject().put("track_id", down))
          .error(404)).isEqualTo("not_found");
      host.send(new JsonObject().put("type", "control").put("action", "pause"));
      JsonObject pause = listener.await(m -> !"pong".equals(m.getString("type")), 10_000);
      assertThat(pause.getString("type")).as(listener.history()).isEqualTo("pause");
      assertThat(pause.getLong("version")).isEqualTo(before + 2);
      assertThat(TestServices.await(client(0).get(room)).queue()).hasSize(1);
    }
  }

  @Test
  void aQueuedOnlyTrackLeavesTheQueueWhilePlaybackGoesOn() {
    CatalogApi.User owner = a.newUser("owner");
    String playing = track(owner, "Playing");
    String down = track(owner, "Queued, infringing");
    String room = roomPlaying("h2", playing);
    String first = queue(room, "", down, "");
    String url = queue(room, "https://example.com/u.mp3", "", "U");
    String second = queue(room, "", down, "");
    try (WsProbe host = socket(0, room, "h2", "host"); WsProbe listener = socket(1, room, "l2", "participant")) {
      host.awaitType("user_joined");
      RoomState before = TestServices.await(client(0).get(room));

      decide(b, "tracks", down, "takedown").expect(200);

      for (WsProbe ws : List.of(host, listener)) {
        JsonObject e = ws.awaitType("queue");
        assertThat(e.getString("action")).isEqualTo("remove");
        assertThat(e.getString("reason")).isEqualTo("takedown");
        assertThat(e.getString("item_id")).isEqualTo(first);
        assertThat(e.getJsonArray("removed_items")).containsExactly(first, second);
        assertThat(itemIds(e.getJsonArray("queue"))).containsExactly(url);
        assertThat(e.getLong("version")).isEqualTo(before.version() + 1);
        assertThat(e.getJsonObject("playback").getString("status")).isEqualTo("play");
      }
      RoomState after = TestServices.await(client(1).get(room));
      assertThat(after.trackId()).isEqualTo(playing);
      assertThat(after.status()).isEqualTo("play");
      assertThat(after.trackVersion()).isEqualTo(before.trackVersion());
      assertThat(itemIds(after.queue())).containsExactly(url);
    }
  }

  @Test
  void theOwnersDeleteOfTheLastTrackClearsIt() {
    CatalogApi.User owner = a.newUser("owner");
    String mine = track(owner, "Mine");
    String room = roomPlaying("h3", mine);
    try (WsProbe listener = socket(1, room, "l3", "participant")) {
      long before = TestServices.await(client(0).get(room)).version();
      b.delete("/api/v1/tracks/" + mine, owner.token()).expect(204);
      JsonObject e = listener.awaitType("track_changed");
      assertThat(e.getString("cause")).isEqualTo("takedown");
      assertThat(e.getString("reason")).isEqualTo("deleted");
      assertThat(e.getString("track_url")).isEmpty();
      assertThat(e.getString("track_id")).isEmpty();
      assertThat(e.getString("status")).isEqualTo("pause");
      assertThat(e.getLong("version")).isEqualTo(before + 1);
      RoomState state = TestServices.await(client(1).get(room));
      assertThat(state.trackId()).isEmpty();
      assertThat(state.status()).isEqualTo("pause");
      assertThat(state.dueAt()).isZero();
    }
  }

  @Test
  void anAlbumTakedownStopsItsTracksInRooms() {
    CatalogApi.User owner = a.newUser("owner");
    String t1 = track(owner, "Album one");
    String t2 = track(owner, "Album two");
    String album = a.post("/api/v1/albums", owner.token(), new JsonObject().put("title", "Takedown album")).expect(201).json()
        .getJsonObject("album").getString("id");
    for (String t : List.of(t1, t2)) {
      a.post("/api/v1/albums/" + album + "/tracks", owner.token(), new JsonObject().put("track_id", t)).expect(201);
    }
    String room = roomPlaying("h4", t1);
    queue(room, "", t2, "");
    String other = queue(room, "https://example.com/other.mp3", "", "Other");
    try (WsProbe listener = socket(1, room, "l4", "participant")) {
      decide(a, "albums", album, "takedown").expect(200);
      JsonObject e = listener.awaitType("track_changed");
      assertThat(e.getString("cause")).isEqualTo("takedown");
      assertThat(e.getString("item_id")).isEqualTo(other);
      assertThat(e.getJsonArray("queue")).isEmpty();
      assertThat(TestServices.await(client(0).get(room)).trackUrl()).isEqualTo("https://example.com/other.mp3");
    }
  }
}

package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Rooms across three clustered nodes sharing one Redis. */
@ChorusCluster(nodes = 3)
class RoomClusterTest {
  static List<ChorusNode> nodes;

  static int port(int i) {
    return NodePorts.http(nodes.get(i).vertx());
  }

  static JsonObject createRoom(int nodeIndex, String host) {
    ChorusNode node = nodes.get(nodeIndex);
    RoomState room = TestServices.await(new RoomClient(node.vertx().eventBus(), node.nodeId())
        .create(CreateRoomRequest.newBuilder().setHostId(host).setTrackUrl("https://example.com/t.mp3").build(), false));
    String token = TestTokens.issue(room.roomId(), host, "host");
    return new JsonObject().put("room_id", room.roomId()).put("token", token);
  }

  @Test
  void controlOnOneNodeReachesListenersOnTheOthers() {
    JsonObject room = createRoom(0, "h");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(port(0), "/ws?room_id=" + id + "&user_id=h&token=" + room.getString("token"));
         WsProbe b = WsProbe.connect(port(1), "/ws?room_id=" + id + "&user_id=b");
         WsProbe c = WsProbe.connect(port(2), "/ws?room_id=" + id + "&user_id=c")) {
      host.awaitType("room_info");
      b.awaitType("room_info");
      c.awaitType("room_info");
      host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", 42.5));
      assertThat(b.awaitType("seek").getDouble("position")).isEqualTo(42.5);
      assertThat(c.awaitType("seek").getDouble("position")).isEqualTo(42.5);
    }
  }

  @Test
  void concurrentControlsOnTwoNodesEndInOneOrder() {
    JsonObject room = createRoom(0, "h");
    String id = room.getString("room_id");
    try (WsProbe a = WsProbe.connect(port(0), "/ws?room_id=" + id + "&user_id=la");
         WsProbe c = WsProbe.connect(port(2), "/ws?room_id=" + id + "&user_id=lc")) {
      a.awaitType("room_info");
      c.awaitType("room_info");
      int n = 40;
      List<Future<RoomState>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ChorusNode node = nodes.get(i % 2);
        SetPlaybackRequest req = SetPlaybackRequest.newBuilder().setRoomId(id).setAction("seek").setPositionMs(1000L * (i + 1)).build();
        sent.add(new RoomClient(node.vertx().eventBus(), node.nodeId()).control(req, ""));
      }
      TestServices.await(Future.all(sent));
      long last = sent.stream().mapToLong(f -> f.result().version()).max().orElseThrow();
      // Room events supersede each other: a listener is promised increasing versions and the final
      // state, not every intermediate one (a version delayed past the sequencer's hold is skipped, and
      // a loaded machine may delay one). Read each socket up to the last version.
      java.util.Map<Long, Double> seenA = seeksUpTo(a, last);
      java.util.Map<Long, Double> seenC = seeksUpTo(c, last);
      for (java.util.Map<Long, Double> seen : List.of(seenA, seenC)) {
        assertThat(new ArrayList<>(seen.keySet())).isSorted().doesNotHaveDuplicates();
      }
      // where both saw a version, they saw the same position: one order on every node
      seenA.forEach((v, pos) -> {
        if (seenC.containsKey(v)) {
          assertThat(seenC.get(v)).as("position of version %d", v).isEqualTo(pos);
        }
      });
      assertThat(seenA.get(last)).isEqualTo(seenC.get(last));
      List<Long> versionsA = new ArrayList<>(seenA.keySet());
      List<Double> positionsA = new ArrayList<>(seenA.values());
      n = versionsA.size();
      RoomState s0 = TestServices.await(new RoomClient(nodes.get(0).vertx().eventBus(), "t").get(id));
      RoomState s2 = TestServices.await(new RoomClient(nodes.get(2).vertx().eventBus(), "t").get(id));
      assertThat(s0.version()).isEqualTo(s2.version()).isEqualTo(versionsA.get(n - 1));
      assertThat(s0.positionMs()).isEqualTo((long) (positionsA.get(n - 1) * 1000));
    }
  }

  /** The seek events on {@code probe} by version, in arrival order, until {@code last}; fails when an older version follows a newer. */
  private static java.util.LinkedHashMap<Long, Double> seeksUpTo(WsProbe probe, long last) {
    java.util.LinkedHashMap<Long, Double> seen = new java.util.LinkedHashMap<>();
    long newest = -1;
    while (newest < last) {
      JsonObject e = probe.awaitType("seek");
      long v = e.getLong("version");
      assertThat(v).as("versions only increase").isGreaterThan(newest);
      newest = v;
      seen.put(v, e.getDouble("position"));
    }
    return seen;
  }

  @Test
  void lateJoinerComputesTheHostsPosition() {
    JsonObject room = createRoom(0, "h");
    String id = room.getString("room_id");
    try (WsProbe host = WsProbe.connect(port(0), "/ws?room_id=" + id + "&user_id=h&token=" + room.getString("token"))) {
      host.awaitType("room_info");
      host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", 30));
      host.awaitType("seek");
      host.send(new JsonObject().put("type", "control").put("action", "play"));
      JsonObject play = host.awaitType("play");
      // wait until real playing time has passed before the late join (a deadline poll, not a sleep)
      long until = System.currentTimeMillis() + 300;
      while (System.currentTimeMillis() < until) {
        Thread.onSpinWait();
      }
      try (WsProbe late = WsProbe.connect(port(2), "/ws?room_id=" + id + "&user_id=late")) {
        JsonObject info = late.awaitType("room_info");
        long now = System.currentTimeMillis();
        JsonObject pb = info.getJsonObject("playback");
        long lateComputed = pb.getLong("position_ms") + (now - pb.getLong("updated_at"));
        JsonObject hp = play.getJsonObject("playback");
        long hostComputed = hp.getLong("position_ms") + (now - hp.getLong("updated_at"));
        assertThat(Math.abs(lateComputed - hostComputed)).isLessThanOrEqualTo(50);
        assertThat(lateComputed).isGreaterThanOrEqualTo(30_300);
      }
    }
  }

  /**
   * A bridge listener got a room's events in the order they crossed the bus, not in version order: 60 controls sent at
   * once through nodes 0 and 1 reached a {@code client.room.<ID>} registration on node 2 with versions going back
   * (measured on a 3-node cluster: 139 of 200 events older than the one before), so a client dropping older versions,
   * as the seed /ws clients do, lost presence changes. The bridge now orders them as the /ws fan-out does.
   */
  @Test
  void bridgeListenersGetTheRoomsEventsInVersionOrder() {
    JsonObject room = createRoom(0, "h");
    String id = room.getString("room_id");
    try (WsProbe member = WsProbe.connect(port(2), "/ws?room_id=" + id + "&user_id=bl");
         WsProbe bridge = WsProbe.connect(port(2), "/eventbus/websocket")) {
      String token = member.awaitType("room_info").getString("token");
      bridge.send(new JsonObject().put("type", "register").put("address", "client.room." + id)
          .put("headers", new JsonObject().put("token", token)));
      // the clock's reply comes after the REGISTER was settled (frames are handled in order)
      bridge.send(new JsonObject().put("type", "send").put("address", "client.clock").put("replyAddress", "settled")
          .put("body", new JsonObject().put("t0", 1)));
      while (!"settled".equals(new JsonObject(bridge.nextBinary(10_000)).getString("address"))) {
        Thread.onSpinWait();
      }
      List<Future<RoomState>> sent = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        ChorusNode node = nodes.get(i % 2);
        sent.add(new RoomClient(node.vertx().eventBus(), node.nodeId())
            .control(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("seek").setPositionMs(1000L * (i + 1)).build(), ""));
      }
      TestServices.await(Future.all(sent));
      long last = sent.stream().mapToLong(f -> f.result().version()).max().orElseThrow();
      List<Long> versions = new ArrayList<>();
      while (versions.isEmpty() || versions.get(versions.size() - 1) != last) {
        JsonObject frame = new JsonObject(bridge.nextBinary(10_000));
        assertThat(frame.getString("type")).as("frame %s", frame).isEqualTo("rec");
        versions.add(frame.getJsonObject("body").getLong("version"));
      }
      assertThat(versions).as("versions on the bridge").isSorted().doesNotHaveDuplicates();
    }
  }

  /**
   * A WatchRoom stream on node 2 showed each event with the room as read from Redis when the event was written, not the
   * room after that change, and in the order the events crossed the bus: with controls sent at once through nodes 0 and 1
   * its states had versions 4, 5, 7, 7, 9, 10, 10, ... and a {@code pause} came with {@code status: play}. The stream now
   * writes events in version order, each with the room after its change.
   */
  @Test
  void aWatchRoomStreamShowsEachChangeInVersionOrderWithTheRoomAfterIt() {
    JsonObject room = createRoom(0, "h");
    String id = room.getString("room_id");
    io.grpc.ManagedChannel channel = io.chorus.testing.GrpcClients.channel(nodes.get(2));
    try {
      java.util.Iterator<io.chorus.proto.room.RoomEvent> events = io.chorus.testing.GrpcClients.rooms(channel, "chorus-dev-key")
          .watchRoom(io.chorus.proto.room.WatchRoomRequest.newBuilder().setRoomId(id).build());
      assertThat(events.next().getType()).isEqualTo("room_info");
      // the host's socket on node 0 sends 40 seeks back to back (under the 50 a second it may) (a socket's controls run one after the other)
      java.util.Map<Long, Long> positions = new java.util.HashMap<>();
      try (WsProbe host = WsProbe.connect(port(0), "/ws?room_id=" + id + "&user_id=h&token=" + room.getString("token"))) {
        host.awaitType("room_info");
        for (int i = 0; i < 40; i++) {
          host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", i + 1));
        }
        for (int i = 0; i < 40; i++) {
          JsonObject seek = host.awaitType("seek");
          positions.put(seek.getLong("version"), seek.getJsonObject("playback").getLong("position_ms"));
        }
      }
      long last = java.util.Collections.max(positions.keySet());
      List<Long> versions = new ArrayList<>();
      while (versions.isEmpty() || versions.get(versions.size() - 1) != last) {
        io.chorus.proto.room.RoomEvent e = events.next();
        if (!e.getType().equals("seek")) {
          continue; // the host's socket joining
        }
        versions.add(e.getState().getVersion());
        assertThat(e.getState().getPositionMs()).as("the position after the seek of version %d", e.getState().getVersion())
            .isEqualTo(positions.get(e.getState().getVersion()));
      }
      assertThat(versions).as("versions on the WatchRoom stream").isSorted().doesNotHaveDuplicates();
    } finally {
      channel.shutdownNow();
    }
  }
}

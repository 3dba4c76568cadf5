package io.chorus.fault;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomState;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault: a room is flooded with malformed frames, unknown types and over-limit messages, from
 * clients that do not even read their error replies, while the host keeps playing to listeners.
 * The listeners lose nothing and the heap does not keep what the flood sent.
 * Run alone with {@code scripts/fault-flood}; prints its figures.
 */
class FloodFaultTest {

  @Test
  @ChorusCluster(nodes = 2)
  void floodedRoomKeepsServingOthersAndMemoryStaysFlat(List<ChorusNode> nodes) {
    List<WsProbe> probes = new ArrayList<>();
    try {
      int p0 = NodePorts.http(nodes.get(0).vertx());
      int p1 = NodePorts.http(nodes.get(1).vertx());
      RoomState room = TestServices.await(new RoomClient(nodes.get(0).vertx().eventBus(), "t")
          .create(io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId("host").setTrackUrl("https://example.com/t.mp3").build(), false));
      String id = room.roomId();
      String token = TestTokens.issue(id, "host", "host");
      WsProbe host = WsProbe.connect(p0, "/ws?room_id=" + id + "&user_id=host&token=" + token);
      probes.add(host);
      host.awaitType("room_info");
      List<WsProbe> listeners = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        WsProbe l = WsProbe.connect(i % 2 == 0 ? p0 : p1, "/ws?room_id=" + id + "&user_id=l" + i);
        l.awaitType("room_info");
        listeners.add(l);
        probes.add(l);
      }
      long heapBefore = usedHeapAfterGc();
      // flooders: members of the room that send garbage and never read what comes back
      List<WsProbe> flooders = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        WsProbe f = WsProbe.connect(i % 2 == 0 ? p0 : p1, "/ws?room_id=" + id + "&user_id=f" + i);
        f.awaitType("room_info");
        f.pause();
        flooders.add(f);
        probes.add(f);
      }
      String big = "{\"type\":\"control\",\"pad\":\"" + "x".repeat(200_000) + "\"}";
      int events = 50;
      long floodFrames = 0;
      for (int round = 0; round < events; round++) {
        for (WsProbe f : flooders) {
          for (int k = 0; k < 40; k++) {
            f.sendTextAsync(k % 3 == 0 ? "{not json" : k % 3 == 1 ? "{\"type\":\"nope\"}" : "[1,2]");
            floodFrames++;
          }
          if (round % 10 == 0) {
            f.sendTextAsync(big);
            floodFrames++;
          }
        }
        host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", round + 1));
      }
      // every listener gets every one of the host's events, in order
      for (WsProbe l : listeners) {
        for (int round = 0; round < events; round++) {
          assertThat(l.awaitType("seek").getDouble("position")).isEqualTo(round + 1.0);
        }
      }
      flooders.forEach(WsProbe::close);
      long heapAfter = usedHeapAfterGc();
      System.out.printf("fault-flood: flood frames=%d (incl. %d x 200 KB), host events=%d, listeners=%d, all delivered in order; heap after GC %d MB -> %d MB%n",
          floodFrames, flooders.size() * 5, events, listeners.size(), heapBefore >> 20, heapAfter >> 20);
      assertThat(heapAfter - heapBefore).as("heap growth after the flood").isLessThan(64L << 20);
      RoomState after = TestServices.await(new RoomClient(nodes.get(1).vertx().eventBus(), "t").get(id));
      assertThat(after.positionMs()).isEqualTo(events * 1000L);
    } finally {
      probes.forEach(WsProbe::close);
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}

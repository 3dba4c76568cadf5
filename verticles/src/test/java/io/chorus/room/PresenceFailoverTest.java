package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.testing.ChildNode;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of a node: the survivors remove its users and tell the room within 15 s. */
class PresenceFailoverTest {

  @Test
  void usersOfAKilledNodeLeaveTheirRoomsAndTheHostRoleMoves() throws Exception {
    // one node here, one in a child JVM to kill -9
    try (TestCluster cluster = TestCluster.start(1, Map.of(), List.of(), 1);
         ChildNode victim = cluster.startChild(0, "child-node")) {
      ChorusNode survivor = cluster.node();
      victim.awaitReady(2, Duration.ofSeconds(90));
      RoomState room = TestServices.await(new RoomClient(survivor.vertx().eventBus(), survivor.nodeId())
          .create(CreateRoomRequest.newBuilder().setHostId("host").setTrackUrl("https://example.com/t.mp3").build(), false));
      String id = room.roomId();
      String hostToken = TestTokens.issue(id, "host", "host");
      int survivorPort = cluster.port();
      try (WsProbe host = WsProbe.connect(victim.httpPort, "/ws?room_id=" + id + "&user_id=host&token=" + hostToken);
           WsProbe onVictim = WsProbe.connect(victim.httpPort, "/ws?room_id=" + id + "&user_id=v1");
           WsProbe stays = WsProbe.connect(survivorPort, "/ws?room_id=" + id + "&user_id=s1")) {
        host.awaitType("room_info");
        onVictim.awaitType("room_info");
        stays.awaitType("room_info");
        long killedAt = System.currentTimeMillis();
        victim.kill9();
        JsonObject first = stays.await(m -> "user_left".equals(m.getString("type")), 15_000);
        JsonObject second = stays.await(m -> "user_left".equals(m.getString("type")), 15_000);
        JsonObject hostChanged = stays.await(m -> "host_changed".equals(m.getString("type")), 15_000);
        long took = System.currentTimeMillis() - killedAt;
        System.out.println("presence cleanup after kill -9 took " + took + " ms");
        assertThat(List.of(first.getString("user_id"), second.getString("user_id"))).containsExactlyInAnyOrder("host", "v1");
        assertThat(hostChanged.getString("host_id")).isEqualTo("s1");
        assertThat(took).isLessThan(15_000);
        RoomState after = TestServices.await(new RoomClient(survivor.vertx().eventBus(), "t").get(id));
        assertThat(after.users()).containsExactly("s1");
        assertThat(after.hostId()).isEqualTo("s1");
      }
    }
  }
}

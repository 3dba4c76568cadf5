package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.config.ChorusConfig;
import io.chorus.embedded.Ports;
import io.chorus.gateway.NodePorts;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.testing.ChildNode;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of a node: the survivors remove its users and tell the room within 15 s. */
class PresenceFailoverTest {

  @Test
  void usersOfAKilledNodeLeaveTheirRoomsAndTheHostRoleMoves() throws Exception {
    String cluster = "failover-" + UUID.randomUUID();
    int hzA = Ports.orFree(0);
    int hzB = Ports.orFree(0);
    String members = "127.0.0.1:" + hzA + ",127.0.0.1:" + hzB;
    ChorusNode survivor = TestServices.await(ChorusNode.start(ChorusConfig.parse(TestServices.nodeJson(Map.of(
        "HZ_CLUSTER_NAME", cluster, "HZ_PORT", hzA, "HZ_MEMBERS", members)))));
    Map<String, String> env = new HashMap<>(TestServices.services().environment());
    env.putAll(Map.of("HZ_CLUSTER_NAME", cluster, "HZ_PORT", Integer.toString(hzB), "HZ_MEMBERS", members,
        "GRPC_PORT", Integer.toString(Ports.orFree(0))));
    Path log = Path.of("target", "child-node-" + UUID.randomUUID() + ".log");
    try (ChildNode victim = ChildNode.start(env, Ports.orFree(0), log)) {
      victim.awaitReady(2, Duration.ofSeconds(90));
      RoomState room = TestServices.await(new RoomClient(survivor.vertx().eventBus(), survivor.nodeId())
          .create(CreateRoomRequest.newBuilder().setHostId("host").setTrackUrl("https://example.com/t.mp3").build(), false));
      String id = room.roomId();
      String hostToken = new ParticipantTokens("chorus-dev-token-secret-change-me", 3_600_000).issue(id, "host", "host");
      int survivorPort = NodePorts.http(survivor.vertx());
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
    } finally {
      TestServices.await(survivor.close());
    }
  }
}

package io.chorus.foundation;

import io.chorus.ChorusNode;
import io.chorus.bus.Addresses;
import io.chorus.proto.bus.NodePing;
import io.chorus.proto.bus.NodePong;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nodes started with the same member list form one Hazelcast cluster, every node's /ready reports
 * the full member count, and protobuf messages cross the cluster through the Chorus codec.
 */
class ClusterTest {

  @Test
  void twoAndThreeNodeClustersSeeEachOtherAndExchangeProtoMessages() {
    for (int n : new int[] {2, 3}) {
      try (TestCluster cluster = TestCluster.start(n, Map.of())) {
        assertFullyFormed(cluster.nodes());
        pingEveryOtherNode(cluster.nodes());
      }
    }
  }

  private static void assertFullyFormed(List<ChorusNode> nodes) {
    int n = nodes.size();
    Set<String> ids = new HashSet<>();
    for (ChorusNode node : nodes) {
      Probe.Response ready = Probe.until(Duration.ofSeconds(60), () -> Probe.get(node, "/ready"),
          r -> r.status() == 200 && r.json().getJsonObject("checks").getJsonObject("cluster").getInteger("members") == n);
      JsonObject cluster = ready.json().getJsonObject("checks").getJsonObject("cluster");
      assertThat(cluster.getString("status")).isEqualTo("up");
      assertThat(cluster.getString("node_id")).isEqualTo(node.nodeId());
      ids.add(node.nodeId());
    }
    assertThat(ids).as("distinct node ids").hasSize(n);
  }

  private static void pingEveryOtherNode(List<ChorusNode> nodes) {
    ByteString payload = ByteString.copyFromUtf8("across the cluster");
    for (ChorusNode from : nodes) {
      for (ChorusNode to : nodes) {
        if (from == to) {
          continue;
        }
        NodePing ping = NodePing.newBuilder().setNodeId(from.nodeId()).setSentAtMs(System.currentTimeMillis())
            .setPayload(payload).build();
        // the consumer's registration reaches the other members' subscription maps asynchronously
        NodePong pong = Probe.until(Duration.ofSeconds(30), () -> TestServices.await(
                from.vertx().eventBus().<NodePong>request(Addresses.nodePing(to.nodeId()), ping,
                    new DeliveryOptions().setSendTimeout(5_000))).body(),
            p -> true);
        assertThat(pong).isInstanceOf(NodePong.class);
        assertThat(pong.getNodeId()).as("pong from %s to %s", to.nodeId(), from.nodeId()).isEqualTo(to.nodeId());
        assertThat(pong.getPingSentAtMs()).isEqualTo(ping.getSentAtMs());
        assertThat(pong.getPayloadSize()).isEqualTo(payload.size());
      }
    }
  }
}

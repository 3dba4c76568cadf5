package io.chorus.audio;

import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node that stops closes its fingerprint indexer's Kafka consumer: it leaves its group at once. Before, nothing closed
 * it: the client of a stopped node stayed a member of its group, heartbeating, until Kafka's poll timeout (5 minutes),
 * and every test JVM collected one such client per node it had started.
 */
class IndexerCloseTest {

  @Test
  void aStoppedNodesIndexerLeavesItsConsumerGroup() throws Exception {
    String group;
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", TestServices.services().kafka().bootstrapServers()))) {
      try (TestCluster tc = TestCluster.start(1, Map.of())) {
        group = "chorus-audio-" + tc.node().nodeId();
        TestServices.until("the node's fingerprint indexer in its group", 120_000, 100, () -> members(admin, group) > 0);
      }
      TestServices.until("the stopped node's indexer gone from its group", 30_000, 100, () -> members(admin, group) == 0);
    }
  }

  private static int members(Admin admin, String group) {
    try {
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
      return d.members().size();
    } catch (Exception e) {
      throw new AssertionError("describing consumer group " + group + " failed: " + e.getMessage(), e);
    }
  }
}

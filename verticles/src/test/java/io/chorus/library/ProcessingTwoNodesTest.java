package io.chorus.library;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Two nodes share the workers' consumer group: every track is processed, each by exactly one node (two at once per node). */
class ProcessingTwoNodesTest {
  static final Path FILE = Path.of("/usr/share/hyperrogue/music/hr3-crossroads.ogg");

  @Test
  @ChorusCluster(nodes = 2, config = {"LIBRARY_TOPIC_UPLOADED=tn.uploaded", "LIBRARY_TOPIC_PROCESSED=tn.processed",
      "LIBRARY_TOPIC_DEAD_LETTER=tn.dead", "LIBRARY_CONSUMER_GROUP=tn-workers", "PROCESSING_CONCURRENCY=2",
      "LIBRARY_OUTBOX_POLL_MS=200", "RATE_LIMIT_REGISTER=100000"})
  void eachTrackIsProcessedByExactlyOneNode(TestCluster cluster) throws Exception {
    try (ProcessingFixture f = new ProcessingFixture(cluster)) {
      // the nodes created the topic; wait until both workers hold partitions of it
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      List<Set<Integer>> members;
      while ((members = f.groupAssignments()).size() != 2 || members.stream().anyMatch(Set::isEmpty)) {
        assertThat(System.nanoTime()).as("both workers join the group with partitions: %s", members).isLessThan(deadline);
        ProcessingFixture.sleep(200);
      }
      int partitions = members.stream().mapToInt(Set::size).sum();
      // two tracks on partitions of each worker (the producer's partitioner: murmur2 of the key)
      List<String> ids = new ArrayList<>();
      for (Set<Integer> held : members) {
        for (int k = 0; k < 2; k++) {
          String id;
          do {
            id = UUID.randomUUID().toString();
          } while (!held.contains(Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions));
          ids.add(id);
        }
      }
      ProcessingFixture.User owner = f.newUser();
      byte[] bytes = Files.readAllBytes(ProcessingMusic.require(FILE));
      for (String id : ids) {
        f.upload(id, owner.id(), bytes, "ogg", "audio/ogg");
      }
      for (String id : ids) {
        Map<String, Object> row = f.awaitRow(id, r -> !"processing".equals(r.get("status")), Duration.ofSeconds(240));
        assertThat(row.get("status")).as(String.valueOf(row.get("failure_reason"))).isEqualTo("ready");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(f.awaitRecords("tn.processed", id, Duration.ofSeconds(30))).hasSize(1);
      }
      double first = TestServices.metric(cluster.port(0), "chorus_library_tracks_ready_total");
      double second = TestServices.metric(cluster.port(1), "chorus_library_tracks_ready_total");
      assertThat(first + second).as("tracks processed by node 1 (%s) and node 2 (%s)", first, second).isEqualTo(ids.size());
      assertThat(first).isPositive();
      assertThat(second).isPositive();
    }
  }
}

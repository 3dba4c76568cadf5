package io.chorus.library;

import io.chorus.embedded.EmbeddedKafka;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka is down when a track is uploaded: the upload's outbox row stays unpublished (the relay keeps
 * trying) and the track waits; once Kafka is back the row is published and the track processed.
 */
class ProcessingKafkaOutageTest {
  static final Path FILE = Path.of("/usr/share/hyperrogue/music/hr3-caves.ogg");

  @Test
  @ChorusCluster(nodes = 1, config = {"LIBRARY_TOPIC_UPLOADED=ko.uploaded", "LIBRARY_TOPIC_PROCESSED=ko.processed",
      "LIBRARY_TOPIC_DEAD_LETTER=ko.dead", "LIBRARY_CONSUMER_GROUP=ko-workers", "LIBRARY_OUTBOX_POLL_MS=200", "RATE_LIMIT_REGISTER=100000"})
  void anUploadMadeWhileKafkaIsDownIsPublishedAndProcessedOnceItIsBack(TestCluster cluster) {
    EmbeddedKafka kafka = TestServices.services().kafka();
    try (ProcessingFixture f = new ProcessingFixture(cluster)) {
      ProcessingFixture.User owner = f.newUser();
      double failures = TestServices.metric(cluster.port(), "chorus_library_outbox_failures_total");
      kafka.stop();
      String id;
      try {
        JsonObject uploaded = f.upload(owner.id(), ProcessingMusic.require(FILE), "ogg", "audio/ogg");
        id = uploaded.getString("track_id");
        // the relay tried to publish it and could not
        TestServices.awaitMetricAbove(cluster.port(), "chorus_library_outbox_failures_total", failures, 60_000);
        assertThat(cluster.sql("SELECT published_at FROM library_outbox WHERE message_key = ?", id))
            .singleElement().satisfies(r -> assertThat(r.get("published_at")).isNull());
        Map<String, Object> row = f.row(id);
        assertThat(row.get("status")).isEqualTo("processing");
        assertThat(row.get("attempts")).isEqualTo(0);
      } finally {
        kafka.start();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!cluster.sql("SELECT 1 FROM library_outbox WHERE message_key = ? AND published_at IS NULL", id).isEmpty()) {
        assertThat(System.nanoTime()).as("the outbox row is published once Kafka is back").isLessThan(deadline);
        ProcessingFixture.sleep(200);
      }
      Map<String, Object> ready = f.awaitRow(id, r -> !"processing".equals(r.get("status")), Duration.ofSeconds(180));
      assertThat(ready.get("status")).as(String.valueOf(ready.get("failure_reason"))).isEqualTo("ready");
      assertThat(ready.get("attempts")).isEqualTo(1);
      assertThat(f.awaitRecords("ko.uploaded", id, Duration.ofSeconds(30))).hasSize(1);
      assertThat(f.awaitRecords("ko.processed", id, Duration.ofSeconds(30))).hasSize(1);
    }
  }
}

package io.chorus.library;

import io.chorus.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.TopicDescription;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class LibraryTopicsTest {

  @Test
  void createsTheMissingTopics() {
    Vertx vertx = Vertx.vertx();
    try {
      KafkaAdminClient admin = KafkaAdminClient.create(vertx, Map.of("bootstrap.servers", TestServices.services().kafka().bootstrapServers()));
      String a = "lt." + UUID.randomUUID();
      String b = "lt." + UUID.randomUUID();
      TestServices.await(admin.createTopics(List.of(new io.vertx.kafka.admin.NewTopic(a, 1, (short) 1))));
      LibraryTopics.ensure(vertx, Future.succeededFuture(admin), List.of(a, b, b));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!TestServices.await(admin.listTopics()).contains(b)) {
        assertThat(System.nanoTime()).as("topic %s created", b).isLessThan(deadline);
        ProcessingFixture.sleep(100);
      }
      Map<String, TopicDescription> d = TestServices.await(admin.describeTopics(List.of(a, b)));
      assertThat(d.get(a).getPartitions()).as("an existing topic is left alone").hasSize(1);
      assertThat(d.get(b).getPartitions()).hasSize(LibraryTopics.PARTITIONS);
      assertThat(d.get(b).getPartitions().get(0).getReplicas()).hasSize(1);
    } finally {
      TestServices.await(vertx.close());
    }
  }
}

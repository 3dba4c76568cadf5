package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Creates the library's Kafka topics that do not exist yet ({@link #PARTITIONS} partitions: up to that many
 * nodes process uploads in parallel; replicated on up to 3 brokers), so the workers' subscription works on
 * a cluster without topic auto-creation. Existing topics are left as they are. In the background: retried
 * every {@code RETRY_MS} while Kafka is unreachable; a node never waits on it.
 */
final class LibraryTopics {
  private static final Logger LOG = LoggerFactory.getLogger(LibraryTopics.class);
  private static final long RETRY_MS = 5000;
  static final int PARTITIONS = 6;

  private LibraryTopics() {
  }

  static void ensure(Vertx vertx, Future<KafkaAdminClient> admin, List<String> topics) {
    ensure(vertx, admin, topics, 0);
  }

  private static void ensure(Vertx vertx, Future<KafkaAdminClient> admin, List<String> topics, int tries) {
    admin.compose(a -> Future.all(a.listTopics(), a.describeCluster()).compose(both -> {
      java.util.Set<String> existing = both.resultAt(0);
      short replicas = (short) Math.min(3, Math.max(1, both.<io.vertx.kafka.admin.ClusterDescription>resultAt(1).getNodes().size()));
      List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t))
          .map(t -> new NewTopic(t, PARTITIONS, replicas).setConfig(Map.of())).toList();
      return missing.isEmpty() ? Future.succeededFuture() : a.createTopics(missing)
          .onSuccess(v -> LOG.info("Kafka topics created: {}", missing.stream().map(NewTopic::getName).toList()));
    })).onFailure(e -> {
      if (String.valueOf(e.getMessage()).contains("already exists")) {
        return;   // another node created it meanwhile
      }
      if (tries == 0) {
        LOG.warn("Library topics not ensured yet ({}); retrying every {} ms", e.toString(), RETRY_MS);
      }
      vertx.setTimer(RETRY_MS, t -> ensure(vertx, admin, topics, tries + 1));
    });
  }
}

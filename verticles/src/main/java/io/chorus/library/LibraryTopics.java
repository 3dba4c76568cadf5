package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Creates the library's Kafka topics that do not exist yet (broker defaults for partitions and
 * replication), so the workers' subscription works on a cluster without topic auto-creation. In the
 * background: retried every {@code RETRY_MS} while Kafka is unreachable; a node never waits on it.
 */
final class LibraryTopics {
  private static final Logger LOG = LoggerFactory.getLogger(LibraryTopics.class);
  private static final long RETRY_MS = 5000;

  private LibraryTopics() {
  }

  static void ensure(Vertx vertx, Future<KafkaAdminClient> admin, List<String> topics) {
    admin.compose(a -> a.listTopics().compose(existing -> {
      List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t)).map(t -> new NewTopic(t, -1, (short) -1).setConfig(java.util.Map.of())).toList();
      return missing.isEmpty() ? Future.succeededFuture() : a.createTopics(missing)
          .onSuccess(v -> LOG.info("Kafka topics created: {}", missing.stream().map(NewTopic::getName).toList()));
    })).onFailure(e -> {
      if (String.valueOf(e.getMessage()).contains("already exists")) {
        return;   // another node created it meanwhile
      }
      LOG.debug("Library topics not ensured yet ({}); retrying in {} ms", e.toString(), RETRY_MS);
      vertx.setTimer(RETRY_MS, t -> ensure(vertx, admin, topics));
    });
  }
}

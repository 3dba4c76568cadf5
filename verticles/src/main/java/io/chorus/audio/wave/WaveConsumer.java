package io.chorus.audio.wave;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns {@code track.played} and the feedback topic into taste signals: one consumer group over all nodes
 * ({@code WAVE_CONSUMER_GROUP}), one record at a time, the offset committed after the signal is stored.
 * Idempotent by {@code event_id} (a replay, or feedback this node already stored when it was given, is a
 * no-op). Anonymous plays, malformed records and events of deleted users or tracks are skipped.
 */
final class WaveConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(WaveConsumer.class);

  private final Vertx vertx;
  private final WaveRepo repo;
  private final String playedTopic;
  private KafkaConsumer<String, String> consumer;

  WaveConsumer(Vertx vertx, WaveRepo repo, String playedTopic) {
    this.vertx = vertx;
    this.repo = repo;
    this.playedTopic = playedTopic;
  }

  void start(String bootstrap, List<String> topics, String group) {
    consumer = KafkaConsumer.create(vertx, Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", group,
        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "auto.offset.reset", "earliest",
        // the topics may not exist yet when a node starts: look again soon rather than after 5 minutes
        "metadata.max.age.ms", "10000",
        "enable.auto.commit", "false"));
    consumer.handler(this::handle);
    consumer.exceptionHandler(e -> LOG.warn("Wave consumer: {}", e.getMessage()));
    consumer.subscribe(new java.util.HashSet<>(topics))
        .onSuccess(v -> LOG.info("Wave signals from Kafka topics {} (group {})", topics, group))
        .onFailure(e -> LOG.error("Cannot subscribe to {}: {}", topics, e.getMessage()));
  }

  private void handle(KafkaConsumerRecord<String, String> record) {
    consumer.pause();
    process(record.topic(), record.value())
        .recover(e -> {
          LOG.warn("{} at {}@{} skipped: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> consumer.commit(Map.of(new TopicPartition(record.topic(), record.partition()),
            new OffsetAndMetadata(record.offset() + 1, ""))))
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.warn("Wave consumer offset commit failed: {}", ar.cause().getMessage());
          }
          consumer.resume();
        });
  }

  Future<Void> process(String topic, String value) {
    UUID eventId;
    UUID user;
    UUID track;
    String kind;
    OffsetDateTime at;
    try {
      JsonObject e = new JsonObject(value);
      if (e.getValue("user_id") == null) {
        return Future.succeededFuture();   // an anonymous play teaches no one's taste
      }
      eventId = UUID.fromString(e.getString("event_id"));
      user = UUID.fromString(e.getString("user_id"));
      track = UUID.fromString(e.getString("track_id"));
      kind = topic.equals(playedTopic) ? "play" : e.getString("event");
      if (!Wave.EVENTS.contains(kind) && !"play".equals(kind)) {
        return Future.failedFuture("unknown event '" + kind + "'");
      }
      String when = e.getString(topic.equals(playedTopic) ? "played_at" : "at");
      at = when == null ? OffsetDateTime.now(ZoneOffset.UTC) : OffsetDateTime.parse(when);
    } catch (RuntimeException e) {
      return Future.failedFuture("malformed event: " + e.getMessage());
    }
    return repo.signal(eventId, user, track, kind, at).mapEmpty();
  }

  Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.close();
  }
}

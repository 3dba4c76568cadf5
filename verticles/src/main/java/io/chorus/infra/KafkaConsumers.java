package io.chorus.infra;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The Kafka consumers of every feature: string keys and values, offsets committed by the feature only
 * after its work is done (never auto-committed), a new group starting from the earliest record.
 */
public final class KafkaConsumers {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaConsumers.class);

  private KafkaConsumers() {
  }

  /**
   * A consumer in {@code group}; {@code extra} adds or overrides client properties. Topics may not exist
   * yet when a node starts, so metadata is looked up again after 10 s rather than Kafka's 5 minutes.
   */
  public static KafkaConsumer<String, String> create(Vertx vertx, String bootstrapServers, String group, Map<String, String> extra) {
    Map<String, String> props = new HashMap<>(Map.of(
        "bootstrap.servers", bootstrapServers,
        "group.id", group,
        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "enable.auto.commit", "false",
        "auto.offset.reset", "earliest",
        "metadata.max.age.ms", "10000"));
    props.putAll(extra);
    return KafkaConsumer.create(vertx, props);
  }

  /**
   * Consumes {@code topics} one record at a time: the consumer is paused while {@code work} runs, the offset
   * is committed once it has finished, and a record whose work fails is logged and skipped (its failure is
   * the record's, retrying it forever would stop the topic). {@code name} names the consumer in the logs.
   */
  public static KafkaConsumer<String, String> serial(Vertx vertx, String bootstrapServers, String group, Set<String> topics,
                                                     String name, Function<KafkaConsumerRecord<String, String>, Future<?>> work) {
    KafkaConsumer<String, String> consumer = create(vertx, bootstrapServers, group, Map.of());
    consumer.handler(record -> {
      consumer.pause();
      Future<?> done;
      try {
        done = work.apply(record);
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      done.recover(e -> {
            LOG.warn("{}: record {}-{}@{} skipped: {}", name, record.topic(), record.partition(), record.offset(), e.getMessage());
            return Future.succeededFuture();
          })
          .compose(v -> consumer.commit(Map.of(new TopicPartition(record.topic(), record.partition()),
              new OffsetAndMetadata(record.offset() + 1, ""))))
          .onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("{}: offset {} of {}-{} not committed (the record may be handled again): {}", name, record.offset() + 1,
                  record.topic(), record.partition(), ar.cause().getMessage());
            }
            consumer.resume();
          });
    });
    consumer.exceptionHandler(e -> LOG.warn("{}: {}", name, e.getMessage()));
    consumer.subscribe(topics)
        .onSuccess(v -> LOG.info("{} consumes Kafka topics {} (group {})", name, topics, group))
        .onFailure(e -> LOG.error("{} cannot subscribe to {}: {}", name, topics, e.getMessage()));
    return consumer;
  }
}

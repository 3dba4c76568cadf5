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
  public static FinalConsumer create(Vertx vertx, String bootstrapServers, String group, Map<String, String> extra) {
    Map<String, String> props = new HashMap<>(Map.of(
        "bootstrap.servers", bootstrapServers,
        "group.id", group,
        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "enable.auto.commit", "false",
        "auto.offset.reset", "earliest",
        "metadata.max.age.ms", "10000"));
    props.putAll(extra);
    return new FinalConsumer(KafkaConsumer.create(vertx, props));
  }

  /** How often a record's work is tried ({@link Backoff}) before the record is skipped. */
  static final int ATTEMPTS = 10;

  /**
   * What a record's work fails with when the record itself cannot be used (malformed, of an unknown kind, naming
   * something that is gone): it is skipped at once, where any other failure (a service away) is tried again.
   */
  public static final class Unusable extends RuntimeException {
    public Unusable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Consumes {@code topics} one record at a time: the consumer is paused while {@code work} runs, the offset
   * is committed once it has finished. Work that fails is tried again ({@link Backoff}: 0.5 s doubling to 30 s, up to
   * {@value #ATTEMPTS} times: about 2 minutes, so a short PostgreSQL or S3 outage loses nothing), then logged and skipped
   * (retrying forever would stop the topic); an {@link Unusable} record is skipped at once. A record whose work ends after
   * the consumer closed is not committed. {@code name} names the consumer in the logs.
   */
  public static FinalConsumer serial(Vertx vertx, String bootstrapServers, String group, Set<String> topics,
                                     String name, Function<KafkaConsumerRecord<String, String>, Future<?>> work) {
    FinalConsumer owned = create(vertx, bootstrapServers, group, Map.of());
    KafkaConsumer<String, String> consumer = owned.consumer();
    consumer.handler(record -> {
      owned.pause();
      Backoff.retried(vertx, () -> work.apply(record), (e, tries) -> owned.closed() || unusable(e) || tries >= ATTEMPTS,
              (e, tries, waitMs) -> LOG.warn("{}: record {}-{}@{} failed ({}), try {} of {}; again in {} ms", name, record.topic(),
                  record.partition(), record.offset(), e.getMessage(), tries, ATTEMPTS, waitMs))
          .transform(ar -> {
            if (owned.closed()) {   // its work was cut short by the stop: not committed, the group's next owner has it
              LOG.info("{}: record {}-{}@{} left for redelivery (the consumer closed while it was handled)", name, record.topic(),
                  record.partition(), record.offset());
              return Future.succeededFuture();
            }
            if (ar.failed()) {
              LOG.warn("{}: record {}-{}@{} skipped: {}", name, record.topic(), record.partition(), record.offset(), ar.cause().getMessage());
            }
            return owned.commit(Map.of(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1, "")));
          })
          .onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("{}: offset {} of {}-{} not committed (the record may be handled again): {}", name, record.offset() + 1,
                  record.topic(), record.partition(), ar.cause().getMessage());
            }
            owned.resume();
          });
    });
    consumer.exceptionHandler(e -> LOG.warn("{}: {}", name, e.getMessage()));
    consumer.subscribe(topics)
        .onSuccess(v -> LOG.info("{} consumes Kafka topics {} (group {})", name, topics, group))
        .onFailure(e -> LOG.error("{} cannot subscribe to {}: {}", name, topics, e.getMessage()));
    return owned;
  }

  /**
   * Whether a failure is the record's own: {@link Unusable}, or PostgreSQL refusing its data (SQLSTATE classes 22 and 23:
   * a bad value, a key it names that is gone), which the same record meets again on every try.
   */
  static boolean unusable(Throwable e) {
    return e instanceof Unusable || e instanceof io.vertx.pgclient.PgException pg && pg.getSqlState() != null
        && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"));
  }
}

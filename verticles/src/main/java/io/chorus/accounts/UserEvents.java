package io.chorus.accounts;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Map;

/**
 * {@code user.created} / {@code user.updated} on the Kafka topic {@code USER_EVENTS_TOPIC} (JSON value,
 * key = user id, so one user's events stay in order on one partition). Fire and forget: the producer
 * retries for {@code delivery.timeout.ms}; after that the event is logged and dropped, and the request
 * that caused it has already succeeded (a Kafka outage never fails a registration).
 */
public final class UserEvents {
  private static final Logger LOG = LoggerFactory.getLogger(UserEvents.class);
  public static final String CREATED = "user.created";
  public static final String UPDATED = "user.updated";

  private final KafkaProducer<String, String> producer;
  private final String topic;

  public UserEvents(Vertx vertx, String bootstrapServers, String topic) {
    this.producer = KafkaProducer.createShared(vertx, "chorus-user-events", Map.of(
        "bootstrap.servers", bootstrapServers,
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "acks", "all",
        "enable.idempotence", "true",
        // a send never blocks a worker for long while Kafka is down; the retries then run in the background
        "max.block.ms", "2000",
        "delivery.timeout.ms", "30000",
        "request.timeout.ms", "5000"));
    // a failed send is logged by send() with its user; without a handler the client also reports it as unhandled
    this.producer.exceptionHandler(e -> LOG.debug("Kafka producer of {}: {}", topic, e.toString()));
    this.topic = topic;
  }

  public void publish(String type, User user) {
    send(type, user);
  }

  /** Like {@link #publish}, for a caller that waits for the outcome (the command line); failures are logged here. */
  public io.vertx.core.Future<Void> send(String type, User user) {
    JsonObject value = new JsonObject().put("type", type).put("at", Instant.now().toString()).put("user", user.eventJson());
    KafkaProducerRecord<String, String> record = KafkaProducerRecord.create(topic, user.id(), value.encode());
    record.addHeader("type", type);
    return producer.send(record).onFailure(e -> LOG.warn("{} for user {} not published to Kafka topic {} (dropped): {}", type, user.id(), topic,
        e.getMessage())).mapEmpty();
  }

  /** Completes once the producer has flushed and stopped; its owner closes Vert.x only after that. */
  public io.vertx.core.Future<Void> close() {
    return producer.close();
  }
}

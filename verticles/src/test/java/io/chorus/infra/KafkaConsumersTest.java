package io.chorus.infra;

import io.chorus.testing.TestServices;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.pgclient.PgException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link KafkaConsumers#serial} on a real broker: work that fails for a passing reason is tried again and its record
 * then committed, an unusable record is skipped at once, and a consumer closed while a record's work runs stays closed
 * when the work ends (vertx-kafka reopened it on the work's commit: a second poll thread on a client the first was
 * closing, the "not safe for multi-threaded access" storm seen when nodes stop) and leaves the record to the group.
 */
class KafkaConsumersTest {
  private static final String KAFKA_THREAD = "vert.x-kafka-consumer-thread-";
  private Vertx vertx;
  private Context ctx;
  private String bootstrap;
  private String topic;
  private String group;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    ctx = vertx.getOrCreateContext();
    bootstrap = TestServices.services().kafka().bootstrapServers();
    topic = "kafka-consumers-" + UUID.randomUUID();
    group = "kafka-consumers-" + UUID.randomUUID();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"))) {
      producer.send(new ProducerRecord<>(topic, 0, "k", "the record")).get(30, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stop() {
    TestServices.await(vertx.close());
  }

  /** A serial consumer of the test's topic, made on the test's context (its handlers and work run there). */
  private FinalConsumer serial(String name, Function<KafkaConsumerRecord<String, String>, Future<?>> work) throws Exception {
    CompletableFuture<FinalConsumer> consumer = new CompletableFuture<>();
    ctx.runOnContext(v -> consumer.complete(KafkaConsumers.serial(vertx, bootstrap, group, Set.of(topic), name, work)));
    return consumer.get(30, TimeUnit.SECONDS);
  }

  /** Waits until the group's committed offset of partition 0 is 1: the record is done with. */
  private void awaitCommitted(FinalConsumer consumer) {
    TopicPartition tp = new TopicPartition(topic, 0);
    TestServices.until("the record's offset committed", 60_000, 50, () -> {
      OffsetAndMetadata o = TestServices.await(consumer.consumer().committed(tp));
      return o != null && o.getOffset() == 1;
    });
  }

  @Test
  void workThatFailsForAPassingReasonIsTriedAgainAndItsRecordThenCommitted() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    FinalConsumer consumer = serial("retry test", r -> tries.incrementAndGet() < 3
        ? Future.failedFuture("the database is away") : Future.succeededFuture());
    try {
      awaitCommitted(consumer);
      assertThat(tries.get()).as("tries of the record's work").isEqualTo(3);
    } finally {
      TestServices.await(consumer.close());
    }
  }

  @Test
  void anUnusableRecordIsSkippedAtOnce() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    FinalConsumer consumer = serial("unusable test", r -> {
      tries.incrementAndGet();
      return Future.failedFuture(new KafkaConsumers.Unusable("malformed event"));
    });
    try {
      awaitCommitted(consumer);
      assertThat(tries.get()).as("tries of the record's work").isEqualTo(1);
    } finally {
      TestServices.await(consumer.close());
    }
  }

  @Test
  void databaseRefusalsOfTheRecordsDataAreUnusableOutagesAreNot() {
    assertThat(KafkaConsumers.unusable(new PgException("duplicate key", "ERROR", "23505", null))).isTrue();
    assertThat(KafkaConsumers.unusable(new PgException("invalid input syntax for type uuid", "ERROR", "22P02", null))).isTrue();
    assertThat(KafkaConsumers.unusable(new PgException("permission denied for table users", "ERROR", "42501", null))).isFalse();
    assertThat(KafkaConsumers.unusable(new PgException("the database system is shutting down", "FATAL", "57P03", null))).isFalse();
    assertThat(KafkaConsumers.unusable(new IllegalStateException("Pool closed"))).isFalse();
  }

  @Test
  void workThatEndsAfterTheCloseNeitherReopensTheConsumerNorCommits() throws Exception {
    Promise<Void> work = Promise.promise();
    CompletableFuture<String> received = new CompletableFuture<>();
    FinalConsumer consumer = serial("close test", r -> {
      received.complete(r.value());
      return work.future();
    });
    assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo("the record");
    TestServices.await(consumer.close());

    CompletableFuture<List<String>> startedMeanwhile = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      work.complete();   // the consumer's commit and resume run here, on the consumer's context, before this returns
      startedMeanwhile.complete(Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith(KAFKA_THREAD) && !before.contains(t)).map(Thread::getName).toList());
    });
    assertThat(startedMeanwhile.get(30, TimeUnit.SECONDS)).as("poll threads started by the late work's commit").isEmpty();
    assertThat(consumer.closed()).isTrue();

    CompletableFuture<String> again = new CompletableFuture<>();
    FinalConsumer next = serial("close test 2", r -> {
      again.complete(r.value() + "@" + r.offset());
      return Future.succeededFuture();
    });
    try {
      assertThat(again.get(60, TimeUnit.SECONDS)).as("the record, not committed, goes to the group's next consumer").isEqualTo("the record@0");
    } finally {
      TestServices.await(next.close());
    }
  }
}

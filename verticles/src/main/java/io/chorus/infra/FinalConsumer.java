package io.chorus.infra;

import io.vertx.core.Future;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;

import java.util.Map;
import java.util.Set;

/**
 * A Kafka consumer whose close is final. vertx-kafka's consumer opens itself again on any call made after its close:
 * a commit, pause or resume from work that finishes while a node stops starts a second poll thread while the first is
 * still closing the client — a storm of "KafkaConsumer is not safe for multi-threaded access", a poll loop and a thread
 * left behind. Work that completes late goes through this instead of the consumer: once {@link #close} has been called
 * these calls do nothing (an offset not committed is redelivered, which every consumer here treats as a replay).
 */
public final class FinalConsumer {
  private final KafkaConsumer<String, String> consumer;
  private volatile boolean closed;

  public FinalConsumer(KafkaConsumer<String, String> consumer) {
    this.consumer = consumer;
  }

  /** The consumer itself, for its handlers, subscription and seeks while it is open. */
  public KafkaConsumer<String, String> consumer() {
    return consumer;
  }

  public boolean closed() {
    return closed;
  }

  public Future<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    return closed ? Future.succeededFuture() : consumer.commit(offsets).mapEmpty();
  }

  public void pause() {
    ifOpen(consumer::pause);
  }

  public void pause(Set<TopicPartition> partitions) {
    ifOpen(() -> consumer.pause(partitions));
  }

  public void resume() {
    ifOpen(consumer::resume);
  }

  public void resume(Set<TopicPartition> partitions) {
    ifOpen(() -> consumer.resume(partitions));
  }

  private void ifOpen(Runnable call) {
    if (!closed) {
      call.run();
    }
  }

  public Future<Void> seek(TopicPartition partition, long offset) {
    return closed ? Future.succeededFuture() : consumer.seek(partition, offset);
  }

  /** Closes the consumer, once; the calls above do nothing from now on. */
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return consumer.close();
  }
}

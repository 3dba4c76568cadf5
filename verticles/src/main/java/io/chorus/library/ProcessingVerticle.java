package io.chorus.library;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.chorus.infra.FinalConsumer;
import io.chorus.infra.KafkaConsumers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The processing worker of a node: consumes {@code track.uploaded} in the consumer group
 * {@code LIBRARY_CONSUMER_GROUP} (shared by all nodes, so each track goes to one of them), runs up to
 * {@code PROCESSING_CONCURRENCY} tracks at once through {@link TrackProcessor}, and commits a partition's
 * offset only past records whose work is done (auto commit off: a node that dies mid-track leaves it to be
 * redelivered). While all slots are busy it pauses its partitions in Kafka but keeps polling, so a long
 * track never makes the group evict it; records already fetched wait in a local queue.
 */
public final class ProcessingVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessingVerticle.class);
  /** Delay before trying a record again whose work could not be recorded (PostgreSQL unreachable). */
  private static final long REDO_MS = 5000;

  private final String bootstrapServers;
  private final LibraryConfig config;
  private final Function<JsonObject, Future<TrackProcessor.Outcome>> processor;
  private final Counter ready;
  private final Counter failedTracks;
  private FinalConsumer consumer;
  private final ArrayDeque<KafkaConsumerRecord<String, String>> waiting = new ArrayDeque<>();
  /** Per partition: offsets received and not yet done, and the highest done. */
  private final Map<TopicPartition, Offsets> offsets = new HashMap<>();
  private final Set<TopicPartition> assigned = new HashSet<>();
  /** Tracks being processed here: a redelivered record of one waits for it (then finds it done). */
  private final Map<String, Future<?>> active = new HashMap<>();
  private int running;
  private boolean paused;

  private static final class Offsets {
    final TreeSet<Long> pending = new TreeSet<>();
    long committed = -1;
    long highestDone = -1;
  }

  public ProcessingVerticle(String bootstrapServers, LibraryConfig config, Function<JsonObject, Future<TrackProcessor.Outcome>> processor,
                            MeterRegistry metrics) {
    this.bootstrapServers = bootstrapServers;
    this.config = config;
    this.processor = processor;
    this.ready = Counter.builder("chorus.library.tracks.ready").description("tracks this node processed to ready").register(metrics);
    this.failedTracks = Counter.builder("chorus.library.tracks.failed").description("tracks this node marked failed").register(metrics);
  }

  @Override
  public Future<?> start() {
    consumer = KafkaConsumers.create(vertx, bootstrapServers, config.consumerGroup(), Map.of(
        "max.poll.records", Integer.toString(config.processingConcurrency()),
        "reconnect.backoff.max.ms", "2000"));
    consumer.consumer().handler(this::received);
    consumer.consumer().partitionsAssignedHandler(this::assigned);
    consumer.consumer().partitionsRevokedHandler(this::revoked);
    consumer.consumer().exceptionHandler(e -> LOG.warn("Kafka consumer of {}: {}", config.topicUploaded(), e.getMessage()));
    return consumer.consumer().subscribe(config.topicUploaded());
  }

  @Override
  public Future<?> stop() {
    return consumer.close();
  }

  private void received(KafkaConsumerRecord<String, String> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    offsets.computeIfAbsent(tp, k -> new Offsets()).pending.add(record.offset());
    waiting.add(record);
    drain();
    if (!waiting.isEmpty() && !paused && !assigned.isEmpty()) {
      paused = true;
      consumer.pause(new HashSet<>(assigned));
    }
  }

  private void drain() {
    while (running < config.processingConcurrency() && !waiting.isEmpty()) {
      KafkaConsumerRecord<String, String> record = waiting.poll();
      running++;
      handle(record).onComplete(ar -> {
        running--;
        done(record);
        drain();
        if (waiting.isEmpty() && paused) {
          paused = false;
          consumer.resume(new HashSet<>(assigned));
        }
      });
    }
  }

  private Future<?> handle(KafkaConsumerRecord<String, String> record) {
    JsonObject message;
    try {
      message = new JsonObject(record.value());
    } catch (DecodeException | NullPointerException e) {
      LOG.warn("Skipped a {} record that is not JSON (partition {}, offset {})", record.topic(), record.partition(), record.offset());
      return Future.succeededFuture();
    }
    String trackId = String.valueOf(message.getValue("track_id"));
    Future<?> before = active.getOrDefault(trackId, Future.succeededFuture());
    Future<?> work = before.eventually(() -> untilRecorded(message));
    active.put(trackId, work);
    return work.onComplete(x -> active.remove(trackId, work));
  }

  /** Processes the message; when its outcome cannot be recorded (PostgreSQL down) tries again later. */
  private Future<TrackProcessor.Outcome> untilRecorded(JsonObject message) {
    return processor.apply(message).onSuccess(o -> {
      if (o == TrackProcessor.Outcome.READY) {
        ready.increment();
      } else if (o == TrackProcessor.Outcome.FAILED) {
        failedTracks.increment();
      }
    }).recover(e -> {
      LOG.warn("Track {} not processed ({}); trying again in {} ms", message.getString("track_id"), e.getMessage(), REDO_MS);
      Promise<TrackProcessor.Outcome> again = Promise.promise();
      vertx.setTimer(REDO_MS, t -> untilRecorded(message).onComplete(again));
      return again.future();
    });
  }

  /** Commits the partition up to its lowest record not yet done. */
  private void done(KafkaConsumerRecord<String, String> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    Offsets o = offsets.get(tp);
    if (o == null || !o.pending.remove(record.offset())) {
      return;   // the partition was revoked meanwhile: its new owner starts again from the last commit
    }
    o.highestDone = Math.max(o.highestDone, record.offset());
    long next = o.pending.isEmpty() ? o.highestDone + 1 : o.pending.first();
    if (next > o.committed) {
      o.committed = next;
      consumer.commit(Map.of(tp, new OffsetAndMetadata(next, "")))
          .onFailure(e -> LOG.warn("Offset {} of {} not committed (the record may be handled again): {}", next, tp, e.getMessage()));
    }
  }

  private void assigned(Set<TopicPartition> partitions) {
    assigned.addAll(partitions);
    if (paused) {
      consumer.pause(partitions);   // a (re)assigned partition starts unpaused
    }
  }

  private void revoked(Set<TopicPartition> partitions) {
    assigned.removeAll(partitions);
    partitions.forEach(offsets::remove);
    waiting.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
    if (waiting.isEmpty() && paused) {
      paused = false;
      consumer.resume(new HashSet<>(assigned));
    }
  }
}

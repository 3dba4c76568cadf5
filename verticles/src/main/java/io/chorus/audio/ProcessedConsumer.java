package io.chorus.audio;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

import java.util.Map;
import java.util.UUID;

/**
 * Indexes every processed track on this node: consumes {@code track.processed} in a consumer group of its
 * own ({@code <prefix>-<nodeId>}, so every node sees every event; a new group starts from the earliest
 * offset, and tracks already indexed are skipped), downloads the analysis PCM from S3, fingerprints it, links
 * its duplicates and computes its similarity vector ({@link Analysis}), and commits the offset after the rows
 * are stored. One record at a time (fingerprinting is
 * CPU-bound and the topic is small); a failed record is logged and skipped, not retried forever.
 */
final class ProcessedConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessedConsumer.class);

  private final Vertx vertx;
  private final Analysis analysis;
  private final Future<S3Client> s3;
  private final String bucket;
  private KafkaConsumer<String, String> consumer;

  ProcessedConsumer(Vertx vertx, Analysis analysis, Future<S3Client> s3, String bucket) {
    this.vertx = vertx;
    this.analysis = analysis;
    this.s3 = s3;
    this.bucket = bucket;
  }

  /**
   * Before consuming: the tracks fingerprinted without a similarity vector of the current version (analysed
   * before similar songs existed, or by an older {@link SoundFeatures#VERSION}), or with landmarks of an older
   * {@link Fingerprinter#VERSION} (not loaded into the index), are analysed again from their PCM in S3, one
   * at a time; their events are long consumed. Every node does it for itself (the row upsert is idempotent).
   */
  Future<Void> backfill(Pool pg) {
    return pg.preparedQuery("SELECT f.track_id FROM track_fingerprints f LEFT JOIN track_features v ON v.track_id = f.track_id"
            + " AND v.version = $1 WHERE v.track_id IS NULL OR f.version <> $2")
        .execute(io.vertx.sqlclient.Tuple.of((short) SoundFeatures.VERSION, (short) Fingerprinter.VERSION))
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          int n = 0;
          for (io.vertx.sqlclient.Row r : rows) {
            UUID track = r.getUUID(0);
            n++;
            chain = chain.compose(v -> analyse(track, "analysis/" + track + ".f32")
                .recover(e -> {
                  LOG.warn("Track {} not analysed again: {}", track, e.getMessage());
                  return Future.succeededFuture();
                }));
          }
          if (n > 0) {
            LOG.info("Analysing again {} tracks analysed before (an older fingerprint or similarity version)", n);
          }
          return chain;
        });
  }

  void start(String bootstrap, String topic, String group) {
    consumer = KafkaConsumer.create(vertx, Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", group,
        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "auto.offset.reset", "earliest",
        // the topic may not exist yet when a node starts: look again soon rather than after 5 minutes
        "metadata.max.age.ms", "10000",
        "enable.auto.commit", "false"));
    consumer.handler(this::handle);
    consumer.exceptionHandler(e -> LOG.warn("track.processed consumer: {}", e.getMessage()));
    consumer.subscribe(topic)
        .onSuccess(v -> LOG.info("Indexing fingerprints from Kafka topic {} (group {})", topic, group))
        .onFailure(e -> LOG.error("Cannot subscribe to {}: {}", topic, e.getMessage()));
  }

  private void handle(KafkaConsumerRecord<String, String> record) {
    consumer.pause();
    process(record.value())
        .recover(e -> {
          LOG.warn("track.processed at {}-{}@{} not indexed: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> consumer.commit(Map.of(new TopicPartition(record.topic(), record.partition()),
            new OffsetAndMetadata(record.offset() + 1, ""))))
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.warn("offset commit failed: {}", ar.cause().getMessage());
          }
          consumer.resume();
        });
  }

  private Future<Void> process(String value) {
    JsonObject event;
    UUID track;
    String key;
    try {
      event = new JsonObject(value);
      track = UUID.fromString(event.getString("track_id"));
      key = event.getJsonObject("analysis").getString("pcm_key");
      if (key == null || event.getJsonObject("analysis").getInteger("sample_rate", Fingerprinter.SAMPLE_RATE) != Fingerprinter.SAMPLE_RATE) {
        return Future.failedFuture("no analysis PCM at " + Fingerprinter.SAMPLE_RATE + " Hz");
      }
    } catch (RuntimeException e) {
      return Future.failedFuture("malformed event: " + e.getMessage());
    }
    if (analysis.done(track)) {
      return Future.succeededFuture();
    }
    return analyse(track, key);
  }

  /** Downloads a track's analysis PCM and analyses what this node lacks of it. */
  Future<Void> analyse(UUID track, String key) {
    return s3.compose(client -> vertx.executeBlocking(() -> {
      try {
        return ClipDecoder.pcm(client.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build()).asByteArray());
      } catch (SdkException e) {
        throw new IllegalStateException("S3 " + key + ": " + e.getMessage(), e);
      }
    }, false)).compose(pcm -> analysis.analyse(track, pcm));
  }

  Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.close();
  }
}

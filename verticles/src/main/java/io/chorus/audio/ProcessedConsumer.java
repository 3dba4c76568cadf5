package io.chorus.audio;

import io.chorus.infra.FinalConsumer;
import io.chorus.infra.KafkaConsumers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

import java.util.Set;
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
  private FinalConsumer consumer;
  private boolean closed;

  ProcessedConsumer(Vertx vertx, Analysis analysis, Future<S3Client> s3, String bucket) {
    this.vertx = vertx;
    this.analysis = analysis;
    this.s3 = s3;
    this.bucket = bucket;
  }

  /**
   * Before consuming: the tracks fingerprinted without a similarity vector of this node's embedder and its
   * version (analysed before similar songs existed, by an older {@link SoundFeatures#VERSION}, or before an
   * audio-embedding model was configured or changed), or with landmarks of an older {@link Fingerprinter#VERSION}
   * (not loaded into the index), are analysed again from their PCM in S3, one at a time; their events are long
   * consumed. Every node does it for itself (the row upserts are idempotent).
   */
  Future<Void> backfill(Pool pg, SoundEmbedder embedder) {
    return pg.preparedQuery("SELECT f.track_id FROM track_fingerprints f LEFT JOIN track_features v ON v.track_id = f.track_id"
            + " AND v.embedder = $1 AND v.version = $2 WHERE v.track_id IS NULL OR f.version <> $3")
        .execute(io.vertx.sqlclient.Tuple.of(embedder.id(), embedder.version(), (short) Fingerprinter.VERSION))
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

  /** Starts consuming, unless the node already closed this (a backfill can end after the node's close). */
  synchronized void start(String bootstrap, String topic, String group) {
    if (!closed) {
      consumer = KafkaConsumers.serial(vertx, bootstrap, group, Set.of(topic), "Fingerprint indexer", r -> process(r.value()));
    }
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
        return Future.failedFuture(new KafkaConsumers.Unusable("no analysis PCM at " + Fingerprinter.SAMPLE_RATE + " Hz"));
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(new KafkaConsumers.Unusable("malformed event: " + e.getMessage()));
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
      } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
        throw new KafkaConsumers.Unusable("S3 " + key + " is gone (the track was deleted)");
      } catch (SdkException e) {
        throw new IllegalStateException("S3 " + key + ": " + e.getMessage(), e);
      }
    }, false)).compose(pcm -> analysis.analyse(track, pcm));
  }

  synchronized Future<Void> close() {
    closed = true;
    return consumer == null ? Future.succeededFuture() : consumer.close();
  }
}

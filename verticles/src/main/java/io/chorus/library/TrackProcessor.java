package io.chorus.library;

import io.chorus.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Processes one uploaded track: claims it (one more attempt), downloads the original to a temporary
 * folder, analyses it with ffmpeg child processes (probe, decode to the analysis PCM, loudness, waveform,
 * Opus rendition), stores the rendition and the PCM in S3, then marks the row ready and writes
 * {@code track.processed} to the outbox in one transaction. A failed attempt is retried with backoff up
 * to {@code PROCESSING_MAX_ATTEMPTS}; then the row becomes failed with the reason and the original message
 * goes to the dead-letter topic (through the outbox, in the same transaction). A track that is not
 * {@code processing} any more (ready, failed, deleted) is skipped, so a replayed message does nothing; the
 * final updates only apply to a row still processing, so two workers racing on one track (a rebalance)
 * announce it once. Progress goes to the owner's user channel. The blocking steps run on {@code workers}.
 */
public final class TrackProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(TrackProcessor.class);
  static final String[] STAGES = {"probe", "decode", "loudness", "waveform", "rendition", "analysis"};
  private static final long BACKOFF_BASE_MS = 1000;
  private static final long BACKOFF_MAX_MS = 30_000;

  public enum Outcome { READY, FAILED, SKIPPED }

  private final Vertx vertx;
  private final Pool pg;
  private final S3Client s3;
  private final String bucket;
  private final Ffmpeg ffmpeg;
  private final LibraryConfig config;
  private final WorkerExecutor workers;

  public TrackProcessor(Vertx vertx, Pool pg, S3Client s3, String bucket, Ffmpeg ffmpeg, LibraryConfig config, WorkerExecutor workers) {
    this.vertx = vertx;
    this.pg = pg;
    this.s3 = s3;
    this.bucket = bucket;
    this.ffmpeg = ffmpeg;
    this.config = config;
    this.workers = workers;
  }

  /** What processing found; {@code pcmSamples} at {@link Decode#SAMPLE_RATE}. */
  public record Analysis(AudioProbe.Info probe, long pcmSamples, Loudness.Result loudness, double[] waveform, String renditionKey,
                         String pcmKey) {
    /** The decoded length (what plays) rather than the header's claim; ffprobe's when nothing decoded. */
    public long durationMs() {
      return pcmSamples > 0 ? Math.round(pcmSamples * 1000.0 / Decode.SAMPLE_RATE) : probe.durationMs();
    }
  }

  private record Claim(String ownerId, String originalKey, int attempts) {
  }

  /**
   * Handles one {@code track.uploaded} message to its end (ready, failed or skipped), retries included.
   * Fails only when PostgreSQL cannot be reached (the message is then not done: the caller tries again).
   */
  public Future<Outcome> process(JsonObject uploaded) {
    String trackId = uploaded.getString("track_id");
    UUID id;
    try {
      id = UUID.fromString(trackId);
    } catch (IllegalArgumentException | NullPointerException e) {
      LOG.warn("Skipped a track.uploaded message without a valid track_id: {}", trackId);
      return Future.succeededFuture(Outcome.SKIPPED);
    }
    return claim(id).compose(claim -> {
      if (claim == null) {
        LOG.debug("Track {} is not processing (done, failed or deleted): message skipped", trackId);
        return Future.succeededFuture(Outcome.SKIPPED);
      }
      if (claim.attempts() > config.processingMaxAttempts()) {
        return fail(trackId, claim, uploaded, "processing did not complete after " + config.processingMaxAttempts() + " attempts");
      }
      return workers.executeBlocking(() -> analyse(trackId, claim), false)
          .compose(a -> complete(trackId, claim, a).map(done -> done ? Outcome.READY : Outcome.SKIPPED),
              e -> retryOrFail(trackId, claim, uploaded, e));
    });
  }

  private Future<Outcome> retryOrFail(String trackId, Claim claim, JsonObject uploaded, Throwable e) {
    String reason = reason(e);
    if (claim.attempts() >= config.processingMaxAttempts()) {
      return fail(trackId, claim, uploaded, reason);
    }
    long delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS << Math.min(20, claim.attempts() - 1));
    LOG.info("Track {} attempt {}/{} failed ({}); retrying in {} ms", trackId, claim.attempts(), config.processingMaxAttempts(), reason, delay);
    Promise<Outcome> next = Promise.promise();
    vertx.setTimer(delay, t -> process(uploaded).onComplete(next));
    return next.future();
  }

  static String reason(Throwable e) {
    String why = e instanceof TrackFailure ? e.getMessage()
        : e instanceof Ffmpeg.Failure ? e.getMessage()
        : "processing failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    return why.length() > 500 ? why.substring(0, 497) + "..." : why;
  }

  private Future<Claim> claim(UUID trackId) {
    return pg.preparedQuery("UPDATE tracks SET attempts = attempts + 1, updated_at = NOW() WHERE id = $1 AND status = 'processing' "
            + "RETURNING owner_id, original_key, attempts")
        .execute(Tuple.of(trackId))
        .map(rows -> {
          if (rows.rowCount() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new Claim(r.getUUID("owner_id").toString(), r.getString("original_key"), r.getInteger("attempts"));
        });
  }

  /** The prefix of this process's temporary track folders. */
  static final String TEMP_PREFIX = "chorus-track-" + ProcessHandle.current().pid() + "-";

  /** Blocking: the whole analysis of one attempt, in a temporary folder that is always deleted. */
  private Analysis analyse(String trackId, Claim claim) throws IOException {
    // named by the process, so a leftover can be told apart from another node's work in progress on the same machine
    Path dir = Files.createTempDirectory(TEMP_PREFIX);
    try {
      Consumer<String> stage = s -> progress(claim.ownerId(), trackId, s);
      Path original = dir.resolve("original");
      stage.accept("probe");
      try {
        s3.getObject(GetObjectRequest.builder().bucket(bucket).key(claim.originalKey()).build(), ResponseTransformer.toFile(original));
      } catch (NoSuchKeyException e) {
        throw new TrackFailure("the uploaded file is missing from storage (" + claim.originalKey() + ")");
      }
      Duration timeout = Duration.ofSeconds(config.processingTimeoutSeconds());
      int stream = AudioStream.choose(ffmpeg, original, timeout);
      AudioProbe.Info probe = AudioProbe.run(ffmpeg, original, stream, timeout);
      stage.accept("decode");
      Path pcm = dir.resolve("analysis.f32");
      Decode.toPcm(ffmpeg, original, stream, pcm, timeout);
      long samples = Files.size(pcm) / 4;
      if (samples == 0) {
        throw new TrackFailure("ffmpeg could not decode the file: it contains no audio");
      }
      stage.accept("loudness");
      Loudness.Result loudness = Loudness.measure(ffmpeg, original, stream, timeout);
      stage.accept("waveform");
      double[] waveform = Waveform.ofPcm(pcm, Waveform.BUCKETS);
      stage.accept("rendition");
      Path opus = dir.resolve("rendition.opus");
      Rendition.opus(ffmpeg, original, stream, opus, probe.channels(), timeout);
      String renditionKey = "tracks/" + trackId + "/opus";
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(renditionKey).contentType(Rendition.MIME).build(), RequestBody.fromFile(opus));
      stage.accept("analysis");
      String pcmKey = "analysis/" + trackId + ".f32";
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(pcmKey).contentType("application/octet-stream").build(),
          RequestBody.fromFile(pcm));
      return new Analysis(probe, samples, loudness, waveform, renditionKey, pcmKey);
    } finally {
      delete(dir);
    }
  }

  private void progress(String ownerId, String trackId, String stage) {
    int i = java.util.Arrays.asList(STAGES).indexOf(stage);
    publish(ownerId, status(trackId, "processing").put("stage", stage).put("progress", Math.round(i * 100.0 / STAGES.length) / 100.0));
  }

  private static JsonObject status(String trackId, String status) {
    return new JsonObject().put("type", "track_status").put("track_id", trackId).put("status", status);
  }

  /** Every node drops the stream row it kept of the track while it was processing. */
  private void processed(String trackId, String status) {
    vertx.eventBus().publish(Addresses.LIBRARY_TRACK_PROCESSED, new JsonObject().put("track_id", trackId).put("status", status));
  }

  private void publish(String ownerId, JsonObject event) {
    vertx.eventBus().publish(Addresses.userEvents(ownerId), event);
  }

  /** Ready + track.processed in one transaction; false when the row was no longer processing. */
  private Future<Boolean> complete(String trackId, Claim claim, Analysis a) {
    JsonObject event = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("track_id", trackId)
        .put("owner_id", claim.ownerId()).put("duration_ms", a.durationMs()).put("sample_rate", a.probe().sampleRate())
        .put("channels", a.probe().channels()).put("bitrate", a.probe().bitrate())
        .put("loudness_lufs", a.loudness().integratedLufs()).put("true_peak_db", a.loudness().truePeakDb())
        .put("replay_gain_db", a.loudness().replayGainDb()).put("rendition_key", a.renditionKey())
        .put("analysis", new JsonObject().put("pcm_key", a.pcmKey()).put("format", Decode.FORMAT)
            .put("sample_rate", Decode.SAMPLE_RATE).put("channels", 1))
        .put("processed_at", Instant.now().toString());
    return pg.withTransaction(conn -> conn.preparedQuery("UPDATE tracks SET status = 'ready', failure_reason = NULL, duration_ms = $2, "
                + "sample_rate = $3, channels = $4, bitrate = $5, loudness_lufs = $6, true_peak_db = $7, replay_gain_db = $8, "
                + "waveform = $9, rendition_key = $10, processed_at = NOW(), updated_at = NOW() WHERE id = $1 AND status = 'processing'")
            .execute(Tuple.from(new Object[] {UUID.fromString(trackId), a.durationMs(), a.probe().sampleRate(), a.probe().channels(),
                a.probe().bitrate(), a.loudness().integratedLufs(), a.loudness().truePeakDb(), a.loudness().replayGainDb(),
                Waveform.json(a.waveform()), a.renditionKey()}))
            .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
                : outbox(conn, config.topicProcessed(), trackId, event).map(true)))
        .compose(done -> done ? Future.succeededFuture(true) : discardIfDeleted(trackId, a).map(false))
        .onSuccess(done -> {
          if (done) {
            OutboxRelayVerticle.nudge(vertx);
            processed(trackId, "ready");
            publish(claim.ownerId(), status(trackId, "ready").put("progress", 1.0).put("duration_ms", a.durationMs()));
            LOG.info("Track {} ready ({} ms, {} LUFS) after {} attempt(s)", trackId, a.durationMs(), a.loudness().integratedLufs(),
                claim.attempts());
          }
        });
  }

  /**
   * A track deleted while it was being processed: the delete removed the objects that existed then, so the
   * rendition and analysis written since would stay behind. (A row still there but no longer processing was
   * finished by another attempt, which wrote the same keys: those stay.)
   */
  private Future<Void> discardIfDeleted(String trackId, Analysis a) {
    return pg.preparedQuery("SELECT 1 FROM tracks WHERE id = $1").execute(Tuple.of(UUID.fromString(trackId))).compose(rows -> {
      if (rows.size() > 0) {
        return Future.succeededFuture();
      }
      LOG.info("Track {} was deleted while processing: its new rendition and analysis are removed", trackId);
      return workers.<Void>executeBlocking(() -> {
        for (String key : java.util.Arrays.asList(a.renditionKey(), a.pcmKey())) {
          if (key != null) {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
          }
        }
        return null;
      }, false);
    }).recover(e -> {
      LOG.warn("Track {}: removing the objects of a deleted track failed: {}", trackId, e.getMessage());
      return Future.succeededFuture();
    });
  }

  /** Failed + the original message to the dead-letter topic, in one transaction. */
  private Future<Outcome> fail(String trackId, Claim claim, JsonObject uploaded, String reason) {
    JsonObject dead = uploaded.copy().put("dead_letter", new JsonObject().put("reason", reason).put("attempts", claim.attempts())
        .put("failed_at", Instant.now().toString()));
    return pg.withTransaction(conn -> conn.preparedQuery("UPDATE tracks SET status = 'failed', failure_reason = $2, updated_at = NOW() "
                + "WHERE id = $1 AND status = 'processing'")
            .execute(Tuple.of(UUID.fromString(trackId), reason))
            .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(Outcome.SKIPPED)
                : outbox(conn, config.topicDeadLetter(), trackId, dead).map(Outcome.FAILED)))
        .onSuccess(o -> {
          if (o == Outcome.FAILED) {
            OutboxRelayVerticle.nudge(vertx);
            processed(trackId, "failed");
            publish(claim.ownerId(), status(trackId, "failed").put("reason", reason));
            LOG.warn("Track {} failed after {} attempt(s): {}", trackId, claim.attempts(), reason);
          }
        });
  }

  private static Future<Void> outbox(io.vertx.sqlclient.SqlConnection conn, String topic, String key, JsonObject payload) {
    return conn.preparedQuery("INSERT INTO library_outbox (topic, message_key, payload) VALUES ($1, $2, $3)")
        .execute(Tuple.of(topic, key, payload)).mapEmpty();
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          LOG.warn("Temporary file {} not deleted: {}", p, e.getMessage());
        }
      });
    } catch (IOException e) {
      LOG.warn("Temporary folder {} not deleted: {}", dir, e.getMessage());
    }
  }
}

package io.chorus.library;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;
import io.vertx.core.json.JsonObject;

/**
 * The music library's settings (issue 17). {@code ffmpegPath}/{@code ffprobePath}: empty means the LGPL
 * build bundled with {@code org.bytedeco:ffmpeg}. Topics: the outbox relay publishes uploads, the
 * processing workers (one consumer group over all nodes) consume them and publish the analysis input;
 * completed plays go to {@code topicPlayed}; a track that fails {@code processingMaxAttempts} times goes
 * to {@code topicDeadLetter}. Published outbox rows are deleted {@code outboxRetentionHours} after publication;
 * cached MP3 transcodes stay under {@code transcodeCacheMaxMb} (0: none kept once streamed); a node keeps the
 * rows streams read for {@code streamRowTtlMs} (0: read per request); a stream's socket send buffer is
 * {@code streamSendBufferKb} (0: the kernel's autotuning).
 */
public record LibraryConfig(int uploadMaxBytes, int coverMaxBytes, String ffmpegPath, String ffprobePath,
                            String topicUploaded, String topicProcessed, String topicPlayed, String topicDeadLetter,
                            String consumerGroup, int processingConcurrency, int processingMaxAttempts, int processingTimeoutSeconds,
                            int outboxPollMs, int streamUrlTtlSeconds, int transcodeCacheMaxMb, int outboxRetentionHours,
                            int streamCacheMaxMb, String topicCatalog, int streamRowTtlMs,
                            int streamSendBufferKb) {

  public static LibraryConfig of(ChorusConfig config) {
    return from(config.source());
  }

  public static LibraryConfig from(JsonObject json) {
    Parse p = new Parse(json);
    return new LibraryConfig(p.intIn("UPLOAD_MAX_BYTES", 1024, Integer.MAX_VALUE), p.intIn("COVER_MAX_BYTES", 1024, 64 * 1024 * 1024),
        p.string("FFMPEG_PATH"), p.string("FFPROBE_PATH"),
        p.topic("LIBRARY_TOPIC_UPLOADED"), p.topic("LIBRARY_TOPIC_PROCESSED"), p.topic("LIBRARY_TOPIC_PLAYED"),
        p.topic("LIBRARY_TOPIC_DEAD_LETTER"), p.nonEmpty("LIBRARY_CONSUMER_GROUP"),
        p.intIn("PROCESSING_CONCURRENCY", 1, 256), p.intIn("PROCESSING_MAX_ATTEMPTS", 1, 100), p.intIn("PROCESSING_TIMEOUT_SECONDS", 5, 86_400),
        p.intIn("LIBRARY_OUTBOX_POLL_MS", 10, 60_000), p.intIn("STREAM_URL_TTL_SECONDS", 10, 7 * 86_400),
        p.intIn("TRANSCODE_CACHE_MAX_MB", 0, 1_000_000), p.intIn("LIBRARY_OUTBOX_RETENTION_HOURS", 1, 87_600),
        p.intIn("STREAM_CACHE_MAX_MB", 0, 1_000_000), p.topic("LIBRARY_TOPIC_CATALOG"),
        p.intIn("STREAM_ROW_TTL_MS", 0, 3_600_000), p.intIn("STREAM_SEND_BUFFER_KB", 0, 65_536));
  }
}

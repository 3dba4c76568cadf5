package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MP3 transcodes for clients that cannot play the original: made once with ffmpeg (a child process) at
 * {@code kbps} and cached in S3 as {@code tracks/<id>/mp3-<kbps>}, within {@code TRANSCODE_CACHE_MAX_MB}
 * ({@link TranscodeCache}). Concurrent first requests on a node share one transcode; two nodes racing both
 * transcode and write the same object (harmless).
 */
final class Transcodes {
  private static final Logger LOG = LoggerFactory.getLogger(Transcodes.class);

  private final MediaStore store;
  private final MediaTools tools;
  private final WorkerExecutor workers;
  private final Path tmpDir;
  private final long timeoutMs;
  private final Map<String, Future<HeadObjectResponse>> running = new ConcurrentHashMap<>();
  private final TranscodeCache cache;
  private final io.micrometer.core.instrument.Counter made;

  Transcodes(MediaStore store, TranscodeCache cache, MediaTools tools, WorkerExecutor workers, Path tmpDir, long timeoutMs,
             io.micrometer.core.instrument.MeterRegistry metrics) {
    this.store = store;
    this.cache = cache;
    this.tools = tools;
    this.workers = workers;
    this.tmpDir = tmpDir;
    this.timeoutMs = timeoutMs;
    this.made = metrics == null ? null : io.micrometer.core.instrument.Counter.builder("chorus.library.transcodes")
        .description("MP3 transcodes made (cache misses)").register(metrics);
  }

  /** A cached transcode being served: its object, and what to call once the stream ends (exactly once). */
  record Cached(HeadObjectResponse head, Runnable release) {
  }

  /**
   * The cached MP3 of the track at {@code kbps}, made first if there is none; leased for the stream (the
   * cache never evicts it until {@link Cached#release}). While this node streams the key its HEAD is known
   * (no S3 round trip per listener); concurrent first requests share one HEAD (and one transcode).
   */
  Future<Cached> mp3(Track t, int kbps) {
    String key = MediaStore.mp3Key(t.id(), kbps);
    return cache.acquire(key).compose(known -> {
          HeadObjectResponse h = cache.head(key);
          return h != null ? Future.succeededFuture(h) : shared(key, () -> object(t, kbps, key, known));
        })
        .map(h -> {
          cache.remember(key, h);
          return new Cached(h, () -> cache.release(key));
        })
        .onFailure(e -> cache.release(key));
  }

  /** The object's HEAD, made (transcoded) first when S3 has none. */
  private Future<HeadObjectResponse> object(Track t, int kbps, String key, boolean known) {
    return store.head(key).compose(h -> {
      if (h == null) {
        return transcode(t, kbps, key).compose(made -> cache.register(key, t.id(), made.contentLength()).map(made));
      }
      // an object the cache had no row for (made before the cache kept rows): counted from now on
      return known ? Future.succeededFuture(h) : cache.register(key, t.id(), h.contentLength()).map(h);
    });
  }

  /** One {@code work} per key at a time on this node: concurrent callers share it. */
  private Future<HeadObjectResponse> shared(String key, java.util.function.Supplier<Future<HeadObjectResponse>> work) {
    Future<HeadObjectResponse> f = running.get(key);
    if (f != null) {
      return f;
    }
    io.vertx.core.Promise<HeadObjectResponse> p = io.vertx.core.Promise.promise();
    f = running.putIfAbsent(key, p.future());
    if (f != null) {
      return f;
    }
    Future<HeadObjectResponse> w;
    try {
      w = work.get();
    } catch (RuntimeException e) {
      w = Future.failedFuture(e);
    }
    w.onComplete(ar -> {
      running.remove(key, p.future());
      p.handle(ar);
    });
    return p.future();
  }

  private Future<HeadObjectResponse> transcode(Track t, int kbps, String key) {
    Path in = tmpDir.resolve(UUID.randomUUID() + ".src");
    Path out = tmpDir.resolve(UUID.randomUUID() + ".mp3");
    long started = System.nanoTime();
    return store.download(t.originalKey(), in)
        .compose(v -> workers.<Long>executeBlocking(() -> {
          int stream = tools.audioStream(in, timeoutMs);
          MediaTools.Result r = tools.ffmpeg(List.of("-hide_banner", "-nostdin", "-v", "error", "-y", "-i", in.toString(),
              "-map", AudioStream.map(stream), "-vn", "-c:a", "libmp3lame", "-b:a", kbps + "k", "-f", "mp3", out.toString()), timeoutMs);
          if (r.exitCode() != 0 || !Files.exists(out) || Files.size(out) == 0) {
            LOG.warn("transcoding track {} to MP3 failed ({}): {}", t.id(), r.exitCode(), r.stderr().strip());
            throw ErrorCode.UNSUPPORTED_MEDIA_TYPE.exception("the track cannot be transcoded to MP3");
          }
          return Files.size(out);
        }, false))
        .compose(size -> store.putFile(key, out, size, "audio/mpeg"))
        .compose(v -> store.head(key))
        .compose(h -> h == null ? Future.failedFuture(ErrorCode.UNAVAILABLE.exception("media storage is unavailable")) : Future.succeededFuture(h))
        .onSuccess(h -> {
          if (made != null) {
            made.increment();
          }
        })
        .onSuccess(h -> LOG.info("Track {} transcoded to MP3 {} kbps in {} ms", t.id(), kbps, (System.nanoTime() - started) / 1_000_000))
        .onComplete(x -> workers.executeBlocking(() -> Files.deleteIfExists(in) | Files.deleteIfExists(out), false));
  }
}

package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node-local read-through copy of the media objects listeners stream, so a hot track is sent from
 * the page cache with {@code sendfile} instead of one long S3 GET per listener (each holding an S3
 * connection and a storage thread for the whole play). Objects are immutable under a key and strong
 * ETag, so a file is named by both and never revalidated; the first request for one is relayed from S3
 * as before while one download fills the copy. Access checks stay per request (the track row), so a
 * takedown or a deletion stops reads of a cached copy as it stops S3 reads; the copy itself goes when
 * evicted (least recently streamed first, above {@code maxBytes}) or when the node starts again.
 */
final class MediaCache {
  private static final Logger LOG = LoggerFactory.getLogger(MediaCache.class);

  private record Entry(Path file, long size, AtomicLong used) {
  }

  private final MediaStore store;
  private final WorkerExecutor workers;
  private final Path dir;
  private final long maxBytes;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Map<String, Boolean> filling = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final io.micrometer.core.instrument.Counter hits;

  private MediaCache(MediaStore store, WorkerExecutor workers, Path dir, long maxBytes, io.micrometer.core.instrument.MeterRegistry metrics) {
    this.hits = metrics == null ? null : io.micrometer.core.instrument.Counter.builder("chorus.library.stream.cache.hits")
        .description("streams sent from the node-local media copy").register(metrics);
    if (metrics != null) {
      io.micrometer.core.instrument.Gauge.builder("chorus.library.stream.cache.bytes", bytes, AtomicLong::get)
          .description("bytes of the node-local media copies").register(metrics);
    }
    this.store = store;
    this.workers = workers;
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** A cache in {@code dir} (emptied first: this node's own, left by its previous run), or null when {@code maxMb} is 0. */
  static Future<MediaCache> start(MediaStore store, WorkerExecutor workers, Path dir, int maxMb,
                                  io.micrometer.core.instrument.MeterRegistry metrics) {
    if (maxMb <= 0) {
      return Future.succeededFuture(null);
    }
    return workers.executeBlocking(() -> {
      if (Files.isDirectory(dir)) {
        try (var files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.deleteIfExists(f);
          }
        }
      }
      Files.createDirectories(dir);
      return new MediaCache(store, workers, dir, maxMb * 1024L * 1024L, metrics);
    }, false);
  }

  /**
   * The local copy of {@code key} with this ETag and size, or null (then a download starts unless one
   * runs; the caller relays from S3 meanwhile). Objects larger than a quarter of the cache are not kept.
   */
  Path get(String key, String etag, long size) {
    if (etag == null || size <= 0 || size > maxBytes / 4) {
      return null;
    }
    String name = name(key, etag);
    Entry e = entries.get(name);
    if (e != null) {
      e.used.set(System.nanoTime());
      if (hits != null) {
        hits.increment();
      }
      return e.file;
    }
    if (filling.putIfAbsent(name, Boolean.TRUE) == null) {
      fill(key, name, size);
    }
    return null;
  }

  private void fill(String key, String name, long size) {
    Path tmp = dir.resolve(name + ".part");
    Path file = dir.resolve(name);
    store.download(key, tmp)
        .compose(v -> workers.executeBlocking(() -> {
          long got = Files.size(tmp);
          if (got != size) {
            Files.deleteIfExists(tmp);
            throw new IOException("downloaded " + got + " bytes, the object has " + size);
          }
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          return file;
        }, false))
        .onComplete(ar -> {
          filling.remove(name);
          if (ar.failed()) {
            LOG.warn("caching {} failed: {}", key, ar.cause().getMessage());
            return;
          }
          entries.put(name, new Entry(file, size, new AtomicLong(System.nanoTime())));
          if (bytes.addAndGet(size) > maxBytes) {
            evict();
          }
        });
  }

  /** Drops the least recently streamed copies until the cache is under its size again. */
  private void evict() {
    List<Map.Entry<String, Entry>> all = new ArrayList<>(entries.entrySet());
    all.sort(Comparator.comparingLong(m -> m.getValue().used.get()));
    List<Path> drop = new ArrayList<>();
    for (Map.Entry<String, Entry> m : all) {
      if (bytes.get() <= maxBytes * 9 / 10) {
        break;
      }
      if (entries.remove(m.getKey(), m.getValue())) {
        bytes.addAndGet(-m.getValue().size);
        drop.add(m.getValue().file);
      }
    }
    // a response still sending a dropped file keeps its open descriptor; the name goes now
    workers.executeBlocking(() -> {
      for (Path p : drop) {
        Files.deleteIfExists(p);
      }
      return null;
    }, false).onFailure(e -> LOG.warn("evicting cached media failed: {}", e.getMessage()));
  }

  private static String name(String key, String etag) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest((key + "\n" + etag).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.chorus.library;

import io.chorus.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The rows streaming reads ({@link TrackRepo#forStream}), kept per node for {@code STREAM_ROW_TTL_MS}, so a
 * listener's request costs no PostgreSQL round trip (at hundreds of arrivals per second the pool's queue was
 * the time to first byte). Only what a cached row <em>grants</em> is trusted: a refusal (hidden, taken down,
 * no rendition yet) is always confirmed by a fresh read, so an approval, a restore or a finished
 * rendition shows at once. What takes a grant away — a takedown or a deletion — is published on the clustered
 * {@link Addresses#LIBRARY_TAKEDOWN} and drops the row on every node as the message arrives (the node that
 * made the change drops it before it answers); so does the end of a track's processing, published on
 * {@link Addresses#LIBRARY_TRACK_PROCESSED} (a track streamed while processing may fail). A read that began before such a drop is not kept, so a stale
 * row cannot come back. Concurrent misses of one track share one read; a granting row past its TTL is served
 * while one read refreshes it (up to {@link #STALE_FACTOR} TTLs more), so listeners never queue behind the
 * database for a track being streamed.
 */
final class StreamRows {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRows.class);
  private static final int MAX_ROWS = 50_000;
  /** A granting row past its TTL is still served while one read refreshes it, up to this many TTLs past it. */
  private static final long STALE_FACTOR = 6;

  private record Row(Track track, long until) {
  }

  private final TrackRepo repo;
  private final long ttlNanos;
  private final Map<String, Row> rows = new ConcurrentHashMap<>();
  private final Map<String, Future<Track>> loading = new ConcurrentHashMap<>();
  /** Bumped by every drop: a read that began before one is not kept. */
  private final AtomicLong epoch = new AtomicLong();

  StreamRows(TrackRepo repo, long ttlMs) {
    this.repo = repo;
    this.ttlNanos = ttlMs * 1_000_000L;
  }

  /**
   * Drops the tracks of every takedown or deletion message on the clustered bus, and a track whose processing
   * ended (a row kept while it was processing would go on granting a track that failed), from now on.
   */
  Future<Void> listen(Vertx vertx) {
    return Future.all(vertx.eventBus().<JsonObject>consumer(Addresses.LIBRARY_TAKEDOWN, m -> forget(m.body())).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.LIBRARY_TRACK_PROCESSED, m -> {
          if (m.body() != null && m.body().getValue("track_id") instanceof String id) {
            forget(id);
          }
        }).completion()).mapEmpty();
  }

  /**
   * The row, perhaps a few seconds old, when {@code usable} accepts it (it grants what is asked); else, or
   * when none is kept, the row read now (null: no such track).
   */
  Future<Track> get(String id, Predicate<Track> usable) {
    if (ttlNanos <= 0) {
      return repo.forStream(id);
    }
    String key = id.toLowerCase(Locale.ROOT);
    Row r = rows.get(key);
    Future<Track> f = loading.get(key);
    if (r != null && usable.test(r.track())) {
      long now = System.nanoTime();
      if (r.until() - now > 0) {
        return Future.succeededFuture(r.track());
      }
      if (r.until() + STALE_FACTOR * ttlNanos - now > 0) {
        // due: one read refreshes it while listeners go on with this one (a slow database delays no stream)
        if (f == null) {
          fresh(key).onFailure(e -> LOG.warn("Refreshing the stream row of track {} failed: {}", key, e.getMessage()));
        }
        return Future.succeededFuture(r.track());
      }
    }
    return f != null ? f : fresh(key);
  }

  private Future<Track> fresh(String key) {
    long began = epoch.get();
    Future<Track> f = repo.forStream(key);
    loading.put(key, f);
    return f.andThen(ar -> {
      loading.remove(key, f);
      if (ar.succeeded() && ar.result() != null && epoch.get() == began) {
        if (rows.size() >= MAX_ROWS) {
          long now = System.nanoTime();
          rows.values().removeIf(x -> x.until() - now <= 0);
          if (rows.size() >= MAX_ROWS) {
            rows.clear();
          }
        }
        rows.put(key, new Row(ar.result(), System.nanoTime() + ttlNanos));
      }
    });
  }

  /** Forgets the tracks a takedown message names ({@code track_ids}, or the subject when it is a track). */
  void forget(JsonObject message) {
    if (message == null) {
      return;
    }
    if (message.getValue("track_ids") instanceof JsonArray ids) {
      ids.forEach(id -> {
        if (id instanceof String s) {
          forget(s);
        }
      });
    }
    if ("track".equals(message.getValue("subject_type")) && message.getValue("subject_id") instanceof String s) {
      forget(s);
    }
  }

  /** Forgets one track's row; a read under way is not kept. */
  void forget(String id) {
    String key = id.toLowerCase(Locale.ROOT);
    epoch.incrementAndGet();
    if (rows.remove(key) != null) {
      LOG.debug("Stream row of track {} dropped", key);
    }
    loading.remove(key);
  }
}

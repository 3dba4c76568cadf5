package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the MP3 transcodes cached in S3 under {@code TRANSCODE_CACHE_MAX_MB} (0: no cache, a transcode
 * lives only while it is streamed). {@code transcode_cache} holds each cached object's size and last use;
 * {@code transcode_leases} the streams being served from one, per node (renewed while serving, deleted when
 * done, lapsing when a node dies). Eviction drops the least recently used objects without a lease until
 * the total fits, one node at a time (an exclusive advisory lock; taking a lease holds it shared, so a
 * lease is never taken on an object whose eviction is under way and an object is never evicted while a
 * stream holds it). Objects are deleted from S3 before the rows' deletion commits, so a row never outlives
 * its object unnoticed and a request that finds no row remakes the transcode.
 */
final class TranscodeCache {
  private static final Logger LOG = LoggerFactory.getLogger(TranscodeCache.class);
  /** The advisory lock of the cache ("transcod"). */
  private static final long LOCK = 0x7472616e73636f64L;
  static final int LEASE_SECONDS = 60;
  private static final int EVICT_BATCH = 200;

  /**
   * This node's streams of one key, the token of its lease row, the taking of that lease (shared by every
   * stream of the key while one runs) and the object's HEAD once a stream learnt it under this lease.
   */
  private static final class Holder {
    int count;
    String token;
    Future<Boolean> taken;
    HeadObjectResponse head;
  }

  private final Pool pg;
  private final MediaStore store;
  private final String node;
  private final long maxBytes;
  private final Map<String, Holder> serving = new HashMap<>();
  private final AtomicBoolean evicting = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();

  TranscodeCache(Pool pg, MediaStore store, String node, long maxBytes) {
    this.pg = pg;
    this.store = store;
    this.node = node;
    this.maxBytes = maxBytes;
  }

  /** Renews this node's leases and evicts what is due, periodically (a dead node's leases lapse meanwhile). */
  void start(Vertx vertx) {
    vertx.setPeriodic(LEASE_SECONDS * 1000L / 3, t -> renew().onComplete(x -> evict()));
  }

  /**
   * A stream of {@code key} begins on this node. The first one takes the node's lease (and, when the cache
   * knows the object, its last use is now); later ones while any still runs share it with no round trip (the
   * lease is renewed, and the last use set, each {@code LEASE_SECONDS / 3}). True when the cache has a row for
   * it. Every acquire needs a {@link #release}, including a failed one.
   */
  Future<Boolean> acquire(String key) {
    String token;
    Promise<Boolean> taking;
    synchronized (serving) {
      Holder h = serving.computeIfAbsent(key, k -> new Holder());
      h.count++;
      if (h.taken != null && !h.taken.failed()) {
        return h.taken;
      }
      if (h.token == null) {
        h.token = UUID.randomUUID().toString();
      }
      token = h.token;
      taking = Promise.promise();
      h.taken = taking.future();
    }
    pg.withTransaction(c -> c.query("SELECT pg_advisory_xact_lock_shared(" + LOCK + ")").execute()
        .compose(x -> c.preparedQuery("INSERT INTO transcode_leases (s3_key, node_id, until, token)"
                + " VALUES ($1, $2, NOW() + $3::int * INTERVAL '1 second', $4)"
                + " ON CONFLICT (s3_key, node_id) DO UPDATE SET until = EXCLUDED.until, token = EXCLUDED.token")
            .execute(Tuple.of(key, node, LEASE_SECONDS, token)))
        .compose(x -> c.preparedQuery("UPDATE transcode_cache SET last_used_at = NOW() WHERE s3_key = $1").execute(Tuple.of(key)))
        .map(rs -> rs.rowCount() == 1))
        .onComplete(taking);
    return taking.future();
  }

  /** The object's HEAD a stream of {@code key} learnt under this node's current lease, or null. */
  HeadObjectResponse head(String key) {
    synchronized (serving) {
      Holder h = serving.get(key);
      return h == null ? null : h.head;
    }
  }

  /**
   * Remembers the object's HEAD for the other streams of {@code key} while the lease is held (the object
   * cannot be evicted, so it is the same object); forgotten with the lease.
   */
  void remember(String key, HeadObjectResponse head) {
    synchronized (serving) {
      Holder h = serving.get(key);
      if (h != null && h.taken != null && h.taken.succeeded()) {
        h.head = head;
      }
    }
  }

  /** A stream of {@code key} on this node ended: the lease goes with the node's last one, and the cache may shrink. */
  void release(String key) {
    String token = null;
    synchronized (serving) {
      Holder h = serving.get(key);
      if (h != null && --h.count <= 0) {
        serving.remove(key);
        token = h.token;
      }
    }
    if (token != null) {
      // only this lease: a stream of the key begun since holds a new token
      pg.preparedQuery("DELETE FROM transcode_leases WHERE s3_key = $1 AND node_id = $2 AND token = $3").execute(Tuple.of(key, node, token))
          .onFailure(e -> LOG.warn("Transcode lease of {} not released (it lapses): {}", key, e.getMessage()))
          .onComplete(x -> evict());
    }
  }

  /** A transcode of {@code bytes} is in S3 now (new, or found without a row): counted, then the cache shrinks to fit. */
  Future<Void> register(String key, String trackId, long bytes) {
    return pg.preparedQuery("INSERT INTO transcode_cache (s3_key, track_id, bytes) VALUES ($1, $2, $3)"
            + " ON CONFLICT (s3_key) DO UPDATE SET bytes = EXCLUDED.bytes, last_used_at = NOW()")
        .execute(Tuple.of(key, UUID.fromString(trackId), bytes)).<Void>mapEmpty().onSuccess(v -> evict());
  }

  private Future<Void> renew() {
    List<String> keys = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    synchronized (serving) {
      serving.forEach((k, h) -> {
        keys.add(k);
        tokens.add(h.token);
      });
    }
    Future<?> renewed = keys.isEmpty() ? Future.succeededFuture()
        : pg.preparedQuery("INSERT INTO transcode_leases (s3_key, node_id, until, token)"
                + " SELECT k, $2, NOW() + $3::int * INTERVAL '1 second', t FROM unnest($1::text[], $4::text[]) AS x(k, t)"
                + " ON CONFLICT (s3_key, node_id) DO UPDATE SET until = EXCLUDED.until, token = EXCLUDED.token")
            .execute(Tuple.of(keys.toArray(new String[0]), node, LEASE_SECONDS, tokens.toArray(new String[0])));
    // what is being streamed is in use now (its acquire set this only for the first stream)
    Future<?> used = keys.isEmpty() ? Future.succeededFuture()
        : renewed.compose(x -> pg.preparedQuery("UPDATE transcode_cache SET last_used_at = NOW() WHERE s3_key = ANY($1)")
            .execute(Tuple.of((Object) keys.toArray(new String[0]))));
    return used.compose(x -> pg.query("DELETE FROM transcode_leases WHERE until < NOW() - INTERVAL '1 minute'").execute())
        .<Void>mapEmpty().onFailure(e -> LOG.warn("Renewing transcode leases failed: {}", e.getMessage()));
  }

  /** Shrinks the cache to fit; concurrent calls on this node coalesce into one more pass. */
  void evict() {
    if (!evicting.compareAndSet(false, true)) {
      again.set(true);
      return;
    }
    again.set(false);
    evictOnce().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Evicting MP3 transcodes failed: {}", ar.cause().getMessage());
      } else if (!ar.result().isEmpty()) {
        LOG.info("Evicted {} MP3 transcodes to stay under {} bytes", ar.result().size(), maxBytes);
        if (ar.result().size() == EVICT_BATCH) {
          again.set(true);
        }
      }
      evicting.set(false);
      if (again.getAndSet(false)) {
        evict();
      }
    });
  }

  /** One pass: the keys evicted (deleted from S3, then their rows). */
  Future<List<String>> evictOnce() {
    return pg.withTransaction(c -> c.query("SELECT pg_advisory_xact_lock(" + LOCK + ")").execute()
        .compose(x -> c.query("SELECT coalesce(sum(bytes), 0)::bigint AS total FROM transcode_cache").execute())
        .compose(rs -> {
          long total = rs.iterator().next().getLong("total");
          if (total <= maxBytes) {
            return Future.succeededFuture(List.<String>of());
          }
          return c.preparedQuery("SELECT s3_key, bytes FROM transcode_cache c WHERE NOT EXISTS"
                  + " (SELECT 1 FROM transcode_leases l WHERE l.s3_key = c.s3_key AND l.until > NOW())"
                  + " ORDER BY last_used_at, s3_key LIMIT $1")
              .execute(Tuple.of(EVICT_BATCH))
              .compose(candidates -> {
                List<String> keys = new ArrayList<>();
                long left = total;
                for (Row r : candidates) {
                  if (left <= maxBytes) {
                    break;
                  }
                  keys.add(r.getString("s3_key"));
                  left -= r.getLong("bytes");
                }
                if (keys.isEmpty()) {
                  return Future.succeededFuture(keys);
                }
                return c.preparedQuery("DELETE FROM transcode_cache WHERE s3_key = ANY($1)").execute(Tuple.of(keys.toArray(new String[0])))
                    .compose(d -> store.delete(keys, List.of())).map(keys);
              });
        }));
  }
}

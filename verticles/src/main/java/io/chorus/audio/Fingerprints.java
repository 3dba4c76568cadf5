package io.chorus.audio;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

/**
 * A node's fingerprint store: the PostgreSQL table {@code track_fingerprints} (the durable copy) and the
 * in-memory {@link FingerprintIndex} rebuilt from it at start. Fingerprinting and matching run on the node's
 * {@value #POOL} pool, one thread per core ({@link #Fingerprints(Vertx, Pool, int)}).
 */
public final class Fingerprints {
  private static final Logger LOG = LoggerFactory.getLogger(Fingerprints.class);
  private static final int LOAD_BATCH = 200;

  /** The worker pool's name (its threads are {@code chorus-fingerprints-<n>}). */
  static final String POOL = "chorus-fingerprints";

  private final WorkerExecutor workers;
  private final Pool pg;
  private final FingerprintIndex index = new FingerprintIndex();
  private final ThreadLocal<Fingerprinter> fingerprinters = ThreadLocal.withInitial(Fingerprinter::new);

  Fingerprints(Vertx vertx, Pool pg) {
    this(vertx, pg, Runtime.getRuntime().availableProcessors());
  }

  /**
   * A store whose CPU-bound work runs on a pool of {@code threads}, not on the node's shared worker pool (20 threads):
   * each thread keeps its last query's candidate buffers (three int arrays as long as its candidates, ~80 MB for a
   * p99 5 s clip at 10,045 tracks, docs/benchmarks.md), so the pool's size bounds what the node retains, and a
   * flood of identify requests queues here instead of taking the threads that decoding, S3 and the other features
   * block on. More threads than cores would not answer sooner.
   */
  Fingerprints(Vertx vertx, Pool pg, int threads) {
    this.workers = vertx.createSharedWorkerExecutor(POOL, threads);
    this.pg = pg;
  }

  /** Releases the pool (the node's close). */
  Future<Void> close() {
    return workers.close();
  }

  FingerprintIndex index() {
    return index;
  }

  /**
   * Fingerprints a track's analysis PCM (landmarks and band sketch), stores the row (idempotent) and adds it to the
   * index; its landmarks.
   */
  public Future<long[]> index(UUID trackId, float[] pcm) {
    return workers.executeBlocking(() -> fingerprinters.get().print(pcm), false)
        .compose(print -> pg.preparedQuery("INSERT INTO track_fingerprints (track_id, hashes, n, version, sketch) VALUES ($1, $2, $3, $4, $5)"
                + " ON CONFLICT (track_id) DO UPDATE SET hashes = EXCLUDED.hashes, n = EXCLUDED.n, version = EXCLUDED.version,"
                + " sketch = EXCLUDED.sketch")
            .execute(Tuple.of(trackId, Buffer.buffer(pack(print.landmarks())), print.landmarks().length, (short) Fingerprinter.VERSION,
                Buffer.buffer(print.sketch())))
            .map(rows -> {
              index.add(trackId, print.landmarks(), print.sketch());
              return print.landmarks();
            }));
  }

  /**
   * Loads every stored fingerprint of the current {@link Fingerprinter#VERSION} into the index, in
   * keyset-paged batches, then trims the postings lists (rows of other versions wait for the backfill).
   */
  Future<Integer> load() {
    return loadAfter(new UUID(Long.MIN_VALUE, Long.MIN_VALUE), 0, true);
  }

  private Future<Integer> loadAfter(UUID after, int loaded, boolean first) {
    String sql = "SELECT track_id, hashes, sketch FROM track_fingerprints WHERE version = $1" + (first ? "" : " AND track_id > $2")
        + " ORDER BY track_id LIMIT " + LOAD_BATCH;
    short version = (short) Fingerprinter.VERSION;
    return pg.preparedQuery(sql).execute(first ? Tuple.of(version) : Tuple.of(version, after))
        .compose(rows -> workers.executeBlocking(() -> {
          UUID last = null;
          int n = 0;
          for (Row r : rows) {
            last = r.getUUID("track_id");
            Buffer sketch = r.getBuffer("sketch");
            index.add(last, unpack(r.getBuffer("hashes").getBytes()), sketch == null ? null : sketch.getBytes());
            n++;
          }
          return last == null ? null : new Object[] {last, n};
        }, false))
        .compose(step -> {
          if (step == null || (int) step[1] < LOAD_BATCH) {
            int total = loaded + (step == null ? 0 : (int) step[1]);
            return workers.executeBlocking(() -> {
              index.compact();
              return total;
            }, false).onSuccess(t -> LOG.info("Fingerprint index loaded: {} tracks, {} MB", t, index.bytes() / 1_000_000));
          }
          return loadAfter((UUID) step[0], loaded + (int) step[1], false);
        });
  }

  /** The other tracks that are the same recording as {@code landmarks} (a whole track's), on a worker thread. */
  Future<List<FingerprintIndex.Overlap>> overlaps(UUID trackId, long[] landmarks, double minFraction) {
    return workers.executeBlocking(() -> index.overlaps(trackId, landmarks, minFraction), false);
  }

  /** Decoded clip → the confident matches, best first (on a worker thread). */
  Future<List<FingerprintIndex.Match>> match(float[] clip, int limit) {
    return workers.executeBlocking(() -> index.identify(fingerprinters.get().queryPrint(clip), limit), false);
  }

  static byte[] pack(long[] landmarks) {
    ByteBuffer b = ByteBuffer.allocate(landmarks.length * 8);
    for (long lm : landmarks) {
      b.putLong(lm);
    }
    return b.array();
  }

  static long[] unpack(byte[] bytes) {
    long[] out = new long[bytes.length / 8];
    ByteBuffer.wrap(bytes).asLongBuffer().get(out);
    return out;
  }
}

package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * Deletes {@code library_outbox} rows the relay published more than {@code LIBRARY_OUTBOX_RETENTION_HOURS}
 * ago, in small batches (short transactions, no long lock on the table the uploads write to); a row not yet
 * published is never touched. Nodes share the work ({@code SKIP LOCKED}).
 */
final class OutboxCleaner {
  static final int BATCH = 500;

  private final Pool pg;
  private final int retentionHours;

  OutboxCleaner(Pool pg, int retentionHours) {
    this.pg = pg;
    this.retentionHours = retentionHours;
  }

  /** Deletes every row due, batch by batch; the number deleted. */
  Future<Integer> run() {
    return batch().compose(n -> n < BATCH ? Future.succeededFuture(n) : run().map(m -> n + m));
  }

  /** One batch: at most {@link #BATCH} rows, oldest first. */
  Future<Integer> batch() {
    return pg.preparedQuery("DELETE FROM library_outbox WHERE id IN (SELECT id FROM library_outbox"
            + " WHERE published_at IS NOT NULL AND published_at < NOW() - $1::int * INTERVAL '1 hour'"
            + " ORDER BY published_at LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED)")
        .execute(Tuple.of(retentionHours)).map(rs -> rs.rowCount());
  }
}

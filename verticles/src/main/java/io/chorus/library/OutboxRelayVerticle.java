package io.chorus.library;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The transactional outbox's relay: publishes the rows of {@code library_outbox} (written in the same
 * transaction as the change they announce: track.uploaded, track.processed, track.played, dead letters)
 * to Kafka, key = {@code message_key}, {@code acks=all}, and marks a row published only after the broker
 * acknowledged it. Runs on every node: each poll claims a batch with {@code FOR UPDATE SKIP LOCKED}, so
 * nodes share the rows without publishing one twice at the same time (a crash between the ack and the
 * commit publishes it again: delivery is at least once, the consumers are idempotent). While Kafka is
 * down the rows simply stay and are published once it is back. Polls every {@code LIBRARY_OUTBOX_POLL_MS}
 * and at once on a local {@link #NUDGE} (sent after a commit that wrote a row). Published rows are deleted
 * after {@code LIBRARY_OUTBOX_RETENTION_HOURS} ({@link OutboxCleaner}, each minute).
 */
public final class OutboxRelayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelayVerticle.class);
  /** Local bus address: a row was just committed, poll now. */
  public static final String NUDGE = "chorus.library.outbox.nudge";
  static final int BATCH = 100;
  /** How often each node deletes published rows past their retention. */
  static final long CLEANUP_MS = 60_000;

  private final Pool pg;
  private final String bootstrapServers;
  private final long pollMs;
  private final Counter published;
  private final Counter failed;
  private final OutboxCleaner cleaner;
  private KafkaProducer<String, String> producer;
  private long timer;
  private long cleanupTimer;
  private boolean polling;
  private boolean again;
  private boolean failing;
  private boolean stopped;

  public OutboxRelayVerticle(Pool pg, String bootstrapServers, long pollMs, int retentionHours, MeterRegistry metrics) {
    this.pg = pg;
    this.cleaner = new OutboxCleaner(pg, retentionHours);
    this.bootstrapServers = bootstrapServers;
    this.pollMs = pollMs;
    this.published = Counter.builder("chorus.library.outbox.published").description("outbox rows published to Kafka").register(metrics);
    this.failed = Counter.builder("chorus.library.outbox.failures").description("outbox polls that could not publish (Kafka down)")
        .register(metrics);
  }

  /** Wakes this node's relay (after committing an outbox row). */
  public static void nudge(Vertx vertx) {
    vertx.eventBus().publish(NUDGE, "");
  }

  @Override
  public Future<?> start() {
    producer = KafkaProducer.create(vertx, Map.of(
        "bootstrap.servers", bootstrapServers,
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "acks", "all",
        "enable.idempotence", "true",
        // while Kafka is down a send gives up within seconds; the rows stay and the next poll tries again
        "max.block.ms", "3000",
        "request.timeout.ms", "5000",
        "delivery.timeout.ms", "10000",
        "linger.ms", "2"));
    // a failed send is logged by poll() with its rows; without a handler the client also reports it as unhandled
    producer.exceptionHandler(e -> LOG.debug("Outbox producer: {}", e.toString()));
    timer = vertx.setPeriodic(pollMs, t -> poll());
    cleanupTimer = vertx.setPeriodic(1_000, CLEANUP_MS, t -> cleanup());
    return vertx.eventBus().<String>localConsumer(NUDGE, m -> poll()).completion().onSuccess(v -> poll());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(cleanupTimer);
    return producer.close();
  }

  private void cleanup() {
    if (stopped) {
      return;
    }
    cleaner.run()
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("Deleted {} published outbox rows past their retention", n);
          }
        })
        .onFailure(e -> LOG.warn("Deleting published outbox rows failed (next time): {}", e.getMessage()));
  }

  private void poll() {
    if (stopped) {
      return;
    }
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    again = false;
    pg.withTransaction(this::publishBatch).onComplete(ar -> {
      polling = false;
      if (ar.failed()) {
        failed.increment();
        if (!failing && !stopped) {
          LOG.warn("Outbox rows not published (they stay for the next poll): {}", ar.cause().getMessage());
        }
        failing = true;
        return;
      }
      if (failing) {
        LOG.info("Outbox relay publishing again");
        failing = false;
      }
      if (again || ar.result() == BATCH) {
        poll();
      }
    });
  }

  /** Publishes one batch; marks the acknowledged rows; fails (rolling back nothing but the locks) when none was. */
  private Future<Integer> publishBatch(SqlConnection conn) {
    return conn.preparedQuery("SELECT id, topic, message_key, payload::text AS payload FROM library_outbox WHERE published_at IS NULL "
            + "ORDER BY id LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED")
        .execute()
        .compose(rows -> {
          if (rows.rowCount() == 0) {
            return Future.succeededFuture(0);
          }
          List<Long> ids = new ArrayList<>();
          List<Future<Long>> sends = new ArrayList<>();
          for (Row r : rows) {
            long id = r.getLong("id");
            sends.add(producer.send(KafkaProducerRecord.create(r.getString("topic"), r.getString("message_key"), r.getString("payload")))
                .map(md -> id));
            ids.add(id);
          }
          return Future.join(sends).transform(all -> {
            List<Long> acked = new ArrayList<>();
            Throwable cause = null;
            for (Future<Long> f : sends) {
              if (f.succeeded()) {
                acked.add(f.result());
              } else if (cause == null) {
                cause = f.cause();
              }
            }
            if (acked.isEmpty()) {
              return Future.failedFuture(cause);
            }
            published.increment(acked.size());
            if (cause != null) {
              LOG.warn("{} of {} outbox rows not published yet: {}", ids.size() - acked.size(), ids.size(), cause.getMessage());
            }
            return conn.preparedQuery("UPDATE library_outbox SET published_at = NOW() WHERE id = ANY($1)")
                .execute(Tuple.of(acked.toArray(new Long[0]))).map(acked.size());
          });
        });
  }
}

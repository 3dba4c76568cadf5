package io.chorus.library;

import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Published {@code library_outbox} rows are deleted after {@code LIBRARY_OUTBOX_RETENTION_HOURS}, in batches,
 * never a row not yet published nor one published more recently; the nodes' relays do it by themselves.
 */
@ChorusCluster(config = {"LIBRARY_OUTBOX_RETENTION_HOURS=24"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutboxCleanupTest {
  static TestCluster tc;
  static Pool pg;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    pg = c.pg();
  }

  /** {@code n} outbox rows of a marker key, published {@code publishedHoursAgo} ago (null: not published), made 5 days ago. */
  static String rows(int n, Integer publishedHoursAgo) {
    String key = UUID.randomUUID().toString();
    tc.sql("INSERT INTO library_outbox (topic, message_key, payload, created_at, published_at)"
            + " SELECT 'track.cleanup-test', ?, '{}'::jsonb, NOW() - INTERVAL '5 days', "
            + (publishedHoursAgo == null ? "NULL" : "NOW() - " + publishedHoursAgo + " * INTERVAL '1 hour'")
            + " FROM generate_series(1, " + n + ")", key);
    return key;
  }

  static long count(String key) {
    return ((Number) tc.sql("SELECT count(*) AS n FROM library_outbox WHERE message_key = ?", key).get(0).get("n")).longValue();
  }

  @Test
  @Order(2)
  void rowsPastTheRetentionGoInBatchesAndNothingElse() {
    String old = rows(1_234, 3);
    String recent = rows(7, 1);
    String pending = rows(3, null);
    // the relay would publish the pending rows (stamping them now); still never deleted: the cleaner's
    // filter is on published_at, and a row published now is within any retention
    OutboxCleaner cleaner = new OutboxCleaner(pg, 2);
    int first = TestServices.await(cleaner.batch());
    assertThat(first).isEqualTo(OutboxCleaner.BATCH);
    assertThat(count(old)).isEqualTo(1_234 - OutboxCleaner.BATCH);
    int rest = TestServices.await(cleaner.run());
    assertThat(rest).isEqualTo(1_234 - OutboxCleaner.BATCH);
    assertThat(count(old)).isZero();
    assertThat(count(recent)).isEqualTo(7);
    assertThat(count(pending)).isEqualTo(3);
    assertThat(TestServices.await(cleaner.run())).isZero();
  }

  /** First: the other test's cleaner (a 2 h retention) would take these rows too. */
  @Test
  @Order(1)
  void theRelaysDeleteRowsPastTheConfiguredRetention() {
    String old = rows(20, 25);
    String kept = rows(5, 23);
    long deadline = System.currentTimeMillis() + OutboxRelayVerticle.CLEANUP_MS + 30_000;
    while (count(old) > 0) {
      assertThat(System.currentTimeMillis()).as("rows past 24 h deleted by the node within a cleanup period").isLessThan(deadline);
      try {
        Thread.sleep(200);   // polling interval of the condition
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    assertThat(count(kept)).isEqualTo(5);
    tc.sql("DELETE FROM library_outbox WHERE message_key = ?", kept);
  }

  @Test
  void theRetentionIsConfigured() {
    assertThat(LibraryConfig.from(ConfigLoader.defaults()).outboxRetentionHours()).isEqualTo(24);
    assertThat(LibraryConfig.from(ConfigLoader.defaults().put("LIBRARY_OUTBOX_RETENTION_HOURS", "1")).outboxRetentionHours()).isEqualTo(1);
    for (String bad : new String[] {"0", "-3", "a day", "87601"}) {
      assertThatThrownBy(() -> LibraryConfig.from(ConfigLoader.defaults().put("LIBRARY_OUTBOX_RETENTION_HOURS", bad)))
          .isInstanceOf(ConfigException.class).hasMessageContaining("LIBRARY_OUTBOX_RETENTION_HOURS");
    }
  }
}

package io.chorus.foundation;

import io.chorus.config.ChorusConfig;
import io.chorus.infra.Migrations;
import io.chorus.testing.TestServices;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code migrate} and {@code seed} paths can run any number of times. */
class MigrationsTest {

  private static ChorusConfig.Db db() {
    return ChorusConfig.parse(TestServices.nodeJson(Map.of())).db();
  }

  @Test
  void migrateTwiceAppliesNothingTheSecondTime() {
    Migrations.migrate(db(), io.chorus.ChorusNode.migrationLocations());
    assertThat(Migrations.migrate(db(), io.chorus.ChorusNode.migrationLocations())).isZero();
  }

  /** With nothing pending, migrate said "schema version null": it names the version the database is at. */
  @Test
  void migrateWithNothingPendingNamesTheCurrentVersion() {
    Migrations.migrate(db(), io.chorus.ChorusNode.migrationLocations());
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Migrations.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    log.addAppender(logs);
    try {
      assertThat(Migrations.migrate(db(), io.chorus.ChorusNode.migrationLocations())).isZero();
    } finally {
      log.detachAppender(logs);
    }
    assertThat(logs.list).hasSize(1);
    assertThat(logs.list.get(0).getFormattedMessage()).doesNotContain("null").contains("up to date")
        .containsPattern("schema version \\d+");
  }

  @Test
  void seedIsIdempotent() throws SQLException {
    ChorusConfig.Db db = db();
    Migrations.seed(db, io.chorus.ChorusNode.migrationLocations());
    Migrations.seed(db, io.chorus.ChorusNode.migrationLocations());
    assertThat(count(db, "SELECT count(*) FROM rooms WHERE id = ?", "DEMO42")).isEqualTo(1);
    assertThat(count(db, "SELECT count(*) FROM room_participants WHERE room_id = ? AND participant_id = 'demo-host'", "DEMO42"))
        .isEqualTo(1);
    assertThat(count(db, "SELECT count(*) FROM streaming_sessions WHERE client_id = ?", "demo-source")).isEqualTo(1);
  }

  private static long count(ChorusConfig.Db db, String sql, String param) throws SQLException {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, param);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}

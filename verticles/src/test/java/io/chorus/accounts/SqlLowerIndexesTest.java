package io.chorus.accounts;

import io.chorus.config.ChorusConfig;
import io.chorus.infra.Migrations;
import io.chorus.input.SqlLower;
import io.chorus.testing.TestServices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Case folding in SQL is {@code chorus_lower()} (SqlLower), and the indexes are on that expression: the people
 * search's prefixes are index scans, not sequential scans (the old indexes on lower(display_name) served no query
 * once the queries folded with translate()). {@code enable_seqscan = off} makes the planner take an index that
 * matches even on a small table; the library's album filter is checked by the library's
 * {@code AlbumFilterIndexTest}.
 */
public class SqlLowerIndexesTest {
  static ChorusConfig.Db db;

  @BeforeAll
  static void migrate() {
    db = ChorusConfig.parse(TestServices.nodeJson(Map.of())).db();
    Migrations.migrate(db, io.chorus.ChorusNode.migrationLocations());
  }

  /** The plan of {@code sql} with its parameters as literals, sequential scans off. */
  public static String explain(ChorusConfig.Db db, String sql, String... literals) throws SQLException {
    for (int i = literals.length; i >= 1; i--) {
      sql = sql.replace("$" + i, literals[i - 1]);
    }
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); Statement st = c.createStatement()) {
      st.execute("SET enable_seqscan = off");
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = st.executeQuery("EXPLAIN " + sql)) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }

  @Test
  void theDatabasesLowerCaseIsJavas() throws SQLException {
    assertThat(SqlLower.of("display_name")).isEqualTo("chorus_lower(display_name)");
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         PreparedStatement st = c.prepareStatement("SELECT chorus_lower(?), chorus_lower(?)")) {
      st.setString(1, SqlLower.UPPER);
      st.setString(2, "Алиса ÉLAN Ωmega Straße");
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        assertThat(rs.getString(1)).as("the migration's table is SqlLower's").isEqualTo(SqlLower.LOWER)
            .isEqualTo(SqlLower.UPPER.toLowerCase(java.util.Locale.ROOT));
        assertThat(rs.getString(2)).isEqualTo("алиса élan ωmega straße");
      }
    }
  }

  @Test
  void thePeopleSearchPrefixesAreIndexScans() throws SQLException {
    String plan = explain(db, UserRepo.SEARCH, "'ali%'", "20");
    // the username's prefix: its pattern index, or under the C locale (the embedded database's) its unique index
    // serves LIKE as well, and the planner picks either by the table's statistics (other test classes share the table)
    assertThat(plan).contains("idx_users_display_name_lower").containsPattern("Index Scan on (idx_users_username_pattern|users_username_key)")
        .doesNotContain("Seq Scan");
  }
}

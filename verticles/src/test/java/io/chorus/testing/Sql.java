package io.chorus.testing;

import io.chorus.config.ChorusConfig;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Parameterised SQL against the test PostgreSQL (JDBC), for reading and arranging rows in tests. */
public final class Sql {
  private Sql() {
  }

  /**
   * Runs {@code query} with {@code params} bound to its {@code ?} placeholders; returns the rows by
   * column label (empty for a statement without a result set).
   */
  public static List<Map<String, Object>> query(ChorusConfig.Db db, String query, Object... params) {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         PreparedStatement s = c.prepareStatement(query)) {
      for (int i = 0; i < params.length; i++) {
        s.setObject(i + 1, params[i]);
      }
      List<Map<String, Object>> out = new ArrayList<>();
      if (!s.execute()) {
        return out;
      }
      try (ResultSet rs = s.getResultSet()) {
        while (rs.next()) {
          Map<String, Object> row = new HashMap<>();
          for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
          }
          out.add(row);
        }
      }
      return out;
    } catch (SQLException e) {
      throw new AssertionError("SQL failed: " + query + ": " + e.getMessage(), e);
    }
  }
}

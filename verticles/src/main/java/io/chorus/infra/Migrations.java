package io.chorus.infra;

import io.chorus.config.ChorusConfig;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Versioned SQL migrations (Flyway; each feature brings its own folder, one schema history for all, so
 * versions are unique across features) and the idempotent sample data of the
 * {@code seed} command ({@code db/seeds}). Blocking: runs before the event loops start. Flyway takes
 * a PostgreSQL advisory lock, so nodes starting together migrate once.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  /** Seed files in the order they run; listed because a jar cannot be listed portably. */
  private static final List<String> SEEDS = List.of("db/seeds/001_sample_data.sql");

  private Migrations() {
  }

  /** {@code folders}: classpath folders such as {@code db/accounts}. */
  public static int migrate(ChorusConfig.Db db, List<String> folders) {
    MigrateResult result = Flyway.configure()
        .dataSource(db.jdbcUrl(), db.user(), db.password())
        .locations(folders.stream().map(f -> "classpath:" + f).toArray(String[]::new))
        .connectRetries(10)
        .load()
        .migrate();
    LOG.info(summary(db, result.migrationsExecuted, result.initialSchemaVersion, result.targetSchemaVersion));
    return result.migrationsExecuted;
  }

  /**
   * What a migration did, in words: Flyway's target version is null when nothing was pending (it logged "schema
   * version null"), so the version then is the one the database already had.
   */
  static String summary(ChorusConfig.Db db, int applied, String before, String after) {
    String where = "Database " + db.database() + " at " + db.host() + ":" + db.port();
    if (applied == 0) {
      return where + " is up to date: no migration pending, schema version " + (before == null ? "(none: no migrations)" : before);
    }
    return where + " migrated: " + applied + " migration(s) applied, schema version " + (before == null ? "(empty)" : before)
        + " -> " + after;
  }

  public static void seed(ChorusConfig.Db db, List<String> folders) {
    migrate(db, folders);
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         Statement st = c.createStatement()) {
      for (String seed : SEEDS) {
        st.execute(resource(seed));
        LOG.info("Seed {} applied", seed);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("seeding failed: " + e.getMessage(), e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing seed resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + name, e);
    }
  }
}

package io.chorus.library;

import io.chorus.config.ChorusConfig;
import io.chorus.testing.TestServices;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V39: the tracks processed before AudioProbe took the file's average bitrate kept the stream's nominal one; the
 * migration recomputes it from the stored size and duration for the ready tracks without embedded art (a file with
 * cover art holds another stream, counted in its size, so its stream's figure stands). On a database of its own,
 * migrated to V38, given the rows an older node left, then migrated on.
 */
class BitrateMigrationTest {
  @Test
  void theNominalBitrateOfAnOlderTrackBecomesTheFilesAverage() throws SQLException {
    ChorusConfig.Db shared = ChorusConfig.parse(TestServices.nodeJson(Map.of())).db();
    String name = "bitrate_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection admin = DriverManager.getConnection(shared.jdbcUrl(), shared.user(), shared.password());
         Statement st = admin.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    ChorusConfig.Db db = new ChorusConfig.Db(shared.host(), shared.port(), shared.user(), shared.password(), name, shared.sslMode(),
        shared.poolSize());
    try {
      String[] locations = io.chorus.ChorusNode.migrationLocations().stream().map(f -> "classpath:" + f).toArray(String[]::new);
      Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).locations(locations).target("38").load().migrate();
      UUID owner = UUID.randomUUID();
      UUID vorbis = UUID.randomUUID();
      UUID withArt = UUID.randomUUID();
      UUID processing = UUID.randomUUID();
      UUID failed = UUID.randomUUID();
      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
        try (PreparedStatement u = c.prepareStatement("INSERT INTO users (id, username, display_name, password_hash) VALUES (?, 'old', 'Old', 'x')")) {
          u.setObject(1, owner);
          u.executeUpdate();
        }
        // hr-domina-hunting.ogg as processed before: 2,779,334 bytes over 70.14 s, the Vorbis stream's nominal 499,821
        track(c, vorbis, owner, "ready", 2_779_334L, 70_140L, 499_821, null);
        track(c, withArt, owner, "ready", 5_000_000L, 120_000L, 320_000, "tracks/" + withArt + "/cover");
        track(c, processing, owner, "processing", 1_000_000L, null, null, null);
        track(c, failed, owner, "failed", 1_000_000L, null, null, null);
      }
      assertThat(Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).locations(locations).load().migrate()
          .migrationsExecuted).isPositive();
      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
        assertThat(bitrate(c, vorbis)).isEqualTo(Math.round(2_779_334L * 8000.0 / 70_140L)).isBetween(316_000L, 318_000L);
        assertThat(bitrate(c, withArt)).as("a file with cover art keeps its stream's figure").isEqualTo(320_000L);
        assertThat(bitrate(c, processing)).isNull();
        assertThat(bitrate(c, failed)).isNull();
      }
    } finally {
      try (Connection admin = DriverManager.getConnection(shared.jdbcUrl(), shared.user(), shared.password());
           Statement st = admin.createStatement()) {
        st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    }
  }

  private static void track(Connection c, UUID id, UUID owner, String status, long size, Long durationMs, Integer bitrate, String cover)
      throws SQLException {
    try (PreparedStatement t = c.prepareStatement("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format,"
        + " mime, status, moderation, duration_ms, bitrate, cover_key) VALUES (?, ?, 'old', ?, ?, ?, 'ogg', 'audio/ogg', ?, 'approved', ?, ?, ?)")) {
      t.setObject(1, id);
      t.setObject(2, owner);
      t.setString(3, HexFormat.of().formatHex(id.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 64));
      t.setString(4, "tracks/" + id + "/original");
      t.setLong(5, size);
      t.setString(6, status);
      t.setObject(7, durationMs);
      t.setObject(8, bitrate);
      t.setString(9, cover);
      t.executeUpdate();
    }
  }

  private static Long bitrate(Connection c, UUID id) throws SQLException {
    try (PreparedStatement q = c.prepareStatement("SELECT bitrate FROM tracks WHERE id = ?")) {
      q.setObject(1, id);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        long v = rs.getLong(1);
        return rs.wasNull() ? null : v;
      }
    }
  }
}

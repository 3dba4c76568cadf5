package io.chorus.library;

import io.chorus.accounts.SqlLowerIndexesTest;
import io.chorus.config.ChorusConfig;
import io.chorus.infra.Migrations;
import io.chorus.testing.TestServices;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/v1/tracks?album= filters by chorus_lower(album_title): an index scan of idx_tracks_album_title_lower. */
class AlbumFilterIndexTest {
  @Test
  void theAlbumFilterIsAnIndexScan() throws SQLException {
    ChorusConfig.Db db = ChorusConfig.parse(TestServices.nodeJson(Map.of())).db();
    Migrations.migrate(db, io.chorus.ChorusNode.migrationLocations());
    String plan = SqlLowerIndexesTest.explain(db, "SELECT t.id FROM tracks t WHERE " + TrackRepo.albumIs(1), "'альбом'");
    assertThat(plan).contains("idx_tracks_album_title_lower").doesNotContain("Seq Scan");
  }
}

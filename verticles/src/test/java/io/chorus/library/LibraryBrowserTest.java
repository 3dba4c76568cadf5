package io.chorus.library;

import io.chorus.testing.NodeScripts;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library page (issue 17) in headless Chromium against one node with the whole pipeline: upload with
 * the progress bar, processing pushed to the page, an album with a cover, playback with the waveform,
 * the moderation queue.
 */
class LibraryBrowserTest {
  static final String ADMIN = "lib-admin";
  static final String ADMIN_PASSWORD = "admin password for the library test";
  static TestCluster tc;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", ADMIN_PASSWORD, "RATE_LIMIT_REGISTER", 100_000,
        "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000));
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  @Test
  void uploadProcessAlbumCoverPlayAndApproveInTheBrowser() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    // bytes of its own (a unique comment tag): the suite's other tests upload the Debian files themselves, and
    // the same bytes uploaded by another user are that user's track
    java.nio.file.Path clip = TestMusic.make(TestMusic.opus(), TestMusic.tempDir().resolve("browser-" + java.util.UUID.randomUUID() + ".opus"),
        40, java.util.List.of("-c:a", "libopus", "-b:a", "96k"));
    // more pending tracks than a page of the moderation queue (50), older than the one the page uploads: the
    // moderator reaches it with "More" (the page showed the first 50 only)
    Object adminId = tc.sql("SELECT id FROM users WHERE username = ?", ADMIN).get(0).get("id");
    for (int i = 0; i < 55; i++) {
      java.util.UUID id = java.util.UUID.randomUUID();
      tc.sql("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format, mime, status, moderation, created_at)"
              + " VALUES (?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', 'ready', 'pending', NOW() - INTERVAL '1 day')",
          id, adminId, "Queued " + i, java.util.HexFormat.of().formatHex(id.toString().getBytes()).substring(0, 64), "tracks/" + id + "/original");
    }
    JsonObject r = NodeScripts.run("test/browser-library.mjs", Duration.ofMinutes(5), "http://127.0.0.1:" + tc.port(),
        clip.toString(), TestMusic.cover().toString(), ADMIN, ADMIN_PASSWORD);
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
    assertThat(r.getInteger("registered")).as(dump).isEqualTo(201);
    assertThat(r.getBoolean("moderationTabForUser")).as("a plain user has no moderation tab:\n%s", dump).isFalse();
    assertThat(r.getString("uploadProgress")).as("the progress bar reached the end:\n%s", dump).isEqualTo("1.00");
    assertThat(r.getString("processed")).as("processing pushed to the page:\n%s", dump).isEqualTo("ready");
    assertThat(r.getString("listedTitle")).as(dump).startsWith("<img src=x");
    assertThat(r.getBoolean("injected")).as("titles are text, not markup:\n%s", dump).isFalse();
    assertThat(r.getInteger("coverWidth")).as(dump).isPositive();
    assertThat(r.getDouble("played")).as(dump).isGreaterThan(0.5);
    assertThat(r.getInteger("waveformBars")).as("the player draws the track's waveform:\n%s", dump).isPositive();
    assertThat(r.getBoolean("audioSrcSigned")).as("the media element plays a signed URL:\n%s", dump).isTrue();
    assertThat(r.getInteger("adminLogin")).as(dump).isEqualTo(200);
    assertThat(r.getBoolean("moderationTabForAdmin")).as(dump).isTrue();
    assertThat(r.getInteger("moderationPages")).as("the track was reached past the queue's first page:\n%s", dump).isGreaterThan(1);
    assertThat(r.getBoolean("approved")).as(dump).isTrue();
    assertThat(r.getBoolean("waveHasTrack")).as("the approved track is in its owner's wave:\n%s", dump).isTrue();
    assertThat(r.getJsonArray("waveReasons")).as(dump).isNotEmpty();
    assertThat(r.getBoolean("waveInjected")).as("wave titles are text, not markup:\n%s", dump).isFalse();
    assertThat(r.getBoolean("waveHasTrackAfterDislike")).as("a dislike leaves the track out of the next answer:\n%s", dump).isFalse();
    String id = r.getString("trackId");
    assertThat(tc.sql("SELECT count(*) AS n FROM wave_signals WHERE track_id = ?::uuid AND kind = 'dislike'", id).get(0).get("n"))
        .as("the dislike was stored").isEqualTo(1L);
    // one play, the page's report: the media element's reads of the file (its tail first, for the duration) are none
    assertThat(tc.sql("SELECT source FROM plays WHERE track_id = ?::uuid", id)).as("plays of the track")
        .containsExactly(Map.of("source", "player"));
    assertThat(tc.sql("SELECT play_count FROM tracks WHERE id = ?::uuid", id).get(0).get("play_count")).isEqualTo(1L);
    assertThat(tc.sql("SELECT moderation FROM tracks WHERE id = ?::uuid", id).get(0).get("moderation")).isEqualTo("approved");
    assertThat(tc.sql("SELECT count(*) AS n FROM album_tracks WHERE track_id = ?::uuid", id).get(0).get("n")).isEqualTo(1L);
  }
}

package io.chorus.testing;

import java.util.UUID;

/** Library rows arranged directly in PostgreSQL for tests of other features (rooms playing library tracks). */
public final class LibraryRows {
  private LibraryRows() {
  }

  /** A new user and an approved, ready track of theirs; returns the track id. */
  public static String approvedTrack(TestCluster tc, String title, long durationMs) {
    return track(tc, title, durationMs, "approved");
  }

  /** A new user and a ready track of theirs in {@code moderation} state; returns the track id. */
  public static String track(TestCluster tc, String title, long durationMs, String moderation) {
    UUID owner = UUID.randomUUID();
    UUID track = UUID.randomUUID();
    tc.sql("INSERT INTO users (id, username, display_name, password_hash) VALUES (?, ?, 'Library owner', 'x')",
        owner, "owner-" + owner.toString().substring(0, 12));
    tc.sql("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format, mime, status, moderation,"
            + " duration_ms) VALUES (?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', 'ready', ?, ?)",
        track, owner, title, (track.toString().replace("-", "") + track.toString().replace("-", "")).substring(0, 64),
        "tracks/" + track + "/original", moderation, durationMs);
    return track.toString();
  }
}

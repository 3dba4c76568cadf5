package io.chorus.library;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** One row of {@code tracks} (with its artist's name and its tags) and its public JSON (docs/api.md). */
record Track(String id, String ownerId, String title, String artistId, String artistName, String album, Integer trackNo,
             Integer year, String genre, JsonArray tags, String sha256, String originalKey, long size, String format,
             String mime, String coverKey, String status, String failureReason, String moderation, String moderationReason,
             Long durationMs, Double loudnessLufs, Double replayGainDb, Object waveform, String renditionKey, long playCount,
             Boolean liked, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  private static final List<String> PLAIN = List.of("id", "owner_id", "title", "artist_id", "album_title", "track_no", "year", "genre",
      "content_sha256", "original_key", "original_size", "format", "mime", "cover_key", "status", "failure_reason", "moderation",
      "moderation_reason", "duration_ms", "loudness_lufs", "replay_gain_db", "rendition_key", "play_count", "created_at", "updated_at");

  /**
   * The SELECT list {@link #of} reads from {@code tracks t} joined to its artist as {@code artists}, each column
   * named {@code <prefix><name>} (so the list can sit beside another table's columns); {@code waveform} false
   * selects none (lists never show it), {@code liked} is the SQL of the viewer's like (or {@code NULL::boolean}).
   */
  static String columns(String prefix, String artists, boolean waveform, String liked) {
    StringBuilder sb = new StringBuilder();
    for (String c : PLAIN) {
      sb.append("t.").append(c).append(" AS ").append(prefix).append(c).append(", ");
    }
    return sb.append(artists).append(".name AS ").append(prefix).append("artist_name, ")
        .append(waveform ? "t.waveform" : "NULL::jsonb").append(" AS ").append(prefix).append("waveform, ")
        .append("ARRAY(SELECT tag FROM track_tags g WHERE g.track_id = t.id ORDER BY tag) AS ").append(prefix).append("tags, ")
        .append(liked).append(" AS ").append(prefix).append("liked").toString();
  }

  /**
   * The SQL of {@code liked} for {@code tracks t}: whether the viewer whose id is parameter {@code $viewer} likes the
   * track, null when that id is null (anonymous: no {@code liked}). Part of the row's own query: one query per page.
   */
  static String liked(int viewer) {
    String id = "$" + viewer + "::uuid";
    return "CASE WHEN " + id + " IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM likes l"
        + " WHERE l.user_id = " + id + " AND l.subject_type = 'track' AND l.subject_id = t.id) END";
  }

  /** The track's own SELECT list; {@code $1} of the query is the viewer's id (or null) for {@code liked}. */
  static final String COLUMNS = columns("", "a", true, liked(1));
  static final String FROM = " FROM tracks t LEFT JOIN artists a ON a.id = t.artist_id";
  /** {@link #COLUMNS} without the waveform (null), for reads that never show it: no JSON array parsed per stream request. */
  static final String STREAM_COLUMNS = COLUMNS.replace("t.waveform,", "NULL::jsonb AS waveform,");

  static Track of(Row r) {
    return of(r, "");
  }

  /** A row selected with {@link #columns} and {@code prefix}. */
  static Track of(Row r, String p) {
    UUID artist = r.getUUID(p + "artist_id");
    String[] tags = r.getArrayOfStrings(p + "tags");
    return new Track(r.getUUID(p + "id").toString(), r.getUUID(p + "owner_id").toString(), r.getString(p + "title"),
        artist == null ? null : artist.toString(), r.getString(p + "artist_name"), r.getString(p + "album_title"),
        r.getInteger(p + "track_no"), r.getInteger(p + "year"), r.getString(p + "genre"),
        new JsonArray(tags == null ? List.of() : List.of(tags)), r.getString(p + "content_sha256"), r.getString(p + "original_key"),
        r.getLong(p + "original_size"), r.getString(p + "format"), r.getString(p + "mime"), r.getString(p + "cover_key"),
        r.getString(p + "status"), r.getString(p + "failure_reason"), r.getString(p + "moderation"), r.getString(p + "moderation_reason"),
        r.getLong(p + "duration_ms"), r.getDouble(p + "loudness_lufs"), r.getDouble(p + "replay_gain_db"), r.getValue(p + "waveform"),
        r.getString(p + "rendition_key"), r.getLong(p + "play_count"), r.getBoolean(p + "liked"),
        r.getOffsetDateTime(p + "created_at"), r.getOffsetDateTime(p + "updated_at"));
  }

  /** Strong validator of the original bytes: their SHA-256. */
  String etag() {
    return "\"" + sha256 + "\"";
  }

  /** The track JSON of the library contract (docs/api.md). */
  JsonObject json() {
    return json(true);
  }

  /** The track JSON; without {@code waveform} in lists (albums, playlists, likes, the moderation queue). */
  JsonObject json(boolean withWaveform) {
    JsonObject j = new JsonObject().put("id", id).put("title", title)
        .put("artist", artistId == null ? null : new JsonObject().put("id", artistId).put("name", artistName))
        .put("album", album).put("track_no", trackNo).put("year", year).put("genre", genre).put("tags", tags)
        .put("owner_id", ownerId).put("format", format).put("mime", mime).put("size", size).put("status", status)
        .put("failure_reason", failureReason).put("moderation", moderation).put("moderation_reason", moderationReason)
        .put("duration_ms", durationMs).put("loudness_lufs", loudnessLufs).put("replay_gain_db", replayGainDb)
        .put("has_cover", coverKey != null).put("play_count", playCount)
        .put("created_at", createdAt.toInstant().toString()).put("updated_at", updatedAt.toInstant().toString());
    if (withWaveform) {
      j.put("waveform", waveform);
    }
    if (liked != null) {
      j.put("liked", liked);
    }
    return j;
  }
}

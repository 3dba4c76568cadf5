package io.chorus.library;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/** One row of {@code tracks} (with its artist's name and its tags) and its public JSON (docs/api.md). */
record Track(String id, String ownerId, String title, String artistId, String artistName, String album, Integer trackNo,
             Integer year, String genre, JsonArray tags, String sha256, String originalKey, long size, String format,
             String mime, String coverKey, String status, String failureReason, String moderation, String moderationReason,
             Long durationMs, Double loudnessLufs, Double replayGainDb, Object waveform, String renditionKey, long playCount,
             Boolean liked, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  /** The SELECT list {@link #of} reads; {@code $1} of the query is the viewer's id (or null) for {@code liked}. */
  static final String COLUMNS = "t.id, t.owner_id, t.title, t.artist_id, a.name AS artist_name, t.album_title, t.track_no, t.year,"
      + " t.genre, t.content_sha256, t.original_key, t.original_size, t.format, t.mime, t.cover_key, t.status, t.failure_reason,"
      + " t.moderation, t.moderation_reason, t.duration_ms, t.loudness_lufs, t.replay_gain_db, t.waveform, t.rendition_key,"
      + " t.play_count, t.created_at, t.updated_at,"
      + " ARRAY(SELECT tag FROM track_tags g WHERE g.track_id = t.id ORDER BY tag) AS tags,"
      + " CASE WHEN $1::uuid IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM likes l WHERE l.user_id = $1::uuid"
      + " AND l.subject_type = 'track' AND l.subject_id = t.id) END AS liked";
  static final String FROM = " FROM tracks t LEFT JOIN artists a ON a.id = t.artist_id";
  /** {@link #COLUMNS} without the waveform (null), for reads that never show it: no JSON array parsed per stream request. */
  static final String STREAM_COLUMNS = COLUMNS.replace("t.waveform,", "NULL::jsonb AS waveform,");

  static Track of(Row r) {
    UUID artist = r.getUUID("artist_id");
    String[] tags = r.getArrayOfStrings("tags");
    return new Track(r.getUUID("id").toString(), r.getUUID("owner_id").toString(), r.getString("title"),
        artist == null ? null : artist.toString(), r.getString("artist_name"), r.getString("album_title"), r.getInteger("track_no"),
        r.getInteger("year"), r.getString("genre"), new JsonArray(tags == null ? java.util.List.of() : java.util.List.of(tags)),
        r.getString("content_sha256"), r.getString("original_key"), r.getLong("original_size"), r.getString("format"),
        r.getString("mime"), r.getString("cover_key"), r.getString("status"), r.getString("failure_reason"), r.getString("moderation"),
        r.getString("moderation_reason"), r.getLong("duration_ms"), r.getDouble("loudness_lufs"), r.getDouble("replay_gain_db"),
        r.getValue("waveform"), r.getString("rendition_key"), r.getLong("play_count"), r.getBoolean("liked"),
        r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"));
  }

  /** Strong validator of the original bytes: their SHA-256. */
  String etag() {
    return "\"" + sha256 + "\"";
  }

  JsonObject json() {
    JsonObject j = new JsonObject().put("id", id).put("title", title)
        .put("artist", artistId == null ? null : new JsonObject().put("id", artistId).put("name", artistName))
        .put("album", album).put("track_no", trackNo).put("year", year).put("genre", genre).put("tags", tags)
        .put("owner_id", ownerId).put("format", format).put("mime", mime).put("size", size).put("status", status)
        .put("failure_reason", failureReason).put("moderation", moderation).put("moderation_reason", moderationReason)
        .put("duration_ms", durationMs).put("loudness_lufs", loudnessLufs).put("replay_gain_db", replayGainDb)
        .put("waveform", waveform).put("has_cover", coverKey != null).put("play_count", playCount)
        .put("created_at", createdAt.toInstant().toString()).put("updated_at", updatedAt.toInstant().toString());
    if (liked != null) {
      j.put("liked", liked);
    }
    return j;
  }
}

package io.chorus.library;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * The track fields the catalog shows inside albums, playlists, likes and the moderation queue (the
 * track JSON of the library contract without the waveform, which only the track's own page needs),
 * and the one visibility rule of {@link Access#visible} written as SQL so lists filter in the query.
 */
final class CatalogTracks {
  private CatalogTracks() {
  }

  /** Select list for {@code tracks t LEFT JOIN artists tar ON tar.id = t.artist_id}. */
  static final String COLUMNS = "t.id AS t_id, t.title AS t_title, t.artist_id AS t_artist_id, tar.name AS t_artist_name,"
      + " t.album_title AS t_album, t.track_no AS t_track_no, t.year AS t_year, t.genre AS t_genre, t.owner_id AS t_owner_id,"
      + " t.format AS t_format, t.mime AS t_mime, t.original_size AS t_size, t.status AS t_status, t.failure_reason AS t_failure_reason,"
      + " t.moderation AS t_moderation, t.moderation_reason AS t_moderation_reason, t.duration_ms AS t_duration_ms,"
      + " t.loudness_lufs AS t_loudness_lufs, t.replay_gain_db AS t_replay_gain_db, t.cover_key IS NOT NULL AS t_has_cover,"
      + " t.play_count AS t_play_count, t.created_at AS t_created_at, t.updated_at AS t_updated_at,"
      + " ARRAY(SELECT tag FROM track_tags tt WHERE tt.track_id = t.id ORDER BY tag) AS t_tags";

  static final String FROM = "tracks t LEFT JOIN artists tar ON tar.id = t.artist_id";

  static JsonObject json(Row r) {
    UUID artistId = r.getUUID("t_artist_id");
    String[] tags = r.getArrayOfStrings("t_tags");
    return new JsonObject()
        .put("id", r.getUUID("t_id").toString())
        .put("title", r.getString("t_title"))
        .put("artist", artistId == null ? null : new JsonObject().put("id", artistId.toString()).put("name", r.getString("t_artist_name")))
        .put("album", r.getString("t_album"))
        .put("track_no", r.getInteger("t_track_no"))
        .put("year", r.getInteger("t_year"))
        .put("genre", r.getString("t_genre"))
        .put("tags", tags == null ? new JsonArray() : new JsonArray(java.util.List.of(tags)))
        .put("owner_id", r.getUUID("t_owner_id").toString())
        .put("format", r.getString("t_format"))
        .put("mime", r.getString("t_mime"))
        .put("size", r.getLong("t_size"))
        .put("status", r.getString("t_status"))
        .put("failure_reason", r.getString("t_failure_reason"))
        .put("moderation", r.getString("t_moderation"))
        .put("moderation_reason", r.getString("t_moderation_reason"))
        .put("duration_ms", r.getLong("t_duration_ms"))
        .put("loudness_lufs", r.getDouble("t_loudness_lufs"))
        .put("replay_gain_db", r.getDouble("t_replay_gain_db"))
        .put("has_cover", r.getBoolean("t_has_cover"))
        .put("play_count", r.getLong("t_play_count"))
        .put("created_at", CatalogHttp.iso(r.getOffsetDateTime("t_created_at")))
        .put("updated_at", CatalogHttp.iso(r.getOffsetDateTime("t_updated_at")));
  }

  /**
   * {@link Access#visible} as a condition on {@code alias.moderation}/{@code alias.owner_id}, with two
   * parameters from {@code $first}: whether the viewer is a moderator, and the viewer's id (null: anonymous).
   */
  static String visible(String alias, int first) {
    return "(" + alias + ".moderation = 'approved' OR $" + first + "::boolean OR (" + alias + ".owner_id = $" + (first + 1)
        + "::uuid AND " + alias + ".moderation <> 'removed'))";
  }

  /** The two parameters of {@link #visible}, appended to {@code t}. */
  static Tuple viewer(Tuple t, SignedIn viewer) {
    return t.addValue(viewer != null && viewer.moderator()).addValue(viewer == null ? null : UUID.fromString(viewer.userId()));
  }
}

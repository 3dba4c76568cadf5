package io.chorus.library;

import io.chorus.web.SignedIn;
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

  /** Select list for {@code tracks t LEFT JOIN artists tar ON tar.id = t.artist_id} (columns named {@code t_*}). */
  static final String COLUMNS = Track.columns("t_", "tar", false, "NULL::boolean");

  /** {@link #COLUMNS} with {@code liked} for the viewer whose id is parameter {@code $viewer} (null: anonymous, no {@code liked}). */
  static String columns(int viewer) {
    return Track.columns("t_", "tar", false, Track.liked(viewer));
  }

  static final String FROM = "tracks t LEFT JOIN artists tar ON tar.id = t.artist_id";

  /** The track JSON (one writer, {@link Track#json}) without the waveform. */
  static JsonObject json(Row r) {
    return Track.of(r, "t_").json(false);
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

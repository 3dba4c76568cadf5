package io.chorus.library.subsonic;

import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * getNowPlaying from what players announce: a scrobble with {@code submission=false} says a song started on the
 * caller's player (the client name {@code c}); every user then sees it, as the song's entry with {@code username},
 * {@code minutesAgo}, {@code playerId} and {@code playerName}, until the song would have ended (its duration and 5 s,
 * as Navidrome keeps it) or the same player starts another. Kept in PostgreSQL so every node answers alike. A reader
 * sees only the songs it may see itself (another user's pending upload stays unseen).
 */
final class SubsonicNowPlaying {
  /** How long a song of unknown duration counts as playing. */
  private static final long UNKNOWN_DURATION_MS = 10 * 60_000L;
  /** The most entries one answer lists, the latest first. */
  private static final int MAX_ENTRIES = 100;

  private final Pool pg;
  private final SubsonicCatalog catalog;

  SubsonicNowPlaying(Pool pg, SubsonicCatalog catalog) {
    this.pg = pg;
    this.catalog = catalog;
  }

  /**
   * The caller's player {@code client} started the last of {@code ids} (a player names one; of several the last
   * wins, as each would replace the one before). An id the caller may not see is 70 and changes nothing.
   */
  Future<Void> started(SignedIn user, List<String> ids, String client) {
    if (ids.isEmpty()) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: id"));
    }
    UUID track = SubsonicCatalog.uuid(ids.get(ids.size() - 1));
    String player = SubsonicPlayQueue.clientName(client);
    UUID owner = UUID.fromString(user.userId());
    return catalog.songs(user, List.of(track)).compose(visible -> {
      if (visible.isEmpty()) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"));
      }
      long durationMs = visible.getJsonObject(0).getLong("duration", 0L) * 1000;
      long keepMs = (durationMs > 0 ? durationMs : UNKNOWN_DURATION_MS) + 5_000;
      return pg.preparedQuery("INSERT INTO subsonic_now_playing (user_id, player, track_id, started_at, until_at)"
              + " VALUES ($1, $2, $3, NOW(), NOW() + $4 * interval '1 millisecond') ON CONFLICT (user_id, player) DO UPDATE"
              + " SET track_id = EXCLUDED.track_id, started_at = EXCLUDED.started_at, until_at = EXCLUDED.until_at")
          .execute(Tuple.of(owner, player, track, keepMs))
          // what ended long ago goes with the next announcement (the index on until_at keeps it cheap)
          .compose(r -> pg.preparedQuery("DELETE FROM subsonic_now_playing WHERE until_at < NOW() - interval '1 hour'").execute())
          .mapEmpty();
    });
  }

  /** {@code nowPlaying}: the songs playing now that the caller may see, the latest started first. */
  Future<JsonObject> list(SignedIn user) {
    return pg.preparedQuery("SELECT np.track_id, np.player, np.user_id, u.username,"
            + " floor(extract(epoch FROM NOW() - np.started_at) / 60)::int AS minutes_ago"
            + " FROM subsonic_now_playing np JOIN users u ON u.id = np.user_id WHERE np.until_at > NOW()"
            + " ORDER BY np.started_at DESC, np.user_id, np.player LIMIT $1")
        .execute(Tuple.of(MAX_ENTRIES)).compose(rows -> {
          List<Row> playing = new ArrayList<>();
          rows.forEach(playing::add);
          List<UUID> tracks = playing.stream().map(r -> r.getUUID("track_id")).distinct().toList();
          return catalog.songs(user, tracks).map(songs -> {
            Map<String, JsonObject> byId = new HashMap<>();
            songs.forEach(s -> byId.put(((JsonObject) s).getString("id"), (JsonObject) s));
            JsonArray entry = new JsonArray();
            for (Row r : playing) {
              JsonObject song = byId.get(r.getUUID("track_id").toString());
              if (song != null) {
                String player = r.getString("player");
                entry.add(song.copy().put("username", r.getString("username")).put("minutesAgo", r.getInteger("minutes_ago"))
                    .put("playerId", playerId(r.getUUID("user_id"), player)).put("playerName", player));
              }
            }
            return new JsonObject().put("nowPlaying", new JsonObject().put("entry", entry));
          });
        });
  }

  /** The schema's playerId is a number: one stable per user and player name. */
  private static int playerId(UUID user, String player) {
    return (user.toString() + '|' + player).hashCode() & Integer.MAX_VALUE;
  }
}

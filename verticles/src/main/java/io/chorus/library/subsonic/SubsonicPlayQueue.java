package io.chorus.library.subsonic;

import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/**
 * savePlayQueue / getPlayQueue: one saved queue per user, so a player resumes on another device where the user left
 * off. The queue keeps its songs in order (a song may be listed twice), the playing one, the position in it (ms), when
 * and by which client ({@code c}) it was saved. Only songs the caller may see are saved; on reading, the songs the
 * caller may no longer see (hidden, taken down, deleted) are left out, as in a playlist.
 */
final class SubsonicPlayQueue {
  /** The longest client name kept (a play queue's {@code changedBy}, a now-playing entry's {@code playerName}). */
  static final int CLIENT_MAX = 255;

  /** A request's client name ({@code c}) as kept: "" without one, at most {@link #CLIENT_MAX} characters. */
  static String clientName(String client) {
    return client == null ? "" : client.length() > CLIENT_MAX ? client.substring(0, CLIENT_MAX) : client;
  }

  private final Pool pg;
  private final SubsonicCatalog catalog;

  SubsonicPlayQueue(Pool pg, SubsonicCatalog catalog) {
    this.pg = pg;
    this.catalog = catalog;
  }

  /**
   * Saves the caller's queue: {@code ids} in order, {@code current} (one of them; absent: the first) playing at
   * {@code positionMs}. No ids (or only empty ones) clears it. A song the caller may not see is 70, a current song not in the queue or a
   * negative position 0; either way the saved queue stays as it was.
   */
  Future<Void> save(SignedIn user, List<String> given, String current, Long positionMs, String client) {
    UUID owner = UUID.fromString(user.userId());
    // an empty id (id=, as clients that clear the queue send it with an empty list) names no song
    List<String> ids = given.stream().filter(i -> !i.isBlank()).toList();
    if (ids.isEmpty()) {
      return pg.preparedQuery("DELETE FROM subsonic_play_queues WHERE user_id = $1").execute(Tuple.of(owner)).mapEmpty();
    }
    List<UUID> songs = SubsonicCatalog.uuids(ids);
    UUID playing = current == null || current.isEmpty() ? songs.get(0) : SubsonicCatalog.uuid(current);
    if (!songs.contains(playing)) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, "current must be one of the queue's ids, got " + current));
    }
    long position = positionMs == null ? 0 : positionMs;
    if (position < 0) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, "position must be 0 or more milliseconds, got " + position));
    }
    String by = clientName(client);
    List<UUID> distinct = songs.stream().distinct().toList();
    return catalog.songs(user, distinct).compose(visible -> {
      if (visible.size() != distinct.size()) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"));
      }
      return pg.preparedQuery("INSERT INTO subsonic_play_queues (user_id, track_ids, current_id, position_ms, changed_at, changed_by)"
              + " VALUES ($1, $2, $3, $4, NOW(), $5) ON CONFLICT (user_id) DO UPDATE SET track_ids = EXCLUDED.track_ids,"
              + " current_id = EXCLUDED.current_id, position_ms = EXCLUDED.position_ms, changed_at = EXCLUDED.changed_at,"
              + " changed_by = EXCLUDED.changed_by")
          .execute(Tuple.of(owner, songs.toArray(UUID[]::new), playing, position, by)).mapEmpty();
    });
  }

  /**
   * The caller's saved queue as {@code playQueue} ({@code entry} the songs the caller may still see, {@code current} and
   * {@code position}: the first song left from its start when the saved one is gone, {@code username}, {@code changed},
   * {@code changedBy}); none saved,
   * or none of its songs left: the empty answer, as Navidrome gives.
   */
  Future<JsonObject> get(SignedIn user) {
    return pg.preparedQuery("SELECT q.track_ids, q.current_id, q.position_ms, q.changed_at, q.changed_by, u.username"
            + " FROM subsonic_play_queues q JOIN users u ON u.id = q.user_id WHERE q.user_id = $1")
        .execute(Tuple.of(UUID.fromString(user.userId()))).compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(new JsonObject());
          }
          Row r = rows.iterator().next();
          List<UUID> ids = List.of(r.getArrayOfUUIDs("track_ids"));
          UUID current = r.getUUID("current_id");
          return catalog.songs(user, ids).map(entry -> {
            if (entry.isEmpty()) {
              return new JsonObject();
            }
            JsonObject queue = current != null && entry.stream().anyMatch(s -> current.toString().equals(((JsonObject) s).getString("id")))
                ? new JsonObject().put("current", current.toString()).put("position", r.getLong("position_ms"))
                // the playing song is gone: the first one left, from its start
                : new JsonObject().put("current", entry.getJsonObject(0).getString("id")).put("position", 0L);
            queue.put("username", r.getString("username")).put("changed", SubsonicCatalog.iso(r.getOffsetDateTime("changed_at")))
                .put("changedBy", r.getString("changed_by")).put("entry", entry);
            return new JsonObject().put("playQueue", queue);
          });
        });
  }
}

package io.chorus.library.subsonic;

import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * createBookmark / deleteBookmark / getBookmarks: a user's place (ms) in a song, with a comment, one per user and song
 * (creating again replaces it, keeping when it was first made). Only a song the caller may see is bookmarked; on
 * reading, bookmarks of songs the caller may no longer see are left out.
 */
final class SubsonicBookmarks {
  private final Pool pg;
  private final SubsonicCatalog catalog;

  SubsonicBookmarks(Pool pg, SubsonicCatalog catalog) {
    this.pg = pg;
    this.catalog = catalog;
  }

  /** createBookmark: a song the caller may not see is 70, a negative position or a bad comment 0; nothing changes then. */
  Future<Void> create(SignedIn user, String id, long positionMs, String comment) {
    UUID song = SubsonicCatalog.uuid(id);
    if (positionMs < 0) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, "position must be 0 or more milliseconds, got " + positionMs));
    }
    String text;
    try {
      text = comment == null ? "" : io.chorus.input.Inputs.text("comment", comment, 1000);
    } catch (io.chorus.bus.ChorusException e) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, e.getMessage()));
    }
    return catalog.songs(user, List.of(song)).compose(found -> found.isEmpty()
        ? Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"))
        : pg.preparedQuery("INSERT INTO subsonic_bookmarks (user_id, track_id, position_ms, comment) VALUES ($1, $2, $3, $4)"
                + " ON CONFLICT (user_id, track_id) DO UPDATE SET position_ms = EXCLUDED.position_ms, comment = EXCLUDED.comment,"
                + " changed_at = NOW()")
            .execute(Tuple.of(UUID.fromString(user.userId()), song, positionMs, text)).mapEmpty());
  }

  /** deleteBookmark: the caller's bookmark of the song, if any (none: nothing to do, as unstar). */
  Future<Void> delete(SignedIn user, String id) {
    return pg.preparedQuery("DELETE FROM subsonic_bookmarks WHERE user_id = $1 AND track_id = $2")
        .execute(Tuple.of(UUID.fromString(user.userId()), SubsonicCatalog.uuid(id))).mapEmpty();
  }

  /** getBookmarks: the caller's bookmarks of songs it may see, the latest changed first. */
  Future<JsonObject> list(SignedIn user) {
    return pg.preparedQuery("SELECT b.track_id, b.position_ms, b.comment, b.created_at, b.changed_at, u.username FROM subsonic_bookmarks b"
            + " JOIN users u ON u.id = b.user_id WHERE b.user_id = $1 ORDER BY b.changed_at DESC, b.track_id")
        .execute(Tuple.of(UUID.fromString(user.userId()))).compose(rows -> {
          List<Row> marks = new ArrayList<>();
          rows.forEach(marks::add);
          return catalog.songs(user, marks.stream().map(r -> r.getUUID("track_id")).toList()).map(songs -> {
            java.util.Map<String, JsonObject> byId = new java.util.HashMap<>();
            songs.forEach(s -> byId.put(((JsonObject) s).getString("id"), (JsonObject) s));
            JsonArray out = new JsonArray();
            for (Row r : marks) {
              JsonObject song = byId.get(r.getUUID("track_id").toString());
              if (song == null) {
                continue;
              }
              JsonObject b = new JsonObject().put("position", r.getLong("position_ms")).put("username", r.getString("username"));
              if (!r.getString("comment").isEmpty()) {
                b.put("comment", r.getString("comment"));
              }
              out.add(b.put("created", SubsonicCatalog.iso(r.getOffsetDateTime("created_at")))
                  .put("changed", SubsonicCatalog.iso(r.getOffsetDateTime("changed_at"))).put("entry", song));
            }
            return new JsonObject().put("bookmarks", new JsonObject().put("bookmark", out));
          });
        });
  }
}

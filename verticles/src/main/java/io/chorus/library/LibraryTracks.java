package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.room.TrackResolver;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * The library's answer to a room that is given a {@code track_id}: a room is shared, so it plays approved
 * tracks only (others' pending uploads would not stream for its listeners; to anyone but their owner they are
 * not found, as in the library's reads), from the track's stream
 * path, with "artist — title" and the decoded duration (which lets the room move on at the track's end).
 */
final class LibraryTracks implements TrackResolver {
  private final Pool pg;

  LibraryTracks(Pool pg) {
    this.pg = pg;
  }

  @Override
  public Future<ResolvedTrack> resolve(String trackId, String actorUserIdOrNull) {
    return pg.preparedQuery("SELECT t.title, t.duration_ms, t.moderation, t.owner_id, ar.name AS artist FROM tracks t"
            + " LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id = $1")
        .execute(Tuple.of(UUID.fromString(trackId)))
        .compose(rows -> {
          Row r = rows.size() == 0 ? null : rows.iterator().next();
          if (r == null || "removed".equals(r.getString("moderation"))) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no library track " + trackId));
          }
          if (!"approved".equals(r.getString("moderation"))) {
            // only its owner (or a trusted service) learns that an unshared upload exists: to anyone else it is
            // as unknown as it is in the library's own reads
            if (actorUserIdOrNull != null && !r.getUUID("owner_id").toString().equalsIgnoreCase(actorUserIdOrNull)) {
              return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no library track " + trackId));
            }
            return Future.failedFuture(ErrorCode.FORBIDDEN.exception(
                "the library track is not approved yet: a room plays approved tracks only"));
          }
          String artist = r.getString("artist");
          String title = artist == null ? r.getString("title") : artist + " — " + r.getString("title");
          Long duration = r.getLong("duration_ms");
          return Future.succeededFuture(new ResolvedTrack(trackId, "/api/v1/tracks/" + trackId + "/stream",
              title.length() > 255 ? title.substring(0, 255) : title, duration == null ? 0 : duration));
        });
  }
}

package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a library track id into what a room plays: the URL listeners load, a title and a duration.
 * Rooms know nothing of the library; the node plugs the library's resolver in (which checks that the
 * track exists, is ready and visible to the actor, and fails with {@code not_found}/{@code forbidden}
 * otherwise). {@link #DEFAULT} accepts any well-formed id and points at the library's stream path.
 * A resolved URL is stored with the room and may be played long after, so it must not expire (a
 * library that signs its stream URLs hands out the unsigned path here and signs on request).
 */
@FunctionalInterface
public interface TrackResolver {
  /** {@code durationMs} 0: unknown (the room then never advances by itself at the track's end). */
  record ResolvedTrack(String trackId, String url, String title, long durationMs) {
  }

  /** {@code trackId} is well-formed (see {@link #normalize}); {@code actorUserIdOrNull} null for a trusted service call. */
  Future<ResolvedTrack> resolve(String trackId, String actorUserIdOrNull);

  TrackResolver DEFAULT = (trackId, actor) ->
      Future.succeededFuture(new ResolvedTrack(trackId, "/api/v1/tracks/" + trackId + "/stream", "", 0));

  Pattern UUID_SHAPE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** A library track id in its one spelling (a UUID, lower case); INVALID_ARGUMENT for anything else. */
  static String normalize(String field, String value) {
    if (value == null || !UUID_SHAPE.matcher(value).matches()) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " must be a library track id (a UUID)");
    }
    return value.toLowerCase(Locale.ROOT);
  }
}

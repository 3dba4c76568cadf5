package io.chorus.library;

import io.vertx.core.Future;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * Tracks that sound alike, as the library's routes ({@code GET /api/v1/tracks/{id}/similar}, OpenSubsonic
 * {@code getSimilarSongs2}, {@code getSonicSimilarTracks}) need them. The audio feature, which starts after
 * the library, publishes it; the routes look it up at request time ({@code NodeContext.apiOr}), so a node
 * without the audio feature answers "unavailable" instead of failing to start. Answers hold approved tracks
 * only, best first, never the seeds nor the same recording uploaded again.
 */
public interface SoundAlike {
  /** A similar track and its similarity in (0, 1] (1: the same sound). */
  record Match(java.util.UUID trackId, double score) {
  }

  /** Up to {@code limit} tracks that sound like {@code trackId}; empty when it has not been analysed (yet). */
  Future<List<Match>> similar(UUID trackId, int limit);

  /** Up to {@code limit} tracks that sound like the centre of {@code seeds}; empty when none was analysed. */
  Future<List<Match>> similarTo(Collection<UUID> seeds, int limit);

  /**
   * Up to {@code steps} tracks leading from {@code start}'s sound to {@code end}'s (the nearest track to
   * evenly spaced points between the two), each scored against {@code start}; neither end is included.
   */
  Future<List<Match>> path(UUID start, UUID end, int steps);

  /** The similarity of two analysed tracks, or -1 when either has not been analysed. */
  double similarity(UUID a, UUID b);

  /** The other tracks that are the same recording as {@code trackId} (fingerprint duplicates), any status. */
  List<UUID> sameRecording(UUID trackId);
}

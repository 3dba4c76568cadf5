package io.chorus.audio;

import io.vertx.core.Future;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * Tracks that sound alike (issue 18, "similar songs"): the audio feature's published API, used by the
 * {@code /similar} routes, OpenSubsonic {@code getSimilarSongs2}/{@code getSonicSimilarTracks} and
 * My Wave. Answers hold approved tracks only, best first, never the seed tracks themselves nor their
 * fingerprint duplicates (the same recording is not "similar", it is the same song).
 */
public interface SimilarTracks {
  /** A neighbour and its similarity in [0, 1] (1: the same sound). */
  record Neighbour(UUID trackId, double score) {
  }

  /** Up to {@code limit} tracks nearest to {@code trackId}; empty when the track has no vector yet. */
  Future<List<Neighbour>> nearest(UUID trackId, int limit);

  /**
   * Up to {@code limit} tracks nearest to the centre of {@code seeds} (e.g. a listener's liked tracks),
   * leaving out {@code exclude}; empty when no seed has a vector.
   */
  Future<List<Neighbour>> nearestTo(Collection<UUID> seeds, int limit, Collection<UUID> exclude);
}

package io.chorus.audio;

import io.vertx.core.Future;

import java.util.UUID;

/**
 * What the audio feature does with a processed track's PCM: its landmark fingerprint (identify by clip),
 * the duplicate links that fingerprint reveals (the same recording uploaded again), and its similarity
 * vector. Each part runs only when this node lacks it, so a replayed event costs nothing.
 */
final class Analysis {
  private final Fingerprints fingerprints;
  private final Similarity similarity;

  Analysis(Fingerprints fingerprints, Similarity similarity) {
    this.fingerprints = fingerprints;
    this.similarity = similarity;
  }

  /** True when both the fingerprint and the current vector of the track are in this node's indexes. */
  boolean done(UUID track) {
    return fingerprints.index().contains(track) && similarity.index().contains(track);
  }

  Future<Void> analyse(UUID track, float[] pcm) {
    Future<Void> fingerprint = fingerprints.index().contains(track) ? Future.succeededFuture()
        : fingerprints.index(track, pcm)
            .compose(landmarks -> fingerprints.overlaps(track, landmarks, Similarity.DUPLICATE_OVERLAP))
            .compose(overlaps -> similarity.linkDuplicates(track, overlaps));
    return fingerprint.compose(v -> similarity.index().contains(track) ? Future.succeededFuture() : similarity.index(track, pcm));
  }
}

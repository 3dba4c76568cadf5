package io.chorus.audio;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * What makes a track's similarity vector from its analysis PCM (mono, {@value Fingerprinter#SAMPLE_RATE} Hz):
 * the handcrafted {@link SoundFeatures} by default, or an ONNX audio-embedding model ({@link ModelSound}) when
 * {@code AUDIO_EMBEDDING_MODEL} names one. {@code track_features} rows carry {@link #id} and {@link #version}, so
 * a node loads only its own embedder's vectors and recomputes the rest.
 */
interface SoundEmbedder {
  String HANDCRAFTED = "sound-features";

  String id();

  short version();

  /** The vector of a track's PCM, computed off the event loop. */
  Future<float[]> compute(float[] pcm);

  /** An empty index that compares this embedder's vectors. */
  FeatureIndex newIndex();

  /** The default: {@link SoundFeatures} on Vert.x worker threads, one extractor per thread. */
  static SoundEmbedder handcrafted(Vertx vertx) {
    ThreadLocal<SoundFeatures> extractors = ThreadLocal.withInitial(SoundFeatures::new);
    return new SoundEmbedder() {
      @Override
      public String id() {
        return HANDCRAFTED;
      }

      @Override
      public short version() {
        return (short) SoundFeatures.VERSION;
      }

      @Override
      public Future<float[]> compute(float[] pcm) {
        return vertx.executeBlocking(() -> extractors.get().compute(pcm), false);
      }

      @Override
      public FeatureIndex newIndex() {
        return new FeatureIndex();
      }
    };
  }
}

package io.chorus.audio;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The similarity index: the exhaustive search returns exactly the k nearest under the z-score distance
 * (against a plain sort), is blind to each dimension's unit, skips what it is told to, replaces vectors;
 * and fingerprint overlaps tell the same recording (re-encoded) from other music.
 */
class FeatureIndexTest {
  static final int D = SoundFeatures.DIMS;

  static float[] random(Random r, double[] scale) {
    float[] v = new float[D];
    for (int i = 0; i < D; i++) {
      v[i] = (float) (r.nextGaussian() * scale[i] + 3 * scale[i]);
    }
    return v;
  }

  @Test
  void theExhaustiveSearchIsExactAndUnitBlind() {
    Random r = new Random(18);
    double[] scale = new double[D];
    for (int i = 0; i < D; i++) {
      scale[i] = Math.pow(10, r.nextInt(7) - 3);   // units from 0.001 to 1000, as Hz and ratios are
    }
    FeatureIndex index = new FeatureIndex();
    FeatureIndex unitless = new FeatureIndex();
    List<float[]> vectors = new ArrayList<>();
    List<UUID> ids = new ArrayList<>();
    for (int k = 0; k < 5000; k++) {
      float[] v = random(r, scale);
      UUID id = UUID.randomUUID();
      vectors.add(v);
      ids.add(id);
      index.put(id, v);
      float[] u = new float[D];
      for (int i = 0; i < D; i++) {
        u[i] = (float) (v[i] / scale[i]);
      }
      unitless.put(id, u);
    }
    float[] w = index.weights();
    for (int q = 0; q < 20; q++) {
      float[] query = vectors.get(r.nextInt(vectors.size()));
      List<FeatureIndex.Hit> hits = index.nearest(query, 10, null);
      List<Integer> truth = new ArrayList<>();
      for (int o = 0; o < vectors.size(); o++) {
        truth.add(o);
      }
      truth.sort(Comparator.comparingDouble(o -> distance(vectors.get(o), query, w)));
      assertThat(hits.stream().map(FeatureIndex.Hit::ordinal).toList()).isEqualTo(truth.subList(0, 10));
      assertThat(hits.get(0).distance()).isZero();
      assertThat(FeatureIndex.score(hits.get(0).distance())).isEqualTo(1.0);
      assertThat(FeatureIndex.score(hits.get(9).distance())).isLessThan(1.0).isPositive();
      float[] uq = new float[D];
      for (int i = 0; i < D; i++) {
        uq[i] = (float) (query[i] / scale[i]);
      }
      assertThat(unitless.nearest(uq, 10, null).stream().map(FeatureIndex.Hit::trackId).toList())
          .as("rescaling a dimension changes nothing").isEqualTo(hits.stream().map(FeatureIndex.Hit::trackId).toList());
    }
  }

  static double distance(float[] a, float[] b, float[] w) {
    double d = 0;
    for (int i = 0; i < D; i++) {
      float x = a[i] - b[i];   // the index's own arithmetic, so near-ties order alike
      d += w[i] * x * x;
    }
    return d;
  }

  @Test
  void skipsWhatItIsToldToAndReplacesVectors() {
    Random r = new Random(4);
    double[] scale = new double[D];
    java.util.Arrays.fill(scale, 1);
    FeatureIndex index = new FeatureIndex();
    UUID a = UUID.randomUUID();
    float[] va = random(r, scale);
    index.put(a, va);
    for (int k = 0; k < 100; k++) {
      index.put(UUID.randomUUID(), random(r, scale));
    }
    assertThat(index.nearest(va, 1, null).get(0).trackId()).isEqualTo(a);
    int ordinal = index.ordinal(a);
    assertThat(index.nearest(va, 5, o -> o == ordinal)).extracting(FeatureIndex.Hit::trackId).doesNotContain(a).hasSize(5);
    float[] moved = random(r, scale);
    index.put(a, moved);
    assertThat(index.size()).isEqualTo(101);
    assertThat(index.vector(a)).isEqualTo(moved);
    assertThat(index.nearest(moved, 1, null).get(0).trackId()).isEqualTo(a);
    assertThat(index.nearest(va, 200, null)).hasSize(101);
  }

  @Test
  void theSameRecordingReEncodedOverlapsAndOtherMusicDoesNot() throws Exception {
    Corpus corpus = new Corpus();
    List<Corpus.Song> songs = corpus.decode(Corpus.files(Path.of("/usr/share/scummvm/drascula/audio"), ".ogg").subList(0, 6), 2, 90);
    assertThat(songs).as("decoded drascula tracks").hasSizeGreaterThanOrEqualTo(4);
    Fingerprinter fp = new Fingerprinter();
    FingerprintIndex index = new FingerprintIndex();
    List<UUID> ids = new ArrayList<>();
    List<long[]> prints = new ArrayList<>();
    for (Corpus.Song s : songs) {
      UUID id = UUID.randomUUID();
      long[] lm = fp.fingerprint(s.pcm());
      ids.add(id);
      prints.add(lm);
      index.add(id, lm);
    }
    for (int i = 0; i < songs.size(); i++) {
      assertThat(index.overlaps(ids.get(i), prints.get(i), Similarity.DUPLICATE_OVERLAP)).as("another track as a duplicate of " + songs.get(i).name())
          .isEmpty();
    }
    UUID copy = UUID.randomUUID();
    long[] reencoded = fp.fingerprint(corpus.mp3(songs.get(0).pcm(), 128));
    List<FingerprintIndex.Overlap> found = index.overlaps(copy, reencoded, Similarity.DUPLICATE_OVERLAP);
    assertThat(found).extracting(FingerprintIndex.Overlap::trackId).containsExactly(ids.get(0));
    assertThat(found.get(0).fraction()).isGreaterThan(0.8);
    assertThat(Math.abs(found.get(0).offsetMs())).isLessThan(100);
    // a clip of a track is not the track: it covers a third of it
    float[] third = java.util.Arrays.copyOf(songs.get(1).pcm(), songs.get(1).pcm().length / 3);
    assertThat(index.overlaps(copy, fp.fingerprint(third), Similarity.DUPLICATE_OVERLAP)).isEmpty();
  }
}

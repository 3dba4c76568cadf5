package io.chorus.audio;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The fingerprinter's parts on synthetic signals: max filter, peaks, hash packing, storage packing, matching. */
class FingerprinterTest {
  static final int RATE = Fingerprinter.SAMPLE_RATE;

  @Test
  void slidingMaxEqualsTheNaiveMaximum() {
    Random r = new Random(1);
    for (int n : new int[] {1, 2, 7, 25, 100}) {
      float[] in = new float[n];
      for (int i = 0; i < n; i++) {
        in[i] = r.nextFloat();
      }
      for (int radius : new int[] {0, 1, 3, 12}) {
        float[] fast = Fingerprinter.slidingMax(in, radius);
        for (int i = 0; i < n; i++) {
          float max = Float.NEGATIVE_INFINITY;
          for (int j = Math.max(0, i - radius); j <= Math.min(n - 1, i + radius); j++) {
            max = Math.max(max, in[j]);
          }
          assertThat(fast[i]).as("n=%d r=%d i=%d", n, radius, i).isEqualTo(max);
        }
      }
    }
  }

  @Test
  void aToneMakesPeaksInItsBinAndSilenceNone() {
    double hz = 1000;
    float[] pcm = new float[RATE * 3];
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / RATE) + 0.001 * Math.sin(2 * Math.PI * 2900 * i / RATE));
    }
    Fingerprinter fp = new Fingerprinter();
    int[] peaks = fp.peaks(fp.spectrogram(pcm));
    assertThat(peaks).isNotEmpty();
    int expectedBin = (int) Math.round(hz * Fingerprinter.FFT / RATE) - Fingerprinter.F_MIN;
    for (int p : peaks) {
      assertThat(Math.abs((p & 0xffff) - expectedBin)).as("peak bin").isLessThanOrEqualTo(1);
    }
    assertThat(new Fingerprinter().fingerprint(new float[RATE * 3])).as("silence").isEmpty();
    assertThat(new Fingerprinter().fingerprint(new float[100])).as("shorter than one frame").isEmpty();
  }

  @Test
  void landmarksPairAnchorsWithTargetsInTheZoneAndPackTheirFields() {
    int[] peaks = {10 << 16 | 50, 12 << 16 | 60, 13 << 16 | 40, 200 << 16 | 55};
    long[] lms = Fingerprinter.landmarks(peaks, 5, 63, 127);
    // 10→12, 10→13, 12→13; the peak at frame 200 is beyond DT_MAX of all
    assertThat(lms).hasSize(3);
    assertThat(Fingerprinter.timeOf(lms[0])).isEqualTo(10);
    assertThat(Fingerprinter.hashOf(lms[0])).isEqualTo(Fingerprinter.hash(50, 10, 2));
    assertThat(Fingerprinter.hashOf(lms[1])).isEqualTo(Fingerprinter.hash(50, -10, 3));
    assertThat(Fingerprinter.hashOf(lms[2])).isEqualTo(Fingerprinter.hash(60, -20, 1));
    // distinct fields give distinct hashes, within 23 bits
    assertThat(Fingerprinter.hash(511, 127, 63)).isLessThan(1 << 23).isNotEqualTo(Fingerprinter.hash(511, 126, 63));
    assertThat(Fingerprinter.hash(0, -127, 1)).isNotEqualTo(Fingerprinter.hash(1, -127, 1));
  }

  @Test
  void storedHashesRoundTrip() {
    long[] lms = {(long) Fingerprinter.hash(3, -4, 5) << 32 | 77, (long) Fingerprinter.hash(300, 100, 63) << 32 | 123_456};
    assertThat(Fingerprints.unpack(Fingerprints.pack(lms))).containsExactly(lms);
  }

  @Test
  void aSyntheticSongIsFoundAtItsOffsetAndNoiseIsNot() {
    Random r = new Random(3);
    FingerprintIndex index = new FingerprintIndex();
    Fingerprinter fp = new Fingerprinter();
    float[][] songs = new float[4][];
    UUID[] ids = new UUID[4];
    for (int s = 0; s < songs.length; s++) {
      songs[s] = melody(r, 40, 150);
      ids[s] = UUID.randomUUID();
      assertThat(index.add(ids[s], fp.fingerprint(songs[s]))).isTrue();
    }
    assertThat(index.add(ids[0], fp.fingerprint(songs[0]))).as("indexed twice").isFalse();
    int start = 17 * RATE;
    float[] clip = new float[5 * RATE];
    System.arraycopy(songs[2], start, clip, 0, clip.length);
    List<FingerprintIndex.Match> m = index.identify(fp.query(clip), 3);
    assertThat(m).isNotEmpty();
    assertThat(m.get(0).trackId()).isEqualTo(ids[2]);
    assertThat(m.get(0).offsetMs()).isCloseTo(17_000L, org.assertj.core.data.Offset.offset(50L));
    assertThat(index.identify(fp.query(melody(new Random(99), 5, 150 * Math.pow(2, 0.5 / 12))), 3)).as("another melody, a quarter tone off").isEmpty();
  }

  /** Random notes (three partials each), a new one every 150–400 ms. */
  static float[] melody(Random r, int seconds, double base) {
    float[] pcm = new float[seconds * RATE];
    int i = 0;
    while (i < pcm.length) {
      int len = (int) ((0.15 + 0.25 * r.nextDouble()) * RATE);
      double f = base * Math.pow(2, r.nextInt(36) / 12.0);
      for (int k = 0; k < len && i + k < pcm.length; k++) {
        double env = Math.min(1, Math.min(k, len - k) / 200.0);
        pcm[i + k] = (float) (env * (0.4 * Math.sin(2 * Math.PI * f * k / RATE) + 0.2 * Math.sin(4 * Math.PI * f * k / RATE)
            + 0.1 * Math.sin(6 * Math.PI * f * k / RATE)));
      }
      i += len;
    }
    return pcm;
  }
}

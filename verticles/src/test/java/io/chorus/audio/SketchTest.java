package io.chorus.audio;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The band sketch's pure parts: levels, packing, and the correlation at every offset. */
class SketchTest {
  /** A track's band levels: a random walk per band (music-like: levels change slowly), in dB. */
  static float[][] track(int frames, long seed) {
    Random r = new Random(seed);
    float[][] out = new float[frames][Sketch.BANDS];
    for (int b = 0; b < Sketch.BANDS; b++) {
      float v = -30 - r.nextInt(20);
      for (int t = 0; t < frames; t++) {
        v = Math.max(-45, Math.min(0, v + (float) r.nextGaussian() * 4));
        out[t][b] = v;
      }
    }
    return out;
  }

  @Test
  void packedLevelsAreFourBitStepsBelowTheLoudest() {
    float[][] levels = {new float[Sketch.BANDS], new float[Sketch.BANDS]};
    Arrays.fill(levels[0], -6f);
    levels[0][0] = 0f;     // the loudest: 15
    levels[0][1] = -3f;    // one step below: 14
    levels[1][5] = -100f;  // below the 4-bit range: 0
    byte[] packed = Sketch.pack(levels);
    assertThat(packed).hasSize(Sketch.BANDS);
    assertThat(Sketch.frames(packed)).isEqualTo(2);
    assertThat(packed[0] & 15).isEqualTo(15);
    assertThat((packed[0] >> 4) & 15).isEqualTo(14);
    assertThat((packed[1] >> 4) & 15).isEqualTo(13);   // band 3 at -6 dB
    assertThat((packed[(Sketch.BANDS + 5) >> 1] >> 4) & 15).isEqualTo(0);
  }

  @Test
  void levelsAveragePowerOverBandsAndFramePairs() {
    int bins = Fingerprinter.F_MAX - Fingerprinter.F_MIN;
    float[][] spec = new float[5][bins];
    for (float[] row : spec) {
      Arrays.fill(row, -20f);
    }
    float[][] levels = Sketch.levels(spec);
    assertThat(levels).hasNumberOfRows(2);   // 5 frames → 2 sketch frames, the odd one left out
    for (float[] row : levels) {
      for (float v : row) {
        assertThat((double) v).isCloseTo(-20, within(0.01));
      }
    }
  }

  @Test
  void aNoisyClipCorrelatesBestAtItsOwnOffset() {
    float[][] levels = track(3000, 1);
    byte[] packed = Sketch.pack(levels);
    Random r = new Random(2);
    int at = 1234;
    float[][] clip = new float[108][];
    for (int i = 0; i < clip.length; i++) {
      clip[i] = levels[at + i].clone();
      for (int b = 0; b < Sketch.BANDS; b++) {
        clip[i][b] += (float) r.nextGaussian() * 4;   // noise of the levels' own size
      }
    }
    Sketch.Matcher m = new Sketch.Matcher();
    assertThat(m.query(clip)).isTrue();
    Sketch.Best best = m.best(packed);
    assertThat(best.offset()).isEqualTo(at);
    assertThat(best.r()).isBetween(0.5, 1.0);
    Sketch.Best other = m.best(Sketch.pack(track(3000, 3)));
    assertThat(other.r()).isLessThan(best.r() / 1.5);
  }

  @Test
  void theCorrelationAtAnOffsetIsPearsonsOverBandCentredLevels() {
    float[][] levels = track(200, 4);
    byte[] packed = Sketch.pack(levels);
    float[][] clip = track(20, 5);
    Sketch.Matcher m = new Sketch.Matcher();
    m.query(clip);
    Sketch.Best best = m.best(packed);
    // brute force over every offset from the packed values
    double top = -2;
    int topAt = -1;
    for (int o = 0; o + clip.length <= 200; o++) {
      double sxy = 0;
      double sxx = 0;
      double syy = 0;
      for (int b = 0; b < Sketch.BANDS; b++) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < clip.length; i++) {
          mx += clip[i][b];
          my += nibble(packed, o + i, b);
        }
        mx /= clip.length;
        my /= clip.length;
        for (int i = 0; i < clip.length; i++) {
          double x = clip[i][b] - mx;
          double y = nibble(packed, o + i, b) - my;
          sxy += x * y;
          sxx += x * x;
          syy += y * y;
        }
      }
      double rr = sxy / Math.sqrt(sxx * syy);
      if (rr > top) {
        top = rr;
        topAt = o;
      }
    }
    assertThat(best.offset()).isEqualTo(topAt);
    assertThat(best.r()).isCloseTo(top, within(1e-4));
  }

  @Test
  void aTrackShorterThanTheClipOrAFlatClipTellsNothing() {
    Sketch.Matcher m = new Sketch.Matcher();
    assertThat(m.query(track(50, 6))).isTrue();
    assertThat(m.best(Sketch.pack(track(40, 7)))).isNull();
    float[][] flat = new float[50][Sketch.BANDS];
    assertThat(m.query(flat)).isFalse();
    assertThat(m.query(track(5, 8))).as("too short").isFalse();
  }

  static int nibble(byte[] packed, int t, int b) {
    int v = packed[(t * Sketch.BANDS + b) >> 1];
    return (b & 1) == 0 ? v & 15 : (v >> 4) & 15;
  }
}

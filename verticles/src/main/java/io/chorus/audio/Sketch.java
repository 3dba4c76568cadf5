package io.chorus.audio;

import org.jtransforms.fft.FloatFFT_1D;

import java.util.HashMap;
import java.util.Map;

/**
 * A track's band sketch: its spectrogram reduced to {@value #BANDS} log-spaced bands (≈ 32 Hz – 4.3 kHz) and
 * {@value #FRAMES} frames (46 ms) per value, each level quantised to 4 bits of {@value #STEP_DB} dB below the
 * track's loudest (0.62 MB per hour of audio). It is the last stage of {@link FingerprintIndex#identify}: a
 * noisy clip whose landmarks name nothing is compared, by its own band levels, with each of the hash stage's best
 * tracks at every offset (Pearson correlation of the levels, each band's mean over the clip removed; an FFT
 * cross-correlation per track). Landmarks need both of their peaks to survive the noise, and at SNR 5 dB a
 * quarter of a clip's landmarks do; every band level carries a little evidence, noise only lowers the
 * correlation, and 16 × 22 values per second add up: a 5 s clip at 5 dB correlates 0.4–0.9 with its track, an
 * unrelated one reaches 0.2–0.5 at its best offset of the best of 20 tracks (SketchProbe, docs/benchmarks.md).
 * Stateless; {@link Matcher} holds one thread's FFT plans and buffers.
 */
public final class Sketch {
  public static final int BANDS = 16;
  /** Spectrogram frames per sketch frame (power mean). */
  public static final int FRAMES = 2;
  static final float STEP_DB = 3f;
  private static final int[] EDGES = edges();

  static {
    // JTransforms splits FFTs of 8192 points and more over threads; a node's queries already run in parallel on the
    // worker pool, where the split only adds hand-offs (a 3-minute track: 2.7 ms on one thread, 4.0 on two, loaded)
    pl.edu.icm.jlargearrays.ConcurrencyUtils.setNumberOfThreads(1);
  }

  private Sketch() {
  }

  /** Band edges in spectrogram bins (from {@link Fingerprinter#F_MIN}), log-spaced, each band at least one bin. */
  private static int[] edges() {
    int bins = Fingerprinter.F_MAX - Fingerprinter.F_MIN;
    int[] e = new int[BANDS + 1];
    for (int b = 0; b <= BANDS; b++) {
      e[b] = (int) Math.round(Math.pow(bins, (double) b / BANDS)) - 1;
      if (b > 0) {
        e[b] = Math.max(e[b], e[b - 1] + 1);
      }
    }
    e[BANDS] = bins;
    return e;
  }

  /** The band levels (dB) of a spectrogram ({@link Fingerprinter}'s dB rows): frames / {@value #FRAMES} rows. */
  static float[][] levels(float[][] spec) {
    float[][] out = new float[spec.length / FRAMES][BANDS];
    for (int t = 0; t < out.length; t++) {
      for (int b = 0; b < BANDS; b++) {
        double p = 0;
        for (int f = t * FRAMES; f < t * FRAMES + FRAMES; f++) {
          float[] row = spec[f];
          for (int k = EDGES[b]; k < EDGES[b + 1]; k++) {
            p += Math.exp(row[k] * 0.23025851);   // dB → power
          }
        }
        out[t][b] = (float) (10 * Math.log10(p / (FRAMES * (EDGES[b + 1] - EDGES[b])) + 1e-12));
      }
    }
    return out;
  }

  /** A track's sketch: its levels as 4-bit steps of {@value #STEP_DB} dB below its loudest, two per byte. */
  static byte[] pack(float[][] levels) {
    float max = -Float.MAX_VALUE;
    for (float[] row : levels) {
      for (float v : row) {
        max = Math.max(max, v);
      }
    }
    byte[] out = new byte[levels.length * BANDS / 2];
    for (int t = 0; t < levels.length; t++) {
      for (int b = 0; b < BANDS; b++) {
        int q = Math.max(0, Math.min(15, Math.round((levels[t][b] - max) / STEP_DB) + 15));
        int i = (t * BANDS + b) >> 1;
        out[i] |= (byte) ((b & 1) == 0 ? q : q << 4);
      }
    }
    return out;
  }

  /** Sketch frames in a packed sketch. */
  static int frames(byte[] packed) {
    return packed.length * 2 / BANDS;
  }

  /** The best correlation of a clip's levels with one track's sketch: {@code r} at {@code offset} (sketch frames). */
  record Best(double r, int offset) {
  }

  /** One thread's FFT plans and buffers (not thread-safe). */
  static final class Matcher {
    private final Map<Integer, FloatFFT_1D> plans = new HashMap<>();
    /** The clip's band-centred levels per band, at full and at half time resolution, and the latter's FFT per size. */
    private final float[][] centred = new float[BANDS][];
    private final float[][] coarse = new float[BANDS][];
    private final Map<Integer, float[][]> transformed = new HashMap<>();
    private float[][] track = new float[BANDS][0];
    private float[] sum = new float[0];
    private float[] band = new float[0];
    private double sxx;
    private double coarseSxx;
    private int n;
    private int nc;

    /** Takes a clip's levels, each band's mean removed. False when the clip is too short or flat to tell anything. */
    boolean query(float[][] levels) {
      n = levels.length;
      nc = n / 2;
      transformed.clear();
      if (n < 8) {
        return false;
      }
      sxx = 0;
      coarseSxx = 0;
      for (int b = 0; b < BANDS; b++) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
          x[i] = levels[i][b];
        }
        sxx += centre(x);
        centred[b] = x;
        float[] c = new float[nc];
        for (int i = 0; i < nc; i++) {
          c[i] = levels[2 * i][b] + levels[2 * i + 1][b];
        }
        coarseSxx += centre(c);
        coarse[b] = c;
      }
      return sxx > 1e-3;
    }

    /** Removes the values' mean; their sum of squares after. */
    private static double centre(float[] x) {
      double mean = 0;
      for (float v : x) {
        mean += v;
      }
      mean /= x.length;
      double ss = 0;
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (x[i] - mean);
        ss += x[i] * x[i];
      }
      return ss;
    }

    private FloatFFT_1D plan(int size) {
      return plans.computeIfAbsent(size, FloatFFT_1D::new);
    }

    /** The clip's half-resolution bands zero-padded to {@code size} and transformed, once per size. */
    private float[][] clipAt(int size) {
      return transformed.computeIfAbsent(size, s -> {
        float[][] out = new float[BANDS][];
        for (int b = 0; b < BANDS; b++) {
          out[b] = java.util.Arrays.copyOf(coarse[b], s);
          plan(s).realForward(out[b]);
        }
        return out;
      });
    }

    /**
     * The clip's best offset in a track's packed sketch (null when the track is shorter than the clip). The search
     * runs at half the time resolution (pairs of sketch frames summed, clip and track): per band, Σ_i x(i)·t(o + i)
     * for every offset o is the inverse FFT of conj(X)·T, summed over the bands before one inverse FFT, with prefix
     * sums of t and t² for each offset's variance of the track's levels. The two best coarse offsets are then scored
     * exactly at full resolution (four offsets each). Half the resolution halves the FFTs, which are the cost
     * (16 of ~4096–8192 points for a 3–6 minute track: 1–3 ms); computing every offset directly cost 3× the full
     * resolution's FFTs for a 5 s clip.
     */
    Best best(byte[] packed) {
      int frames = frames(packed);
      if (frames < n) {
        return null;
      }
      int tc = frames / 2;
      int size = Integer.highestOneBit(Math.max(2, tc + nc - 1) - 1) << 1;
      float[][] x = clipAt(size);
      if (sum.length != size) {
        sum = new float[size];
        band = new float[size];
      }
      if (track[0].length < frames) {
        track = new float[BANDS][frames];
      }
      java.util.Arrays.fill(sum, 0f);
      double[] s1 = new double[tc + 1];
      double[] s2 = new double[tc + 1];
      double[] syy = new double[tc - nc + 1];
      for (int b = 0; b < BANDS; b++) {
        float[] t = track[b];
        int shift = (b & 1) == 0 ? 0 : 4;
        for (int f = 0; f < frames; f++) {
          t[f] = (packed[(f * BANDS + b) >> 1] >> shift) & 15;
        }
        java.util.Arrays.fill(band, tc, size, 0f);
        for (int f = 0; f < tc; f++) {
          float level = t[2 * f] + t[2 * f + 1];
          band[f] = level;
          s1[f + 1] = s1[f] + level;
          s2[f + 1] = s2[f] + level * level;
        }
        for (int o = 0; o < syy.length; o++) {
          double a = s1[o + nc] - s1[o];
          syy[o] += s2[o + nc] - s2[o] - a * a / nc;
        }
        plan(size).realForward(band);
        float[] xb = x[b];
        sum[0] += xb[0] * band[0];
        sum[1] += xb[1] * band[1];
        for (int k = 2; k < size; k += 2) {
          float xr = xb[k];
          float xi = xb[k + 1];
          float tr = band[k];
          float ti = band[k + 1];
          sum[k] += xr * tr + xi * ti;
          sum[k + 1] += xr * ti - xi * tr;
        }
      }
      plan(size).realInverse(sum, true);
      int first = -1;
      int second = -1;
      double r1 = -2;
      double r2 = -2;
      for (int o = 0; o < syy.length; o++) {
        if (syy[o] > 1e-6) {
          double r = sum[o] / Math.sqrt(coarseSxx * syy[o]);
          if (r > r1) {
            second = first;
            r2 = r1;
            first = o;
            r1 = r;
          } else if (r > r2) {
            second = o;
            r2 = r;
          }
        }
      }
      Best best = new Best(-1, 0);
      for (int coarseAt : new int[] {first, second}) {
        for (int o = 2 * coarseAt - 1; coarseAt >= 0 && o <= 2 * coarseAt + 2; o++) {
          if (o >= 0 && o + n <= frames) {
            double r = exact(o);
            if (r > best.r()) {
              best = new Best(r, o);
            }
          }
        }
      }
      return best;
    }

    /** The correlation at one full-resolution offset of the track decoded by {@link #best}. */
    private double exact(int o) {
      double sxy = 0;
      double syy = 0;
      for (int b = 0; b < BANDS; b++) {
        float[] t = track[b];
        float[] xb = centred[b];
        double mean = 0;
        for (int i = 0; i < n; i++) {
          mean += t[o + i];
        }
        mean /= n;
        for (int i = 0; i < n; i++) {
          double y = t[o + i] - mean;
          sxy += xb[i] * y;
          syy += y * y;
        }
      }
      return syy > 1e-6 ? sxy / Math.sqrt(sxx * syy) : -1;
    }
  }
}

package io.chorus.audio;

import org.jtransforms.fft.FloatFFT_1D;

import java.util.Arrays;

/**
 * Landmark fingerprints (Wang's constellation pairs) of mono PCM at {@value #SAMPLE_RATE} Hz.
 *
 * <p>Parameters ({@link Params#DEFAULT}), chosen by measurement on the Debian game-music corpus
 * (scripts/bench-identify, IdentifyTune, docs/benchmarks.md):
 * <ul>
 *   <li>STFT: Hann window of {@value #FFT} samples (93 ms, 10.8 Hz per bin), hop {@value #HOP} (23.2 ms,
 *       43 frames per second); log power in dB, bins {@value #F_MIN}..{@value #F_MAX} (≈ 32–4300 Hz, where
 *       music keeps its energy under noise, phone bands and low-bitrate MP3). Version 3 starts at 32 Hz instead of
 *       110 Hz: bass peaks are strong against noise spread over the whole band (IdentifyTune at 10,045 tracks,
 *       50 clips per cell: +28 points summed over its ten cells, e.g. 2 s pink 5 dB 66 → 78 %; 11 Hz was no
 *       better; the index size unchanged).</li>
 *   <li>Peaks: a cell is a peak when it is the maximum of its time-frequency neighbourhood and stands a
 *       threshold above its frame's mean (adaptive: noise raises the mean); per one-second block only the
 *       strongest are kept. A track keeps few peaks from a large neighbourhood (the ones noise is least likely
 *       to bury); a query keeps many more from a small one, so that the track's peaks are still among its
 *       own when noise adds or moves peaks — it costs the query time, not the index.</li>
 *   <li>Landmarks: a track's peak (anchor) pairs with its first {@code fanOut} later peaks in the target
 *       zone (1..dtMax frames ahead, within ±dfMax bins); a query's anchor pairs with every peak in the same
 *       zone up to its own, larger fan-out. The hash packs f1 (9 bits), f2 − f1 (8 bits) and Δt (6 bits)
 *       into {@value #HASH_BITS} bits; the anchor frame is kept beside it.</li>
 * </ul>
 * Noise moves peaks: a 5 s clip at SNR 5 dB keeps about half of its track's peaks in place and a quarter more one
 * frame or one bin away, and a landmark needs both of its peaks. {@link FingerprintIndex#identify} therefore
 * queries an unconfident short clip once more with each hash's Δt ± 1 neighbours, and compares a clip still unnamed
 * with the best tracks by its {@link Sketch} band levels, which version 4 stores beside each track's landmarks
 * ({@link #print}); the landmarks themselves are version 3's.
 * Measured and not kept (docs/benchmarks-history.md): a query at two sub-hop offsets (2–6 points at 2 s for twice
 * the work); peaks from a whitened spectrogram (each bin minus its mean over ±1 s, track and query: 5 s white 5 dB
 * 94 → 26 %); track peaks that must stand 0.5 dB or more above their 8 adjacent cells (94 → 78 % and worse);
 * denser track peaks (25–40/s, fan-out 3–4, up to 120 landmarks/s), smaller neighbourhoods, denser queries or a
 * larger query fan-out (top-1 summed over IdentifyTune's ten cells within 2 % of this set's: inside the noise of
 * 50 clips per cell); Δf ± 1 as well as Δt ± 1 (9× the query's hashes, no better than Δt alone).
 * A landmark is a long: {@code hash << 32 | anchorFrame}. Not thread-safe (reuses its buffers): one per thread.
 */
public final class Fingerprinter {
  public static final int SAMPLE_RATE = 11025;
  public static final int FFT = 1024;
  public static final int HOP = 256;
  /**
   * The fingerprint version, stored with every row of {@code track_fingerprints}: bump it whenever the
   * parameters or the hash layout change, so nodes re-fingerprint the tracks from their PCM instead of
   * mixing landmarks of two layouts in one index. 4: the band sketch is stored beside the landmarks (a track of
   * an older version has none).
   */
  public static final int VERSION = 4;
  public static final int HASH_BITS = 23;
  public static final int F_MIN = 3;
  public static final int F_MAX = 400;
  /** Frames below this power (dB re full scale, per bin) are silence and make no peaks. */
  static final float FLOOR_DB = -90f;

  /**
   * Peak picking and pairing, for the index side (track) and the query side (clip).
   *
   * @param df        the peak neighbourhood's half-width in bins (track)
   * @param dt        the neighbourhood's half-height in frames (track)
   * @param minDb     how far above its frame's mean a peak must stand (dB)
   * @param perSecond peaks kept per second of a track, the strongest first
   * @param fanOut    targets paired with each anchor of a track
   * @param qDf       the query's neighbourhood half-width (bins)
   * @param qDt       the query's neighbourhood half-height (frames)
   * @param qMinDb    the query's threshold above its frame mean (dB)
   * @param qPerSecond peaks kept per second of a query
   * @param qFanOut   targets paired with each anchor of a query
   * @param dtMax     the target zone's length in frames (≤ 63)
   * @param dfMax     the target zone's half-width in bins (≤ 127)
   * @param byLevel   rank a block's peaks by their level (dB) rather than by their height above the frame mean
   */
  public record Params(int df, int dt, float minDb, int perSecond, int fanOut,
                       int qDf, int qDt, float qMinDb, int qPerSecond, int qFanOut, int dtMax, int dfMax, boolean byLevel) {
    public static final Params DEFAULT = new Params(6, 4, 6f, 20, 4, 4, 3, 6f, 60, 12, 32, 64, true);
  }

  private final Params p;
  private final FloatFFT_1D fft = new FloatFFT_1D(FFT);
  private final float[] window = new float[FFT];
  private final float[] buf = new float[FFT];

  public Fingerprinter() {
    this(Params.DEFAULT);
  }

  public Fingerprinter(Params params) {
    this.p = params;
    for (int i = 0; i < FFT; i++) {
      window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / FFT));
    }
  }

  public Params params() {
    return p;
  }

  /** Milliseconds per frame: a landmark's anchor frame × this is its time in the track. */
  public static double msPerFrame() {
    return HOP * 1000.0 / SAMPLE_RATE;
  }

  /** The landmarks of {@code pcm} ({@code hash << 32 | frame}), in anchor-time order, as the index stores them. */
  public long[] fingerprint(float[] pcm) {
    return trackLandmarks(spectrogram(pcm));
  }

  /** The landmarks of a query clip: denser peaks from a smaller neighbourhood, a larger fan-out. */
  public long[] query(float[] pcm) {
    return queryLandmarks(spectrogram(pcm));
  }

  /** A track's landmarks and its packed {@link Sketch}, from one spectrogram. */
  public record Print(long[] landmarks, byte[] sketch) {
  }

  /**
   * A clip's landmarks and its {@link Sketch} band levels, from one spectrogram; the levels are computed only when
   * the sketch stage asks for them (most clips are named before it).
   */
  public record Query(long[] landmarks, java.util.function.Supplier<float[][]> levels) {
  }

  /** {@link #fingerprint} and the track's sketch. */
  public Print print(float[] pcm) {
    float[][] spec = spectrogram(pcm);
    return new Print(trackLandmarks(spec), Sketch.pack(Sketch.levels(spec)));
  }

  /** {@link #query} and the clip's band levels for the sketch stage. */
  public Query queryPrint(float[] pcm) {
    float[][] spec = spectrogram(pcm);
    return new Query(queryLandmarks(spec), () -> Sketch.levels(spec));
  }

  long[] trackLandmarks(float[][] spec) {
    return landmarks(trackPeaks(spec), p.fanOut(), p.dtMax(), p.dfMax());
  }

  long[] queryLandmarks(float[][] spec) {
    return landmarks(queryPeaks(spec), p.qFanOut(), p.dtMax(), p.dfMax());
  }

  int[] trackPeaks(float[][] spec) {
    return peaks(spec, p.df(), p.dt(), p.minDb(), p.perSecond(), p.byLevel());
  }

  int[] queryPeaks(float[][] spec) {
    return peaks(spec, p.qDf(), p.qDt(), p.qMinDb(), p.qPerSecond(), p.byLevel());
  }

  /** Log power per frame and bin (bins F_MIN..F_MAX-1, stored from index 0), in dB. */
  float[][] spectrogram(float[] pcm) {
    int frames = pcm.length < FFT ? 0 : 1 + (pcm.length - FFT) / HOP;
    int bins = F_MAX - F_MIN;
    float[][] spec = new float[frames][bins];
    for (int t = 0; t < frames; t++) {
      int start = t * HOP;
      for (int i = 0; i < FFT; i++) {
        buf[i] = pcm[start + i] * window[i];
      }
      fft.realForward(buf);
      float[] row = spec[t];
      for (int b = 0; b < bins; b++) {
        int k = F_MIN + b;
        float re = buf[2 * k];
        float im = buf[2 * k + 1];
        row[b] = db(re * re + im * im + 1e-12f);
      }
    }
    return spec;
  }

  /**
   * 10·log10(x) for x > 0 from the float's exponent and a cubic in its mantissa (error < 0.005 dB): the
   * library log was a third of the fingerprinting time, and peaks need only the order and rough levels.
   */
  static float db(float x) {
    int bits = Float.floatToRawIntBits(x);
    int exp = ((bits >>> 23) & 0xff) - 127;
    float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f800000);   // mantissa in [1, 2)
    float log2m = ((0.15391477f * m - 1.02950006f) * m + 3.01074372f) * m - 2.13382433f;
    return 3.0103f * (exp + log2m);
  }

  /** Peaks with this fingerprinter's track parameters (tests). */
  int[] peaks(float[][] spec) {
    return peaks(spec, p.df(), p.dt(), p.minDb(), p.perSecond(), p.byLevel());
  }

  /** Peaks as {@code frame << 16 | bin} (bin counted from 0, i.e. F_MIN), in time then bin order. */
  static int[] peaks(float[][] spec, int df, int dt, float minDb, int perSecond, boolean byLevel) {
    int frames = spec.length;
    int bins = frames == 0 ? 0 : spec[0].length;
    // separable max filter: over frequency per frame, then over time per bin
    float[][] nmax = new float[frames][];
    for (int t = 0; t < frames; t++) {
      nmax[t] = slidingMax(spec[t], df);
    }
    float[] column = new float[frames];
    for (int b = 0; b < bins; b++) {
      for (int t = 0; t < frames; t++) {
        column[t] = nmax[t][b];
      }
      float[] m = slidingMax(column, dt);
      for (int t = 0; t < frames; t++) {
        nmax[t][b] = m[t];
      }
    }
    float[] mean = new float[frames];
    for (int t = 0; t < frames; t++) {
      double s = 0;
      for (float v : spec[t]) {
        s += v;
      }
      mean[t] = (float) (s / bins);
    }
    int block = Math.max(1, Math.round((float) SAMPLE_RATE / HOP));
    int[] out = new int[Math.max(16, frames * perSecond / block + perSecond)];
    int n = 0;
    int[] cand = new int[64];
    float[] strength = new float[64];
    for (int t0 = 0; t0 < frames; t0 += block) {
      int c = 0;
      int t1 = Math.min(frames, t0 + block);
      for (int t = t0; t < t1; t++) {
        float[] row = spec[t];
        float[] max = nmax[t];
        float threshold = Math.max(FLOOR_DB, mean[t] + minDb);
        for (int b = 0; b < bins; b++) {
          float v = row[b];
          if (v == max[b] && v > threshold) {
            if (c == cand.length) {
              cand = Arrays.copyOf(cand, c * 2);
              strength = Arrays.copyOf(strength, c * 2);
            }
            cand[c] = t << 16 | b;
            strength[c] = byLevel ? v : v - mean[t];
            c++;
          }
        }
      }
      int keep = Math.min(c, perSecond * (t1 - t0) / block + 1);
      int[] kept = strongest(cand, strength, c, keep);
      if (n + kept.length > out.length) {
        out = Arrays.copyOf(out, (n + kept.length) * 2);
      }
      System.arraycopy(kept, 0, out, n, kept.length);
      n += kept.length;
    }
    return Arrays.copyOf(out, n);
  }

  /** The {@code keep} candidates of greatest strength, back in time/bin order. */
  private static int[] strongest(int[] cand, float[] strength, int c, int keep) {
    if (keep >= c) {
      return Arrays.copyOf(cand, c);
    }
    long[] order = new long[c];
    for (int i = 0; i < c; i++) {
      // strength descending: sort on the negated float's sortable bits, index in the low word
      order[i] = ((long) sortable(-strength[i]) << 32) | i;
    }
    Arrays.sort(order);
    int[] kept = new int[keep];
    for (int i = 0; i < keep; i++) {
      kept[i] = cand[(int) order[i]];
    }
    Arrays.sort(kept);
    return kept;
  }

  private static int sortable(float f) {
    int bits = Float.floatToIntBits(f);
    return bits ^ ((bits >> 31) & 0x7fffffff);
  }

  /** out[i] = max(in[i-r .. i+r]) (clipped at the ends), van Herk/Gil-Werman in O(n). */
  static float[] slidingMax(float[] in, int r) {
    int n = in.length;
    int w = 2 * r + 1;
    float[] g = new float[n];
    float[] h = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = i % w == 0 ? in[i] : Math.max(g[i - 1], in[i]);
    }
    for (int i = n - 1; i >= 0; i--) {
      h[i] = (i % w == w - 1 || i == n - 1) ? in[i] : Math.max(h[i + 1], in[i]);
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      int lo = Math.max(0, i - r);
      int hi = Math.min(n - 1, i + r);
      if (lo / w != hi / w || hi - lo == w - 1) {
        out[i] = Math.max(h[lo], g[hi]);
      } else {   // a window clipped at an end, inside one block: h[lo] would reach past hi
        float m = in[lo];
        for (int j = lo + 1; j <= hi; j++) {
          m = Math.max(m, in[j]);
        }
        out[i] = m;
      }
    }
    return out;
  }

  /** Pairs each peak with its first {@code fanOut} peaks in the target zone (1..dtMax frames, ±dfMax bins). */
  static long[] landmarks(int[] peaks, int fanOut, int dtMax, int dfMax) {
    long[] out = new long[peaks.length * fanOut];
    int n = 0;
    for (int i = 0; i < peaks.length; i++) {
      int t1 = peaks[i] >>> 16;
      int f1 = peaks[i] & 0xffff;
      int pairs = 0;
      for (int j = i + 1; j < peaks.length && pairs < fanOut; j++) {
        int dt = (peaks[j] >>> 16) - t1;
        if (dt > dtMax) {
          break;
        }
        int df = (peaks[j] & 0xffff) - f1;
        if (dt < 1 || df < -dfMax || df > dfMax) {
          continue;
        }
        out[n++] = ((long) hash(f1, df, dt) << 32) | t1;
        pairs++;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** f1 (9 bits) | f2 − f1 + 128 (8 bits) | Δt (6 bits). */
  static int hash(int f1, int df, int dt) {
    return (f1 & 0x1ff) << 14 | ((df + 128) & 0xff) << 6 | (dt & 0x3f);
  }

  static int hashOf(long landmark) {
    return (int) (landmark >>> 32);
  }

  static int timeOf(long landmark) {
    return (int) landmark;
  }
}

package io.chorus.audio;

import org.jtransforms.fft.FloatFFT_1D;

/**
 * The handcrafted "sounds like" vector of a track (issue 18, similar songs), from its analysis PCM (mono,
 * {@value Fingerprinter#SAMPLE_RATE} Hz), in the spirit of bliss-rs: one STFT pass (Hann {@value #FFT},
 * hop {@value #HOP}: 23 ms) gives per-frame loudness, zero-crossing rate, spectral centroid, roll-off,
 * flatness, 13 MFCCs (40 mel bands up to 5.5 kHz) and a 12-bin chroma; the vector holds their means and
 * deviations over the track's non-silent frames, bliss's chroma features (interval-class strengths and
 * triad strengths, which do not depend on the key) and rhythm (tempo by autocorrelation of the log-mel
 * spectral flux, pulse clarity, onset rate).
 *
 * <p>The raw values are stored; {@link FeatureIndex} standardises each dimension by the corpus' own
 * deviation at query time and weighs the {@link #GROUPS groups} alike. Not thread-safe (reuses its buffers):
 * one per thread.
 */
public final class SoundFeatures {
  /** Bumped when the vector's definition changes: stored vectors of another version are recomputed. */
  public static final int VERSION = 1;
  static final int FFT = 1024;
  static final int HOP = 256;
  static final int MELS = 40;
  static final int MFCC = 13;
  static final double SILENCE_DB = -60;
  /** Tempo search range and the prior's centre (beats per minute): octave errors fall to the prior. */
  static final double BPM_MIN = 50;
  static final double BPM_MAX = 220;
  static final double BPM_PRIOR = 120;

  // layout of the vector
  static final int RMS_MEAN = 0;
  static final int RMS_STD = 1;
  static final int ZCR_MEAN = 2;
  static final int ZCR_STD = 3;
  static final int CENTROID_MEAN = 4;
  static final int CENTROID_STD = 5;
  static final int ROLLOFF_MEAN = 6;
  static final int ROLLOFF_STD = 7;
  static final int FLATNESS_MEAN = 8;
  static final int FLATNESS_STD = 9;
  static final int MFCC_MEAN = 10;
  static final int MFCC_STD = MFCC_MEAN + MFCC;
  static final int INTERVALS = MFCC_STD + MFCC;          // 6 interval classes
  static final int TRIADS = INTERVALS + 6;               // major, minor, diminished, augmented
  static final int TEMPO = TRIADS + 4;                   // log2(bpm)
  static final int PULSE = TEMPO + 1;                    // autocorrelation peak / energy
  static final int ONSET_RATE = PULSE + 1;               // onsets per second
  public static final int DIMS = ONSET_RATE + 1;
  /** Dimension groups {first, end}: spectral shape and loudness, timbre (MFCC), harmony (chroma), rhythm. */
  static final int[][] GROUPS = {{0, MFCC_MEAN}, {MFCC_MEAN, INTERVALS}, {INTERVALS, TEMPO}, {TEMPO, DIMS}};

  private static final int BINS = FFT / 2 + 1;
  private static final double HZ_PER_BIN = (double) Fingerprinter.SAMPLE_RATE / FFT;
  private static final int[][] TRIAD_SHAPES = {{4, 7}, {3, 7}, {3, 6}, {4, 8}};

  private final FloatFFT_1D fft = new FloatFFT_1D(FFT);
  private final float[] window = new float[FFT];
  private final float[] buf = new float[FFT];
  private final double[] power = new double[BINS];
  private final double[] prevMel = new double[MELS];
  private final float[][] mel = new float[MELS][];
  private final int[] melStart = new int[MELS];
  private final double[][] dct = new double[MFCC][MELS];
  private final int[] pitchClass = new int[BINS];

  public SoundFeatures() {
    for (int i = 0; i < FFT; i++) {
      window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / FFT));
    }
    // HTK mel filters from 0 Hz to Nyquist
    double maxMel = hzToMel(Fingerprinter.SAMPLE_RATE / 2.0);
    double[] edges = new double[MELS + 2];
    for (int m = 0; m < edges.length; m++) {
      edges[m] = melToHz(maxMel * m / (MELS + 1)) / HZ_PER_BIN;
    }
    for (int m = 0; m < MELS; m++) {
      int lo = (int) Math.floor(edges[m]);
      int hi = Math.min(BINS - 1, (int) Math.ceil(edges[m + 2]));
      melStart[m] = lo;
      mel[m] = new float[hi - lo + 1];
      for (int k = lo; k <= hi; k++) {
        double w = k <= edges[m + 1] ? (k - edges[m]) / (edges[m + 1] - edges[m]) : (edges[m + 2] - k) / (edges[m + 2] - edges[m + 1]);
        mel[m][k - lo] = (float) Math.max(0, w);
      }
    }
    for (int c = 0; c < MFCC; c++) {
      for (int m = 0; m < MELS; m++) {
        dct[c][m] = Math.cos(Math.PI * (c + 1) * (m + 0.5) / MELS);   // c1..c13: c0 is loudness, kept apart
      }
    }
    for (int k = 0; k < BINS; k++) {
      double f = k * HZ_PER_BIN;
      // chroma from 65 Hz (C2) to 2.1 kHz: below, bins are wider than semitones; above, harmonics blur it
      pitchClass[k] = f < 65 || f > 2100 ? -1 : Math.floorMod((int) Math.round(12 * Math.log(f / 440.0) / Math.log(2)) + 9, 12);
    }
  }

  static double hzToMel(double hz) {
    return 2595 * Math.log10(1 + hz / 700);
  }

  static double melToHz(double mel) {
    return 700 * (Math.pow(10, mel / 2595) - 1);
  }

  /** The raw feature vector of {@code pcm}; all zeros for silence or audio shorter than one frame. */
  public float[] compute(float[] pcm) {
    int frames = pcm.length < FFT ? 0 : 1 + (pcm.length - FFT) / HOP;
    float[] out = new float[DIMS];
    if (frames == 0) {
      return out;
    }
    Stats rms = new Stats();
    Stats zcr = new Stats();
    Stats centroid = new Stats();
    Stats rolloff = new Stats();
    Stats flatness = new Stats();
    Stats[] mfcc = new Stats[MFCC];
    for (int c = 0; c < MFCC; c++) {
      mfcc[c] = new Stats();
    }
    double[] intervals = new double[6];
    double[] triads = new double[4];
    int harmonicFrames = 0;
    double[] flux = new double[frames];
    double[] melE = new double[MELS];
    double[] chroma = new double[12];
    java.util.Arrays.fill(prevMel, 0);
    for (int t = 0; t < frames; t++) {
      int start = t * HOP;
      double sq = 0;
      int crossings = 0;
      for (int i = 0; i < FFT; i++) {
        float v = pcm[start + i];
        sq += v * v;
        if (i > 0 && (v >= 0) != (pcm[start + i - 1] >= 0)) {
          crossings++;
        }
        buf[i] = v * window[i];
      }
      fft.realForward(buf);
      power[0] = buf[0] * buf[0];
      power[BINS - 1] = buf[1] * buf[1];
      for (int k = 1; k < BINS - 1; k++) {
        power[k] = buf[2 * k] * buf[2 * k] + buf[2 * k + 1] * buf[2 * k + 1];
      }
      double f = 0;
      for (int m = 0; m < MELS; m++) {
        double e = 0;
        float[] w = mel[m];
        int lo = melStart[m];
        for (int j = 0; j < w.length; j++) {
          e += w[j] * power[lo + j];
        }
        melE[m] = Math.log10(e + 1e-10);
        if (t > 0 && melE[m] > prevMel[m]) {
          f += melE[m] - prevMel[m];
        }
        prevMel[m] = melE[m];
      }
      flux[t] = f;
      double db = 10 * Math.log10(sq / FFT + 1e-12);
      if (db < SILENCE_DB) {
        continue;   // silence has no spectral shape: leave it out of the statistics (not out of the rhythm)
      }
      rms.add(db);
      zcr.add((double) crossings / FFT);
      double total = 0;
      double weighted = 0;
      double logSum = 0;
      for (int k = 1; k < BINS; k++) {
        total += power[k];
        weighted += power[k] * k;
        logSum += Math.log(power[k] + 1e-12);
      }
      centroid.add(weighted / total * HZ_PER_BIN);
      double acc = 0;
      int roll = BINS - 1;
      for (int k = 1; k < BINS; k++) {
        acc += power[k];
        if (acc >= 0.85 * total) {
          roll = k;
          break;
        }
      }
      rolloff.add(roll * HZ_PER_BIN);
      double arith = total / (BINS - 1);
      flatness.add(Math.log10(Math.exp(logSum / (BINS - 1)) / arith + 1e-12));
      for (int c = 0; c < MFCC; c++) {
        double s = 0;
        for (int m = 0; m < MELS; m++) {
          s += dct[c][m] * melE[m];
        }
        mfcc[c].add(s);
      }
      java.util.Arrays.fill(chroma, 0);
      double chromaSum = 0;
      for (int k = 0; k < BINS; k++) {
        if (pitchClass[k] >= 0) {
          chroma[pitchClass[k]] += power[k];
          chromaSum += power[k];
        }
      }
      if (chromaSum > 0) {
        harmonicFrames++;
        for (int i = 0; i < 12; i++) {
          chroma[i] /= chromaSum;
        }
        for (int k = 1; k <= 6; k++) {
          double s = 0;
          for (int i = 0; i < 12; i++) {
            s += chroma[i] * chroma[(i + k) % 12];
          }
          intervals[k - 1] += k == 6 ? 2 * s : s;   // the tritone pairs each class once, the others twice
        }
        for (int s = 0; s < TRIAD_SHAPES.length; s++) {
          double best = 0;
          for (int r = 0; r < 12; r++) {
            best = Math.max(best, Math.cbrt(chroma[r] * chroma[(r + TRIAD_SHAPES[s][0]) % 12] * chroma[(r + TRIAD_SHAPES[s][1]) % 12]));
          }
          triads[s] += best;
        }
      }
    }
    put(out, RMS_MEAN, rms);
    put(out, ZCR_MEAN, zcr);
    put(out, CENTROID_MEAN, centroid);
    put(out, ROLLOFF_MEAN, rolloff);
    put(out, FLATNESS_MEAN, flatness);
    for (int c = 0; c < MFCC; c++) {
      out[MFCC_MEAN + c] = (float) mfcc[c].mean();
      out[MFCC_STD + c] = (float) mfcc[c].std();
    }
    for (int i = 0; i < 6; i++) {
      out[INTERVALS + i] = harmonicFrames == 0 ? 0 : (float) (intervals[i] / harmonicFrames);
    }
    for (int i = 0; i < 4; i++) {
      out[TRIADS + i] = harmonicFrames == 0 ? 0 : (float) (triads[i] / harmonicFrames);
    }
    double[] rhythm = rhythm(flux);
    out[TEMPO] = (float) (Math.log(rhythm[0]) / Math.log(2));
    out[PULSE] = (float) rhythm[1];
    out[ONSET_RATE] = (float) rhythm[2];
    return out;
  }

  private static void put(float[] out, int at, Stats s) {
    out[at] = (float) s.mean();
    out[at + 1] = (float) s.std();
  }

  /** Frames per second of the onset envelope. */
  static double fps() {
    return (double) Fingerprinter.SAMPLE_RATE / HOP;
  }

  /**
   * {bpm, pulse clarity, onsets per second} of a spectral-flux envelope: the envelope minus its 1 s moving
   * average (half-wave rectified), smoothed over ±3 frames, is autocorrelated over the lags of {@value #BPM_MIN}..{@value #BPM_MAX}
   * BPM, weighted by a log-normal prior around {@value #BPM_PRIOR} BPM (one octave wide, as librosa's), and
   * the best lag refined by a parabola.
   */
  static double[] rhythm(double[] flux) {
    int n = flux.length;
    double fps = fps();
    int w = (int) Math.round(fps);
    double[] o = new double[n];
    double run = 0;
    for (int t = 0; t < n; t++) {
      run += flux[t];
      if (t >= w) {
        run -= flux[t - w];
      }
      double avg = run / Math.min(t + 1, w);
      o[t] = Math.max(0, flux[t] - avg);
    }
    // a Gaussian of one frame: a beat period that is not a whole number of frames (140 BPM: 18.5) would
    // otherwise split its peaks between two lags and lose to twice the period
    double[] smooth = new double[n];
    for (int t = 0; t < n; t++) {
      double s = 0.4026 * o[t];
      for (int j = 1; j <= 3; j++) {
        double g = j == 1 ? 0.2442 : j == 2 ? 0.0540 : 0.0044;
        s += g * ((t - j >= 0 ? o[t - j] : 0) + (t + j < n ? o[t + j] : 0));
      }
      smooth[t] = s;
    }
    o = smooth;
    double energy = 0;
    double mean = 0;
    for (double v : o) {
      energy += v * v;
      mean += v;
    }
    mean /= Math.max(1, n);
    int minLag = (int) Math.floor(60 * fps / BPM_MAX);
    int maxLag = (int) Math.ceil(60 * fps / BPM_MIN);
    if (energy <= 0 || n < maxLag * 3) {
      return new double[] {BPM_PRIOR, 0, 0};
    }
    double[] ac = new double[maxLag + 2];
    for (int lag = minLag - 1; lag <= maxLag + 1; lag++) {
      double s = 0;
      for (int t = lag; t < n; t++) {
        s += o[t] * o[t - lag];
      }
      ac[lag] = s / (n - lag) * n;   // unbiased: long lags are not penalised for their shorter overlap
    }
    int best = -1;
    double bestScore = -1;
    for (int lag = minLag; lag <= maxLag; lag++) {
      if (ac[lag] < ac[lag - 1] || ac[lag] < ac[lag + 1]) {
        continue;   // local maxima only
      }
      double bpm = 60 * fps / lag;
      double octaves = Math.log(bpm / BPM_PRIOR) / Math.log(2);
      double score = ac[lag] * Math.exp(-0.5 * octaves * octaves);
      if (score > bestScore) {
        bestScore = score;
        best = lag;
      }
    }
    if (best < 0) {
      return new double[] {BPM_PRIOR, 0, 0};
    }
    double a = ac[best - 1];
    double b = ac[best];
    double c = ac[best + 1];
    double denom = a - 2 * b + c;
    double shift = denom == 0 ? 0 : Math.max(-0.5, Math.min(0.5, 0.5 * (a - c) / denom));
    double bpm = 60 * fps / (best + shift);
    double clarity = Math.max(0, Math.min(1, b / energy));
    // onsets: local maxima of the envelope (±50 ms) above its mean plus one deviation
    double var = 0;
    for (double v : o) {
      var += (v - mean) * (v - mean);
    }
    double threshold = mean + Math.sqrt(var / n);
    int onsets = 0;
    int r = 2;
    for (int t = 0; t < n; t++) {
      if (o[t] <= threshold) {
        continue;
      }
      boolean peak = true;
      for (int j = Math.max(0, t - r); j <= Math.min(n - 1, t + r) && peak; j++) {
        peak = j == t || o[j] < o[t] || (o[j] == o[t] && j > t);
      }
      if (peak) {
        onsets++;
      }
    }
    return new double[] {bpm, clarity, onsets / (n / fps)};
  }

  /** Running mean and deviation (Welford). */
  static final class Stats {
    private long n;
    private double mean;
    private double m2;

    void add(double x) {
      n++;
      double d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    }

    double mean() {
      return mean;
    }

    double std() {
      return n < 2 ? 0 : Math.sqrt(m2 / (n - 1));
    }
  }
}

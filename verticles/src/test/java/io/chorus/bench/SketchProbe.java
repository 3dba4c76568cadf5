package io.chorus.bench;

import io.chorus.audio.Corpus;
import io.chorus.audio.Fingerprinter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Experiment: how well does a coarse band-energy sketch of the track tell a noisy clip's true offset from nulls. */
public final class SketchProbe {
  static int B = Integer.getInteger("bands", 32);
  static int[] edges;
  static final boolean RAW = Boolean.getBoolean("raw");
  static final int MODE = Integer.getInteger("mode", 0);
  static final String POOL = System.getProperty("pool", "mean");

  public static void main(String[] args) throws Exception {
    int clips = Integer.parseInt(args[0]);
    Corpus corpus = new Corpus();
    List<Corpus.Song> songs = corpus.libraryTracks();
    Fingerprinter fp = new Fingerprinter();
    int bins = Fingerprinter.F_MAX - Fingerprinter.F_MIN;
    edges = new int[B + 1];
    for (int b = 0; b <= B; b++) {
      edges[b] = (int) Math.round(Math.pow(bins, (double) b / B)) - 1;
    }
    for (int b = 1; b <= B; b++) {
      edges[b] = Math.max(edges[b], edges[b - 1] + 1);
    }
    System.out.println("edges " + Arrays.toString(edges));
    List<float[][]> sk = new ArrayList<>();
    for (Corpus.Song s : songs) {
      sk.add(sketch(IdentifyTune.spectrogram(fp, s.pcm())));
    }
    int D = Integer.getInteger("decim", 1);
    List<float[][]> dsk = new ArrayList<>();
    for (float[][] s : sk) {
      dsk.add(decimate(s, D));
    }
    List<Corpus.Song> others = corpus.heldOutTracks();
    String[][] plan = {{"5", "white5"}, {"5", "pink5"}, {"2", "pink5"}, {"5", "neg"}, {"2", "neg"}};
    int K = Integer.getInteger("cands", 30);
    for (String[] c : plan) {
      double len = Double.parseDouble(c[0]);
      Random rr = new Random(c[1].hashCode() + (long) len);
      StringBuilder line = new StringBuilder();
      int right = 0;
      int named = 0;
      double margin = 0;
      double minTrue = 99, maxWrong = -99;
      for (int k = 0; k < clips; k++) {
        boolean neg = c[1].equals("neg");
        int s = rr.nextInt(neg ? others.size() : songs.size());
        float[] pcm = neg ? others.get(s).pcm() : songs.get(s).pcm();
        int n = (int) (len * Fingerprinter.SAMPLE_RATE);
        int st = rr.nextInt(pcm.length - n);
        float[] cut = Arrays.copyOfRange(pcm, st, st + n);
        float[] noisy = IdentifyBench.transform(corpus, cut, neg ? "white5" : c[1], rr);
        float[][] q = decimate(sketch(IdentifyTune.spectrogram(fp, noisy)), D);
        double tz = neg ? -99 : zmax(q, dsk.get(s));
        double wz = -99;
        for (int i = 0; i < K; i++) {
          int ts = rr.nextInt(dsk.size());
          if (!neg && ts == s) {
            continue;
          }
          wz = Math.max(wz, zmax(q, dsk.get(ts)));
        }
        if (tz > wz) {
          right++;
        }
        io.chorus.audio.FingerprintIndex.SketchStage rule = io.chorus.audio.FingerprintIndex.SketchStage.DEFAULT;
        if (tz >= 100 * rule.minR() && tz >= rule.minRatio() * wz) {   // the stage's own rule (its r × 100)
          named++;
        }
        margin += tz - wz;
        minTrue = Math.min(minTrue, tz);
        maxWrong = Math.max(maxWrong, wz);
        line.append(String.format(" %.1f/%.1f", tz, wz));
      }
      System.out.printf("%ss %s B %d D %d pool %s: true best %d/%d, named %d, mean margin %.1f, min true z %.1f, max wrong z %.1f%n  %s%n", c[0], c[1], B, D, POOL, right, clips, named, margin / clips, minTrue, maxWrong, line);
    }
  }

  static float[][] decimate(float[][] s, int d) {
    if (d == 1) {
      return s;
    }
    float[][] out = new float[s.length / d][B];
    for (int t = 0; t < out.length; t++) {
      for (int b = 0; b < B; b++) {
        double p = 0;
        for (int k = 0; k < d; k++) {
          p += Math.pow(10, s[t * d + k][b] / 10);
        }
        out[t][b] = (float) (10 * Math.log10(p / d + 1e-12));
      }
    }
    return out;
  }

  /** The candidate's z: (best Pearson over every offset − mean) / sd over offsets. */
  static double zmax(float[][] q, float[][] t) {
    int n = q.length;
    int offs = t.length - n;
    if (offs < 10) {
      return -99;
    }
    double[] r = new double[offs];
    for (int o = 0; o < offs; o++) {
      r[o] = score(q, t, o, MODE);
    }
    double m = Arrays.stream(r).average().orElse(0);
    double sd = Math.sqrt(Arrays.stream(r).map(x -> (x - m) * (x - m)).average().orElse(0));
    return RAW ? 100 * Arrays.stream(r).max().orElse(0) : (Arrays.stream(r).max().orElse(0) - m) / sd;
  }

  /** frames × B band levels in dB. */
  static float[][] sketch(float[][] spec) {
    float[][] out = new float[spec.length][B];
    for (int t = 0; t < spec.length; t++) {
      for (int b = 0; b < B; b++) {
        int w = edges[b + 1] - edges[b];
        if (POOL.equals("max") || POOL.startsWith("top")) {
          int top = POOL.equals("max") ? 1 : Integer.parseInt(POOL.substring(3));
          float[] v = Arrays.copyOfRange(spec[t], edges[b], edges[b + 1]);
          Arrays.sort(v);
          double p = 0;
          int m = Math.min(top, w);
          for (int k = 0; k < m; k++) {
            p += Math.pow(10, v[w - 1 - k] / 10);
          }
          out[t][b] = (float) (10 * Math.log10(p / m + 1e-12));
          continue;
        }
        if (POOL.startsWith("pow")) {
          double e = Double.parseDouble(POOL.substring(3));
          double p = 0;
          for (int k = edges[b]; k < edges[b + 1]; k++) {
            p += Math.pow(10, e * spec[t][k] / 10);
          }
          out[t][b] = (float) (10 * Math.log10(p / w + 1e-30) / e);
          continue;
        }
        double p = 0;
        for (int k = edges[b]; k < edges[b + 1]; k++) {
          p += Math.pow(10, spec[t][k] / 10);
        }
        out[t][b] = (float) (10 * Math.log10(p / (edges[b + 1] - edges[b]) + 1e-12));
      }
    }
    return out;
  }

  /** mode 0: Pearson of band-mean-removed levels; 1: Pearson of frame-to-frame differences; 2: Philips bits agreement. */
  static double score(float[][] q, float[][] t, int off, int mode) {
    if (off < 0 || off + q.length > t.length) {
      return -1;
    }
    int n = q.length;
    if (mode == 2) {
      int agree = 0, tot = 0;
      for (int i = 1; i < n; i++) {
        for (int b = 0; b < B - 1; b++) {
          float dq = (q[i][b] - q[i][b + 1]) - (q[i - 1][b] - q[i - 1][b + 1]);
          float dt = (t[off + i][b] - t[off + i][b + 1]) - (t[off + i - 1][b] - t[off + i - 1][b + 1]);
          if ((dq > 0) == (dt > 0)) {
            agree++;
          }
          tot++;
        }
      }
      return (double) agree / tot;
    }
    double sxy = 0, sxx = 0, syy = 0;
    for (int b = 0; b < B; b++) {
      double mq = 0, mt = 0;
      for (int i = 1; i < n; i++) {
        mq += v(q, i, b, mode);
        mt += v(t, off + i, b, mode);
      }
      mq /= n - 1;
      mt /= n - 1;
      for (int i = 1; i < n; i++) {
        double x = v(q, i, b, mode) - mq;
        double y = v(t, off + i, b, mode) - mt;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
      }
    }
    return sxy / Math.sqrt(sxx * syy + 1e-12);
  }

  static double v(float[][] a, int i, int b, int mode) {
    return mode == 0 ? a[i][b] : a[i][b] - a[i - 1][b];
  }
}

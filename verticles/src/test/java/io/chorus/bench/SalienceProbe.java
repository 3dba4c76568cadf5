package io.chorus.bench;

import io.chorus.audio.Corpus;
import io.chorus.audio.FingerprintIndex;
import io.chorus.audio.Fingerprinter;
import io.chorus.audio.PeakVerification;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * An experiment on issue 18's noisy clips (not a stage of the index): can the query's spectrogram itself, rather than
 * its peaks, tell the true track among the hash stage's 100 candidates? Each candidate is scored by the query's level
 * at its anchor peaks (max over ±M frames and bins, above the mean of ±R bins, standardised per bin over the clip's
 * frames), summed over the peaks in the window / √n: a z score, at the candidate's offset ± 2 frames
 * ({@code -Dnulled=true}: against the same track at 34 misaligned offsets). Prints per condition the clips the index
 * names, the true track's z against the best wrong candidate's, for every clip the index misses its z at the true
 * offset (from the clean clip) and at the hash stage's, the negatives' best z, and what a z stage after the index
 * would add over a grid of thresholds (min z T, margin D over the next candidate) with its false positives.
 * Usage: {@code java -Xmx6g -cp … io.chorus.bench.SalienceProbe clipsPerCondition extraTracks} (50 10000 in
 * docs/benchmarks-history.md).
 */
public final class SalienceProbe {
  private SalienceProbe() {
  }

  public static void main(String[] args) throws Exception {
    int clips = Integer.parseInt(args[0]);
    int extra = Integer.parseInt(args[1]);
    Corpus corpus = new Corpus();
    List<Corpus.Song> songs = corpus.libraryTracks();
    List<Corpus.Song> others = corpus.heldOutTracks();
    Fingerprinter fp = new Fingerprinter();
    FingerprintIndex index = new FingerprintIndex(PeakVerification.Settings.DEFAULT);
    Map<UUID, int[]> anchors = new HashMap<>();
    List<UUID> ids = new ArrayList<>();
    List<long[]> prints = new ArrayList<>();
    for (Corpus.Song s : songs) {
      long[] l = fp.fingerprint(s.pcm());
      UUID id = UUID.randomUUID();
      ids.add(id);
      prints.add(l);
      index.add(id, l);
      anchors.put(id, PeakVerification.anchors(l));
    }
    Random r = new Random(7);
    for (int e = 0; e < extra; e++) {
      long[] l = IdentifyBench.scrambled(prints.get(r.nextInt(prints.size())), fp.params(), r);
      UUID id = UUID.randomUUID();
      index.add(id, l);
      anchors.put(id, PeakVerification.anchors(l));
    }
    index.compact();
    Random random = new Random(18);
    String[][] plan = {{"2", "white5"}, {"2", "pink5"}, {"5", "white5"}, {"5", "pink5"}, {"2", "white10"}, {"2", "pink10"}, {"5", "white0"}};
    for (String[] c : plan) {
      int named = 0;
      int top = 0;
      int inCand = 0;
      StringBuilder zs = new StringBuilder();
      for (int k = 0; k < clips; k++) {
        int s = random.nextInt(songs.size());
        float[] cut = Corpus.clip(songs.get(s).pcm(), Double.parseDouble(c[0]), random);
        float[][] spec = IdentifyTune.spectrogram(fp, IdentifyBench.transform(corpus, cut, c[1], random));
        long[] q = IdentifyTune.queryLandmarks(fp, spec);
        List<FingerprintIndex.Match> m = index.identify(q, 5);
        boolean ok = !m.isEmpty() && m.get(0).trackId().equals(ids.get(s));
        if (ok) {
          named++;
        }
        double[] res = probe(index, anchors, spec, q, ids.get(s));
        POS.add(new double[] {ok ? 1 : 0, res[0], res[1], res[2]});
        if (!ok) {
          List<FingerprintIndex.Match> clean = index.identify(IdentifyTune.queryLandmarks(fp, IdentifyTune.spectrogram(fp, cut)), 1);
          long trueOff = clean.isEmpty() ? -1 : Math.round(clean.get(0).offsetMs() / Fingerprinter.msPerFrame());
          double zt = atOffset(anchors.get(ids.get(s)), (int) trueOff, spec);
          System.out.printf("  miss %s: true offset %d, hash offset %s, z at true offset %.1f, at hash offset %.1f%n", c[0] + c[1], trueOff,
              res[3] < 0 ? "-" : String.valueOf((long) res[4]), zt, res[0]);
        }
        if (res[3] >= 0) {
          inCand++;
        }
        if (res[0] > res[1]) {
          top++;
        }
        zs.append(String.format(" %.1f/%.1f", res[0], res[1]));
      }
      System.out.printf("%ss %s: named %d/%d, true in candidates %d, true best by salience %d%n  true/bestwrong z:%s%n",
          c[0], c[1], named, clips, inCand, top, zs);
    }
    for (String c : new String[] {"clean", "white5"}) {
      for (double len : new double[] {2, 5, 10}) {
        StringBuilder zs = new StringBuilder();
        for (int k = 0; k < clips; k++) {
          float[][] spec = IdentifyTune.spectrogram(fp, IdentifyBench.transform(corpus,
              Corpus.clip(others.get(random.nextInt(others.size())).pcm(), len, random), c, random));
          long[] q = IdentifyTune.queryLandmarks(fp, spec);
          double[] res = probe(index, anchors, spec, q, null);
          NEG.add(new double[] {index.identify(q, 5).isEmpty() ? 1 : 0, res[1], res[2]});
          zs.append(String.format(" %.1f/%.1f", res[1], res[2]));
        }
        System.out.printf("negatives %s %.0fs best/second z:%s%n", c, len, zs);
      }
    }
    grid();
  }

  /** {true z (or -99), best wrong z, second wrong z, true's hash rank (-1: not a candidate), true's offset in frames}. */
  static double[] probe(FingerprintIndex index, Map<UUID, int[]> anchors, float[][] spec, long[] q, UUID truth) {
    List<PeakVerification.Check> checks = index.checks(q, 100);
    int frames = spec.length;
    Sal sa = salience(spec);
    float[][] mx = sa.mx();
    double[] mu = sa.mu();
    double[] sd = sa.sd();
    double trueZ = -99;
    double best = -99;
    double second = -99;
    int rank = -1;
    int trueOffset = -1;
    for (int i = 0; i < checks.size(); i++) {
      PeakVerification.Check c = checks.get(i);
      int off = (int) Math.round(c.offsetMs() / Fingerprinter.msPerFrame());
      double z = -99;
      for (int d = -2; d <= 2; d++) {
        z = Math.max(z, z(anchors.get(c.trackId()), off + d, frames, mx, mu, sd));
      }
      if (NULLED && z > -99) {
        double s1 = 0;
        double s2 = 0;
        int k = 0;
        for (int d = 8; d <= 40; d += 2) {
          for (int sign = -1; sign <= 1; sign += 2) {
            double y = z(anchors.get(c.trackId()), off + sign * d, frames, mx, mu, sd);
            if (y > -99) {
              s1 += y;
              s2 += y * y;
              k++;
            }
          }
        }
        if (k >= 6) {
          double m = s1 / k;
          double v = Math.sqrt(Math.max(0.25, s2 / k - m * m));
          z = (z - m) / v;
        } else {
          z = -99;
        }
      }
      if (c.trackId().equals(truth)) {
        trueZ = z;
        rank = i;
        trueOffset = off;
      } else if (z > best) {
        second = best;
        best = z;
      } else if (z > second) {
        second = z;
      }
    }
    return new double[] {trueZ, best, second, rank, trueOffset};
  }

  static final boolean NULLED = Boolean.getBoolean("nulled");
  static final List<double[]> POS = new ArrayList<>();
  static final List<double[]> NEG = new ArrayList<>();

  static void grid() {
    StringBuilder m = new StringBuilder("misses true/wrong/second:");
    for (double[] r : POS) {
      if (r[0] == 0) {
        m.append(String.format(" %.1f/%.1f/%.1f", r[1], r[2], r[3]));
      }
    }
    System.out.println(m);
    System.out.printf("hash+peaks FP %d/%d%n", NEG.stream().filter(r -> r[0] == 0).count(), NEG.size());
    for (double t : new double[] {3, 4, 5, 6, 7, 8}) {
      for (double d : new double[] {0, 1, 2, 3}) {
        int gain = 0;
        int wrong = 0;
        for (double[] r : POS) {
          if (r[0] == 1) {
            continue;
          }
          double top = Math.max(r[1], r[2]);
          double next = Math.max(Math.min(r[1], r[2]), r[3]);
          if (top >= t && top - next >= d) {
            if (r[1] >= r[2]) {
              gain++;
            } else {
              wrong++;
            }
          }
        }
        int fp = 0;
        for (double[] r : NEG) {
          if (r[0] == 1 && r[1] >= t && r[1] - r[2] >= d) {
            fp++;
          }
        }
        System.out.printf("T %.0f D %.0f: +%d named, %d wrong, FP %d/%d%n", t, d, gain, wrong, fp, NEG.size());
      }
    }
  }

  record Sal(float[][] mx, double[] mu, double[] sd) {
  }

  static Sal salience(float[][] spec) {
    int frames = spec.length;
    int bins = frames == 0 ? 0 : spec[0].length;
    // salience: a cell's level above the mean of its frame's ±R bins; then per bin mean and deviation over frames
    int R = Integer.getInteger("R", 10);
    int M = Integer.getInteger("M", 1);   // max over ±M frames, ±M bins
    float[][] sal = new float[frames][bins];
    for (int t = 0; t < frames; t++) {
      float[] row = spec[t];
      double[] pre = new double[bins + 1];
      for (int b = 0; b < bins; b++) {
        pre[b + 1] = pre[b] + row[b];
      }
      for (int b = 0; b < bins; b++) {
        int lo = Math.max(0, b - R);
        int hi = Math.min(bins, b + R + 1);
        sal[t][b] = (float) (row[b] - (pre[hi] - pre[lo]) / (hi - lo));
      }
    }
    float[][] mx = new float[frames][bins];
    for (int t = 0; t < frames; t++) {
      for (int b = 0; b < bins; b++) {
        float m = -1e9f;
        for (int u = Math.max(0, t - M); u <= Math.min(frames - 1, t + M); u++) {
          for (int v = Math.max(0, b - M); v <= Math.min(bins - 1, b + M); v++) {
            m = Math.max(m, sal[u][v]);
          }
        }
        mx[t][b] = m;
      }
    }
    double[] mu = new double[bins];
    double[] sd = new double[bins];
    for (int b = 0; b < bins; b++) {
      double s = 0;
      double s2 = 0;
      for (int t = 0; t < frames; t++) {
        s += mx[t][b];
        s2 += mx[t][b] * mx[t][b];
      }
      mu[b] = s / frames;
      sd[b] = Math.sqrt(Math.max(1e-6, s2 / frames - mu[b] * mu[b]));
    }
    return new Sal(mx, mu, sd);
  }

  static double atOffset(int[] a, int off, float[][] spec) {
    Sal sa = salience(spec);
    double z = -99;
    for (int d = -2; d <= 2; d++) {
      z = Math.max(z, z(a, off + d, spec.length, sa.mx(), sa.mu(), sa.sd()));
    }
    return z;
  }

  static double z(int[] a, int offset, int frames, float[][] mx, double[] mu, double[] sd) {
    double s = 0;
    int n = 0;
    for (int p : a) {
      int t = (p >>> 9) - offset;
      int b = p & 511;
      if (t < 0 || t >= frames || b >= mu.length) {
        continue;
      }
      s += (mx[t][b] - mu[b]) / sd[b];
      n++;
    }
    return n == 0 ? -99 : s / Math.sqrt(n);
  }
}

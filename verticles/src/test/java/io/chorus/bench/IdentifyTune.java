package io.chorus.bench;

import io.chorus.audio.Corpus;
import io.chorus.audio.FingerprintIndex;
import io.chorus.audio.Fingerprinter;
import io.chorus.audio.PeakVerification;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The parameter sweep behind {@link Fingerprinter.Params#DEFAULT} (issue 18): the corpus of IdentifyBench
 * (the first {@code seconds} of each track), seeded clips per condition whose spectrograms are computed
 * once, then per parameter set: index landmarks per second, query landmarks, top-1 per condition and false
 * positives on held-out music. Paired: every parameter set sees the same clips.
 * Usage: IdentifyTune seconds clips extra "df,dt,minDb,perSec,fanOut,qDf,qDt,qMinDb,qPerSec,qFanOut,dtMax,dfMax[,minScore,
 * minRatio,minFraction,expand,L];..." (seconds 100000: whole tracks; extra synthetic tracks as IdentifyBench makes them;
 * matching through {@link FingerprintIndex#identify}). {@code -Dmisses=1}: per miss, the true track's rank and score and
 * the best score; {@code -Dsurvival=1}: per clip, the share of the clean clip's track-side peaks found among the noisy
 * query's (exactly, within ±1 frame or bin) and of its landmarks. {@code -Dverify=K1,K2,..}: the peak verification's
 * calibration: the hash stage alone decides first, then for each K the K best tracks by hash score are verified
 * ({@link FingerprintIndex#checks}) and the thresholds (hits, share of the window, ratio to the next track) swept
 * for the most clips named with at most 0 and 1 false positives on the held-out clips.
 */
public final class IdentifyTune {
  private IdentifyTune() {
  }

  record Clip(int song, float[][] spec, float[][] clean) {
    Clip(int song, float[][] spec) {
      this(song, spec, null);
    }
  }

  public static void main(String[] args) throws Exception {
    int seconds = Integer.parseInt(args[0]);
    int clips = Integer.parseInt(args[1]);
    int extra = Integer.parseInt(args[2]);
    Corpus corpus = new Corpus();
    List<Corpus.Song> songs = corpus.libraryTracks();
    List<Corpus.Song> others = corpus.heldOutTracks();
    Fingerprinter base = new Fingerprinter();
    List<float[][]> specs = new ArrayList<>();
    double total = 0;
    for (Corpus.Song s : songs) {
      float[] pcm = s.pcm().length > seconds * Fingerprinter.SAMPLE_RATE ? java.util.Arrays.copyOf(s.pcm(), seconds * Fingerprinter.SAMPLE_RATE) : s.pcm();
      total += pcm.length / (double) Fingerprinter.SAMPLE_RATE;
      specs.add(spectrogram(base, pcm));
    }
    Random random = new Random(18);
    Map<String, List<Clip>> conditions = new LinkedHashMap<>();
    String[][] plan = {{"2", "clean"}, {"2", "white10"}, {"2", "pink10"}, {"2", "white5"}, {"2", "pink5"},
        {"5", "white5"}, {"5", "pink5"}, {"5", "white0"}, {"5", "mp3-64k"}, {"2", "phone+white10"}};
    for (String[] c : plan) {
      List<Clip> list = new ArrayList<>();
      for (int k = 0; k < clips; k++) {
        int s = random.nextInt(songs.size());
        float[] pcm = java.util.Arrays.copyOf(songs.get(s).pcm(), Math.min(songs.get(s).pcm().length, seconds * Fingerprinter.SAMPLE_RATE));
        float[] cut = Corpus.clip(pcm, Double.parseDouble(c[0]), random);
        list.add(new Clip(s, spectrogram(base, IdentifyBench.transformPublic(corpus, cut, c[1], random)),
            System.getProperty("survival") != null ? spectrogram(base, cut) : null));
      }
      conditions.put(c[0] + "s " + c[1], list);
    }
    List<Clip> negatives = new ArrayList<>();
    for (String c : new String[] {"clean", "white5"}) {
      for (double len : new double[] {2, 5, 10}) {
        for (int k = 0; k < clips; k++) {
          negatives.add(new Clip(-1, spectrogram(base, IdentifyBench.transformPublic(corpus,
              Corpus.clip(others.get(random.nextInt(others.size())).pcm(), len, random), c, random))));
        }
      }
    }
    System.out.printf("%d tracks, %.2f h; %d clips per condition; %d synthetic%n", songs.size(), total / 3600, clips, extra);
    for (String set : args[3].split(";")) {
      String[] v = set.split(",");
      Fingerprinter.Params p = new Fingerprinter.Params(Integer.parseInt(v[0]), Integer.parseInt(v[1]), Float.parseFloat(v[2]),
          Integer.parseInt(v[3]), Integer.parseInt(v[4]), Integer.parseInt(v[5]), Integer.parseInt(v[6]), Float.parseFloat(v[7]),
          Integer.parseInt(v[8]), Integer.parseInt(v[9]), Integer.parseInt(v[10]), Integer.parseInt(v[11]), v.length > 16 && v[16].equals("L"));
      Fingerprinter fp = new Fingerprinter(p);
      expand = v.length > 15 ? Integer.parseInt(v[15]) : 0;
      PeakVerification.Settings verification = System.getProperty("verify") != null ? PeakVerification.Settings.OFF : PeakVerification.Settings.DEFAULT;
      FingerprintIndex index = v.length > 12 ? new FingerprintIndex(Integer.parseInt(v[12]), Double.parseDouble(v[13]), Double.parseDouble(v[14]), verification)
          : new FingerprintIndex(verification);
      List<UUID> ids = new ArrayList<>();
      List<long[]> prints = new ArrayList<>();
      long lms = 0;
      for (float[][] spec : specs) {
        long[] l = trackLandmarks(fp, spec);
        UUID id = UUID.randomUUID();
        ids.add(id);
        prints.add(l);
        index.add(id, l);
        lms += l.length;
      }
      Random r = new Random(7);
      for (int e = 0; e < extra; e++) {   // as the bench makes them: hashes a query can produce
        index.add(UUID.randomUUID(), IdentifyBench.scrambled(prints.get(r.nextInt(prints.size())), p, r));
      }
      index.compact();
      StringBuilder line = new StringBuilder(String.format("%s | %.0f lm/s", set, lms / total));
      long qlm = 0;
      long nanos = 0;
      long gathered = 0;
      int queries = 0;
      for (Map.Entry<String, List<Clip>> c : conditions.entrySet()) {
        int ok = 0;
        for (Clip clip : c.getValue()) {
          long t0 = System.nanoTime();
          long[] q = queryLandmarks(fp, clip.spec());
          List<FingerprintIndex.Match> m = index.identify(q, 5);
          nanos += System.nanoTime() - t0;
          gathered += FingerprintIndex.lastQueryCounts()[0];
          queries++;
          qlm += q.length;
          if (!m.isEmpty() && m.get(0).trackId().equals(ids.get(clip.song()))) {
            ok++;
          }
        }
        line.append(String.format(" | %s %d", c.getKey(), Math.round(100.0 * ok / c.getValue().size())));
        if (System.getProperty("survival") != null) {   // how much of the clean clip's track-side peaks/landmarks the noisy query keeps
          StringBuilder d = new StringBuilder("  survival " + c.getKey() + " (peaks exact/±1 %, landmarks %, query peaks):");
          for (Clip clip : c.getValue()) {
            int[] tp = peaksOf(fp, clip.clean(), false);
            int[] qp = peaksOf(fp, clip.spec(), true);
            java.util.Set<Integer> qs = new java.util.HashSet<>();
            for (int x : qp) {
              qs.add(x);
            }
            int exact = 0;
            int near = 0;
            for (int x : tp) {
              if (qs.contains(x)) {
                exact++;
              }
              boolean found = false;
              for (int a = -1; a <= 1 && !found; a++) {
                for (int b = -1; b <= 1 && !found; b++) {
                  found = qs.contains(x + (a << 16) + b);
                }
              }
              if (found) {
                near++;
              }
            }
            java.util.Set<Long> ql = new java.util.HashSet<>();
            for (long lm : queryLandmarks(fp, clip.spec())) {
              ql.add(lm);
            }
            long[] tl = trackLandmarks(fp, clip.clean());
            int kept = 0;
            for (long lm : tl) {
              if (ql.contains(lm)) {
                kept++;
              }
            }
            d.append(String.format(" %d/%d/%d/%d", 100 * exact / Math.max(1, tp.length), 100 * near / Math.max(1, tp.length), 100 * kept / Math.max(1, tl.length), qp.length));
          }
          System.out.println(d);
        }
        if (System.getProperty("misses") != null) {   // per miss: the true track's rank:score, and the best score
          StringBuilder d = new StringBuilder("  misses " + c.getKey() + " (rank:true/best):");
          for (Clip clip : c.getValue()) {
            List<FingerprintIndex.Match> all = index.candidates(queryLandmarks(fp, clip.spec()), Integer.MAX_VALUE);
            List<FingerprintIndex.Match> m = index.identify(queryLandmarks(fp, clip.spec()), 5);
            if (!m.isEmpty() && m.get(0).trackId().equals(ids.get(clip.song()))) {
              continue;
            }
            int rank = -1;
            int score = 0;
            for (int i = 0; i < all.size(); i++) {
              if (all.get(i).trackId().equals(ids.get(clip.song()))) {
                rank = i + 1;
                score = all.get(i).score();
                break;
              }
            }
            d.append(' ').append(rank).append(':').append(score).append('/').append(all.isEmpty() ? 0 : all.get(0).score());
          }
          System.out.println(d);
        }
        if (System.getProperty("diag", "").equals(c.getKey().replace(' ', '_'))) {
          FingerprintIndex loose = new FingerprintIndex(1, 1.0, 0);
          for (int t = 0; t < prints.size(); t++) {
            loose.add(ids.get(t), prints.get(t));
          }
          StringBuilder d = new StringBuilder("diag " + c.getKey() + " (true/other):");
          for (Clip clip : c.getValue()) {
            List<FingerprintIndex.Match> m = loose.match(queryLandmarks(fp, clip.spec()), 200);
            int mine = 0;
            int other = 0;
            for (FingerprintIndex.Match x : m) {
              if (x.trackId().equals(ids.get(clip.song()))) {
                mine = Math.max(mine, x.score());
              } else {
                other = Math.max(other, x.score());
              }
            }
            d.append(' ').append(mine).append('/').append(other);
          }
          System.out.println(d);
        }
      }
      int fps = 0;
      for (Clip clip : negatives) {
        if (!index.identify(queryLandmarks(fp, clip.spec()), 5).isEmpty()) {
          fps++;
        }
      }
      if (System.getProperty("negdiag") != null) {
        FingerprintIndex loose = new FingerprintIndex(1, 1.0, 0);
        for (int t = 0; t < prints.size(); t++) {
          loose.add(ids.get(t), prints.get(t));
        }
        StringBuilder d = new StringBuilder("negdiag (top/second/query lm):");
        for (Clip clip : negatives) {
          long[] q = queryLandmarks(fp, clip.spec());
          List<FingerprintIndex.Match> m = loose.match(q, 2);
          d.append(' ').append(m.isEmpty() ? 0 : m.get(0).score()).append('/').append(m.size() < 2 ? 0 : m.get(1).score()).append('/').append(q.length);
        }
        System.out.println(d);
      }
      line.append(String.format(" | FP %d/%d | q %.0f lm, %.1f ms, %.0f candidates", fps, negatives.size(), (double) qlm / queries, nanos / 1e6 / queries, (double) gathered / queries));
      System.out.println(line);
      if (System.getProperty("verify") != null) {
        for (String k : System.getProperty("verify").split(",")) {
          calibrateVerification(index, fp, ids, conditions, negatives, Integer.parseInt(k));
        }
      } else {
        calibrate(index, fp, ids, conditions, negatives);
      }
    }
  }

  /** A clip for the verification sweep: whether the hash stage named it (or anything), and its checks, most hits first. */
  record Verified(int condition, boolean hashRight, boolean hashAny, List<PeakVerification.Check> checks, UUID truth) {
  }

  /** The verification's thresholds swept over clips the hash stage leaves unnamed (index with verification off). */
  static void calibrateVerification(FingerprintIndex index, Fingerprinter fp, List<UUID> ids, Map<String, List<Clip>> conditions,
                                    List<Clip> negatives, int k) throws Exception {
    List<Verified> pos = new ArrayList<>();
    long nanos = 0;
    int verifiedQueries = 0;
    int ci = 0;
    for (List<Clip> list : conditions.values()) {
      for (Clip clip : list) {
        long[] q = queryLandmarks(fp, clip.spec());
        List<FingerprintIndex.Match> m = index.identify(q, 5);
        long t0 = System.nanoTime();
        List<PeakVerification.Check> checks = index.checks(q, k);
        nanos += System.nanoTime() - t0;
        verifiedQueries++;
        pos.add(new Verified(ci, !m.isEmpty() && m.get(0).trackId().equals(ids.get(clip.song())), !m.isEmpty(), checks, ids.get(clip.song())));
      }
      ci++;
    }
    List<Verified> neg = new ArrayList<>();
    for (Clip clip : negatives) {
      long[] q = queryLandmarks(fp, clip.spec());
      neg.add(new Verified(-1, false, !index.identify(q, 5).isEmpty(), index.checks(q, k), null));
    }
    // the true track among the candidates, and its hits against the best other's
    StringBuilder d = new StringBuilder(String.format("  K %d, checks %.1f ms/query; hash misses (true exact/near/window : best other's by near; -: not a candidate):",
        k, nanos / 1e6 / verifiedQueries));
    for (Verified x : pos) {
      if (x.hashRight()) {
        continue;
      }
      PeakVerification.Check truth = null;
      PeakVerification.Check other = null;
      for (PeakVerification.Check c : x.checks()) {
        if (c.trackId().equals(x.truth())) {
          truth = truth == null ? c : truth;
        } else if (other == null) {
          other = c;
        }
      }
      d.append(' ').append(truth == null ? "-" : truth.exact() + "/" + truth.near() + "/" + truth.window()).append(':')
          .append(other == null ? "-" : other.exact() + "/" + other.near() + "/" + other.window());
    }
    System.out.println(d);
    StringBuilder nd = new StringBuilder("  negatives (best by near: exact/near/window):");
    for (Verified x : neg) {
      nd.append(' ').append(x.checks().isEmpty() ? "-" : x.checks().get(0).exact() + "/" + x.checks().get(0).near() + "/" + x.checks().get(0).window());
    }
    System.out.println(nd);
    for (int allowed = 0; allowed <= 1; allowed++) {
      double bestAcc = -1;
      String best = "";
      for (double weight : new double[] {0, 0.25, 0.5, 1}) {
      for (int minHits = 4; minHits <= 40; minHits++) {
        for (double share : new double[] {0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5}) {
          for (double ratio : new double[] {1.2, 1.5, 2.0, 2.5, 3.0}) {
            PeakVerification.Settings v = new PeakVerification.Settings(k, minHits, share, ratio, weight);
            int fps = 0;
            for (Verified x : neg) {
              if (x.hashAny() || named(x.checks(), v) != null) {
                fps++;
              }
            }
            if (fps > allowed) {
              continue;
            }
            int[] ok = new int[conditions.size()];
            int total = 0;
            for (Verified x : pos) {
              boolean right = x.hashAny() ? x.hashRight() : x.truth().equals(named(x.checks(), v));
              if (right) {
                ok[x.condition()]++;
                total++;
              }
            }
            if (total > bestAcc) {
              bestAcc = total;
              StringBuilder b = new StringBuilder(String.format("  K %d FP<=%d: weight %.2f minHits %d share %.2f ratio %.1f FP %d, named %d:", k, allowed, weight, minHits, share, ratio, fps, total));
              int i = 0;
              for (Map.Entry<String, List<Clip>> c : conditions.entrySet()) {
                b.append(String.format(" | %s %d", c.getKey(), Math.round(100.0 * ok[i++] / c.getValue().size())));
              }
              best = b.toString();
            }
          }
        }
      }
      }
      System.out.println(best);
    }
  }

  /** The track the verification names with these thresholds (FingerprintIndex's decision), or null. */
  static UUID named(List<PeakVerification.Check> unsorted, PeakVerification.Settings v) {
    if (unsorted.isEmpty()) {
      return null;
    }
    double w = v.nearWeight();
    List<PeakVerification.Check> checks = new ArrayList<>(unsorted);
    checks.sort((a, b) -> Double.compare(b.score(w), a.score(w)));
    PeakVerification.Check best = checks.get(0);
    double second = 0;
    for (int r = 1; r < checks.size(); r++) {
      PeakVerification.Check c = checks.get(r);
      if (!PeakVerification.passes(c, v) || c.score(w) < best.score(w) / v.minRatio()) {
        second = c.score(w);
        break;
      }
    }
    return PeakVerification.passes(best, v) && best.score(w) >= v.minRatio() * second ? best.trackId() : null;
  }

  /** Scores without thresholds, then the (minScore, fraction) pair with at most one false positive that names the most clips. */
  static void calibrate(FingerprintIndex index, Fingerprinter fp, List<UUID> ids, Map<String, List<Clip>> conditions, List<Clip> negatives) throws Exception {
    List<int[]> pos = new ArrayList<>();   // {condition, top, second, distinct lm, isTrue}
    int ci = 0;
    for (List<Clip> list : conditions.values()) {
      for (Clip clip : list) {
        long[] q = queryLandmarks(fp, clip.spec());
        List<FingerprintIndex.Match> m = index.candidates(q, 2);
        int top = m.isEmpty() ? 0 : m.get(0).score();
        int second = m.size() < 2 ? 0 : m.get(1).score();
        boolean right = !m.isEmpty() && m.get(0).trackId().equals(ids.get(clip.song()));
        pos.add(new int[] {ci, top, second, distinct(q), right ? 1 : 0});
      }
      ci++;
    }
    List<int[]> neg = new ArrayList<>();
    for (Clip clip : negatives) {
      long[] q = queryLandmarks(fp, clip.spec());
      List<FingerprintIndex.Match> m = index.candidates(q, 2);
      neg.add(new int[] {-1, m.isEmpty() ? 0 : m.get(0).score(), m.size() < 2 ? 0 : m.get(1).score(), distinct(q), 0});
    }
    double bestAcc = -1;
    String best = "";
    for (int minScore = 4; minScore <= 40; minScore++) {
      for (double frac : new double[] {0, 0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.007, 0.01, 0.015, 0.02}) {
        int fps = 0;
        for (int[] n : neg) {
          if (pass(n, minScore, frac)) {
            fps++;
          }
        }
        if (fps > 1) {
          continue;
        }
        int[] ok = new int[conditions.size()];
        int total = 0;
        for (int[] x : pos) {
          if (x[4] == 1 && pass(x, minScore, frac)) {
            ok[x[0]]++;
            total++;
          }
        }
        double acc = total / (double) pos.size();
        if (acc > bestAcc) {
          bestAcc = acc;
          StringBuilder b = new StringBuilder(String.format("  calibrated minScore %d fraction %.4f FP %d:", minScore, frac, fps));
          int k = 0;
          for (Map.Entry<String, List<Clip>> c : conditions.entrySet()) {
            b.append(String.format(" | %s %d", c.getKey(), Math.round(100.0 * ok[k++] / c.getValue().size())));
          }
          best = b.toString();
        }
      }
    }
    System.out.println(best);
  }

  static boolean pass(int[] x, int minScore, double frac) {
    return x[1] >= Math.max(minScore, frac * x[3]) && x[1] >= 2.0 * x[2];
  }

  static int distinct(long[] q) {
    java.util.Set<Integer> s = new java.util.HashSet<>();
    for (long lm : q) {
      s.add((int) (lm >>> 32));
    }
    return s.size();
  }

  static float[][] spectrogram(Fingerprinter fp, float[] pcm) throws Exception {
    var m = Fingerprinter.class.getDeclaredMethod("spectrogram", float[].class);
    m.setAccessible(true);
    return (float[][]) m.invoke(fp, (Object) pcm);
  }

  static long[] trackLandmarks(Fingerprinter fp, float[][] spec) throws Exception {
    var m = Fingerprinter.class.getDeclaredMethod("trackLandmarks", float[][].class);
    m.setAccessible(true);
    return (long[]) m.invoke(fp, (Object) spec);
  }

  static long[] queryLandmarks(Fingerprinter fp, float[][] spec) throws Exception {
    var m = Fingerprinter.class.getDeclaredMethod("queryLandmarks", float[][].class);
    m.setAccessible(true);
    long[] q = (long[]) m.invoke(fp, (Object) spec);
    return expand == 0 ? q : expanded(q, expand);
  }

  static int expand;

  static int[] peaksOf(Fingerprinter fp, float[][] spec, boolean query) throws Exception {
    var m = Fingerprinter.class.getDeclaredMethod(query ? "queryPeaks" : "trackPeaks", float[][].class);
    m.setAccessible(true);
    return (int[]) m.invoke(fp, (Object) spec);
  }

  /** Each landmark with its neighbours' hashes: dt ± 1 (1), also df ± 1 (2), also f1 ± 1 (3). */
  static long[] expanded(long[] q, int mode) {
    int fr = mode >= 3 ? 1 : 0;
    int dr = mode >= 2 ? 1 : 0;
    List<Long> out = new ArrayList<>();
    for (long lm : q) {
      int h = (int) (lm >>> 32);
      int f1 = h >>> 14;
      int df = ((h >>> 6) & 0xff) - 128;
      int dt = h & 0x3f;
      for (int a = -fr; a <= fr; a++) {
        for (int b = -dr; b <= dr; b++) {
          for (int c = -1; c <= 1; c++) {
            int f = f1 + a;
            int d = df + b;
            int t = dt + c;
            if (f < 0 || f > 511 || d < -128 || d > 127 || t < 1 || t > 63) {
              continue;
            }
            int h2 = f << 14 | (d + 128) << 6 | t;
            out.add(((long) h2 << 32) | (lm & 0xffffffffL));
          }
        }
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }
}

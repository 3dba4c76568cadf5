package io.chorus.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The peak verification of {@link FingerprintIndex#identify}, its pure part: the settings, a candidate's counts, the
 * decision on them, the query's peak planes and a track's anchor peaks. The index owns the tracks' peaks and picks
 * the candidates; this class holds no state.
 */
public final class PeakVerification {
  private PeakVerification() {
  }

  /**
   * The settings: the {@code candidates} best tracks by hash score are scored by their peaks that the query has in
   * place (1 each) or one frame or bin away ({@code nearWeight} each); the best is a match when its score is at least {@code minHits}, at least {@code minShare} of its
   * peaks in the clip's window, and at least {@code minRatio} × the score of the best other track that does not
   * pass these tests too. {@link #DEFAULT}: calibrated with IdentifyTune {@code -Dverify} (45 real + 10,000
   * synthetic tracks, 500 clips in ten noise conditions, 300 held-out clips) for no false positive there;
   * 100 candidates name as many as 200 and cost less.
   */
  public record Settings(int candidates, int minHits, double minShare, double minRatio, double nearWeight) {
    public static final Settings DEFAULT = new Settings(100, 8, 0.25, 1.5, 0.5);
    public static final Settings OFF = new Settings(0, 0, 0, 0, 1);
  }

  /**
   * A verified candidate: its track's peaks found in the query in place and within ±1 frame and bin (the latter
   * counts the former too), its peaks in the clip's window, its hash score and its offset.
   */
  public record Check(UUID trackId, int exact, int near, int window, int hashScore, long offsetMs) {
    /** Peaks found in place count 1, peaks found one frame or bin away {@code nearWeight}. */
    public double score(double nearWeight) {
      return exact + nearWeight * (near - exact);
    }
  }

  /**
   * The confident matches among verified candidates, as {@link FingerprintIndex} decides on hash scores: the best must pass
   * the absolute tests (hits, share of its window) and have {@code minRatio} × the hits of the best other track that
   * does not pass them as well (the same song uploaded twice passes them as well: returned after it).
   */
  static List<FingerprintIndex.Match> decide(List<Check> checks, int limit, Settings verification) {
    List<FingerprintIndex.Match> out = new ArrayList<>();
    if (checks.isEmpty()) {
      return out;
    }
    double w = verification.nearWeight();
    Check best = checks.get(0);
    double second = 0;
    for (int r = 1; r < checks.size(); r++) {
      Check c = checks.get(r);
      if (!passes(c, verification) || c.score(w) < best.score(w) / verification.minRatio()) {
        second = c.score(w);
        break;
      }
    }
    if (!passes(best, verification) || best.score(w) < verification.minRatio() * second) {
      return out;
    }
    for (Check c : checks) {
      if (out.size() == limit || !passes(c, verification) || c.score(w) < best.score(w) / verification.minRatio()) {
        break;
      }
      out.add(new FingerprintIndex.Match(c.trackId(), (int) Math.round(c.score(w)), c.offsetMs()));
    }
    return out;
  }

  /** The absolute tests of a verified candidate: its score, and its score as a share of its peaks in the window. */
  public static boolean passes(Check c, Settings v) {
    double score = c.score(v.nearWeight());
    return score >= v.minHits() && score >= v.minShare() * c.window();
  }

  /**
   * The query's anchor peaks dilated by ±1 frame and ±1 bin: a bit per (query frame + 1, bin), 512 bins (8 longs)
   * per row, rows 0 .. span + 2.
   */
  static long[] plane(long[] query, int span, int d) {
    long[] plane = new long[(span + 3) * 8];
    for (long lm : query) {
      int frame = Fingerprinter.timeOf(lm);
      int bin = Fingerprinter.hashOf(lm) >>> 14;
      for (int r = frame + 1 - d; r <= frame + 1 + d; r++) {
        for (int b = Math.max(0, bin - d); b <= Math.min(511, bin + d); b++) {
          plane[r << 3 | b >>> 6] |= 1L << b;
        }
      }
    }
    return plane;
  }

  /** A track's anchor peaks ({@code frame << 9 | f1}), each once, sorted: the landmarks' own anchors, no schema change. */
  public static int[] anchors(long[] landmarks) {
    int[] a = new int[landmarks.length];
    for (int i = 0; i < landmarks.length; i++) {
      a[i] = Fingerprinter.timeOf(landmarks[i]) << 9 | Fingerprinter.hashOf(landmarks[i]) >>> 14;
    }
    Arrays.sort(a);
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      if (n == 0 || a[i] != a[n - 1]) {
        a[n++] = a[i];
      }
    }
    return Arrays.copyOf(a, n);
  }

  /** The first index of a sorted array whose value is at least {@code key}. */
  static int lowerBound(int[] a, int key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}

package io.chorus.audio;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FingerprintIndex#match}'s pruned ranking (coarse offset bins first, exact scoring of the bins that
 * can decide) must answer exactly as the full ranking (every candidate sorted and scored) does. The index is
 * dense on purpose (a few thousand hashes for hundreds of tracks), so that coincidences pile up in many bins.
 */
class FingerprintIndexTest {
  static final int HASHES = 20_000;

  static long lm(int hash, int frame) {
    return (long) hash << 32 | frame;
  }

  static long[] randomTrack(Random r, int landmarks, int frames) {
    long[] out = new long[landmarks];
    for (int i = 0; i < landmarks; i++) {
      out[i] = lm(r.nextInt(HASHES), r.nextInt(frames));
    }
    java.util.Arrays.sort(out);
    return out;
  }

  /** A clip of a track: its landmarks in [start, start + len) moved to the clip's time, a share kept, noise added. */
  static long[] clip(long[] track, int start, int len, double keep, int noise, Random r) {
    List<Long> out = new ArrayList<>();
    for (long x : track) {
      int t = Fingerprinter.timeOf(x);
      if (t >= start && t < start + len && r.nextDouble() < keep) {
        out.add(lm(Fingerprinter.hashOf(x), t - start + (r.nextInt(3) == 0 ? 1 : 0)));
      }
    }
    for (int i = 0; i < noise; i++) {
      out.add(lm(r.nextInt(HASHES), r.nextInt(len)));
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  @Test
  void prunedMatchingAnswersAsTheFullRanking() {
    Random r = new Random(30);
    for (FingerprintIndex index : List.of(new FingerprintIndex(), new FingerprintIndex(6, 1.5, 0.0), new FingerprintIndex(20, 3.0, 0.01))) {
      List<UUID> ids = new ArrayList<>();
      List<long[]> tracks = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        long[] t = randomTrack(r, 4000, 8000);
        if (i % 50 == 1) {
          t = tracks.get(i - 1).clone();   // the same recording twice: both must come back, in the same order
        }
        UUID id = UUID.randomUUID();
        ids.add(id);
        tracks.add(t);
        index.add(id, t);
      }
      int pruned = 0;
      int matched = 0;
      for (int k = 0; k < 200; k++) {
        int s = r.nextInt(tracks.size());
        long[] q = switch (k % 4) {
          case 0 -> clip(tracks.get(s), r.nextInt(7000), 200, 0.5, 300, r);
          case 1 -> clip(tracks.get(s), r.nextInt(7000), 200, 0.05, 600, r);   // a faint match among noise
          case 2 -> clip(tracks.get(s), r.nextInt(7000), 200, 0.02, 900, r);
          default -> randomTrack(r, 1500, 200);                               // nothing to find
        };
        List<FingerprintIndex.Match> fast = index.match(q, 10);
        long[] counts = FingerprintIndex.lastQueryCounts();
        long[] distinct = FingerprintIndex.distinctHashes(q);
        List<FingerprintIndex.Match> full = index.confident(index.ranked(distinct), distinct.length, 10);
        assertThat(fast).as("query %d", k).isEqualTo(full);
        assertThat(counts[0]).as("candidates of query %d", k).isPositive();
        if (counts[1] < counts[0]) {
          pruned++;
        }
        if (!full.isEmpty()) {
          matched++;
        }
      }
      System.out.printf("pruned ranking: %d of 200 queries matched, %d pruned%n", matched, pruned);
      // the comparison covers both answers, and the pruning did leave candidates out
      assertThat(matched).isBetween(20, 180);
      assertThat(pruned).isGreaterThan(30);
    }
  }
}

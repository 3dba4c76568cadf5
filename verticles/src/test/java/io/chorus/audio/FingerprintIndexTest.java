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

  /**
   * A clip from a track's very start is named at offset 0, never before it: the exact window's middle is a frame
   * below its last value, which put a clip whose landmarks all line up at the track's frame 0 at −23 ms.
   */
  @Test
  void aClipFromTheTracksStartIsNamedAtOffsetZero() {
    Random r = new Random(5);
    FingerprintIndex index = new FingerprintIndex();
    long[] track = randomTrack(r, 2000, 4000);
    UUID id = UUID.randomUUID();
    index.add(id, track);
    for (int i = 0; i < 50; i++) {
      index.add(UUID.randomUUID(), randomTrack(r, 2000, 4000));
    }
    long[] fromStart = java.util.Arrays.stream(track).filter(x -> Fingerprinter.timeOf(x) < 200).toArray();
    for (List<FingerprintIndex.Match> m : List.of(index.match(fromStart, 3), index.identify(fromStart, 3), index.candidates(fromStart, 3))) {
      assertThat(m).isNotEmpty();
      assertThat(m.get(0).trackId()).isEqualTo(id);
      assertThat(m.get(0).offsetMs()).isEqualTo(0L);
    }
  }

  /** The confirmation's landmark counts are as calibrated up to 5 s of clip and scale with a longer clip's length. */
  @Test
  void longClipsScaleTheirConfirmationCounts() {
    int fiveSeconds = FingerprintIndex.CONFIRM_SPAN;
    assertThat(fiveSeconds).isBetween(210, 220);   // 5 s of 23.2 ms frames
    assertThat(FingerprintIndex.confirmationScale(40)).isEqualTo(1.0);
    assertThat(FingerprintIndex.confirmationScale(fiveSeconds)).isEqualTo(1.0);
    assertThat(FingerprintIndex.confirmationScale(2 * fiveSeconds)).isEqualTo(2.0);
    // 14 chance landmarks of a 10 s clip count as 7: under the first tier's 12, as 5 s of other music rarely reach it
    assertThat(FingerprintIndex.confirmed(0.35, 0.3, 14 / FingerprintIndex.confirmationScale(2 * fiveSeconds), 2)).isFalse();
    assertThat(FingerprintIndex.confirmed(0.35, 0.3, 26 / FingerprintIndex.confirmationScale(2 * fiveSeconds), 2)).isTrue();
  }

  /**
   * The sketch stage correlates the tracks whose landmarks line up with the clip at one offset, not those with the
   * most landmarks somewhere in a coarse bin: a true track of which 5 landmarks survived in line goes first, ahead of
   * 25 tracks with 8 each scattered over 14 frames (2 frames apart: at most 2 in any exact window). Ranked by coarse
   * bins (as before), the true track came 26th and was not correlated at all.
   */
  @Test
  void sketchCandidatesAreTheTracksWithLandmarksInLine() {
    Random r = new Random(41);
    FingerprintIndex index = new FingerprintIndex();
    List<Long> query = new ArrayList<>();
    int planted = 1_000_000;   // hashes of their own: the random background shares none with the query
    UUID truth = UUID.randomUUID();
    int[] next = {planted};
    index.add(truth, planted(r, query, next, 5, 20, 3, 1000, 0));
    for (int i = 0; i < 25; i++) {
      index.add(UUID.randomUUID(), planted(r, query, next, 8, 10, 5, 2000, 2));
    }
    List<UUID> candidates = index.sketchCandidates(query.stream().mapToLong(Long::longValue).sorted().toArray(), 20);
    assertThat(candidates).hasSize(20);
    assertThat(candidates.get(0)).isEqualTo(truth);
  }

  /**
   * A random track with {@code count} landmarks of hashes of their own planted in it and in the query: the j-th at
   * query frame {@code step * j + first}, in the track at that frame + {@code offset} + {@code spread * j} (0: all in
   * line at one offset).
   */
  static long[] planted(Random r, List<Long> query, int[] nextHash, int count, int step, int first, int offset, int spread) {
    List<Long> track = new ArrayList<>();
    for (long x : randomTrack(r, 4000, 8000)) {
      track.add(x);
    }
    for (int j = 0; j < count; j++) {
      int q = step * j + first;
      query.add(lm(nextHash[0], q));
      track.add(lm(nextHash[0]++, offset + spread * j + q));
    }
    return track.stream().mapToLong(Long::longValue).sorted().toArray();
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

  /**
   * {@link FingerprintIndex#identify}: a clip whose landmarks all have their Δt one frame off (noise moved the
   * target peaks) matches nothing exactly but is found by the widened pass; its answer is the full ranking of
   * the query and its Δt ± 1 neighbours; a random query stays unmatched; a long clip is not widened.
   */
  @Test
  void identifyWidensAShortUnmatchedQueryByOneFrameOfDeltaT() {
    Random r = new Random(31);
    // the hash stage alone: the moved landmarks keep their anchors, which the verification would find in any clip
    FingerprintIndex index = new FingerprintIndex(PeakVerification.Settings.OFF);
    List<UUID> ids = new ArrayList<>();
    List<long[]> tracks = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      long[] t = new long[4000];
      for (int k = 0; k < t.length; k++) {
        t[k] = lm(Fingerprinter.hash(r.nextInt(390), r.nextInt(129) - 64, 2 + r.nextInt(30)), r.nextInt(8000));
      }
      java.util.Arrays.sort(t);
      UUID id = UUID.randomUUID();
      ids.add(id);
      tracks.add(t);
      index.add(id, t);
    }
    int found = 0;
    for (int k = 0; k < 40; k++) {
      int s = r.nextInt(tracks.size());
      int start = r.nextInt(7000);
      int len = k % 2 == 0 ? 200 : FingerprintIndex.WIDEN_FRAMES + 100;
      List<Long> moved = new ArrayList<>();
      for (long x : tracks.get(s)) {
        int t = Fingerprinter.timeOf(x);
        if (t >= start && t < start + len && r.nextDouble() < 0.3) {
          int h = Fingerprinter.hashOf(x);
          moved.add(lm(h + (r.nextBoolean() ? 1 : -1), t - start));   // Δt ± 1
        }
      }
      for (int i = 0; i < 200; i++) {
        moved.add(lm(Fingerprinter.hash(r.nextInt(390), r.nextInt(129) - 64, 2 + r.nextInt(30)), r.nextInt(len)));
      }
      long[] q = moved.stream().mapToLong(Long::longValue).toArray();
      List<FingerprintIndex.Match> exact = index.match(q, 5);
      List<FingerprintIndex.Match> widened = index.identify(q, 5);
      assertThat(exact).as("clip %d exactly", k).isEmpty();
      if (len > FingerprintIndex.WIDEN_FRAMES) {
        assertThat(widened).as("a long clip is not widened").isEmpty();
        continue;
      }
      long[] distinct = FingerprintIndex.distinctHashes(q);
      long[] all = new long[distinct.length * 3];
      int n = 0;
      for (long x : distinct) {
        all[n++] = x;
      }
      for (long x : FingerprintIndex.widened(distinct)) {
        all[n++] = x;
      }
      all = java.util.Arrays.copyOf(all, n);
      assertThat(widened).as("clip %d widened", k).isEqualTo(index.confident(index.ranked(all), n, 5));
      assertThat(widened).as("clip %d", k).isNotEmpty();
      assertThat(widened.get(0).trackId()).isEqualTo(ids.get(s));
      assertThat(widened.get(0).offsetMs()).isCloseTo(Math.round(start * Fingerprinter.msPerFrame()), org.assertj.core.data.Offset.offset(50L));
      found++;
    }
    assertThat(found).isEqualTo(20);
    long[] noise = new long[1500];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = lm(Fingerprinter.hash(r.nextInt(390), r.nextInt(129) - 64, 1 + r.nextInt(32)), r.nextInt(200));
    }
    assertThat(index.identify(noise, 5)).as("nothing to find").isEmpty();
    assertThat(FingerprintIndex.lastQueryCounts()[0]).as("widened: more candidates gathered").isGreaterThan(0);
  }

  /** A dense clean match saturates its coarse bins (byte counts stop at 255): still found, as the full ranking finds it. */
  @Test
  void aMatchThatSaturatesItsCoarseBinsIsStillFoundExactly() {
    Random r = new Random(32);
    FingerprintIndex index = new FingerprintIndex();
    List<UUID> ids = new ArrayList<>();
    List<long[]> tracks = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      long[] t = randomTrack(r, i == 7 ? 6000 : 3000, i == 7 ? 300 : 8000);   // track 7: 20 landmarks a frame
      UUID id = UUID.randomUUID();
      ids.add(id);
      tracks.add(t);
      index.add(id, t);
    }
    long[] q = clip(tracks.get(7), 40, 200, 1.0, 100, r);
    long[] distinct = FingerprintIndex.distinctHashes(q);
    List<FingerprintIndex.Match> fast = index.match(q, 5);
    assertThat(fast).isEqualTo(index.confident(index.ranked(distinct), distinct.length, 5));
    assertThat(fast).isNotEmpty();
    assertThat(fast.get(0).trackId()).isEqualTo(ids.get(7));
    assertThat(fast.get(0).score()).as("above two saturated bins (510): their pair must not be read as 510").isGreaterThan(1100);
  }

  /** Random peaks ({@code frame << 16 | bin}, sorted, at most one per cell), about {@code perFrame} a frame. */
  static int[] randomPeaks(Random r, int frames, double perFrame) {
    java.util.TreeSet<Integer> set = new java.util.TreeSet<>();
    for (int i = 0; i < frames * perFrame; i++) {
      set.add(r.nextInt(frames) << 16 | r.nextInt(397));
    }
    return set.stream().mapToInt(Integer::intValue).toArray();
  }

  /** A track's landmarks as the index stores them (fan-out 4 in the default target zone). */
  static long[] trackOf(int[] peaks) {
    return Fingerprinter.landmarks(peaks, 4, 32, 64);
  }

  /**
   * A noisy clip of a track's peaks in [start, start + len), at the clip's time: every fifth kept in place, the
   * others moved one bin up or down (so few landmarks keep both their peaks), and random query peaks added.
   */
  static int[] noisyClip(int[] track, int start, int len, Random r) {
    java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
    int k = 0;
    for (int p : track) {
      int t = p >>> 16;
      if (t >= start && t < start + len) {
        int bin = p & 0xffff;
        int moved = k++ % 5 == 0 ? bin : Math.max(0, Math.min(396, bin + (r.nextBoolean() ? 1 : -1)));
        out.add((t - start) << 16 | moved);
      }
    }
    for (int i = 0; i < len / 2; i++) {
      out.add(r.nextInt(len) << 16 | r.nextInt(397));
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  static long[] queryOf(int[] peaks) {
    return Fingerprinter.landmarks(peaks, 12, 32, 64);
  }

  /**
   * The verification stage: clips whose peaks were mostly moved by a bin keep too few landmarks for the hash stage
   * (nothing confident there) but nearly all their peaks within ±1 bin: named, at their offset; a random query is
   * not; a track that shares the clip's surviving landmarks (the same hashes at the same times) but has other peaks
   * is not named, neither alone nor beside the true track.
   */
  @Test
  void verificationNamesAClipWhosePeaksMovedByOneBin() {
    Random r = new Random(41);
    FingerprintIndex hashOnly = new FingerprintIndex(PeakVerification.Settings.OFF);
    FingerprintIndex index = new FingerprintIndex(PeakVerification.Settings.DEFAULT);
    FingerprintIndex decoys = new FingerprintIndex(PeakVerification.Settings.DEFAULT);   // the true track's look-alike instead of the track
    List<UUID> ids = new ArrayList<>();
    List<int[]> tracks = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      int[] peaks = randomPeaks(r, 6000, 0.5);
      UUID id = UUID.randomUUID();
      ids.add(id);
      tracks.add(peaks);
      hashOnly.add(id, trackOf(peaks));
      index.add(id, trackOf(peaks));
      if (i != 0) {
        decoys.add(id, trackOf(peaks));
      }
    }
    int len = 120;
    int start = 2000;
    int[] clip = noisyClip(tracks.get(0), start, len, r);
    long[] q = queryOf(clip);
    // the look-alike: track 0's landmarks whose two peaks the clip kept in place, everything else other peaks
    java.util.Set<Long> kept = new java.util.HashSet<>();
    for (long lm : q) {
      kept.add(lm);
    }
    List<Long> alike = new ArrayList<>();
    for (long lm : trackOf(tracks.get(0))) {
      int t = Fingerprinter.timeOf(lm);
      if (t >= start && t < start + len && kept.contains(lm - start)) {
        alike.add(lm);
      }
    }
    assertThat(alike).as("landmarks the clip kept exactly").hasSizeBetween(3, FingerprintIndex.MIN_SCORE - 1);
    for (long lm : trackOf(randomPeaks(r, 6000, 0.5))) {
      if (Fingerprinter.timeOf(lm) < start - 40 || Fingerprinter.timeOf(lm) >= start + len + 40) {
        alike.add(lm);
      }
    }
    for (long lm : trackOf(randomPeaks(new Random(43), len + 80, 0.5))) {   // other peaks around the kept landmarks
      alike.add(lm + start - 40);
    }
    long[] lookAlike = alike.stream().mapToLong(Long::longValue).sorted().toArray();
    UUID alikeId = UUID.randomUUID();
    decoys.add(alikeId, lookAlike);
    index.add(alikeId, lookAlike);

    assertThat(hashOnly.identify(q, 5)).as("the hash stage alone").isEmpty();
    List<FingerprintIndex.Match> m = index.identify(q, 5);
    assertThat(m).extracting(FingerprintIndex.Match::trackId).containsExactly(ids.get(0));
    assertThat(m.get(0).score()).as("peaks in place count 1, a bin away 0.5: far more than the ~12 in place").isGreaterThan(25);
    assertThat(m.get(0).offsetMs()).isCloseTo(Math.round(start * Fingerprinter.msPerFrame()), org.assertj.core.data.Offset.offset(50L));
    List<PeakVerification.Check> checks = index.checks(q, 200);
    assertThat(checks.get(0).trackId()).isEqualTo(ids.get(0));
    assertThat(checks).extracting(PeakVerification.Check::trackId).contains(alikeId);
    assertThat(decoys.identify(q, 5)).as("same hashes, other peaks").isEmpty();

    long[] noise = queryOf(randomPeaks(r, len, 1.5));
    assertThat(index.identify(noise, 5)).as("random peaks").isEmpty();
  }

  /**
   * The sketch stage: a clip whose peaks mostly moved (the hash stage names nothing) but whose band levels are its
   * track's under noise of the levels' own size is named at its offset; levels of other music name nothing.
   */
  @Test
  void theSketchStageNamesANoisyClipByItsBandLevels() {
    Random r = new Random(44);
    FingerprintIndex.SketchStage stage = FingerprintIndex.SketchStage.DEFAULT;
    FingerprintIndex hashOnly = new FingerprintIndex(FingerprintIndex.MIN_SCORE, FingerprintIndex.MIN_RATIO, FingerprintIndex.MIN_FRACTION,
        PeakVerification.Settings.OFF, FingerprintIndex.SketchStage.OFF);
    FingerprintIndex index = new FingerprintIndex(FingerprintIndex.MIN_SCORE, FingerprintIndex.MIN_RATIO, FingerprintIndex.MIN_FRACTION,
        PeakVerification.Settings.OFF, stage);
    List<UUID> ids = new ArrayList<>();
    List<int[]> tracks = new ArrayList<>();
    List<float[][]> levels = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      int[] peaks = randomPeaks(r, 6000, 0.5);
      float[][] bands = SketchTest.track(6000 / Sketch.FRAMES, 100 + i);
      UUID id = UUID.randomUUID();
      ids.add(id);
      tracks.add(peaks);
      levels.add(bands);
      hashOnly.add(id, trackOf(peaks), Sketch.pack(bands));
      index.add(id, trackOf(peaks), Sketch.pack(bands));
    }
    int start = 2000;
    int len = 120;
    float[][] clipLevels = new float[len / Sketch.FRAMES][];
    for (int i = 0; i < clipLevels.length; i++) {
      clipLevels[i] = levels.get(0)[start / Sketch.FRAMES + i].clone();
      for (int b = 0; b < Sketch.BANDS; b++) {
        clipLevels[i][b] += (float) r.nextGaussian() * 4;
      }
    }
    Fingerprinter.Query q = new Fingerprinter.Query(queryOf(noisyClip(tracks.get(0), start, len, r)), () -> clipLevels);
    assertThat(hashOnly.identify(q, 5)).as("without the sketch stage").isEmpty();
    List<FingerprintIndex.Match> m = index.identify(q, 5);
    assertThat(m).extracting(FingerprintIndex.Match::trackId).containsExactly(ids.get(0));
    assertThat(m.get(0).score()).as("the correlation × 100").isBetween((int) (100 * stage.minR()), 100);
    assertThat(m.get(0).offsetMs()).isCloseTo(Math.round(start * Fingerprinter.msPerFrame()), org.assertj.core.data.Offset.offset(50L));

    float[][] other = SketchTest.track(len / Sketch.FRAMES, 999);
    assertThat(index.identify(new Fingerprinter.Query(q.landmarks(), () -> other), 5)).as("other music's levels").isEmpty();
  }

  /**
   * The sketch stage's landmark confirmation: forty tracks whose band levels are one song's within noise (the clip
   * correlates with several nearly as well as with its own, so the correlations alone name none) are told apart by
   * the clip's landmarks at the offset the sketch found; the same landmarks at another offset of the track confirm
   * nothing.
   */
  @Test
  void theSketchStageNamesATrackItsLandmarksConfirmAtTheSketchOffset() {
    Random r = new Random(45);
    FingerprintIndex hashOnly = new FingerprintIndex(FingerprintIndex.MIN_SCORE, FingerprintIndex.MIN_RATIO, FingerprintIndex.MIN_FRACTION,
        PeakVerification.Settings.OFF, FingerprintIndex.SketchStage.OFF);
    FingerprintIndex index = new FingerprintIndex(FingerprintIndex.MIN_SCORE, FingerprintIndex.MIN_RATIO, FingerprintIndex.MIN_FRACTION,
        PeakVerification.Settings.OFF, FingerprintIndex.SketchStage.DEFAULT);
    float[][] song = SketchTest.track(6000 / Sketch.FRAMES, 100);
    List<UUID> ids = new ArrayList<>();
    int[] own = null;
    for (int i = 0; i < 40; i++) {
      int[] peaks = randomPeaks(r, 6000, 0.5);
      own = i == 0 ? peaks : own;
      float[][] bands = i == 0 ? song : noisy(song, 4, r);
      UUID id = UUID.randomUUID();
      ids.add(id);
      hashOnly.add(id, trackOf(peaks), Sketch.pack(bands));
      index.add(id, trackOf(peaks), Sketch.pack(bands));
    }
    int start = 2000;
    int len = 120;
    float[][] all = noisy(song, 4, r);
    float[][] clipLevels = java.util.Arrays.copyOfRange(all, start / Sketch.FRAMES, (start + len) / Sketch.FRAMES);
    Fingerprinter.Query q = new Fingerprinter.Query(queryOf(noisyClip(own, start, len, r)), () -> clipLevels);
    assertThat(hashOnly.identify(q, 5)).as("the hash stage alone").isEmpty();

    List<FingerprintIndex.Match> m = index.identify(q, 5);
    double[] sketch = FingerprintIndex.lastSketch();
    assertThat(sketch[0]).as("best correlation").isGreaterThanOrEqualTo(0.6).isLessThan(FingerprintIndex.SketchStage.DEFAULT.minRatio() * sketch[1]);
    assertThat(sketch[2]).as("landmarks at the sketch's offset").isGreaterThanOrEqualTo(5);
    assertThat(m).extracting(FingerprintIndex.Match::trackId).containsExactly(ids.get(0));
    assertThat(m.get(0).offsetMs()).isCloseTo(Math.round(start * Fingerprinter.msPerFrame()), org.assertj.core.data.Offset.offset(50L));

    Fingerprinter.Query elsewhere = new Fingerprinter.Query(queryOf(noisyClip(own, 4000, len, r)), () -> clipLevels);
    assertThat(index.identify(elsewhere, 5)).as("the landmarks of another part of the track").isEmpty();
    assertThat(FingerprintIndex.lastSketch()[2]).as("landmarks at the sketch's offset").isBetween(0.0, 2.0);
  }

  /**
   * The concentrated confirmation: a clip whose band levels correlate only moderately with its track (too low for the
   * correlations alone, ahead of the others) is named when four of its landmarks put its start at one frame of the
   * sketch's offset; the same four landmarks scattered over the window (each at another frame) name nothing.
   */
  @Test
  void fourLandmarksInLineAtTheSketchOffsetConfirmAModerateCorrelation() {
    Random r = new Random(46);
    FingerprintIndex index = new FingerprintIndex(FingerprintIndex.MIN_SCORE, FingerprintIndex.MIN_RATIO, FingerprintIndex.MIN_FRACTION,
        PeakVerification.Settings.OFF, FingerprintIndex.SketchStage.DEFAULT);
    UUID own = null;
    long[] ownLandmarks = null;
    for (int i = 0; i < 40; i++) {
      long[] landmarks = trackOf(randomPeaks(r, 6000, 0.5));
      UUID id = UUID.randomUUID();
      own = i == 0 ? id : own;
      ownLandmarks = i == 0 ? landmarks : ownLandmarks;
      index.add(id, landmarks, Sketch.pack(SketchTest.track(6000 / Sketch.FRAMES, 200 + i)));
    }
    int start = 2000;
    int len = 120;
    float[][] song = SketchTest.track(6000 / Sketch.FRAMES, 200);
    float[][] clipLevels = noisy(java.util.Arrays.copyOfRange(song, start / Sketch.FRAMES, (start + len) / Sketch.FRAMES), 15, r);
    long[] four = java.util.Arrays.stream(ownLandmarks)
        .filter(lm -> Fingerprinter.timeOf(lm) >= start + 10 && Fingerprinter.timeOf(lm) < start + len - 10).limit(4).toArray();
    assertThat(four).hasSize(4);
    // a track with the same four hashes elsewhere, two by two in line: a candidate whose levels are another song's
    long[] decoy = java.util.stream.LongStream.concat(java.util.Arrays.stream(trackOf(randomPeaks(r, 6000, 0.5))),
            java.util.stream.IntStream.range(0, 4).mapToLong(i -> four[i] >>> 32 << 32 | (Fingerprinter.timeOf(four[i]) - start + (i < 2 ? 500 : 3000))))
        .boxed().sorted(java.util.Comparator.comparingInt(Fingerprinter::timeOf)).mapToLong(Long::longValue).toArray();
    index.add(UUID.randomUUID(), decoy, Sketch.pack(SketchTest.track(6000 / Sketch.FRAMES, 300)));

    long[] inLine = new long[four.length];
    long[] scattered = new long[four.length];
    for (int i = 0; i < four.length; i++) {
      long hash = four[i] >>> 32 << 32;
      int clipFrame = Fingerprinter.timeOf(four[i]) - start;
      inLine[i] = hash | clipFrame;
      scattered[i] = hash | (clipFrame + 4 - 3 * i);   // the clip's start put at start − 4, − 1, + 2, + 5
    }
    List<FingerprintIndex.Match> named = index.identify(new Fingerprinter.Query(inLine, () -> clipLevels), 5);
    double[] sketch = FingerprintIndex.lastSketch();
    assertThat(sketch[0]).as("best correlation: below the correlations' own rule")
        .isBetween(FingerprintIndex.CONCENTRATED[0], FingerprintIndex.SketchStage.DEFAULT.minR());
    assertThat(sketch[0]).as("ahead of the next track").isGreaterThanOrEqualTo(FingerprintIndex.CONCENTRATED[1] * sketch[1]);
    assertThat(sketch[2]).as("landmarks at the sketch's offset").isEqualTo(4);
    assertThat(sketch[3]).as("in line").isEqualTo(4);
    assertThat(named).extracting(FingerprintIndex.Match::trackId).containsExactly(own);
    assertThat(named.get(0).offsetMs()).isCloseTo(Math.round(start * Fingerprinter.msPerFrame()), org.assertj.core.data.Offset.offset(50L));

    assertThat(index.identify(new Fingerprinter.Query(scattered, () -> clipLevels), 5)).as("the same landmarks scattered").isEmpty();
    assertThat(FingerprintIndex.lastSketch()[2]).as("landmarks at the sketch's offset").isEqualTo(4);
    assertThat(FingerprintIndex.lastSketch()[3]).as("in line").isEqualTo(1);
  }

  /** Band levels with Gaussian noise of {@code sigma} dB added to every value. */
  private static float[][] noisy(float[][] levels, double sigma, Random r) {
    float[][] out = new float[levels.length][];
    for (int t = 0; t < levels.length; t++) {
      out[t] = levels[t].clone();
      for (int b = 0; b < out[t].length; b++) {
        out[t][b] += (float) (r.nextGaussian() * sigma);
      }
    }
    return out;
  }

  /** The same song uploaded twice: both named by the verification, the same hits, best first. */
  @Test
  void verificationNamesDuplicatesTogether() {
    Random r = new Random(42);
    FingerprintIndex index = new FingerprintIndex(PeakVerification.Settings.DEFAULT);
    List<UUID> ids = new ArrayList<>();
    int[] song = null;
    for (int i = 0; i < 40; i++) {
      int[] peaks = randomPeaks(r, 6000, 0.5);
      song = i == 0 ? peaks : song;
      UUID id = UUID.randomUUID();
      ids.add(id);
      index.add(id, trackOf(peaks));
    }
    UUID copy = UUID.randomUUID();
    index.add(copy, trackOf(song));
    long[] q = queryOf(noisyClip(song, 3000, 120, r));
    List<FingerprintIndex.Match> m = index.identify(q, 5);
    assertThat(m).extracting(FingerprintIndex.Match::trackId).containsExactlyInAnyOrder(ids.get(0), copy);
    assertThat(m.get(0).score()).isEqualTo(m.get(1).score());
    assertThat(m.get(0).offsetMs()).isEqualTo(m.get(1).offsetMs());
  }
}

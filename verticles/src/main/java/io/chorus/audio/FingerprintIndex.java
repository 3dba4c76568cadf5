package io.chorus.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory inverted index of one node: landmark hash → postings, 4 bytes each. Every track owns a
 * span of one global frame line ({@code base[track] + frame}, a gap of {@value #GAP} frames between
 * tracks), so a posting is just its global frame, an unsigned int, and the postings of a hash are sorted
 * (tracks are appended in order). The table is addressed by the hash itself ({@code 2^HASH_BITS} list
 * references), no keys. Capacity: 2^32 frames ≈ 27,000 hours of audio per node.
 *
 * <p>Matching: every posting of every query landmark gives a candidate {@code global frame − query frame};
 * a true match piles its candidates up at one value (the clip's start in the track), within ±1 frame (a
 * query's frames are up to half a hop off the track's grid): a candidate's score is the count in
 * {@link #TOLERANCE} + 1 adjacent values. A track's score is its best; the value names the track and the offset.
 * A 5 s query at 10,000 tracks gathers ~2 million candidates; {@link #match} counts them per coarse offset bin
 * first and sorts and scores exactly only the bins that can decide the answer (tens of thousands), with the
 * same answer as scoring them all ({@link #pruned}). {@link #identify} (the node's path) matches a short clip
 * that nothing matches confidently once more with its hashes' Δt ± 1 neighbours (noise moves peaks by a frame).
 *
 * <p>Confidence: the best track is a match when its score is at least {@link #MIN_SCORE}, at least
 * {@link #MIN_RATIO} × the best other track's score (coincidences are spread over many tracks and offsets;
 * a true match piles up in one bin), and at least {@link #MIN_FRACTION} of the query's landmarks (long
 * clips make more coincidences). Thresholds measured on the corpus (docs/benchmarks.md). Other tracks
 * that pass the same absolute tests are returned after it (the same song uploaded twice).
 *
 * <p>Verification ({@link PeakVerification}): a clip that the hash stage leaves unnamed (after the widened pass for a short one) is decided
 * by its peaks. Each track keeps its anchor peaks ({@code frame << 9 | f1}, derived from its landmarks at
 * {@link #add}: nothing more is stored in PostgreSQL, ~0.3 MB per hour of audio in memory); the {@link
 * PeakVerification.Settings#candidates} best tracks by hash score, each at its best offset (± 1 frame), count their peaks in the
 * clip's window that the query has in place or one frame or bin away ({@link #verified}), and {@link
 * PeakVerification.Settings} decides as {@link #confident} does on those counts. A landmark needs both its peaks, a peak only
 * itself: noise that moves half the peaks by a frame or a bin keeps a quarter of the landmarks but most peaks within
 * a cell. In the clips the hash stage misses, though, the true track keeps only 20–45 % of its peaks within a cell,
 * about what the best of 100 unrelated candidates (chosen for their shared landmarks) reaches: the stage names a
 * few more of them (docs/benchmarks.md), not most.
 */
public final class FingerprintIndex {
  static final int MIN_SCORE = 13;
  static final double MIN_RATIO = 2.0;
  static final double MIN_FRACTION = 0.001;
  private final int minScore;
  private final double minRatio;
  private final double minFraction;
  /** Adjacent offset values summed into a score (2: ±1 frame around the middle one). */
  static final int TOLERANCE = 2;
  /** Hashes with more postings than this are stop words (silence, sustained tones): skipped at query time. */
  static final int MAX_POSTINGS = 50_000;
  /** Coarse offset bins of 2^4 frames (0.37 s) for the first pass of {@link #match}. */
  static final int COARSE_SHIFT = 4;
  /**
   * The coarse table's size: 2^22 byte counts (4 MB per matching thread, saturating at 255); bins fold modulo the
   * table (every 2^26 frames, 433 h). Pruning depends on the unrelated candidates per bin: folded narrow bins spread
   * them evenly, while unfolded wide bins piled them into the ~20 % of the frame line that tracks occupy (~3 per
   * 256-frame bin: weak matches sorted nearly everything). More bins prune more, but the table must stay in the
   * cache: 2^22 int counts (16 MB) scored 12,550 candidates per query (mean) exactly against 127,682 with 2^20
   * ints, yet the query took longer (p50 60.5 against 25.6 ms). Byte counts give 4× the bins in 4 MB: a widened
   * query ({@link #identify}) gathers ~6 million candidates, ~6 per bin of a 2^20 table, where its thresholds
   * (7–13) selected nearly all of them for sorting.
   */
  static final int COARSE_BITS = 22;
  /** {@link #identify} widens a query whose landmarks lie within this many frames (6.5 s: the 2 and 5 s clips). */
  static final int WIDEN_FRAMES = 280;
  /** Free frames before the first track and between tracks, so that no offset of one track reaches another. */
  static final long GAP = 1 << 16;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<UUID, Integer> ordinals = new HashMap<>();
  private final List<UUID> tracks = new ArrayList<>();
  /** Per track ordinal: the global frame of its frame 0, and its landmark count (duplicates compare both lengths). */
  private long[] bases = new long[1024];
  private int[] counts = new int[1024];
  /** Per track ordinal: its anchor peaks, each once, sorted ({@code frame << 9 | bin}), for {@link #verified}. */
  private int[][] peaks = new int[1024][];
  /** Per track ordinal: its packed {@link Sketch} (null for a track added without one), for {@link #sketched}. */
  private byte[][] sketches = new byte[1024][];
  private long next = GAP;
  /**
   * Postings per hash; {@code sizes[h]} of {@code lists[h]} are used. The table is 64 MB whatever the index
   * holds: allocated with the first track, dropped by {@link #release()} (a closed node must not keep it).
   */
  private int[][] lists;
  private int[] sizes;
  private long postings;

  /** A track a clip was found in, and where in it the clip starts ({@code offsetMs}, never before the track's start). */
  public record Match(UUID trackId, int score, long offsetMs) {
    public Match {
      // an exact window reports its middle, a frame below its last value: a clip that starts at the track's first
      // frame would start 23 ms before it (overlaps between tracks keep their negative offsets: they are not Matches)
      offsetMs = Math.max(0, offsetMs);
    }
  }

  public FingerprintIndex() {
    this(MIN_SCORE, MIN_RATIO, MIN_FRACTION);
  }

  /** An index with other confidence thresholds (the parameter sweep). */
  public FingerprintIndex(int minScore, double minRatio, double minFraction) {
    this(minScore, minRatio, minFraction, PeakVerification.Settings.OFF);
  }

  /**
   * An index with the default confidence thresholds and other peak verification settings. The verification is off by
   * default: before the sketch stage it named 5 more of 1,350 clips (IdentifyBench, docs/benchmarks.md), for 0.29 MB
   * of anchor peaks per hour of audio and a check of 100 candidates per unnamed clip.
   */
  public FingerprintIndex(PeakVerification.Settings verification) {
    this(MIN_SCORE, MIN_RATIO, MIN_FRACTION, verification);
  }

  /** An index with other confidence thresholds and verification settings ({@link PeakVerification.Settings#OFF}: hashes only). */
  public FingerprintIndex(int minScore, double minRatio, double minFraction, PeakVerification.Settings verification) {
    this(minScore, minRatio, minFraction, verification, SketchStage.DEFAULT);
  }

  /** An index with other settings for every stage ({@link SketchStage#OFF}: no sketch stage). */
  public FingerprintIndex(int minScore, double minRatio, double minFraction, PeakVerification.Settings verification, SketchStage sketching) {
    this.minScore = minScore;
    this.minRatio = minRatio;
    this.minFraction = minFraction;
    this.verification = verification;
    this.sketching = sketching;
  }

  private final PeakVerification.Settings verification;
  private final SketchStage sketching;

  /**
   * The sketch stage's settings: the {@code candidates} tracks of the fullest coarse bins are correlated with the
   * clip's band levels at every offset ({@link Sketch}); the best is a match when its correlation is at least
   * {@code minR} and at least {@code minRatio} × the next track's (calibrated with {@code IdentifyBench
   * -Dsketch=calibrate}: 1,350 clips in 27 conditions, 450 clips of other music).
   */
  public record SketchStage(int candidates, double minR, double minRatio) {
    public static final SketchStage DEFAULT = new SketchStage(20, 0.55, 1.4);
    public static final SketchStage OFF = new SketchStage(0, 1, 1);
  }

  /** Adds a track's landmarks; false (and nothing changes) when the track is indexed already. */
  public boolean add(UUID track, long[] landmarks) {
    return add(track, landmarks, null);
  }

  /** Adds a track's landmarks and its packed {@link Sketch} (null: none); false when the track is indexed already. */
  public boolean add(UUID track, long[] landmarks, byte[] sketch) {
    lock.writeLock().lock();
    try {
      if (ordinals.containsKey(track)) {
        return false;
      }
      int last = 0;
      for (long lm : landmarks) {
        last = Math.max(last, Fingerprinter.timeOf(lm));
      }
      long base = next;
      if (base + last + GAP > 0xffffffffL) {
        throw new IllegalStateException("fingerprint index full: 2^32 frames of audio on this node");
      }
      int ordinal = tracks.size();
      tracks.add(track);
      ordinals.put(track, ordinal);
      if (ordinal == counts.length) {
        counts = Arrays.copyOf(counts, counts.length * 2);
        bases = Arrays.copyOf(bases, bases.length * 2);
        peaks = Arrays.copyOf(peaks, peaks.length * 2);
        sketches = Arrays.copyOf(sketches, sketches.length * 2);
      }
      counts[ordinal] = landmarks.length;
      peaks[ordinal] = verification.candidates() > 0 ? PeakVerification.anchors(landmarks) : null;
      sketches[ordinal] = sketch;
      bases[ordinal] = base;
      next = base + last + 1 + GAP;
      if (lists == null) {
        lists = new int[1 << Fingerprinter.HASH_BITS][];
        sizes = new int[1 << Fingerprinter.HASH_BITS];
      }
      for (long lm : landmarks) {
        append(Fingerprinter.hashOf(lm), (int) (base + Fingerprinter.timeOf(lm)));
      }
      postings += landmarks.length;
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Trims every postings list to its size (after a bulk load: growth leaves up to a third unused). */
  public void compact() {
    lock.writeLock().lock();
    try {
      for (int h = 0; lists != null && h < lists.length; h++) {
        if (lists[h] != null && lists[h].length != sizes[h]) {
          lists[h] = Arrays.copyOf(lists[h], sizes[h]);
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Empties the index and frees its table (the node is closing). */
  public void release() {
    lock.writeLock().lock();
    try {
      lists = null;
      sizes = null;
      Arrays.fill(peaks, null);
      Arrays.fill(sketches, null);
      ordinals.clear();
      tracks.clear();
      postings = 0;
    } finally {
      lock.writeLock().unlock();
    }
  }

  public boolean contains(UUID track) {
    lock.readLock().lock();
    try {
      return ordinals.containsKey(track);
    } finally {
      lock.readLock().unlock();
    }
  }

  public int trackCount() {
    lock.readLock().lock();
    try {
      return tracks.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Postings (landmarks) stored. */
  public long postings() {
    lock.readLock().lock();
    try {
      return postings;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Approximate heap bytes: the table, the postings lists (16-byte array headers included), the per-track arrays
   * and the tracks' peaks.
   */
  public long bytes() {
    lock.readLock().lock();
    try {
      long b = 16L * bases.length;   // bases, counts and the peak arrays' references
      for (int[] p : peaks) {
        if (p != null) {
          b += 16 + 4L * p.length;
        }
      }
      for (byte[] k : sketches) {
        if (k != null) {
          b += 16 + k.length;
        }
      }
      if (lists == null) {
        return b;
      }
      b += 4L * lists.length + 4L * sizes.length;
      for (int[] list : lists) {
        if (list != null) {
          b += 16 + 4L * list.length;
        }
      }
      return b;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The confident matches of a query's landmarks, best first (empty when none is confident). */
  public List<Match> match(long[] query, int limit) {
    lock.readLock().lock();   // reentrant: the ordinals stay valid until the ids are read
    try {
      long[] distinct = distinctHashes(query);
      return confident(pruned(distinct, Math.max(minScore, minFraction * distinct.length)), distinct.length, limit);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * {@link #match}, and when nothing is confident and the clip is short (its landmarks within
   * {@link #WIDEN_FRAMES} frames), once more with the query widened: each distinct hash's Δt − 1 and Δt + 1
   * neighbours join it ({@link #widened}). Noise moves a peak by a frame about as often as it keeps it in place
   * (a 5 s clip at SNR 5 dB keeps ~50 % of its track's peaks exactly, ~75 % within a frame or a bin), and a
   * landmark needs both its peaks: a clean or mildly noisy clip is decided by the first pass; a noisy one
   * gathers 2× more candidates on top of the first pass's (kept, not gathered again). Longer clips carry
   * enough exact landmarks, and their widened query would cost the most. A clip still unnamed (any length) goes to
   * the peak verification ({@link PeakVerification.Settings}, off by default) over all the candidates gathered; a named one
   * never does, so that clean queries pay nothing for it.
   */
  public List<Match> identify(long[] query, int limit) {
    return identify(query, null, limit);
  }

  /**
   * {@link #identify(long[], int)}, and a clip still unnamed goes on to the sketch stage ({@link SketchStage}): its
   * band levels correlated at every offset with 20 candidate tracks ({@link #sketchCandidates}: best exact windows first), the
   * best confirmed by its correlation alone or by the clip's landmarks at that offset ({@link #CONFIRMATIONS}). A
   * clip whose landmarks name nothing keeps most of the music's band levels: at 10,045 tracks the stage names 1–8
   * more of 50 clips per cell at SNR 0 dB and 0–3 at 5 dB than the peak verification did in its place, with one false
   * positive among 450 clips of other music (IdentifyBench, docs/benchmarks.md).
   */
  public List<Match> identify(Fingerprinter.Query query, int limit) {
    return identify(query.landmarks(), query.levels(), limit);
  }

  private List<Match> identify(long[] query, java.util.function.Supplier<float[][]> levels, int limit) {
    Arrays.fill(LAST_SKETCH.get(), -1);
    return withBuffers(query, (distinct, bufs, hist, last) -> {
      int n = gatherFirst(distinct, bufs, hist, last);
      double floor = Math.max(minScore, minFraction * distinct.length);
      List<Match> m = confident(decide(bufs, hist, n, floor, last), distinct.length, limit);
      if (!m.isEmpty()) {
        return m;
      }
      if (span(distinct) <= WIDEN_FRAMES) {
        long[] extra = widened(distinct);
        n = gather(extra, bufs, hist, n);
        last[0] = n;
        int all = distinct.length + extra.length;
        m = confident(decide(bufs, hist, n, Math.max(minScore, minFraction * all), last), all, limit);
      }
      int sketched = levels == null ? 0 : sketching.candidates();
      if (!m.isEmpty() || Math.max(verification.candidates(), sketched) == 0) {
        return m;
      }
      if (verification.candidates() > 0) {
        List<long[]> rows = top(bufs, hist, n, verification.candidates(), last);
        last[3] = rows.size();
        m = PeakVerification.decide(verified(query, rows), limit, verification);
      }
      if (!m.isEmpty() || sketched == 0) {
        return m;
      }
      // a long clip keeps the coarse bins alone: it gathers the most candidates (the exact ranking's cost, and the
      // query p99's tail) and its landmarks name it in noise that leaves a short one to this stage
      boolean exact = span(distinct) <= WIDEN_FRAMES;
      return sketched(levels, sketchCandidates(bufs, hist, n, sketched, exact), bufs[0], n, confirmationScale(span(distinct)));
    });
  }

  /** The sketch stage's candidates are ranked by windows of at least this many candidates (below: the coarse bins). */
  static final int EXACT_MIN = 4;
  /** Candidates sorted exactly for the sketch stage's ranking (at most): its cost for any clip. */
  static final int EXACT_CAP = 250_000;
  /**
   * Of the stage's candidates, at most this many by exact window, the rest from the coarse bins. All 20 by window
   * named as many clips but cost the query p99 50 ms more: windows of 4 come by chance mostly in long tracks, whose
   * sketches take longest to correlate (IdentifyBench 50 10000: p99 219 against 195 ms with 8, the target 200).
   */
  static final int EXACT_TRACKS = 8;

  /**
   * The sketch stage's {@code k} candidate tracks: the {@link #EXACT_TRACKS} with the best exact window ({@link
   * #score}'s: TOLERANCE + 1 adjacent offsets, at least {@link #EXACT_MIN} candidates) among the candidates of the
   * fullest coarse bins, then the tracks of the fullest coarse bins ({@link #COARSE_LOOKUPS}) up to k. Why: a coarse
   * bin (16 frames, folded) holds a clip's chance candidates too, and in loud noise those outnumber the few landmarks
   * that survive in line at the true offset; an exact window counts only the ones in line. The bins are taken fullest
   * first, up to {@link #EXACT_CAP} candidates (sorted: the cost), for clips of up to {@link #WIDEN_FRAMES} ({@code
   * exact}). Measured (IdentifyBench, docs/benchmarks.md): of the 5 s and 2 s clips in pink noise at 5 dB that the
   * stages left unnamed, the true track ranked 21st–109th by coarse bins but 0–6th by exact window in most.
   */
  private List<Integer> sketchCandidates(int[][] bufs, byte[] hist, int n, int k, boolean exact) {
    int mask = hist.length - 1;
    long[] bySum = candidatesByPairSum(hist);
    int coarseT = threshold(bySum, 2, COARSE_LOOKUPS);
    int exactT = exact ? threshold(bySum, EXACT_MIN, EXACT_CAP) : Integer.MAX_VALUE;
    // both selections as bit sets (512 KB each, cache-resident), so that one pass over the candidates makes both
    long[] coarseBins = new long[hist.length >>> 6];
    long[] exactBins = new long[hist.length >>> 6];
    for (int b = 0; b < hist.length; b++) {
      if (hist[b] != 0) {
        int sum = binPairSum(hist, b, mask);
        if (sum >= coarseT) {
          coarseBins[b >>> 6] |= 1L << b;
        }
        if (sum >= exactT) {
          exactBins[b >>> 6] |= 1L << b;
        }
      }
    }
    int[] cand = bufs[0];
    int[] sel = bufs[1];
    int m = 0;
    Map<Integer, Integer> fullest = new HashMap<>();
    for (int i = 0; i < n; i++) {
      int v = cand[i];
      int b = (v >>> COARSE_SHIFT) & mask;
      if ((exactBins[b >>> 6] & 1L << b) != 0) {
        sel[m++] = v;
      }
      if ((coarseBins[b >>> 6] & 1L << b) != 0) {
        int ordinal = ordinalAt((v ^ Integer.MIN_VALUE) & 0xffffffffL);
        if (ordinal >= 0) {
          fullest.merge(ordinal, pairSum(hist, v, mask), Math::max);
        }
      }
    }
    sort(sel, bufs[2], m);
    java.util.LinkedHashSet<Integer> out = new java.util.LinkedHashSet<>(bestWindows(sel, m, Math.min(k, EXACT_TRACKS)));
    // the top-up: the tracks of the fullest coarse bins, as the stage chose all its candidates before
    fullest.entrySet().stream().sorted((x, y) -> Integer.compare(y.getValue(), x.getValue()))
        .limit(k).forEach(e -> {
          if (out.size() < k) {
            out.add(e.getKey());
          }
        });
    return new ArrayList<>(out);
  }

  /**
   * The (at most) {@code k} tracks with the fullest window of TOLERANCE + 1 adjacent values among sorted candidates,
   * fullest first, windows of {@link #EXACT_MIN} or more only. {@link #score} in one pass without its map: the
   * candidates are in track order, so the track advances with them instead of a search per window.
   */
  private List<Integer> bestWindows(int[] sorted, int m, int k) {
    int[] best = new int[tracks.size()];
    List<Integer> seen = new ArrayList<>();
    int ordinal = -1;
    int from = 0;
    for (int i = 0; i < m; i++) {
      int v = sorted[i];
      while ((long) v - sorted[from] > TOLERANCE) {   // long: values far apart may differ by more than an int holds
        from++;
      }
      int count = i - from + 1;
      if (count < EXACT_MIN) {
        continue;
      }
      long global = (v ^ Integer.MIN_VALUE) & 0xffffffffL;
      while (ordinal + 1 < tracks.size() && bases[ordinal + 1] - GAP / 2 <= global) {
        ordinal++;
      }
      if (ordinal >= 0 && count > best[ordinal]) {
        if (best[ordinal] == 0) {
          seen.add(ordinal);
        }
        best[ordinal] = count;
      }
    }
    seen.sort((a, b) -> Integer.compare(best[b], best[a]));
    return seen.size() > k ? seen.subList(0, k) : seen;
  }

  /** The lowest pair sum (not below {@code floor}) whose bins and all fuller ones hold at most {@code cap} candidates. */
  private static int threshold(long[] bySum, int floor, long cap) {
    int t = bySum.length - 1;
    long selected = bySum[t];
    while (t > floor && selected + bySum[t - 1] <= cap) {
      t--;
      selected += bySum[t];
    }
    return t;
  }

  /** The sketch stage's candidate tracks for a query's landmarks alone (tests: which tracks the stage would correlate). */
  List<UUID> sketchCandidates(long[] query, int k) {
    return withBuffers(query, (distinct, bufs, hist, last) ->
        sketchCandidates(bufs, hist, gatherFirst(distinct, bufs, hist, last), k, true).stream().map(tracks::get).toList());
  }

  /** The gathered candidates per coarse bin pair sum (index: the sum, the last one for all above), from the table alone. */
  private static long[] candidatesByPairSum(byte[] hist) {
    int mask = hist.length - 1;
    long[] bySum = new long[1024];
    for (int b = 0; b < hist.length; b++) {
      int c = count(hist[b]);
      if (c > 0) {
        bySum[Math.min(binPairSum(hist, b, mask), bySum.length - 1)] += c;
      }
    }
    return bySum;
  }

  /**
   * Candidates the sketch stage's top-up maps to their tracks, from the fullest coarse bins (at most this many): the
   * tracks of the fullest bin pairs (the bound {@link #top} sorts by), without an exact pass. A clip buried in noise
   * gathers millions of candidates and the floor's exact rows start above what its true track scores (often no row
   * at all), while its bins are still among the fullest. This was the stage's only ranking until the exact windows
   * ({@link #sketchCandidates}); measured then (IdentifyBench 50 10000) against the 20 best floor rows topped up
   * from the coarse bins: the same answers, the stage's queries p50 89 / p99 231 ms instead of 133 / 348 ms.
   */
  static final int COARSE_LOOKUPS = 4096;

  /** A candidate's coarse bin count plus its fuller neighbour's (a window of TOLERANCE + 1 values spans two bins at most). */
  private static int pairSum(byte[] hist, int v, int mask) {
    return binPairSum(hist, (v >>> COARSE_SHIFT) & mask, mask);
  }

  /** A coarse bin's count plus its fuller neighbour's. */
  private static int binPairSum(byte[] hist, int b, int mask) {
    return count(hist[b]) + Math.max(count(hist[(b + 1) & mask]), count(hist[(b - 1) & mask]));
  }

  private static final ThreadLocal<Sketch.Matcher> MATCHERS = ThreadLocal.withInitial(Sketch.Matcher::new);

  /**
   * The clip length (frames, 5 s) the landmark confirmation's counts were calibrated at: chance landmarks at one
   * offset grow with the clip's length, and so do a true track's.
   */
  static final int CONFIRM_SPAN = (int) Math.round(5000 / Fingerprinter.msPerFrame());

  /**
   * What a clip's landmark counts are divided by before the confirmation ({@link #confirmed}): 1 up to
   * {@link #CONFIRM_SPAN}, its span over that above. Without it a long clip could not be confirmed at all (a 10 s clip
   * of a sibling track reached 14 landmarks in IdentifyAccuracyTest's held-out clips, over the 12 of the first tier),
   * and a 10 s clip in noise named fewer tracks than a 5 s one; with it (IdentifyBench 50 10000, seed 18 and seed 7 at
   * 150 clips per cell) the 10 s noisy cells named +10 and +14 clips at the same false positives (1 / 450, 5 / 1,350).
   */
  static double confirmationScale(int span) {
    return Math.max(1, (double) span / CONFIRM_SPAN);
  }

  /**
   * The sketch stage: each candidate track correlated with the clip's band levels at every offset; the best is named
   * when its correlation passes {@link SketchStage#minR} and {@link SketchStage#minRatio} × the next track's, or when
   * the clip's own landmarks confirm it at the offset the sketch found ({@link #confirmed}; the first {@code n} of
   * {@code cand} are the query's gathered candidates, their counts divided by {@code scale}, see {@link
   * #confirmationScale}). Its score is the correlation × 100.
   */
  private List<Match> sketched(java.util.function.Supplier<float[][]> levels, List<Integer> ordinals, int[] cand, int n, double scale) {
    Sketch.Matcher matcher = MATCHERS.get();
    if (ordinals.isEmpty() || !matcher.query(levels.get())) {
      return List.of();
    }
    int bestOrdinal = -1;
    Sketch.Best best = null;
    double second = 0;
    for (int ordinal : ordinals) {
      byte[] k = sketches[ordinal];
      Sketch.Best b = k == null ? null : matcher.best(k);
      if (b == null) {
        continue;
      }
      if (best == null || b.r() > best.r()) {
        second = best == null ? second : Math.max(second, best.r());
        best = b;
        bestOrdinal = ordinal;
      } else {
        second = Math.max(second, b.r());
      }
    }
    LAST_SKETCH.get()[0] = best == null ? 0 : best.r();
    LAST_SKETCH.get()[1] = second;
    LAST_SKETCH.get()[4] = scale;
    if (best == null) {
      return List.of();
    }
    boolean apart = best.r() >= sketching.minR() && best.r() >= sketching.minRatio() * Math.max(second, 0);
    // a calibrating stage (minR < 0 names its best whatever) counts the landmarks of every clip, for the calibration
    int[] landmarks = apart && sketching.minR() >= 0 ? new int[] {-1, -1} : landmarksAt(cand, n, bestOrdinal, best.offset());
    if (!apart && !confirmed(best.r(), second, landmarks[0] / scale, landmarks[1] / scale)) {
      return List.of();
    }
    return List.of(new Match(tracks.get(bestOrdinal), (int) Math.round(100 * best.r()),
        Math.round(best.offset() * Sketch.FRAMES * Fingerprinter.msPerFrame())));
  }

  /**
   * The landmark confirmation of the sketch stage's best track, as (minimum correlation, minimum landmarks) pairs: the
   * track is named when its correlation and the clip's landmarks that line up with it at the sketch's offset
   * ({@link #landmarksAt}) pass one pair. Neither tells alone: among 1,980 clips of other music the correlations left
   * unnamed, the best track correlated at up to 0.85 with no landmark in place, and landmarks pile up by chance in the
   * coarse bins the candidates come from; at the one offset the sketch found, though, 12 landmarks or more came once
   * (at r 0.25) against 39 true tracks, and 6 or more only at r ≤ 0.45. Calibrated with two seeds of 150 clips per condition
   * (2 and 5 s clips in white and pink noise at 5 dB, 2 s at 10 dB, white at 0 dB; a longer clip's counts are scaled
   * down, {@link #confirmationScale}) and 1,050 clips of other music each (2, 5 and 10 s), at 10,045 tracks: the four 5 dB cells named
   * 566 → 585 and 567 → 580 of 600, no clip named wrongly, no false positive added (docs/benchmarks.md).
   */
  static final double[][] CONFIRMATIONS = {{0.3, 12}, {0.6, 5}, {0.8, 3}};

  /** Frames before and after the sketch's offset ({@link Sketch#FRAMES} spectrogram frames per step) where landmarks count. */
  static final int CONFIRM_BEFORE = 4;
  static final int CONFIRM_AFTER = 5;

  /**
   * The confirmation by landmarks in line at one frame: the best track is also named when its correlation is at least
   * {@code CONCENTRATED[0]} and {@code CONCENTRATED[1]} × the next track's (taken as 0.05 at least: a lone candidate
   * must still correlate), and {@code CONCENTRATED[2]} of the clip's landmarks fall within 3 adjacent frames of the 10
   * ({@link #landmarksAt}). A true match's landmarks put the clip's start at one frame (± 1, the hash stage's
   * tolerance), chance ones anywhere in the window: of the best tracks the tiers left unnamed (two seeds of 150 clips
   * per condition, 2,100 clips of other music, 10,045 tracks), this named 6 true tracks of 47 (5 s pink 5 dB 3, 2 s
   * pink 5 dB 2, 2 s white 5 dB 1) and none of 1,726 others; on a third, held-out draw 6 more of 4,050 clips, no wrong
   * track, no false positive of 1,350 (docs/benchmarks-history.md).
   */
  static final double[] CONCENTRATED = {0.3, 1.3, 4};

  /**
   * Whether a sketch correlation ({@code r}, the next track's {@code second}) and the clip's landmarks at its offset
   * ({@code landmarks} in the window, {@code inLine} of them within 3 adjacent frames) pass one of the {@link
   * #CONFIRMATIONS} or the {@link #CONCENTRATED} test.
   */
  public static boolean confirmed(double r, double second, double landmarks, double inLine) {
    for (double[] pair : CONFIRMATIONS) {
      if (r >= pair[0] && landmarks >= pair[1]) {
        return true;
      }
    }
    return r >= CONCENTRATED[0] && r >= CONCENTRATED[1] * Math.max(second, 0.05) && inLine >= CONCENTRATED[2];
  }

  /**
   * How many of the query's gathered candidates put its start within a few frames of {@code sketchOffset} in the
   * track: the landmarks that agree with the sketch. The sketch's offset is coarser than a frame ({@link Sketch#FRAMES}
   * frames a step, and the clip starts anywhere inside one), so the window is 10 frames (0.23 s) wide; one linear
   * pass over the candidates (a few million at most), only for the one track the stage would name.
   */
  private int[] landmarksAt(int[] cand, int n, int ordinal, int sketchOffset) {
    long from = bases[ordinal] + (long) Sketch.FRAMES * sketchOffset - CONFIRM_BEFORE;
    long to = bases[ordinal] + (long) Sketch.FRAMES * sketchOffset + CONFIRM_AFTER;
    int[] perFrame = new int[CONFIRM_BEFORE + CONFIRM_AFTER + 1];
    int hits = 0;
    for (int i = 0; i < n; i++) {
      long v = (cand[i] ^ Integer.MIN_VALUE) & 0xffffffffL;
      if (v >= from && v <= to) {
        hits++;
        perFrame[(int) (v - from)]++;
      }
    }
    int inLine = 0;
    for (int f = 0; f + 2 < perFrame.length; f++) {
      inLine = Math.max(inLine, perFrame[f] + perFrame[f + 1] + perFrame[f + 2]);
    }
    LAST_SKETCH.get()[2] = hits;
    LAST_SKETCH.get()[3] = inLine;
    return new int[] {hits, inLine};
  }

  /**
   * The calling thread's last sketch stage: {best correlation, next track's, the clip's landmarks at the best's offset,
   * the most of them within 3 adjacent frames (both −1: not counted, the correlations decided), what the confirmation
   * divides those counts by ({@link #confirmationScale})} (diagnostics, calibration).
   */
  private static final ThreadLocal<double[]> LAST_SKETCH = ThreadLocal.withInitial(() -> new double[5]);

  public static double[] lastSketch() {
    return LAST_SKETCH.get().clone();
  }

  /** What a query does with its distinct hashes and the calling thread's buffers (see {@link #withBuffers}). */
  private interface QueryWork<T> {
    T run(long[] distinct, int[][] bufs, byte[] hist, long[] last);
  }

  /** Runs {@code work} under the read lock with the thread's buffers, and leaves the coarse table empty for the next query. */
  private <T> T withBuffers(long[] query, QueryWork<T> work) {
    lock.readLock().lock();
    try {
      byte[] hist = COARSE.get();
      try {
        return work.run(distinctHashes(query), BUFFERS.get(), hist, LAST.get());
      } finally {
        Arrays.fill(hist, (byte) 0);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The verification of a query without any decision (the calibration, diagnostics): its {@code k} best tracks
   * by hash score (after the widened pass for a short clip, whatever the hash stage decided) with their hits, most
   * hits first.
   */
  public List<PeakVerification.Check> checks(long[] query, int k) {
    return withBuffers(query, (distinct, bufs, hist, last) -> {
      int n = gatherFirst(distinct, bufs, hist, last);
      if (span(distinct) <= WIDEN_FRAMES) {
        n = gather(widened(distinct), bufs, hist, n);
        last[0] = n;
      }
      return verified(query, top(bufs, hist, n, k, last));
    });
  }


  /** Candidates sorted exactly per query (at most): bounds the cost of {@link #top} for any query length. */
  static final int TOP_SORTED = 150_000;

  /**
   * The {@code k} best tracks by hash score among the first n gathered candidates, as {@link #ranked}'s rows. The
   * threshold is the lowest coarse pair count whose bins hold at most {@link #TOP_SORTED} candidates: the rows
   * from it up are exact, and weaker tracks (below it) are too many to verify anyway.
   */
  private List<long[]> top(int[][] bufs, byte[] hist, int n, int k, long[] last) {
    int[] cand = bufs[0];
    int mask = hist.length - 1;
    long[] bySum = new long[1024];
    for (int i = 0; i < n; i++) {
      bySum[Math.min(pairSum(hist, cand[i], mask), bySum.length - 1)]++;
    }
    List<long[]> rows = exact(bufs, hist, n, threshold(bySum, 2, TOP_SORTED), last).rows();
    return rows.size() > k ? rows.subList(0, k) : rows;
  }

  /**
   * Each candidate row ({score, ordinal, offsetFrames}) checked against the query's peaks: the track's peaks in
   * the clip's window (offset − 1 .. offset + the query's last frame + 1) that the query has within ±1 frame and
   * ±1 bin, in place as well, at the offset of the row and one frame either side (the best kept), most first. Noise
   * moves a peak by a frame or a bin about as often as it keeps it in place, and a landmark needs both its peaks: at
   * SNR 5 dB a true match keeps ~75 % of its peaks within a cell on average, ~25 % of its landmarks. An unrelated
   * candidate hits more than the few percent of cells the query's peaks cover: it was chosen for the landmarks it
   * shares with the query (their anchors are hits), and the query's peaks crowd the bass where tracks' peaks are.
   */
  private List<PeakVerification.Check> verified(long[] query, List<long[]> rows) {
    double w = verification.nearWeight();
    int span = span(query);
    long[] plane = PeakVerification.plane(query, span, 1);
    long[] inPlace = PeakVerification.plane(query, span, 0);
    List<PeakVerification.Check> out = new ArrayList<>(rows.size());
    for (long[] row : rows) {
      PeakVerification.Check best = null;
      // the hash window's middle value may be a frame off the clip's start (a window spans three offsets)
      for (int d : new int[] {0, -1, 1}) {
        PeakVerification.Check c = check((int) row[1], (int) row[2] + d, (int) row[0], plane, inPlace, span);
        if (best == null || c.score(w) > best.score(w)) {
          best = c;
        }
      }
      out.add(best);
    }
    out.sort((a, b) -> a.score(w) != b.score(w) ? Double.compare(b.score(w), a.score(w)) : Integer.compare(b.hashScore(), a.hashScore()));
    return out;
  }

  /** One track's peaks checked against the query's planes at one offset (frames). */
  private PeakVerification.Check check(int ordinal, int offset, int hashScore, long[] plane, long[] inPlace, int span) {
    int[] p = peaks[ordinal] == null ? new int[0] : peaks[ordinal];   // none kept while the verification is off
    int hits = 0;
    int exact = 0;
    int window = 0;
    for (int i = PeakVerification.lowerBound(p, Math.max(0, offset - 1) << 9); i < p.length && (p[i] >>> 9) <= offset + span + 1; i++) {
      int frame = (p[i] >>> 9) - offset + 1;   // the plane's row: query frame + 1
      int bin = p[i] & 0x1ff;
      boolean hit = (plane[frame << 3 | bin >>> 6] & 1L << bin) != 0;
      boolean inPlaceHit = (inPlace[frame << 3 | bin >>> 6] & 1L << bin) != 0;
      if (hit) {
        hits++;
      }
      if (inPlaceHit) {
        exact++;
      }
      if (frame >= 1 && frame <= span + 1) {
        window++;
      }
    }
    return new PeakVerification.Check(tracks.get(ordinal), exact, hits, window, hashScore, Math.round(offset * Fingerprinter.msPerFrame()));
  }

  /** The last anchor frame of a query (its landmarks span 0..this). */
  static int span(long[] query) {
    int last = 0;
    for (long lm : query) {
      last = Math.max(last, Fingerprinter.timeOf(lm));
    }
    return last;
  }

  /**
   * The Δt − 1 and Δt + 1 neighbours of a query's distinct hashes (at the same anchor frame), each once and none
   * that the query has itself: a hash's count at an offset stays the number of distinct hashes agreeing on it.
   */
  static long[] widened(long[] distinct) {
    java.util.Set<Integer> own = new java.util.HashSet<>();
    for (long lm : distinct) {
      own.add(Fingerprinter.hashOf(lm));
    }
    long[] out = new long[2 * distinct.length];
    int n = 0;
    for (long lm : distinct) {
      int h = Fingerprinter.hashOf(lm);
      int dt = h & 0x3f;   // Δt: the hash's low 6 bits (Fingerprinter.hash)
      if (dt > 1 && !own.contains(h - 1)) {
        out[n++] = (long) (h - 1) << 32 | (lm & 0xffffffffL);
      }
      if (dt < 63 && !own.contains(h + 1)) {
        out[n++] = (long) (h + 1) << 32 | (lm & 0xffffffffL);
      }
    }
    return distinctHashes(Arrays.copyOf(out, n));
  }

  /** The best-scoring tracks of a query, without the confidence tests (the parameter sweep, diagnostics). */
  public List<Match> candidates(long[] query, int limit) {
    lock.readLock().lock();
    try {
      Ranked r = ranked(distinctHashes(query));
      List<Match> out = new ArrayList<>();
      for (long[] row : r.rows()) {
        if (out.size() == limit) {
          break;
        }
        out.add(new Match(r.names().get((int) row[1]), (int) row[0], Math.round(row[2] * Fingerprinter.msPerFrame())));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Each hash of a query once, at its first time. A hash that recurs in a clip (a held note, a loop) would
   * otherwise pile up at the offsets where it recurs in another track (at the same period), a coincidence
   * that looks like a match; with each hash once, an offset's count is the number of distinct hashes that
   * agree on it.
   */
  static long[] distinctHashes(long[] query) {
    long[] q = query.clone();
    Arrays.sort(q);
    int n = 0;
    for (int i = 0; i < q.length; i++) {
      if (n == 0 || Fingerprinter.hashOf(q[i]) != Fingerprinter.hashOf(q[n - 1])) {
        q[n++] = q[i];
      }
    }
    return Arrays.copyOf(q, n);
  }

  /** Another track whose landmarks line up with a track's: landmarks in the best offset bin, and each side's count. */
  public record Overlap(UUID trackId, int matched, int theirs, int ours, long offsetMs) {
    /** The matched share of the longer of the two (so most of both tracks lines up, at one offset). */
    public double fraction() {
      return (double) matched / Math.max(1, Math.max(theirs, ours));
    }
  }

  /**
   * The other tracks whose landmarks line up with {@code landmarks} (a whole track's, as stored) at one
   * offset for at least {@code minFraction} of the longer one: the same recording uploaded again.
   */
  public List<Overlap> overlaps(UUID self, long[] landmarks, double minFraction) {
    lock.readLock().lock();
    try {
      List<Overlap> out = new ArrayList<>();
      Ranked r = ranked(landmarks);
      for (long[] row : r.rows()) {
        if (row[0] < minFraction * landmarks.length) {
          break;   // rows are sorted by matched count: none after this one matches enough of ours
        }
        int ordinal = (int) row[1];
        UUID id = r.names().get(ordinal);
        Overlap o = new Overlap(id, (int) row[0], counts[ordinal], landmarks.length, Math.round(row[2] * Fingerprinter.msPerFrame()));
        if (!id.equals(self) && o.fraction() >= minFraction) {
          out.add(o);
        }
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Every track with a score of 2 or more as {score, ordinal, offsetFrames}, best first, and the id of each. */
  record Ranked(List<long[]> rows, List<UUID> names) {
  }

  /** Candidate buffers per thread (a query's can reach millions of ints: not reallocated per query). */
  private static final ThreadLocal<int[][]> BUFFERS = ThreadLocal.withInitial(() -> new int[][] {new int[1 << 16], new int[1 << 16], new int[1 << 16]});
  /** Per thread: the coarse bin counts of the current query (zero between queries). */
  private static final ThreadLocal<byte[]> COARSE = ThreadLocal.withInitial(() -> new byte[1 << COARSE_BITS]);
  /**
   * Per thread: the last query's candidates and how many of them the exact passes sorted (diagnostics, the bench),
   * its fullest coarse bin, and the tracks it verified by peaks.
   */
  private static final ThreadLocal<long[]> LAST = ThreadLocal.withInitial(() -> new long[4]);

  /**
   * The calling thread's last {@link #match} or {@link #identify}: {candidates gathered, candidates sorted and scored
   * exactly, tracks verified by peaks (0: the hash stage decided)}.
   */
  public static long[] lastQueryCounts() {
    long[] last = LAST.get();
    return new long[] {last[0], last[1], last[3]};
  }

  /** Every track's best window, exactly (duplicates, the parameter sweep): sorts every candidate. */
  Ranked ranked(long[] query) {
    lock.readLock().lock();
    try {
      int[][] bufs = BUFFERS.get();
      int n = gather(query, bufs, null, 0);
      int[] cand = bufs[0];
      sort(cand, bufs[1], n);
      return new Ranked(score(cand, n, 2), tracks);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The rows of {@link #ranked} that can decide a match, without sorting every candidate. A first pass counts
   * the candidates per coarse offset bin ({@code 2^COARSE_SHIFT} frames); a window of TOLERANCE + 1 values lies
   * in one bin or two adjacent ones, so its score is at most the sum of that pair's counts. Only candidates in
   * bins whose pair sum reaches a threshold t are sorted and scored exactly: every window scoring t or more is
   * then exact, lower ones may be undercounted. Rows below the top score / minRatio decide nothing in
   * {@link #confident} (neither a match nor the second track), so t starts at the floor and drops once to the
   * exact top / minRatio when that is lower (at most two passes). A query whose highest pair sum is below the floor
   * cannot match: no exact pass at all (the bound used is twice the fullest bin, counted while gathering). The bins fold
   * modulo {@code 2^COARSE_BITS} (far bins share a count): that only raises counts, never loses a window; a bin
   * that saturates (255) is read as unbounded.
   */
  Ranked pruned(long[] query, double floor) {
    int[][] bufs = BUFFERS.get();
    byte[] hist = COARSE.get();
    long[] last = LAST.get();
    try {
      int n = gatherFirst(query, bufs, hist, last);
      return decide(bufs, hist, n, floor, last);
    } finally {
      Arrays.fill(hist, (byte) 0);
    }
  }

  /** Gathers a query's candidates into empty buffers and resets the pass counters in {@code last}; their number. */
  private int gatherFirst(long[] query, int[][] bufs, byte[] hist, long[] last) {
    last[2] = 0;
    last[3] = 0;
    int n = gather(query, bufs, hist, 0);
    last[0] = n;
    last[1] = 0;
    return n;
  }

  /** The threshold passes of {@link #pruned} over the first n gathered candidates and their coarse counts. */
  private Ranked decide(int[][] bufs, byte[] hist, int n, double floor, long[] last) {
    int most = 2 * (int) last[2];   // no pair of adjacent bins holds more than twice the fullest
    if (most < floor) {
      return new Ranked(List.of(), tracks);
    }
    int need = (int) Math.ceil(floor);
    // from the floor: with ~1 unrelated candidate per bin few bins reach it, and each pass reads every candidate's
    // bins, so one pass (a strong match) or two (top / minRatio below the floor) beat starting higher
    int t = Math.max(2, need);
    while (true) {
      Ranked rows = exact(bufs, hist, n, t, last);
      long top = rows.rows().isEmpty() ? 0 : rows.rows().get(0)[0];
      if (top >= t) {   // every window of t or more is exact: top is the best
        if (top < need) {
          return new Ranked(List.of(), tracks);
        }
        int decide = Math.max(2, (int) Math.ceil(top / minRatio));
        if (decide >= t) {
          return rows;
        }
        t = decide;   // once more, exact down to top / minRatio (top stays the best)
      } else {   // the best window lies below t: at most t - 1
        if (t - 1 < need) {
          return new Ranked(List.of(), tracks);
        }
        t = Math.max(2, need);   // does any window reach the floor?
      }
    }
  }

  /** A coarse bin's count: a saturated one (255) may hold any number, so it is read as more than any threshold. */
  private static int count(byte c) {
    return c == -1 ? 1 << 20 : c & 0xff;
  }

  /** Sorts and scores the candidates in coarse bins whose count with a neighbour's reaches {@code t}. */
  private Ranked exact(int[][] bufs, byte[] hist, int n, int t, long[] last) {
    int[] cand = bufs[0];
    int[] sel = bufs[1];
    int mask = hist.length - 1;
    int k = 0;
    for (int i = 0; i < n; i++) {
      int v = cand[i];
      int b = (v >>> COARSE_SHIFT) & mask;   // the flipped sign bit lies above the bin's bits
      int c = count(hist[b]);
      if (c + count(hist[(b + 1) & mask]) >= t || c + count(hist[(b - 1) & mask]) >= t) {
        sel[k++] = v;
      }
    }
    last[1] += k;
    sort(sel, bufs[2], k);
    // windows below t decide nothing (the caller's rows are exact only from t up): not looked up or kept
    return new Ranked(score(sel, k, t), tracks);
  }

  /**
   * Every posting of every query landmark as a candidate into {@code bufs[0]} after its first {@code from} (the new
   * total returned), unsorted; counted per coarse bin into {@code hist} unless null. The other buffers grow to the
   * same length.
   */
  private int gather(long[] query, int[][] bufs, byte[] hist, int from) {
    lock.readLock().lock();
    try {
      int[] cand = bufs[0];
      int n = from;
      int mask = hist == null ? 0 : hist.length - 1;
      int peak = (int) LAST.get()[2];
      for (int q = 0; lists != null && q < query.length; q++) {
        long lm = query[q];
        int h = Fingerprinter.hashOf(lm);
        int size = sizes[h];
        if (size == 0 || size > MAX_POSTINGS) {
          continue;
        }
        int qt = Fingerprinter.timeOf(lm);
        int[] list = lists[h];
        if (n + size > cand.length) {
          cand = Arrays.copyOf(cand, Math.max(cand.length * 2, n + size));
          bufs[0] = cand;
        }
        if (hist == null) {
          for (int i = 0; i < size; i++) {
            // unsigned global frame − query frame, stored with the sign bit flipped so that signed order is unsigned order
            cand[n++] = (list[i] - qt) ^ Integer.MIN_VALUE;
          }
        } else {
          for (int i = 0; i < size; i++) {
            int v = list[i] - qt;
            int b = (v >>> COARSE_SHIFT) & mask;
            if (hist[b] != -1) {   // saturates at 255, read as unbounded by count()
              hist[b]++;
            }
            peak = Math.max(peak, count(hist[b]));   // the fullest bin, kept as it grows: no scan of the 4 MB table
            cand[n++] = v ^ Integer.MIN_VALUE;
          }
        }
      }
      for (int b = 1; b < bufs.length; b++) {
        if (bufs[b].length < cand.length) {
          bufs[b] = new int[cand.length];
        }
      }
      LAST.get()[2] = peak;
      return n;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Sorts a[0..n): LSD radix on two 16-bit digits (a query has up to millions of candidates). */
  static void sort(int[] a, int[] tmp, int n) {
    if (n < 4096) {
      Arrays.sort(a, 0, n);
      return;
    }
    int[] count = new int[1 << 16];
    for (int shift = 0; shift < 32; shift += 16) {
      Arrays.fill(count, 0);
      for (int i = 0; i < n; i++) {
        count[((a[i] ^ (shift == 16 ? Integer.MIN_VALUE : 0)) >>> shift) & 0xffff]++;
      }
      int sum = 0;
      for (int d = 0; d < count.length; d++) {
        int c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (int i = 0; i < n; i++) {
        tmp[count[((a[i] ^ (shift == 16 ? Integer.MIN_VALUE : 0)) >>> shift) & 0xffff]++] = a[i];
      }
      System.arraycopy(tmp, 0, a, 0, n);
    }
  }

  /** Per track, the best count over TOLERANCE + 1 adjacent offset values, for tracks with a window of at least {@code min}. */
  private List<long[]> score(int[] cand, int n, int min) {
    Map<Integer, long[]> best = new HashMap<>();   // ordinal -> {score, offset}
    // runs of equal values: value and count, in order; a window sums the runs within TOLERANCE of its first
    int i = 0;
    int[] runValue = new int[TOLERANCE + 1];
    int[] runCount = new int[TOLERANCE + 1];
    int runs = 0;
    while (i < n) {
      int v = cand[i];
      int j = i;
      while (j < n && cand[j] == v) {
        j++;
      }
      // keep the last TOLERANCE + 1 runs whose values lie within TOLERANCE of v
      if (runs == runValue.length) {
        System.arraycopy(runValue, 1, runValue, 0, runs - 1);
        System.arraycopy(runCount, 1, runCount, 0, runs - 1);
        runs--;
      }
      runValue[runs] = v;
      runCount[runs] = j - i;
      runs++;
      int k = 0;
      while (runValue[k] < v - TOLERANCE) {
        k++;
      }
      int sum = 0;
      for (int r = k; r < runs; r++) {
        sum += runCount[r];
      }
      if (sum >= min) {
        long global = (v ^ Integer.MIN_VALUE) & 0xffffffffL;   // the window's last value: its middle is ~ one lower
        long centre = global - TOLERANCE / 2;
        int ordinal = ordinalAt(centre);
        if (ordinal >= 0) {
          long[] b = best.computeIfAbsent(ordinal, x -> new long[] {0, 0});
          if (sum > b[0]) {
            b[0] = sum;
            b[1] = centre - bases[ordinal];
          }
        }
      }
      i = j;
    }
    List<long[]> ranked = new ArrayList<>();
    best.forEach((track, b) -> ranked.add(new long[] {b[0], track, b[1]}));
    ranked.sort((a, b) -> Long.compare(b[0], a[0]));
    return ranked;
  }

  /** The track whose span (from GAP/2 before its frame 0 to the next track's) holds a global frame; −1 before the first. */
  private int ordinalAt(long global) {
    int lo = 0;
    int hi = tracks.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (bases[mid] - GAP / 2 <= global) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  List<Match> confident(Ranked result, int queryLength, int limit) {
    List<long[]> ranked = result.rows();
    List<Match> out = new ArrayList<>();
    if (ranked.isEmpty()) {
      return out;
    }
    double floor = Math.max(minScore, minFraction * queryLength);
    long top = ranked.get(0)[0];
    // the best track that is not a near-duplicate of the top one (same song uploaded twice scores alike)
    long second = 0;
    for (int r = 1; r < ranked.size(); r++) {
      if (ranked.get(r)[0] < floor || ranked.get(r)[0] < top / minRatio) {
        second = ranked.get(r)[0];
        break;
      }
    }
    if (top < floor || top < minRatio * second) {
      return out;
    }
    for (long[] r : ranked) {
      if (out.size() == limit || r[0] < floor || r[0] < top / minRatio) {
        break;
      }
      out.add(new Match(result.names().get((int) r[1]), (int) r[0], Math.round(r[2] * Fingerprinter.msPerFrame())));
    }
    return out;
  }

  private void append(int hash, int posting) {
    int[] list = lists[hash];
    int size = sizes[hash];
    if (list == null) {
      list = new int[2];
      lists[hash] = list;
    } else if (size == list.length) {
      list = Arrays.copyOf(list, size + (size >> 1) + 1);
      lists[hash] = list;
    }
    list[size] = posting;
    sizes[hash] = size + 1;
  }
}

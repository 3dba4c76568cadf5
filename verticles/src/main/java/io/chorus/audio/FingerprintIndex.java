package io.chorus.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory inverted index of one node: landmark hash → postings {@code trackOrdinal << 32 | frame},
 * in an open-addressing table of primitive arrays (no boxing: ~8 bytes per landmark plus the table).
 * Matching histograms {@code dbFrame − queryFrame} per track; a track's score is the largest count in
 * two adjacent offset bins (a query's frames are up to half a hop off the track's grid).
 *
 * <p>Confidence: the best track is a match when its score is at least {@link #MIN_SCORE}, at least
 * {@link #MIN_RATIO} × the best other track's score (coincidences are spread over many tracks and offsets;
 * a true match piles up in one bin), and at least {@link #MIN_FRACTION} of the query's landmarks (long
 * clips make more coincidences). Thresholds measured on the corpus (docs/benchmarks.md). Other tracks
 * that pass the same absolute tests are returned after it (the same song uploaded twice).
 */
public final class FingerprintIndex {
  static final int MIN_SCORE = 8;
  static final double MIN_RATIO = 2.0;
  static final double MIN_FRACTION = 0.01;
  /** Hashes with more postings than this are stop words (silence, sustained tones): skipped at query time. */
  static final int MAX_POSTINGS = 50_000;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<UUID, Integer> ordinals = new HashMap<>();
  private final List<UUID> tracks = new ArrayList<>();
  /** Landmarks per track ordinal (duplicate detection compares a match with both tracks' lengths). */
  private int[] counts = new int[1024];
  private int[] keys = new int[1 << 16];
  private long[][] lists = new long[1 << 16][];
  private int[] sizes = new int[1 << 16];
  private int used;
  private long postings;

  public record Match(UUID trackId, int score, long offsetMs) {
  }

  /** Adds a track's landmarks; false (and nothing changes) when the track is indexed already. */
  public boolean add(UUID track, long[] landmarks) {
    lock.writeLock().lock();
    try {
      if (ordinals.containsKey(track)) {
        return false;
      }
      int ordinal = tracks.size();
      tracks.add(track);
      ordinals.put(track, ordinal);
      if (ordinal == counts.length) {
        counts = Arrays.copyOf(counts, counts.length * 2);
      }
      counts[ordinal] = landmarks.length;
      for (long lm : landmarks) {
        append(Fingerprinter.hashOf(lm), (long) ordinal << 32 | (Fingerprinter.timeOf(lm) & 0xffffffffL));
      }
      postings += landmarks.length;
      return true;
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

  /** Approximate heap bytes of the postings and the table. */
  public long bytes() {
    lock.readLock().lock();
    try {
      long b = (long) keys.length * (4 + 4 + 8) + used * 16L;
      for (int i = 0; i < lists.length; i++) {
        if (lists[i] != null) {
          b += 8L * lists[i].length;
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
      return confident(ranked(query), query.length, limit);
    } finally {
      lock.readLock().unlock();
    }
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

  /** Every track with a candidate offset as {score, ordinal, offsetFrames}, best first, and the id of each. */
  record Ranked(List<long[]> rows, List<UUID> names) {
  }

  Ranked ranked(long[] query) {
    long[] cand;
    int n = 0;
    List<UUID> names;
    lock.readLock().lock();
    try {
      names = tracks;
      cand = new long[Math.max(16, query.length * 4)];
      for (long lm : query) {
        int slot = find(Fingerprinter.hashOf(lm));
        if (slot < 0 || sizes[slot] > MAX_POSTINGS) {
          continue;
        }
        int qt = Fingerprinter.timeOf(lm);
        long[] list = lists[slot];
        int size = sizes[slot];
        if (n + size > cand.length) {
          cand = Arrays.copyOf(cand, Math.max(cand.length * 2, n + size));
        }
        for (int i = 0; i < size; i++) {
          long p = list[i];
          long offset = (int) p - qt + (1L << 30);
          cand[n++] = (p & 0xffffffff00000000L) | (offset & 0xffffffffL);
        }
      }
      return new Ranked(score(cand, n), names);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Per track, the best count over two adjacent offset bins; then the confidence tests. */
  private static List<long[]> score(long[] cand, int n) {
    Arrays.sort(cand, 0, n);
    Map<Integer, long[]> best = new HashMap<>();   // track -> {score, offset}
    int i = 0;
    while (i < n) {
      long key = cand[i];
      int j = i;
      while (j < n && cand[j] == key) {
        j++;
      }
      int k = j;
      while (k < n && cand[k] == key + 1) {
        k++;
      }
      int count = k - i;
      int track = (int) (key >>> 32);
      long[] b = best.computeIfAbsent(track, x -> new long[] {0, 0});
      if (count > b[0]) {
        b[0] = count;
        b[1] = (key & 0xffffffffL) - (1L << 30);
      }
      i = j;
    }
    List<long[]> ranked = new ArrayList<>();
    best.forEach((track, b) -> ranked.add(new long[] {b[0], track, b[1]}));
    ranked.sort((a, b) -> Long.compare(b[0], a[0]));
    return ranked;
  }

  static List<Match> confident(Ranked result, int queryLength, int limit) {
    List<long[]> ranked = result.rows();
    List<Match> out = new ArrayList<>();
    if (ranked.isEmpty()) {
      return out;
    }
    double floor = Math.max(MIN_SCORE, MIN_FRACTION * queryLength);
    long top = ranked.get(0)[0];
    // the best track that is not a near-duplicate of the top one (same song uploaded twice scores alike)
    long second = 0;
    for (int r = 1; r < ranked.size(); r++) {
      if (ranked.get(r)[0] < floor || ranked.get(r)[0] < top / MIN_RATIO) {
        second = ranked.get(r)[0];
        break;
      }
    }
    if (top < floor || top < MIN_RATIO * second) {
      return out;
    }
    for (long[] r : ranked) {
      if (out.size() == limit || r[0] < floor || r[0] < top / MIN_RATIO) {
        break;
      }
      out.add(new Match(result.names().get((int) r[1]), (int) r[0], Math.round(r[2] * Fingerprinter.msPerFrame())));
    }
    return out;
  }

  private void append(int hash, long posting) {
    if ((used + 1) * 4L > keys.length * 3L) {
      grow();
    }
    int slot = slotFor(keys, lists, hash);
    if (lists[slot] == null) {
      keys[slot] = hash;
      lists[slot] = new long[2];
      used++;
    } else if (sizes[slot] == lists[slot].length) {
      lists[slot] = Arrays.copyOf(lists[slot], sizes[slot] + (sizes[slot] >> 1) + 1);
    }
    lists[slot][sizes[slot]++] = posting;
  }

  private int find(int hash) {
    int mask = keys.length - 1;
    for (int s = mix(hash) & mask; ; s = (s + 1) & mask) {
      if (lists[s] == null) {
        return -1;
      }
      if (keys[s] == hash) {
        return s;
      }
    }
  }

  private static int slotFor(int[] keys, long[][] lists, int hash) {
    int mask = keys.length - 1;
    int s = mix(hash) & mask;
    while (lists[s] != null && keys[s] != hash) {
      s = (s + 1) & mask;
    }
    return s;
  }

  private void grow() {
    int[] k2 = new int[keys.length * 2];
    long[][] l2 = new long[keys.length * 2][];
    int[] s2 = new int[keys.length * 2];
    for (int i = 0; i < keys.length; i++) {
      if (lists[i] != null) {
        int s = slotFor(k2, l2, keys[i]);
        k2[s] = keys[i];
        l2[s] = lists[i];
        s2[s] = sizes[i];
      }
    }
    keys = k2;
    lists = l2;
    sizes = s2;
  }

  private static int mix(int h) {
    h *= 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}

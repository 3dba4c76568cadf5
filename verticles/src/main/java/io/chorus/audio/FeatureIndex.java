package io.chorus.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntPredicate;

/**
 * A node's in-memory nearest-neighbour index of the tracks' raw {@link SoundFeatures} vectors: one flat
 * {@code float[]} (n × {@value SoundFeatures#DIMS}), searched exhaustively with partial distances (a
 * vector is abandoned once it is farther than the k-th best). Exact, and measured fast enough (docs/benchmarks.md
 * "Similar songs": 100,000 vectors, p50 11 ms on a heavily loaded 2-core machine, against Lucene's HNSW graph:
 * p50 0.8 ms but a 15-minute build, which every node would pay at start, and 96.5 % recall); it also lets the
 * standardisation follow the corpus without rebuilding anything.
 *
 * <p>Distance: the squared difference per dimension divided by the corpus variance of that dimension
 * (a z-score distance: the mean cancels out of a difference, so only the deviations are kept, as running
 * sums updated on every add); each {@link SoundFeatures#GROUPS group} has a total weight whatever its size
 * ({@link #GROUP_WEIGHTS}: timbre ×2, rhythm ×½, measured best on the corpus).
 * {@link #score} maps it to (0, 1]: 1 for the same sound.
 */
public final class FeatureIndex {
  /** The vector's length. */
  private final int dims;
  /** Dimension groups {first, end} weighed alike; null: the dimensions as they are (unit embeddings of a model). */
  private final int[][] groups;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<UUID, Integer> ordinals = new HashMap<>();
  private final List<UUID> tracks = new ArrayList<>();
  private float[] data;
  private final double[] sum;
  private final double[] sumSq;
  private volatile float[] weights;
  private final double[] groupWeights;

  /** Group weights chosen on the corpus (scripts/bench-similar: album share of the 5 nearest per variant). */
  static final double[] GROUP_WEIGHTS = {1, 2, 1, 0.5};

  public FeatureIndex() {
    this(GROUP_WEIGHTS);
  }

  /** An index weighing the {@link SoundFeatures#GROUPS groups} as given (benchmarks compare them; 0 leaves one out). */
  public FeatureIndex(double[] groupWeights) {
    this(SoundFeatures.DIMS, SoundFeatures.GROUPS, groupWeights);
  }

  private FeatureIndex(int dims, int[][] groups, double[] groupWeights) {
    this.dims = dims;
    this.groups = groups;
    this.groupWeights = groupWeights == null ? null : groupWeights.clone();
    data = new float[dims * 1024];
    sum = new double[dims];
    sumSq = new double[dims];
  }

  /**
   * An index of unit vectors of {@code dims} values (a model's embeddings), compared as they are: the squared
   * distance is 2 − 2 cos, and {@link #similarity} is (1 + cos) / 2.
   */
  public static FeatureIndex unit(int dims) {
    return new FeatureIndex(dims, null, null);
  }

  /** The vector's length. */
  public int dims() {
    return dims;
  }

  /** A neighbour: its ordinal in this index, its id and its weighted squared distance. */
  public record Hit(int ordinal, UUID trackId, double distance) {
  }

  /** Adds or replaces a track's vector. */
  public void put(UUID track, float[] vector) {
    if (vector.length != dims) {
      throw new IllegalArgumentException("a feature vector has " + dims + " values, got " + vector.length);
    }
    lock.writeLock().lock();
    try {
      Integer ordinal = ordinals.get(track);
      if (ordinal == null) {
        ordinal = tracks.size();
        tracks.add(track);
        ordinals.put(track, ordinal);
        if ((ordinal + 1) * dims > data.length) {
          data = Arrays.copyOf(data, data.length * 2);
        }
      } else {
        for (int i = 0; i < dims; i++) {
          double old = data[ordinal * dims + i];
          sum[i] -= old;
          sumSq[i] -= old * old;
        }
      }
      System.arraycopy(vector, 0, data, ordinal * dims, dims);
      for (int i = 0; i < dims; i++) {
        sum[i] += vector[i];
        sumSq[i] += (double) vector[i] * vector[i];
      }
      weights = null;
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

  public int size() {
    lock.readLock().lock();
    try {
      return tracks.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A copy of a track's raw vector, or null. */
  public float[] vector(UUID track) {
    lock.readLock().lock();
    try {
      Integer o = ordinals.get(track);
      return o == null ? null : Arrays.copyOfRange(data, o * dims, o * dims + dims);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Per dimension: its group's share (1 / group size) over the corpus variance; 0 where nothing varies. */
  public float[] weights() {
    return currentWeights().clone();
  }

  private float[] currentWeights() {
    float[] w = weights;
    if (w != null) {
      return w;
    }
    lock.readLock().lock();
    try {
      w = new float[dims];
      if (groups == null) {
        Arrays.fill(w, 1f);
        weights = w;
        return w;
      }
      int n = tracks.size();
      for (int gi = 0; gi < groups.length; gi++) {
        int[] g = groups[gi];
        for (int i = g[0]; i < g[1]; i++) {
          double mean = n == 0 ? 0 : sum[i] / n;
          double var = n < 2 ? 0 : (sumSq[i] - n * mean * mean) / (n - 1);
          // a relative floor: rounding in the running sums must not turn a constant into a huge weight
          w[i] = var <= 1e-9 * (1 + mean * mean) ? 0 : (float) (groupWeights[gi] / (g[1] - g[0]) / var);
        }
      }
      weights = w;
      return w;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The weighted squared distance of two vectors. */
  public double distance(float[] a, float[] b) {
    float[] w = currentWeights();
    double d = 0;
    for (int i = 0; i < dims; i++) {
      float diff = a[i] - b[i];
      d += w[i] * diff * diff;
    }
    return d;
  }

  /** This index's similarity in [0, 1] of a distance it measured: {@link #score}, or (1 + cos) / 2 for unit vectors. */
  public double similarity(double distance) {
    return groups == null ? Math.max(0, Math.min(1, 1 - distance / 4)) : score(distance);
  }

  /** Similarity in (0, 1] of a weighted squared distance: 1 / (1 + RMS z-difference per group). */
  public static double score(double distance) {
    return 1.0 / (1.0 + Math.sqrt(Math.max(0, distance) / SoundFeatures.GROUPS.length));
  }

  /**
   * The {@code k} tracks nearest to {@code query}, nearest first, leaving out the ordinals {@code skip}
   * accepts. Exhaustive: every vector is compared (a bounded max-heap keeps the best k).
   */
  public List<Hit> nearest(float[] query, int k, IntPredicate skip) {
    float[] w = currentWeights();
    lock.readLock().lock();
    try {
      int n = tracks.size();
      int cap = Math.max(1, Math.min(k, n));
      double[] heapD = new double[cap];
      int[] heapO = new int[cap];
      int size = 0;
      float[] v = data;
      for (int o = 0; o < n; o++) {
        int base = o * dims;
        double bound = size == cap ? heapD[0] : Double.MAX_VALUE;
        double d = 0;
        int i = 0;
        // partial distances: a vector already farther than the k-th best is abandoned, 16 dimensions at a time
        while (i < dims && d < bound) {
          int end = Math.min(dims, i + 16);
          float acc = 0;
          for (; i < end; i++) {
            float diff = v[base + i] - query[i];
            acc += w[i] * diff * diff;
          }
          d += acc;
        }
        if (d >= bound) {
          continue;
        }
        if (skip != null && skip.test(o)) {
          continue;
        }
        if (size < cap) {
          heapD[size] = d;
          heapO[size] = o;
          siftUp(heapD, heapO, size++);
        } else {
          heapD[0] = d;
          heapO[0] = o;
          siftDown(heapD, heapO, size);
        }
      }
      Integer[] order = new Integer[size];
      for (int i = 0; i < size; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(heapD[a], heapD[b]));
      List<Hit> out = new ArrayList<>(size);
      for (int i : order) {
        out.add(new Hit(heapO[i], tracks.get(heapO[i]), heapD[i]));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The ordinal of a track, or -1. */
  public int ordinal(UUID track) {
    lock.readLock().lock();
    try {
      return ordinals.getOrDefault(track, -1);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static void siftUp(double[] d, int[] o, int i) {
    while (i > 0) {
      int p = (i - 1) / 2;
      if (d[p] >= d[i]) {
        return;
      }
      swap(d, o, i, p);
      i = p;
    }
  }

  private static void siftDown(double[] d, int[] o, int size) {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int m = i;
      if (l < size && d[l] > d[m]) {
        m = l;
      }
      if (r < size && d[r] > d[m]) {
        m = r;
      }
      if (m == i) {
        return;
      }
      swap(d, o, i, m);
      i = m;
    }
  }

  private static void swap(double[] d, int[] o, int a, int b) {
    double td = d[a];
    d[a] = d[b];
    d[b] = td;
    int to = o[a];
    o[a] = o[b];
    o[b] = to;
  }
}

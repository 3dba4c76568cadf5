package io.chorus.bench;

import io.chorus.audio.Corpus;
import io.chorus.audio.FingerprintIndex;
import io.chorus.audio.Fingerprinter;
import io.chorus.audio.PeakVerification;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Identify-by-clip on real music (issue 18): the warzone2100 and singularity soundtracks indexed, the
 * hyperrogue soundtrack as music not in the library. Per condition, {@code clips} clips at seeded random
 * offsets of random indexed tracks; top-1 accuracy, false positives, query p50/p99, fingerprinting speed
 * and index bytes per hour. {@code extra} synthetic tracks fill the index up to a realistic size, each a
 * different song for the hashes and the band sketch ({@link #scrambled}, {@link #reversed}). {@code -Dverify=on}: the
 * peak verification before the sketch stage; {@code -Dsketch=off}: no sketch stage; {@code -Dsketch=calibrate}: the
 * sketch stage names its best track whatever its correlation, and the answers it would add at each (minR, minRatio)
 * are printed with their false positives (the accuracy rows then leave its answers out), and those of the default rule
 * with the landmark confirmation ({@link FingerprintIndex#confirmed}); {@code -Ddecoys=same-f1}: the synthetic tracks
 * as they were made before the verification stage (f1 and times kept); {@code -Dseed=}: another draw of synthetic
 * tracks and clips (18 by default).
 * Usage: scripts/bench-identify [clips=40] [extra=10000]
 */
public final class IdentifyBench {
  private IdentifyBench() {
  }

  public static void main(String[] args) throws Exception {
    int clips = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int extra = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    Corpus corpus = new Corpus();
    List<Corpus.Song> songs = corpus.libraryTracks();
    List<Corpus.Song> others = corpus.heldOutTracks();

    Fingerprinter fp = new Fingerprinter();
    boolean calibrate = "calibrate".equals(System.getProperty("sketch"));
    FingerprintIndex.SketchStage sketching = "off".equals(System.getProperty("sketch")) ? FingerprintIndex.SketchStage.OFF
        : calibrate ? new FingerprintIndex.SketchStage(FingerprintIndex.SketchStage.DEFAULT.candidates(), -1, 0) : FingerprintIndex.SketchStage.DEFAULT;
    FingerprintIndex index = new FingerprintIndex(13, 2.0, 0.001,
        "on".equals(System.getProperty("verify")) ? PeakVerification.Settings.DEFAULT : PeakVerification.Settings.OFF, sketching);
    System.out.printf("sketch stage %s%n", sketching);
    boolean sameF1 = "same-f1".equals(System.getProperty("decoys"));
    System.out.printf("peak verification %s, synthetic tracks %s%n", "on".equals(System.getProperty("verify")) ? "on" : "off",
        sameF1 ? "with the real tracks' f1 and times (anchor peaks)" : "reversed in time");
    List<UUID> ids = new ArrayList<>();
    List<long[]> prints = new ArrayList<>();
    List<byte[]> sketches = new ArrayList<>();
    double seconds = 0;
    System.out.printf("load average at the start: %s%n", java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long cpu0 = mx.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    for (Corpus.Song s : songs) {
      Fingerprinter.Print p = fp.print(s.pcm());
      prints.add(p.landmarks());
      sketches.add(p.sketch());
      seconds += s.pcm().length / (double) Fingerprinter.SAMPLE_RATE;
    }
    double fpSeconds = (System.nanoTime() - t0) / 1e9;
    double fpCpuSeconds = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
    long landmarks = 0;
    for (int i = 0; i < songs.size(); i++) {
      UUID id = UUID.randomUUID();
      ids.add(id);
      index.add(id, prints.get(i), sketches.get(i));
      landmarks += prints.get(i).length;
    }
    double hours = seconds / 3600;
    Random random = new Random(Long.getLong("seed", 18));
    for (int e = 0; e < extra; e++) {
      int src = random.nextInt(prints.size());
      long[] copy = sameF1 ? scrambledSameF1(prints.get(src), fp.params(), random) : scrambled(prints.get(src), fp.params(), random);
      index.add(UUID.randomUUID(), copy, reversed(sketches.get(src)));
      hours += songs.get(src).pcm().length / (double) Fingerprinter.SAMPLE_RATE / 3600;
    }
    index.compact();
    System.out.printf("corpus: %d tracks indexed (%.1f h real), %d held out; %d synthetic tracks; index %d tracks, %.2f h%n",
        songs.size(), seconds / 3600, others.size(), extra, index.trackCount(), hours);
    System.out.printf("fingerprinting: %.0f x real time on the wall clock, %.0f x per second of CPU (shared machine); %.1f landmarks/s; index %.2f MB per hour (%d postings, %.0f MB heap)%n",
        seconds / fpSeconds, seconds / fpCpuSeconds, landmarks / seconds, index.bytes() / hours / 1e6, index.postings(), index.bytes() / 1e6);

    List<Long> times = new ArrayList<>();
    List<Long> hashTimes = new ArrayList<>();   // decided by the hash stage
    List<Long> verifiedTimes = new ArrayList<>();   // went on past the hash stage (peaks if on, the sketch stage)
    List<Long> heldOutTimes = new ArrayList<>();   // music not in the library: every stage runs
    List<Long> candidates = new ArrayList<>();
    List<Long> exact = new ArrayList<>();
    String[] conditions = System.getProperty("conditions", "clean,white10,white5,white0,pink10,pink5,pink0,mp3-64k,phone+white10").split(",");
    for (double len : java.util.Arrays.stream(System.getProperty("lengths", "2,5,10").split(",")).mapToDouble(Double::parseDouble).toArray()) {
      StringBuilder line = new StringBuilder(String.format("%4.0f s:", len));
      for (String c : conditions) {
        int ok = 0;
        for (int k = 0; k < clips; k++) {
          int s = random.nextInt(songs.size());
          float[] q = transform(corpus, Corpus.clip(songs.get(s).pcm(), len, random), c, random);
          long q0 = System.nanoTime();
          List<FingerprintIndex.Match> m = index.identify(fp.queryPrint(q), 5);
          times.add(System.nanoTime() - q0);
          double[] sk = FingerprintIndex.lastSketch();
          if (calibrate && sk[0] >= -0.5) {
            boolean right = !m.isEmpty() && m.get(0).trackId().equals(ids.get(s));
            System.out.printf("sketch %s %.0fs %s r %.3f next %.3f landmarks %.0f in line %.0f scale %.2f%n", right ? "TRUE" : "WRONG", len, c, sk[0], sk[1], sk[2], sk[3], sk[4]);
            if (right) {
              ok--;   // calibration: counted below only if the sketch stage would name it
            }
            calib.add(new double[] {right ? 1 : 0, sk[0], sk[1], sk[2], sk[3], sk[4]});
          }
          if (calibrate && (m.isEmpty() || !m.get(0).trackId().equals(ids.get(s)))) {
            System.out.printf("miss %.0fs %s: %s, rows %d, sketch %s%n", len, c, m.isEmpty() ? "unnamed" : "named another", FingerprintIndex.lastQueryCounts()[2],
                sk[0] >= -0.5 ? "ran" : "did not run");
          }
          boolean wentOn = FingerprintIndex.lastQueryCounts()[2] > 0 || FingerprintIndex.lastSketch()[0] >= -0.5;
          (wentOn ? verifiedTimes : hashTimes).add(times.get(times.size() - 1));
          candidates.add(FingerprintIndex.lastQueryCounts()[0]);
          exact.add(FingerprintIndex.lastQueryCounts()[1]);
          if (!m.isEmpty() && m.get(0).trackId().equals(ids.get(s))) {
            ok++;
          }
        }
        line.append(String.format(" %s %.1f%%", c, 100.0 * ok / clips));
      }
      System.out.println(line);
    }
    int fp0 = 0;
    int negatives = 0;
    for (double len : new double[] {2, 5, 10}) {
      for (String c : new String[] {"clean", "white5", "mp3-64k"}) {
        for (int k = 0; k < clips; k++) {
          float[] q = transform(corpus, Corpus.clip(others.get(random.nextInt(others.size())).pcm(), len, random), c, random);
          negatives++;
          long q0 = System.nanoTime();
          boolean named = !index.identify(fp.queryPrint(q), 5).isEmpty();
          heldOutTimes.add(System.nanoTime() - q0);
          double[] sk = FingerprintIndex.lastSketch();
          if (calibrate && sk[0] >= -0.5) {
            System.out.printf("sketch NEG %.0fs %s r %.3f next %.3f landmarks %.0f in line %.0f scale %.2f%n", len, c, sk[0], sk[1], sk[2], sk[3], sk[4]);
            calib.add(new double[] {-1, sk[0], sk[1], sk[2], sk[3], sk[4]});
            named = false;
          }
          if (named) {
            fp0++;
          }
        }
      }
    }
    if (calibrate) {
      for (double minR : new double[] {0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6}) {
        for (double ratio : new double[] {1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.7, 2.0}) {
          System.out.printf("calibration minR %.2f ratio %.1f: %s%n", minR, ratio,
              tally(r -> r[1] >= minR && r[1] >= ratio * Math.max(0, r[2])));
        }
      }
      FingerprintIndex.SketchStage stage = FingerprintIndex.SketchStage.DEFAULT;
      System.out.printf("calibration, the default rule with the landmark confirmation: %s%n",
          tally(r -> r[1] >= stage.minR() && r[1] >= stage.minRatio() * Math.max(0, r[2]) || FingerprintIndex.confirmed(r[1], r[2], r[3] / r[5], r[4] / r[5])));
    }
    long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("false positives: %d of %d (%.2f%%)%n", fp0, negatives, 100.0 * fp0 / negatives);
    System.out.printf("load average at the end: %s%n", java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
    System.out.printf("query (fingerprint + match): p50 %.1f ms, p99 %.1f ms over %d queries%n",
        sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted.length);
    for (List<Long> part : List.of(hashTimes, verifiedTimes, heldOutTimes)) {
      long[] t = part.stream().mapToLong(Long::longValue).sorted().toArray();
      System.out.printf("  %s: %d queries, p50 %.1f ms, p99 %.1f ms%n", part == hashTimes ? "decided by the hash stage" : part == verifiedTimes ? "went on past the hash stage" : "held-out clips",
          t.length, t.length == 0 ? 0 : t[t.length / 2] / 1e6, t.length == 0 ? 0 : t[(int) (t.length * 0.99)] / 1e6);
    }
    // counts, unlike times, do not depend on the shared machine's load
    long[] c = candidates.stream().mapToLong(Long::longValue).sorted().toArray();
    long[] x = exact.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("candidates per query (postings gathered): mean %.0f, p50 %d, p99 %d; sorted and scored exactly: mean %.0f, p50 %d, p99 %d%n",
        candidates.stream().mapToLong(Long::longValue).average().orElse(0), c[c.length / 2], c[(int) (c.length * 0.99)],
        exact.stream().mapToLong(Long::longValue).average().orElse(0), x[x.length / 2], x[(int) (x.length * 0.99)]);
  }

  /**
   * A copy of a track's landmarks that is another song for the hashes and for the peaks: the track played backwards
   * (a landmark from anchor (t, f1) to target (t + Δt, f1 + Δf) becomes one from (T − t − Δt, f1 + Δf) to
   * (T − t, f1), T the track's last frame), then f2 − f1 and Δt rotated by a random amount each within the target
   * zone, as before (so every hash is one a query can produce, and no two copies share their hashes). The count,
   * the bins' distribution and the Δt distribution are the real track's: the hash stage meets as many
   * coincidences as with {@link #scrambledSameF1}. Those kept f1 and the times, so every copy's anchor peaks were
   * its source's, exactly: ~222 copies of each real song for a peak-level check, which no real other song is;
   * a reversed song's peaks line up with its source's only by chance, as another song's would.
   */
  static final List<double[]> calib = new ArrayList<>();

  /** What a naming rule does with the calibration's clips ({right 1 / wrong 0 / other music -1, r, next r, landmarks}). */
  private static String tally(java.util.function.Predicate<double[]> names) {
    int gain = 0;
    int wrong = 0;
    int falsePos = 0;
    for (double[] r : calib) {
      if (names.test(r)) {
        if (r[0] == 1) {
          gain++;
        } else if (r[0] == 0) {
          wrong++;
        } else {
          falsePos++;
        }
      }
    }
    return String.format("+%d named, %d wrong, %d false positives", gain, wrong, falsePos);
  }

  /** A packed sketch played backwards (the synthetic tracks are their source played backwards). */
  static byte[] reversed(byte[] sketch) {
    int bands = io.chorus.audio.Sketch.BANDS;
    int frames = sketch.length * 2 / bands;
    byte[] out = new byte[sketch.length];
    for (int t = 0; t < frames; t++) {
      for (int b = 0; b < bands; b++) {
        int i = (t * bands + b) >> 1;
        int v = (b & 1) == 0 ? sketch[i] & 15 : (sketch[i] >> 4) & 15;
        int j = ((frames - 1 - t) * bands + b) >> 1;
        out[j] |= (byte) ((b & 1) == 0 ? v : v << 4);
      }
    }
    return out;
  }

  static long[] scrambled(long[] print, Fingerprinter.Params p, Random random) {
    int width = 2 * p.dfMax() + 1;
    int a = random.nextInt(width);
    int b = random.nextInt(p.dtMax());
    int last = 0;
    for (long lm : print) {
      last = Math.max(last, (int) lm + ((int) (lm >>> 32) & 0x3f));
    }
    long[] copy = new long[print.length];
    for (int i = 0; i < print.length; i++) {
      int h = (int) (print[i] >>> 32);
      int df = dfOf(h);
      int anchor = last - (int) print[i] - dtOf(h);   // the target, reversed, is the earlier peak
      copy[i] = (long) rotatedHash(f1Of(h) + df, -df, dtOf(h), a, b, p) << 32 | anchor;
    }
    java.util.Arrays.sort(copy);   // anchor-time order within a hash, as the index appends them
    return copy;
  }

  /**
   * The synthetic tracks before the verification stage: f2 − f1 and Δt rotated by a random non-zero amount each,
   * the same f1 and times (the hash-only before/after on the same decoys).
   */
  static long[] scrambledSameF1(long[] print, Fingerprinter.Params p, Random random) {
    int width = 2 * p.dfMax() + 1;
    int a;
    int b;
    do {
      a = random.nextInt(width);
      b = random.nextInt(p.dtMax());
    } while (a == 0 && b == 0);
    long[] copy = new long[print.length];
    for (int i = 0; i < print.length; i++) {
      int h = (int) (print[i] >>> 32);
      copy[i] = (long) rotatedHash(f1Of(h), dfOf(h), dtOf(h), a, b, p) << 32 | (print[i] & 0xffffffffL);
    }
    return copy;
  }

  /** The hash of a landmark from bin f1, with f2 − f1 and Δt rotated by {@code a} and {@code b} inside the target zone. */
  private static int rotatedHash(int f1, int df, int dt, int a, int b, Fingerprinter.Params p) {
    int width = 2 * p.dfMax() + 1;
    int df2 = Math.floorMod(df + p.dfMax() + a, width) - p.dfMax();
    int dt2 = Math.floorMod(dt - 1 + b, p.dtMax()) + 1;
    return f1 << 14 | (df2 + 128) << 6 | dt2;
  }

  /** A hash's fields, as {@link Fingerprinter} packs them: f1 (9 bits), f2 − f1 + 128 (8 bits), Δt (6 bits). */
  private static int f1Of(int h) {
    return h >>> 14;
  }

  private static int dfOf(int h) {
    return ((h >>> 6) & 0xff) - 128;
  }

  private static int dtOf(int h) {
    return h & 0x3f;
  }

  public static float[] transformPublic(Corpus corpus, float[] clip, String condition, Random random) throws Exception {
    return transform(corpus, clip, condition, random);
  }

  static float[] transform(Corpus corpus, float[] clip, String condition, Random random) throws Exception {
    return switch (condition) {
      case "clean" -> clip;
      case "white10" -> Corpus.noisy(clip, 10, false, random);
      case "white5" -> Corpus.noisy(clip, 5, false, random);
      case "white0" -> Corpus.noisy(clip, 0, false, random);
      case "pink10" -> Corpus.noisy(clip, 10, true, random);
      case "pink5" -> Corpus.noisy(clip, 5, true, random);
      case "pink0" -> Corpus.noisy(clip, 0, true, random);
      case "mp3-64k" -> corpus.mp3(clip, 64);
      case "phone+white10" -> Corpus.noisy(Corpus.phone(clip), 10, false, random);
      default -> throw new IllegalArgumentException(condition + Arrays.toString(new int[0]));
    };
  }
}

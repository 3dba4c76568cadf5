package io.chorus.bench;

import io.chorus.audio.Corpus;
import io.chorus.audio.FeatureIndex;
import io.chorus.audio.FingerprintIndex;
import io.chorus.audio.Fingerprinter;
import io.chorus.audio.SoundFeatures;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Similar songs (issue 18) on real music and at scale:
 * <ol>
 *   <li>feature extraction speed (× real time per core) over the warzone2100 (3 albums) and singularity
 *       soundtracks;</li>
 *   <li>the share of each track's 5 nearest that come from its own album, against the share a random pick
 *       would give;</li>
 *   <li>duplicates: the fingerprint overlap of the same recording re-encoded (drascula, MP3 128k) against the
 *       largest overlap between different tracks;</li>
 *   <li>{@code n} synthetic vectors (real vectors mixed pairwise plus noise at the corpus' own deviation):
 *       exhaustive search (the production index) against Lucene's HNSW graph — build time, query p50/p99, and
 *       HNSW's recall of the exact 10 nearest.</li>
 * </ol>
 * Usage: scripts/bench-similar [synthetic vectors=100000] [queries=300] [quick: no duplicates, no HNSW]
 */
public final class SimilarBench {
  private SimilarBench() {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int queries = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Corpus corpus = new Corpus();
    List<Path> files = new ArrayList<>(Corpus.files(Corpus.WARZONE, ".opus"));
    files.addAll(Corpus.files(Corpus.SINGULARITY, ".ogg"));
    List<Corpus.Song> songs = corpus.decode(files, 2);
    List<String> albums = new ArrayList<>();
    for (Path f : files) {
      // warzone2100: one folder per album; singularity: one soundtrack (its win/lose jingles in subfolders)
      albums.add(f.startsWith(Corpus.SINGULARITY) ? "singularity" : f.getParent().getFileName().toString());
    }
    // decode() leaves out files ffmpeg rejects and very short ones: match albums by name
    Map<String, String> albumOf = new HashMap<>();
    for (int i = 0; i < files.size(); i++) {
      albumOf.put(files.get(i).getFileName().toString(), albums.get(i));
    }
    SoundFeatures features = new SoundFeatures();
    List<float[]> vectors = new ArrayList<>();
    double seconds = 0;
    long t0 = System.nanoTime();
    for (Corpus.Song s : songs) {
      vectors.add(features.compute(s.pcm()));
      seconds += s.pcm().length / (double) Fingerprinter.SAMPLE_RATE;
    }
    double took = (System.nanoTime() - t0) / 1e9;
    System.out.printf("corpus: %d tracks, %.2f h; features %.0f x real time per core (%.0f ms per track)%n",
        songs.size(), seconds / 3600, seconds / took, took * 1000 / songs.size());
    albumShare(songs, vectors, albumOf);
    if (args.length < 3 || !args[2].equals("quick")) {
      duplicates(corpus);
    }
    scale(vectors, n, queries, args.length < 3 || !args[2].equals("quick"));
  }

  static void albumShare(List<Corpus.Song> songs, List<float[]> vectors, Map<String, String> albumOf) {
    String[] names = {"all groups alike", "spectral shape + loudness only", "MFCC only", "chroma only", "rhythm only",
        "all, MFCC x2", "all, MFCC x3", "all, MFCC x2, rhythm x0.5", "spectral + MFCC x2"};
    double[][] variants = {{1, 1, 1, 1}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {1, 2, 1, 1}, {1, 3, 1, 1},
        {1, 2, 1, 0.5}, {1, 2, 0, 0}};
    for (int v = 0; v < variants.length; v++) {
      albumShare(songs, vectors, albumOf, variants[v], names[v]);
    }
  }

  static void albumShare(List<Corpus.Song> songs, List<float[]> vectors, Map<String, String> albumOf, double[] groups, String name) {
    FeatureIndex index = new FeatureIndex(groups);
    List<UUID> ids = new ArrayList<>();
    Map<String, Integer> albumSize = new HashMap<>();
    for (int i = 0; i < songs.size(); i++) {
      UUID id = UUID.randomUUID();
      ids.add(id);
      index.put(id, vectors.get(i));
      albumSize.merge(albumOf.get(songs.get(i).name()), 1, Integer::sum);
    }
    double share = 0;
    double random = 0;
    for (int i = 0; i < songs.size(); i++) {
      String album = albumOf.get(songs.get(i).name());
      int self = i;
      List<FeatureIndex.Hit> hits = index.nearest(vectors.get(i), 5, o -> o == self);
      int same = 0;
      for (FeatureIndex.Hit h : hits) {
        if (albumOf.get(songs.get(h.ordinal()).name()).equals(album)) {
          same++;
        }
      }
      share += same / 5.0;
      random += (albumSize.get(album) - 1) / (double) (songs.size() - 1);
    }
    System.out.printf("album share of the 5 nearest, %s: %.1f %% (random pick: %.1f %%); albums %s%n",
        name, 100 * share / songs.size(), 100 * random / songs.size(), albumSize);
  }

  static void duplicates(Corpus corpus) throws Exception {
    List<Corpus.Song> drascula = corpus.decode(Corpus.files(Path.of("/usr/share/scummvm/drascula/audio"), ".ogg"), 2);
    Fingerprinter fp = new Fingerprinter();
    FingerprintIndex index = new FingerprintIndex();
    List<UUID> ids = new ArrayList<>();
    List<long[]> prints = new ArrayList<>();
    for (Corpus.Song s : drascula) {
      UUID id = UUID.randomUUID();
      ids.add(id);
      long[] lm = fp.fingerprint(s.pcm());
      prints.add(lm);
      index.add(id, lm);
    }
    double worstOther = 0;
    for (int i = 0; i < drascula.size(); i++) {
      for (FingerprintIndex.Overlap o : index.overlaps(ids.get(i), prints.get(i), 0.0)) {
        worstOther = Math.max(worstOther, o.fraction());
      }
    }
    double minCopy = 1;
    double minIdentical = 1;
    for (int i = 0; i < Math.min(6, drascula.size()); i++) {
      float[] mp3 = corpus.mp3(drascula.get(i).pcm(), 128);
      long[] lm = fp.fingerprint(mp3);
      double best = 0;
      for (FingerprintIndex.Overlap o : index.overlaps(UUID.randomUUID(), lm, 0.0)) {
        if (o.trackId().equals(ids.get(i))) {
          best = Math.max(best, o.fraction());
        }
      }
      minCopy = Math.min(minCopy, best);
      for (FingerprintIndex.Overlap o : index.overlaps(UUID.randomUUID(), prints.get(i), 0.0)) {
        if (o.trackId().equals(ids.get(i))) {
          minIdentical = Math.min(minIdentical, o.fraction());
        }
      }
    }
    System.out.printf("duplicates (drascula, %d tracks): overlap of an identical copy >= %.2f, of an MP3 128k re-encode >= %.2f;"
        + " largest between different tracks %.3f%n", drascula.size(), minIdentical, minCopy, worstOther);
  }

  static void scale(List<float[]> real, int n, int queries, boolean lucene) throws Exception {
    Random random = new Random(18);
    int d = SoundFeatures.DIMS;
    double[] mean = new double[d];
    double[] std = new double[d];
    for (float[] v : real) {
      for (int i = 0; i < d; i++) {
        mean[i] += v[i] / real.size();
      }
    }
    for (float[] v : real) {
      for (int i = 0; i < d; i++) {
        std[i] += (v[i] - mean[i]) * (v[i] - mean[i]) / (real.size() - 1);
      }
    }
    for (int i = 0; i < d; i++) {
      std[i] = Math.sqrt(std[i]);
    }
    FeatureIndex index = new FeatureIndex();
    List<float[]> all = new ArrayList<>();
    List<UUID> ids = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      float[] a = real.get(random.nextInt(real.size()));
      float[] b = real.get(random.nextInt(real.size()));
      double mix = random.nextDouble();
      float[] v = new float[d];
      for (int i = 0; i < d; i++) {
        v[i] = (float) (mix * a[i] + (1 - mix) * b[i] + 0.5 * std[i] * random.nextGaussian());
      }
      UUID id = UUID.randomUUID();
      ids.add(id);
      all.add(v);
      index.put(id, v);
    }
    // exhaustive
    long[] times = new long[queries];
    List<Set<UUID>> exact = new ArrayList<>();
    for (int q = 0; q < queries + 20; q++) {
      float[] query = all.get(random.nextInt(n));
      long q0 = System.nanoTime();
      List<FeatureIndex.Hit> hits = index.nearest(query, 10, null);
      long dt = System.nanoTime() - q0;
      if (q >= 20) {   // the first queries warm the JIT up
        times[q - 20] = dt;
        Set<UUID> s = new HashSet<>();
        hits.forEach(h -> s.add(h.trackId()));
        exact.add(s);
      }
    }
    Arrays.sort(times);
    System.out.printf("exhaustive, %d vectors x %d dims: query p50 %.2f ms, p99 %.2f ms; %.1f MB%n", n, d,
        times[queries / 2] / 1e6, times[queries * 99 / 100] / 1e6, (double) n * d * 4 / 1e6);

    if (!lucene) {
      return;
    }
    // Lucene HNSW over the same vectors, standardised with the same weights (Euclidean on scaled values)
    float[] w = weightsOf(index);
    ByteBuffersDirectory dir = new ByteBuffersDirectory();
    long b0 = System.nanoTime();
    try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(256))) {
      for (int k = 0; k < n; k++) {
        Document doc = new Document();
        doc.add(new KnnFloatVectorField("v", scaled(all.get(k), w), VectorSimilarityFunction.EUCLIDEAN));
        doc.add(new StoredField("i", k));
        writer.addDocument(doc);
      }
      writer.forceMerge(1);
    }
    double build = (System.nanoTime() - b0) / 1e9;
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      long[] ht = new long[queries];
      double recall = 0;
      Random qr = new Random(7);
      int evaluated = 0;
      for (int q = 0; q < queries + 20; q++) {
        int pick = qr.nextInt(n);
        float[] query = all.get(pick);
        long q0 = System.nanoTime();
        ScoreDoc[] top = searcher.search(new KnnFloatVectorQuery("v", scaled(query, w), 10), 10).scoreDocs;
        long dt = System.nanoTime() - q0;
        if (q >= 20) {
          ht[q - 20] = dt;
          Set<UUID> truth = new HashSet<>();
          index.nearest(query, 10, null).forEach(h -> truth.add(h.trackId()));
          int found = 0;
          for (ScoreDoc sd : top) {
            int k = searcher.storedFields().document(sd.doc).getField("i").numericValue().intValue();
            if (truth.contains(ids.get(k))) {
              found++;
            }
          }
          recall += found / 10.0;
          evaluated++;
        }
      }
      Arrays.sort(ht);
      System.out.printf("Lucene HNSW (M=16, beam 100): build %.1f s; query p50 %.2f ms, p99 %.2f ms; recall@10 %.1f %%%n",
          build, ht[queries / 2] / 1e6, ht[queries * 99 / 100] / 1e6, 100 * recall / evaluated);
    }
  }

  /** Lucene compares plain Euclidean distances: scale each value by the square root of its weight. */
  static float[] weightsOf(FeatureIndex index) {
    float[] w = index.weights();
    float[] out = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      out[i] = (float) Math.sqrt(w[i]);
    }
    return out;
  }

  static float[] scaled(float[] v, float[] w) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * w[i];
    }
    return out;
  }
}

package io.chorus.search;

import io.chorus.web.SignedIn;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hybrid ranking: the text query's top {@link #WINDOW} and the title vectors' nearest {@link #WINDOW}
 * (HNSW, restricted by the same type and permission filter, at least {@link #MIN_SIMILARITY} alike) fused
 * by reciprocal rank fusion; below the fused head the text ranking continues. The whole list depends only
 * on the query and the index, not on the page asked for, so offset cursors page it without repeats or gaps.
 * Engine-neutral: an engine gives its two rankings as {@link Sides} (the Lucene index's below, OpenSearch's
 * in {@link OpenSearchEngine}) and both get the same fusion and paging.
 */
public final class Hybrid {
  static final int WINDOW = 50;
  static final int RRF_K = 60;
  /** Cosine below which a vector neighbour is noise, not a spelling of the query. */
  static final float MIN_SIMILARITY = 0.5f;
  static final float VECTOR_WEIGHT = 1f;

  /** A document of a ranking: its key in the engine (a Lucene doc number, an OpenSearch id) and its score. */
  public record Ranked<K>(K key, float score) {
  }

  /** One page of the fused list and whether anything follows it. */
  public record Fused<K>(List<Ranked<K>> hits, boolean more) {
  }

  /** One type's two rankings for one viewer, as an engine runs them (both already filtered alike). */
  public interface Sides<K extends Comparable<K>> {
    /** The text ranking's first {@code n}, best first, equal scores in a stable order. */
    List<Ranked<K>> text(int n) throws IOException;

    /** Up to {@code k} documents nearest to {@code vector}, best first, scored {@code (1 + cosine) / 2}. */
    List<Ranked<K>> nearest(float[] vector, int k) throws IOException;

    /**
     * The text ranking's first {@code n}, then the {@code k} nearest to each of {@code vectors}: what a page
     * needs first, which an engine may fetch in one round trip (OpenSearch: one multi-search).
     */
    default List<List<Ranked<K>>> head(int n, List<float[]> vectors, int k) throws IOException {
      List<List<Ranked<K>>> out = new ArrayList<>();
      out.add(text(n));
      for (float[] v : vectors) {
        out.add(nearest(v, k));
      }
      return out;
    }
  }

  /** One page of the Lucene engine's list. */
  public record Page(List<ScoreDoc> hits, boolean more) {
  }

  private Hybrid() {
  }

  /**
   * Results {@code offset .. offset+limit} of the fused list; {@code vectors}: the query's title vectors
   * (one per form worth trying; empty = text only).
   */
  public static <K extends Comparable<K>> Fused<K> page(Sides<K> sides, List<float[]> vectors, int offset, int limit) throws IOException {
    List<List<Ranked<K>>> rankings = sides.head(WINDOW, vectors, WINDOW);
    List<Ranked<K>> head = rankings.get(0);
    List<Ranked<K>> near = merge(rankings.subList(1, rankings.size()));
    List<Ranked<K>> fused = fuse(head, near);
    int want = offset + limit + 1;
    List<Ranked<K>> all = fused;
    if (want > fused.size() && head.size() == WINDOW) {
      // the text ranking below the window, without what the fused head already holds
      List<Ranked<K>> deep = sides.text(WINDOW + want + near.size());
      Set<K> seen = new HashSet<>();
      fused.forEach(d -> seen.add(d.key()));
      all = new ArrayList<>(fused);
      for (int i = WINDOW; i < deep.size() && all.size() < want; i++) {
        if (seen.add(deep.get(i).key())) {
          all.add(new Ranked<>(deep.get(i).key(), 0f));
        }
      }
    }
    List<Ranked<K>> page = offset >= all.size() ? List.of() : all.subList(offset, Math.min(all.size(), offset + limit));
    return new Fused<>(page, all.size() > offset + limit);
  }

  /** The documents nearest to any of {@code vectors}, best similarity first, noise dropped. */
  static <K extends Comparable<K>> List<Ranked<K>> nearest(Sides<K> sides, List<float[]> vectors) throws IOException {
    List<List<Ranked<K>>> each = new ArrayList<>();
    for (float[] v : vectors) {
      each.add(sides.nearest(v, WINDOW));
    }
    return merge(each);
  }

  /** The vectors' neighbours as one list: each document at its best similarity, best first, noise dropped. */
  private static <K extends Comparable<K>> List<Ranked<K>> merge(List<List<Ranked<K>>> each) {
    Map<K, Float> best = new HashMap<>();
    float minScore = (1 + MIN_SIMILARITY) / 2;
    for (List<Ranked<K>> neighbours : each) {
      for (Ranked<K> d : neighbours) {
        if (d.score() >= minScore) {
          best.merge(d.key(), d.score(), Math::max);
        }
      }
    }
    List<Ranked<K>> out = new ArrayList<>();
    best.forEach((key, score) -> out.add(new Ranked<>(key, score)));
    out.sort(Comparator.comparingDouble((Ranked<K> d) -> -d.score()).thenComparing(Ranked::key));
    return out;
  }

  /**
   * Reciprocal rank fusion: each list adds {@code weight / (60 + rank)}; equal scores share a rank (text
   * scores tie often, and the order inside a tie is only the index's), so the other list breaks the tie.
   */
  static <K extends Comparable<K>> List<Ranked<K>> fuse(List<Ranked<K>> text, List<Ranked<K>> near) {
    Map<K, Float> fused = new HashMap<>();
    Map<K, Float> textScore = new HashMap<>();
    addRanks(fused, text, 1f);
    addRanks(fused, near, VECTOR_WEIGHT);
    text.forEach(d -> textScore.put(d.key(), d.score()));
    List<Ranked<K>> out = new ArrayList<>(fused.size());
    fused.forEach((key, score) -> out.add(new Ranked<>(key, score)));
    out.sort(Comparator.comparingDouble((Ranked<K> d) -> -d.score())
        .thenComparingDouble(d -> -textScore.getOrDefault(d.key(), 0f)).thenComparing(Ranked::key));
    return out;
  }

  private static <K> void addRanks(Map<K, Float> fused, List<Ranked<K>> ranked, float weight) {
    int rank = 0;
    float last = Float.NaN;
    for (int i = 0; i < ranked.size(); i++) {
      Ranked<K> d = ranked.get(i);
      if (d.score() != last) {
        rank = i + 1;
        last = d.score();
      }
      fused.merge(d.key(), weight / (RRF_K + rank), Float::sum);
    }
  }

  /** The Lucene index's sides: {@code text} (already rewritten) and HNSW, both under the type and viewer's filter. */
  static Sides<Integer> lucene(IndexSearcher s, Query text, String type, SignedIn viewer) {
    Query filter = QueryBuilder.filter(type, viewer);
    Query textQuery = QueryBuilder.filtered(text, type, viewer);
    return new Sides<>() {
      @Override
      public List<Ranked<Integer>> text(int n) throws IOException {
        return ranked(s.search(textQuery, n).scoreDocs);
      }

      @Override
      public List<Ranked<Integer>> nearest(float[] vector, int k) throws IOException {
        // DOT_PRODUCT of unit vectors scores (1 + cosine) / 2
        return ranked(s.search(new KnnFloatVectorQuery(SearchFields.VECTOR, vector, k, filter), k).scoreDocs);
      }
    };
  }

  private static List<Ranked<Integer>> ranked(ScoreDoc[] docs) {
    List<Ranked<Integer>> out = new ArrayList<>(docs.length);
    for (ScoreDoc d : docs) {
      out.add(new Ranked<>(d.doc, d.score));
    }
    return out;
  }

  /** {@link #page} on the Lucene index. */
  public static Page page(IndexSearcher s, Query text, List<float[]> vectors, String type, SignedIn viewer, int offset, int limit)
      throws IOException {
    Fused<Integer> page = page(lucene(s, text, type, viewer), vectors, offset, limit);
    return new Page(page.hits().stream().map(d -> new ScoreDoc(d.key(), d.score())).toList(), page.more());
  }
}

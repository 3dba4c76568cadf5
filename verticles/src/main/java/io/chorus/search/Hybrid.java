package io.chorus.search;

import io.chorus.web.SignedIn;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

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
 */
public final class Hybrid {
  static final int WINDOW = 50;
  static final int RRF_K = 60;
  /** Cosine below which a vector neighbour is noise, not a spelling of the query. */
  static final float MIN_SIMILARITY = 0.5f;
  static final float VECTOR_WEIGHT = 1f;

  /** One page of the list and whether anything follows it. */
  public record Page(List<ScoreDoc> hits, boolean more) {
  }

  private Hybrid() {
  }

  /**
   * Results {@code offset .. offset+limit} of the fused list. {@code text}: the text query, already
   * rewritten; {@code vectors}: the query's title vectors (one per form worth trying; empty = text only).
   */
  public static Page page(IndexSearcher s, Query text, List<float[]> vectors, String type, SignedIn viewer, int offset, int limit)
      throws IOException {
    Query filter = QueryBuilder.filter(type, viewer);
    Query textQuery = QueryBuilder.filtered(text, type, viewer);
    TopDocs head = s.search(textQuery, WINDOW);
    List<ScoreDoc> near = nearest(s, vectors, filter);
    List<ScoreDoc> fused = fuse(List.of(head.scoreDocs), near);
    int want = offset + limit + 1;
    List<ScoreDoc> all = fused;
    if (want > fused.size() && head.scoreDocs.length == WINDOW) {
      // the text ranking below the window, without what the fused head already holds
      TopDocs deep = s.search(textQuery, WINDOW + want + near.size());
      Set<Integer> seen = new HashSet<>();
      fused.forEach(d -> seen.add(d.doc));
      all = new ArrayList<>(fused);
      for (int i = WINDOW; i < deep.scoreDocs.length && all.size() < want; i++) {
        if (seen.add(deep.scoreDocs[i].doc)) {
          all.add(new ScoreDoc(deep.scoreDocs[i].doc, 0f));
        }
      }
    }
    List<ScoreDoc> page = offset >= all.size() ? List.of() : all.subList(offset, Math.min(all.size(), offset + limit));
    return new Page(page, all.size() > offset + limit);
  }

  /** The documents nearest to any of {@code vectors}, best similarity first, noise dropped. */
  static List<ScoreDoc> nearest(IndexSearcher s, List<float[]> vectors, Query filter) throws IOException {
    Map<Integer, Float> best = new HashMap<>();
    for (float[] v : vectors) {
      // DOT_PRODUCT scores (1 + cosine) / 2
      float minScore = (1 + MIN_SIMILARITY) / 2;
      for (ScoreDoc d : s.search(new KnnFloatVectorQuery(SearchFields.VECTOR, v, WINDOW, filter), WINDOW).scoreDocs) {
        if (d.score >= minScore) {
          best.merge(d.doc, d.score, Math::max);
        }
      }
    }
    List<ScoreDoc> out = new ArrayList<>();
    best.forEach((doc, score) -> out.add(new ScoreDoc(doc, score)));
    out.sort(BY_SCORE);
    return out;
  }

  private static final Comparator<ScoreDoc> BY_SCORE = Comparator.comparingDouble((ScoreDoc d) -> -d.score).thenComparingInt(d -> d.doc);

  /**
   * Reciprocal rank fusion: each list adds {@code weight / (60 + rank)}; equal scores share a rank (text
   * scores tie often, and the order inside a tie is only the index's), so the other list breaks the tie.
   */
  static List<ScoreDoc> fuse(List<ScoreDoc> text, List<ScoreDoc> near) {
    Map<Integer, Float> fused = new HashMap<>();
    Map<Integer, Float> textScore = new HashMap<>();
    addRanks(fused, text, 1f);
    addRanks(fused, near, VECTOR_WEIGHT);
    text.forEach(d -> textScore.put(d.doc, d.score));
    List<ScoreDoc> out = new ArrayList<>(fused.size());
    fused.forEach((doc, score) -> out.add(new ScoreDoc(doc, score)));
    out.sort(Comparator.comparingDouble((ScoreDoc d) -> -d.score)
        .thenComparingDouble(d -> -textScore.getOrDefault(d.doc, 0f)).thenComparingInt(d -> d.doc));
    return out;
  }

  private static void addRanks(Map<Integer, Float> fused, List<ScoreDoc> ranked, float weight) {
    int rank = 0;
    float last = Float.NaN;
    for (int i = 0; i < ranked.size(); i++) {
      ScoreDoc d = ranked.get(i);
      if (d.score != last) {
        rank = i + 1;
        last = d.score;
      }
      fused.merge(d.doc, weight / (RRF_K + rank), Float::sum);
    }
  }
}

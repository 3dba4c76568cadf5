package io.chorus.search;

import io.vertx.core.json.JsonObject;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The index and query building as the node uses them, for {@code io.chorus.bench.SearchBench} (no node, no Kafka). */
public final class SearchBenchAccess implements AutoCloseable {
  private final SearchIndex index;

  public SearchBenchAccess(Path dir) {
    index = SearchIndex.open(dir, 0.1);
  }

  /** False when the directory held a built index of this schema (nothing to add). */
  public boolean fresh() {
    return index.fresh();
  }

  public void add(String id, String title, String artist) {
    index.put(new SearchDoc("tracks", id, "", true, false, title, artist, List.of(), artist + " — " + title,
        new JsonObject().put("id", id)));
  }

  public void commit() {
    index.commit(true);
    index.refresh();
  }

  /** Track ids, best first: the query of {@code GET /api/v1/search?types=tracks} for an anonymous caller. */
  public List<String> search(String q, int n) {
    return index.search(s -> {
      String text = SearchService.query(q);
      Query rewritten = s.rewrite(QueryBuilder.text(text, s.getIndexReader()));
      List<String> out = new ArrayList<>();
      for (ScoreDoc d : Hybrid.page(s, rewritten, QueryBuilder.vectors(text), "tracks", null, 0, n).hits()) {
        out.add(s.storedFields().document(d.doc).get(SearchFields.ID));
      }
      return out;
    });
  }

  public int suggest(String q) {
    return index.search(s -> s.search(QueryBuilder.filtered(QueryBuilder.suggest(SearchService.query(q)), null, null), 10).scoreDocs.length);
  }

  @Override
  public void close() {
    index.close();
  }
}

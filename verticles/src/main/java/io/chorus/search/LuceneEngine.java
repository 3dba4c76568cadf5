package io.chorus.search;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.document.Document;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The engine over the node's own {@link SearchIndex}: queries built by {@link QueryBuilder}, run on a current searcher. */
final class LuceneEngine implements SearchEngine {
  private final SearchIndex index;

  LuceneEngine(SearchIndex index) {
    this.index = index;
  }

  @Override
  public boolean shared() {
    return false;
  }

  @Override
  public boolean fresh() {
    return index.fresh();
  }

  @Override
  public String progress(String key) {
    return index.progress(key);
  }

  @Override
  public void progress(String key, String value) {
    index.progress(key, value);
  }

  @Override
  public void put(SearchDoc doc) {
    index.put(doc);
  }

  @Override
  public void delete(String type, String id) {
    index.delete(type, id);
  }

  @Override
  public void refresh() {
    index.refresh();
  }

  @Override
  public void commit(boolean built) {
    index.commit(built);
  }

  @Override
  public int count() {
    return index.count();
  }

  @Override
  public Page search(String q, List<String> types, int limit, int offset, SignedIn viewer) {
    return index.search(searcher -> {
      // rewritten once (fuzzy terms expanded) and reused for every type; fused with the title vectors' neighbours
      Query text = searcher.rewrite(QueryBuilder.text(q, searcher.getIndexReader()));
      List<float[]> vectors = QueryBuilder.vectors(q, index.embedder());
      Highlight highlight = new Highlight(q);
      JsonObject results = new JsonObject();
      boolean more = false;
      for (String type : types) {
        Hybrid.Page page = Hybrid.page(searcher, text, vectors, type, viewer, offset, limit);
        JsonArray list = new JsonArray();
        for (ScoreDoc sd : page.hits()) {
          Document d = searcher.storedFields().document(sd.doc);
          list.add(new JsonObject(d.get(SearchFields.JSON)).put("highlight", highlight.apply(d.get(SearchFields.TITLE)))
              .put("score", sd.score));
        }
        more |= page.more();
        results.put(type, list);
      }
      return new Page(results, more);
    });
  }

  @Override
  public JsonArray suggest(String q, SignedIn viewer, int max) {
    return index.search(s -> {
      TopDocs top = s.search(QueryBuilder.filtered(QueryBuilder.suggest(q), null, viewer), max * 3);
      Set<String> seen = new LinkedHashSet<>();
      JsonArray out = new JsonArray();
      for (ScoreDoc sd : top.scoreDocs) {
        Document d = s.storedFields().document(sd.doc);
        String label = d.get(SearchFields.LABEL);
        if (out.size() < max && seen.add(label.toLowerCase(Locale.ROOT))) {
          out.add(new JsonObject().put("type", d.get(SearchFields.TYPE)).put("id", d.get(SearchFields.ID)).put("text", label));
        }
      }
      return out;
    });
  }

  @Override
  public void close() {
    index.close();
  }
}

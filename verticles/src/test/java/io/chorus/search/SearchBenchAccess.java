package io.chorus.search;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The index and query building as the node uses them, for {@code io.chorus.bench.SearchBench} (no node, no
 * Kafka): the node's Lucene index, or (with a URL) the OpenSearch engine in an index of the run's own.
 */
public final class SearchBenchAccess implements AutoCloseable {
  private static final int BATCH = 1000;
  private final SearchIndex index;
  private final OpenSearchEngine openSearch;
  private final String url;
  private final String prefix;
  private final List<SearchDoc> pending = new ArrayList<>();

  public SearchBenchAccess(Path dir) {
    index = SearchIndex.open(dir, 0.1);
    openSearch = null;
    url = null;
    prefix = null;
  }

  private SearchBenchAccess(String url) {
    this.url = url;
    prefix = "search-bench-" + UUID.randomUUID();
    index = null;
    openSearch = OpenSearchEngine.open(new SearchConfig(Path.of("unused"), "bench", 1000, 1000, 1000, "search-", "t.uploaded",
        "t.processed", "t.users", "t.catalog", url, prefix));
  }

  /** The OpenSearch engine at {@code url} (an http endpoint), in a new index. */
  public static SearchBenchAccess openSearch(String url) {
    return new SearchBenchAccess(url);
  }

  public String engine() {
    return index != null ? "Lucene" : "OpenSearch";
  }

  /** False when the directory held a built index of this schema (nothing to add). */
  public boolean fresh() {
    return index != null ? index.fresh() : openSearch.fresh();
  }

  public void add(String id, String title, String artist) {
    SearchDoc doc = new SearchDoc("tracks", id, "", true, false, title, artist, List.of(), artist + " — " + title,
        new JsonObject().put("id", id));
    if (index != null) {
      index.put(doc);
      return;
    }
    pending.add(doc);
    if (pending.size() == BATCH) {
      openSearch.putAll(pending);
      pending.clear();
    }
  }

  public void commit() {
    if (index != null) {
      index.commit(true);
      index.refresh();
      return;
    }
    openSearch.putAll(pending);
    pending.clear();
    openSearch.commit(true);
    openSearch.refresh();
  }

  /** Track ids, best first: the query of {@code GET /api/v1/search?types=tracks} for an anonymous caller. */
  public List<String> search(String q, int n) {
    String text = SearchService.query(q);
    List<String> out = new ArrayList<>();
    if (openSearch != null) {
      JsonArray tracks = openSearch.search(text, List.of("tracks"), n, 0, null).results().getJsonArray("tracks");
      tracks.forEach(t -> out.add(((JsonObject) t).getString("id")));
      return out;
    }
    return index.search(s -> {
      Query rewritten = s.rewrite(QueryBuilder.text(text, s.getIndexReader()));
      for (ScoreDoc d : Hybrid.page(s, rewritten, QueryBuilder.vectors(text), "tracks", null, 0, n).hits()) {
        out.add(s.storedFields().document(d.doc).get(SearchFields.ID));
      }
      return out;
    });
  }

  public int suggest(String q) {
    if (openSearch != null) {
      return openSearch.suggest(SearchService.query(q), null, 10).size();
    }
    return index.search(s -> s.search(QueryBuilder.filtered(QueryBuilder.suggest(SearchService.query(q)), null, null), 10).scoreDocs.length);
  }

  /** OpenSearch: the bytes of the run's indexes (primary store); -1 for Lucene (the caller measures its folder). */
  public long storeBytes() throws java.io.IOException, InterruptedException {
    if (openSearch == null) {
      return -1;
    }
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/" + prefix + "-*/_stats/store")).build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).getJsonObject("_all").getJsonObject("primaries").getJsonObject("store").getLong("size_in_bytes");
  }

  @Override
  public void close() {
    if (index != null) {
      index.close();
    } else {
      openSearch.close();
    }
  }
}

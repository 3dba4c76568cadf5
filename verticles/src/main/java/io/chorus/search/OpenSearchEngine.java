package io.chorus.search;

import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.hc.core5.http.HttpHost;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.SortOrder;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.msearch.MultiSearchResponseItem;
import org.opensearch.client.opensearch.core.msearch.RequestItem;
import org.opensearch.client.opensearch.core.search.Hit;
import org.opensearch.client.opensearch.core.search.SourceConfig;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine on an OpenSearch cluster shared by every node: one index of documents
 * ({@link #docsIndex}: {@code <SEARCH_INDEX>-v<schema>.<revision>}, and the title embedder when it is a
 * model; mapped by {@link OpenSearchMapping}) and one of the feed's progress
 * ({@code ...-meta}: a document per Kafka partition offset and sweep watermark, so deleting the index
 * also forgets what it was built from). Queries are {@link OpenSearchQueries}: the Lucene engine's,
 * term for term, and the title vectors' HNSW search (the k-NN plugin), fused by the same {@link Hybrid}.
 * Writes become searchable within the index's refresh interval ({@code SEARCH_REFRESH_MS}); a takedown
 * refreshes at once. Failures of the cluster answer 503.
 */
final class OpenSearchEngine implements SearchEngine {
  private static final Logger LOG = LoggerFactory.getLogger(OpenSearchEngine.class);
  private static final String VALUE = "value";

  private final ApacheHttpClient5Transport transport;
  private final OpenSearchClient client;
  private final String docs;
  private final String meta;
  private final Map<String, String> progress = new ConcurrentHashMap<>();
  private final Set<String> changed = ConcurrentHashMap.newKeySet();
  private final boolean fresh;
  private final TitleEmbedder titles;

  private OpenSearchEngine(SearchConfig config, TitleEmbedder titles) throws IOException, URISyntaxException {
    this.titles = titles;
    transport = ApacheHttpClient5TransportBuilder.builder(HttpHost.create(config.url())).setMapper(new JacksonJsonpMapper()).build();
    client = new OpenSearchClient(transport);
    docs = docsIndex(config.index(), titles);
    meta = docs + "-meta";
    boolean created = create(meta, OpenSearchMapping.meta()) | create(docs, OpenSearchMapping.docs(config.refreshMs(), titles.dims()));
    load();
    String builtBy = progress.get(SearchIndex.EMBEDDER);
    if (builtBy != null && !builtBy.equals(titles.id())) {
      // the name records the embedder, so only a digest collision or a hand-made index gets here: never mix vectors
      throw new IllegalStateException("OpenSearch index " + docs + " holds title vectors of " + builtBy + ", configured is " + titles.id());
    }
    progress(SearchIndex.EMBEDDER, titles.id());
    fresh = created || !"1".equals(progress.get(SearchIndex.BUILT));
    if (fresh && !created) {
      LOG.warn("OpenSearch index {} was never completely built: building it again", docs);
    }
  }

  /** {@link #open(SearchConfig, TitleEmbedder)} with the default n-gram vectors. */
  static OpenSearchEngine open(SearchConfig config) {
    return open(config, TitleEmbedder.NGRAM);
  }

  /**
   * Connects and creates the indexes that are missing, with {@code titles}' vectors; an unreachable cluster
   * fails the node's start.
   */
  static OpenSearchEngine open(SearchConfig config, TitleEmbedder titles) {
    try {
      return new OpenSearchEngine(config, titles);
    } catch (IOException | URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("cannot open the OpenSearch index at " + config.url() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The documents' index for {@code titles}: {@code <prefix>-v<schema>.<revision>} for the n-gram vectors (the
   * name they always had: an upgrade keeps the index; a change of {@link TitleVector} bumps the revision), and
   * {@code ...-<kind>-<digest of the embedder's id>} for a model, so another model, or going back to n-grams,
   * opens another index, built from PostgreSQL and caught up from Kafka like one of a new schema, and one
   * index never holds vectors of two embedders (the progress index also records the id, checked at open).
   */
  static String docsIndex(String prefix, TitleEmbedder titles) {
    String base = prefix + "-v" + SearchFields.SCHEMA + "." + OpenSearchMapping.REVISION;
    String id = titles.id();
    if (id.equals(TitleEmbedder.NGRAM.id())) {
      return base;
    }
    String kind = id.substring(0, Math.max(0, id.indexOf('-'))).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    return base + "-" + (kind.isEmpty() ? "e" : kind) + "-" + io.chorus.onnx.OnnxModel.digest(id.getBytes(StandardCharsets.UTF_8));
  }

  /** The documents' index name (its Kafka consumer group's name too). */
  String docsIndex() {
    return docs;
  }

  /** Creates {@code index} unless it exists; true when this call created it (the cluster decides one winner). */
  private boolean create(String index, JsonObject body) throws IOException {
    if (client.indices().exists(e -> e.index(index)).value()) {
      return false;
    }
    try (var r = client.generic().execute(Requests.builder().endpoint("/" + index).method("PUT")
        .body(Body.from(body.encode().getBytes(StandardCharsets.UTF_8), "application/json")).build())) {
      if (r.getStatus() == 200) {
        LOG.info("Created OpenSearch index {}", index);
        return true;
      }
      String answer = r.getBody().map(b -> new String(b.bodyAsBytes(), StandardCharsets.UTF_8)).orElse("");
      if (r.getStatus() == 400 && answer.contains("resource_already_exists_exception")) {
        return false;
      }
      throw new IOException("creating index " + index + " answered " + r.getStatus() + ": " + answer);
    }
  }

  /** Reads every progress document; values changed here since the last commit stay as they are. */
  private void load() throws IOException {
    client.indices().refresh(r -> r.index(meta));
    SearchResponse<Map> r = client.search(s -> s.index(meta).size(10_000), Map.class);
    for (Hit<Map> h : r.hits().hits()) {
      if (!changed.contains(h.id()) && h.source() != null && h.source().get(VALUE) != null) {
        progress.put(h.id(), h.source().get(VALUE).toString());
      }
    }
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public boolean fresh() {
    return fresh;
  }

  @Override
  public String progress(String key) {
    return progress.get(key);
  }

  @Override
  public void progress(String key, String value) {
    progress.put(key, value);
    changed.add(key);
  }

  @Override
  public void put(SearchDoc doc) {
    putAll(List.of(doc));
  }

  @Override
  public void putAll(List<SearchDoc> list) {
    if (list.isEmpty()) {
      return;
    }
    BulkRequest.Builder b = new BulkRequest.Builder();
    for (SearchDoc d : list) {
      // an upsert that skips a document equal to the stored one (the sweep re-reads recent rows every round):
      // no new version, no churn in the term statistics that would reorder ties between pages
      b.operations(op -> op.update(u -> u.index(docs).id(uid(d.type(), d.id())).document(OpenSearchMapping.source(d, titles)).docAsUpsert(true)));
    }
    bulk(b.build());
  }

  @Override
  public void delete(String type, String id) {
    // in a bulk, deleting a document that is not there is a result (not_found), not an error
    bulk(new BulkRequest.Builder().operations(op -> op.delete(d -> d.index(docs).id(uid(type, id)))).build());
  }

  private void bulk(BulkRequest request) {
    BulkResponse r = call(() -> client.bulk(request));
    if (r.errors()) {
      String first = r.items().stream().filter(i -> i.error() != null).map(i -> i.id() + ": " + i.error().reason()).findFirst().orElse("?");
      throw ErrorCode.UNAVAILABLE.exception("OpenSearch refused a write: " + first);
    }
  }

  static String uid(String type, String id) {
    return type + ":" + id;
  }

  @Override
  public void refresh() {
    call(() -> client.indices().refresh(r -> r.index(docs)));
  }

  /**
   * Writes the progress changed here (only those keys: other nodes own the other partitions), then
   * re-reads the others', so a partition this node takes over later starts from its last owner's offset.
   */
  @Override
  public synchronized void commit(boolean built) {
    if (built) {
      progress(SearchIndex.BUILT, "1");
    }
    Map<String, String> write = new HashMap<>();
    for (String key : new HashSet<>(changed)) {
      write.put(key, progress.get(key));
    }
    if (!write.isEmpty()) {
      BulkRequest.Builder b = new BulkRequest.Builder();
      write.forEach((k, v) -> b.operations(op -> op.index(i -> i.index(meta).id(k).document(Map.of(VALUE, v)))));
      bulk(b.build());
      // a key set again while the write ran stays changed
      write.forEach((k, v) -> {
        if (v.equals(progress.get(k))) {
          changed.remove(k);
        }
      });
    }
    call(() -> {
      load();
      return null;
    });
  }

  @Override
  public int count() {
    return (int) call(() -> client.count(c -> c.index(docs))).count();
  }

  @Override
  public Page search(String q, List<String> types, int limit, int offset, SignedIn viewer) {
    Query text = OpenSearchQueries.text(q);
    List<float[]> vectors = QueryBuilder.vectors(q, titles);
    Highlight highlight = new Highlight(q);
    JsonObject results = new JsonObject();
    boolean more = false;
    for (String type : types) {
      Sides sides = new Sides(text, type, viewer);
      Hybrid.Fused<String> page = call(() -> Hybrid.page(sides, vectors, offset, limit));
      JsonArray list = new JsonArray();
      for (Hybrid.Ranked<String> hit : page.hits()) {
        Map<?, ?> src = sides.sources.get(hit.key());
        list.add(new JsonObject((String) src.get(SearchFields.JSON))
            .put("highlight", highlight.apply((String) src.get(SearchFields.TITLE))).put("score", hit.score()));
      }
      more |= page.more();
      results.put(type, list);
    }
    return new Page(results, more);
  }

  /**
   * One type's two rankings for {@link Hybrid}, fused there as the Lucene engine's are: the text query and
   * the k-NN plugin's HNSW search, both under the same type and permission filter. Keeps the shown fields of
   * every document either side returned (the vector stays on the cluster), so a page needs no further call.
   */
  private final class Sides implements Hybrid.Sides<String> {
    private final Query text;
    private final String type;
    private final SignedIn viewer;
    final Map<String, Map<?, ?>> sources = new HashMap<>();

    Sides(Query text, String type, SignedIn viewer) {
      this.text = text;
      this.type = type;
      this.viewer = viewer;
    }

    @Override
    public List<Hybrid.Ranked<String>> text(int n) throws IOException {
      return text == null ? List.of() : ranked(client.msearch(m -> m.index(docs).searches(textSearch(n)), Map.class).responses().get(0));
    }

    @Override
    public List<Hybrid.Ranked<String>> nearest(float[] vector, int k) throws IOException {
      return ranked(client.msearch(m -> m.index(docs).searches(knnSearch(vector, k)), Map.class).responses().get(0));
    }

    /** The text query and the knn queries in one multi-search: one round trip for the fused head. */
    @Override
    public List<List<Hybrid.Ranked<String>>> head(int n, List<float[]> vectors, int k) throws IOException {
      List<RequestItem> searches = new ArrayList<>();
      if (text != null) {
        searches.add(textSearch(n));
      }
      vectors.forEach(v -> searches.add(knnSearch(v, k)));
      List<List<Hybrid.Ranked<String>>> out = new ArrayList<>();
      if (text == null) {
        out.add(List.of());
      }
      if (!searches.isEmpty()) {
        for (MultiSearchResponseItem<Map> item : client.msearch(m -> m.index(docs).searches(searches), Map.class).responses()) {
          out.add(ranked(item));
        }
      }
      return out;
    }

    private RequestItem textSearch(int n) {
      Query query = OpenSearchQueries.filtered(text, type, viewer);
      // equal scores in id order, so the ranking is the same on every call
      return RequestItem.of(r -> r.header(h -> h).body(b -> b.query(query).size(Math.min(n, OpenSearchMapping.MAX_WINDOW))
          .sort(o -> o.score(c -> c.order(SortOrder.Desc))).sort(o -> o.field(f -> f.field(SearchFields.ID).order(SortOrder.Asc)))
          .trackScores(true).trackTotalHits(t -> t.enabled(false)).source(SHOWN)));
    }

    private RequestItem knnSearch(float[] vector, int k) {
      Query query = OpenSearchQueries.nearest(vector, k, type, viewer);
      return RequestItem.of(r -> r.header(h -> h).body(b -> b.query(query).size(k).trackTotalHits(t -> t.enabled(false)).source(SHOWN)));
    }

    /** One search of a multi-search; a failed one fails the whole query (as a failed single search would). */
    private List<Hybrid.Ranked<String>> ranked(MultiSearchResponseItem<Map> item) throws IOException {
      if (item.isFailure()) {
        throw new IOException("search failed: " + item.failure().error().type() + ": " + item.failure().error().reason());
      }
      List<Hybrid.Ranked<String>> out = new ArrayList<>(item.result().hits().hits().size());
      for (Hit<Map> h : item.result().hits().hits()) {
        sources.putIfAbsent(h.id(), h.source());
        out.add(new Hybrid.Ranked<>(h.id(), h.score() == null ? 0f : h.score().floatValue()));
      }
      return out;
    }
  }

  /** The fields a result shows: its JSON and the title to highlight. */
  private static final SourceConfig SHOWN = SourceConfig.of(c -> c.filter(f -> f.includes(SearchFields.JSON, SearchFields.TITLE)));

  @Override
  public JsonArray suggest(String q, SignedIn viewer, int max) {
    JsonArray out = new JsonArray();
    Query suggest = OpenSearchQueries.suggest(q);
    if (suggest == null) {
      return out;
    }
    Query query = OpenSearchQueries.filtered(suggest, null, viewer);
    SearchResponse<Map> r = call(() -> client.search(s -> s.index(docs).query(query).size(max * 3)
        .trackTotalHits(t -> t.enabled(false)), Map.class));
    Set<String> seen = new LinkedHashSet<>();
    for (Hit<Map> h : r.hits().hits()) {
      Map<?, ?> src = h.source();
      String label = (String) src.get(SearchFields.LABEL);
      if (out.size() < max && seen.add(label.toLowerCase(Locale.ROOT))) {
        out.add(new JsonObject().put("type", src.get(SearchFields.TYPE)).put("id", src.get(SearchFields.ID)).put("text", label));
      }
    }
    return out;
  }

  private interface Call<T> {
    T run() throws IOException;
  }

  /** A call to the cluster; its failure is a 503 for the caller (logged once here with the cause). */
  private static <T> T call(Call<T> call) {
    try {
      return call.run();
    } catch (IOException | OpenSearchException e) {
      LOG.warn("OpenSearch call failed: {}", e.toString());
      throw ErrorCode.UNAVAILABLE.exception("search is unavailable: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      commit(false);
    } catch (RuntimeException e) {
      LOG.warn("Saving the search progress to OpenSearch failed: {}", e.toString());
    }
    try {
      transport.close();
    } catch (IOException e) {
      LOG.warn("Closing the OpenSearch client failed: {}", e.toString());
    }
  }
}

package io.chorus.search;

import io.chorus.config.ChorusConfig;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Search (issue 19): an embedded Lucene index per node over tracks, albums, artists, playlists and users
 * (or, with {@code SEARCH_URL}, one OpenSearch index shared by the cluster), built from PostgreSQL when
 * empty and fed by Kafka, takedowns on the bus and a sweep of changed rows; queries are answered by it ({@code GET /api/v1/search},
 * {@code /search/suggest}). Other features add document types with {@link #register} before it starts.
 */
public final class SearchFeature implements Feature {
  private static final Logger LOG = LoggerFactory.getLogger(SearchFeature.class);
  private final List<DocType> types = new ArrayList<>(LibraryDocs.all());
  private SearchService service;
  private SignedIn.Verifier users;

  @Override
  public String name() {
    return "search";
  }

  @Override
  public void validate(ChorusConfig config) {
    SearchConfig.of(config);
    SearchEmbeddingConfig embedding = SearchEmbeddingConfig.of(config);
    if (embedding.model() != null) {
      SentenceTitles.check(embedding);
    }
  }

  /** Adds a document type (e.g. the messenger's chats); call before the node starts. */
  public SearchFeature register(DocType type) {
    types.add(type);
    return this;
  }

  @Override
  public Future<Void> start(NodeContext node) {
    Vertx vertx = node.vertx();
    SearchConfig config = SearchConfig.of(node.config());
    users = node.api(SignedIn.Verifier.class);
    // a per-node Lucene index is fed by the node's own consumer group; OpenSearch, shared by the cluster, by one group
    String name = config.url().isEmpty() ? indexName(node) : config.index();
    Path path = config.dir().resolve(name);
    WorkerExecutor writes = vertx.createSharedWorkerExecutor("chorus-search-write", 1);
    WorkerExecutor reads = vertx.createSharedWorkerExecutor("chorus-search-read", Math.max(2, Runtime.getRuntime().availableProcessors()));
    SearchVerticle verticle = new SearchVerticle(config, writes);
    node.deploy("SearchVerticle", () -> verticle, 1);
    SearchEmbeddingConfig embedding = SearchEmbeddingConfig.of(node.config());
    Future<TitleEmbedder> embedder = embedding.model() == null ? Future.succeededFuture(TitleEmbedder.NGRAM)
        : SentenceTitles.open(vertx, embedding);
    return embedder.compose(titles -> writes.<SearchEngine>executeBlocking(() -> config.url().isEmpty()
        ? new LuceneEngine(SearchIndex.open(path, config.refreshMs() / 1000.0, titles)) : OpenSearchEngine.open(config, titles), true)).compose(index -> {
      service = new SearchService(index, reads, types.stream().map(DocType::name).toList());
      Feeder feeder = new Feeder(vertx, node.infra().pg(), index, writes, config, types);
      verticle.attach(index, feeder, service);
      node.kafka();   // the consumer's broker: its outage degrades /ready
      // OpenSearch: a group per documents' index, so nodes of another schema or title model (a rolling change)
      // feed and sweep their own index completely instead of sharing the partitions with this one
      String group = index instanceof OpenSearchEngine os ? os.docsIndex() : name;
      return feeder.build()
          .compose(v -> feeder.consume(node.config().kafka().bootstrapServers(), group))
          .onSuccess(v -> LOG.info("Search index at {}: {} documents", config.url().isEmpty() ? path : config.url() + "/" + group,
              index.count()));
    });
  }

  /** The node's index folder: its configured name, else its HTTP port (stable across restarts), else its cluster id. */
  private static String indexName(NodeContext node) {
    if (!node.config().nodeName().isEmpty()) {
      return node.config().nodeName().replaceAll("[^A-Za-z0-9._-]", "_");
    }
    return node.config().httpPort() > 0 ? "node-" + node.config().httpPort() : "node-" + node.nodeId();
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    gateway.router().route("/api/v1/search*").handler(io.chorus.web.Cors.handler(gateway.node().config().security().allowedOrigins()));
    new SearchRoutes(service, users).mount(gateway.router());
    return Future.succeededFuture();
  }
}

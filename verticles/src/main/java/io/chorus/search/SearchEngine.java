package io.chorus.search;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Where the documents live and queries run: the node's own Lucene index ({@link LuceneEngine}) or an
 * OpenSearch cluster shared by every node ({@link OpenSearchEngine}, when {@code SEARCH_URL} is set).
 * The feeder writes through it and keeps its progress in it (Kafka offsets, sweep watermarks), so the
 * documents and what they were built from are durable together; {@link SearchService} queries it.
 * Blocking: call it from worker threads.
 */
public interface SearchEngine extends AutoCloseable {
  /**
   * True when every node sees the same documents (OpenSearch): then one node writes each change for the
   * cluster (one consumer group, one sweeper); false for a per-node index that every node feeds itself.
   */
  boolean shared();

  /** True when the documents are missing or incomplete at open: the caller builds them from PostgreSQL. */
  boolean fresh();

  /** The feed's progress as last committed (or set since): Kafka offsets and watermarks by key. */
  String progress(String key);

  void progress(String key, String value);

  void put(SearchDoc doc);

  default void putAll(List<SearchDoc> docs) {
    docs.forEach(this::put);
  }

  void delete(String type, String id);

  /** Makes the writes so far searchable now (besides the periodic refresh). */
  void refresh();

  /** Makes the writes and the progress durable; {@code built} marks a complete build from PostgreSQL. */
  void commit(boolean built);

  int count();

  /**
   * Up to {@code limit} results of each type from {@code offset}, best first, as the REST answer shows
   * them (the document's JSON with {@code highlight} and {@code score}), for what {@code viewer} may see.
   */
  Page search(String q, List<String> types, int limit, int offset, SignedIn viewer);

  /** Up to {@code max} suggestions {@code {"type","id","text"}}, one per distinct text. */
  JsonArray suggest(String q, SignedIn viewer, int max);

  @Override
  void close();

  /** Results by type; {@code more}: some type has results past this page. */
  record Page(JsonObject results, boolean more) {
  }
}

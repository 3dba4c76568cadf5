package io.chorus.search;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ControlledRealTimeReopenThread;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The node's Lucene index: one writer, a near-real-time {@link SearcherManager} reopened at most
 * {@code refreshMs} after a write, and commits that carry the feed's progress (Kafka offsets, sweep
 * watermarks) in their user data, so the index and what it has seen are durable together. Blocking:
 * call it from worker threads.
 */
public final class SearchIndex implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SearchIndex.class);
  static final String BUILT = "built";
  static final String SCHEMA = "schema";
  /** The {@link TitleEmbedder#id} that built the vectors (absent: the n-gram vectors, before models existed). */
  static final String EMBEDDER = "embedder";

  private final Directory dir;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final ControlledRealTimeReopenThread<IndexSearcher> reopener;
  private final Map<String, String> progress = new ConcurrentHashMap<>();
  private final boolean fresh;
  private final TitleEmbedder embedder;
  private volatile boolean dirty;

  private SearchIndex(Path path, double refreshSeconds, TitleEmbedder embedder) throws IOException {
    this.embedder = embedder;
    Files.createDirectories(path);
    Map<String, String> committed = readCommit(path);
    String builtBy = committed == null ? null : committed.getOrDefault(EMBEDDER, TitleEmbedder.NGRAM.id());
    fresh = committed == null || !"1".equals(committed.get(BUILT)) || !SearchFields.SCHEMA.equals(committed.get(SCHEMA))
        || !embedder.id().equals(builtBy);
    if (fresh) {
      if (committed != null && !embedder.id().equals(builtBy)) {
        LOG.warn("Search index {} holds title vectors of {}, configured is {}: rebuilding it", path, builtBy, embedder.id());
      } else if (committed != null) {
        LOG.warn("Search index {} is incomplete or of another schema: rebuilding it", path);
      }
      wipe(path);
    } else {
      progress.putAll(committed);
    }
    dir = FSDirectory.open(path);
    // fewer, larger flushed segments: each merge rebuilds the title vectors' HNSW graph; and a reopen never
    // waits for merges of the small segments it flushed (Lucene's default waits up to 500 ms, far longer on a
    // busy machine): freshness matters more here than fewer segments
    IndexWriterConfig config = new IndexWriterConfig(SearchAnalyzers.index()).setCodec(codec())
        .setRAMBufferSizeMB(64)
        .setOpenMode(fresh ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.APPEND)
        .setMaxFullFlushMergeWaitMillis(0);
    writer = new IndexWriter(dir, config);
    searchers = new SearcherManager(writer, null);
    reopener = new ControlledRealTimeReopenThread<>(writer, searchers, refreshSeconds, Math.min(0.01, refreshSeconds));
    reopener.setName("search-reopen");
    reopener.setDaemon(true);
    reopener.start();
  }

  /** The title vectors' HNSW graph: neighbours per node and the beam while building (OpenSearch's mapping uses the same). */
  static final int HNSW_M = 16;
  static final int HNSW_BEAM = 32;

  /**
   * Lucene's codec with a narrower HNSW beam than its default 100: building the graph is most of the
   * indexing time, and near spellings of a title are easy neighbours to find. Read back as the plain codec.
   */
  private static Codec codec() {
    KnnVectorsFormat hnsw = new Lucene99HnswVectorsFormat(HNSW_M, HNSW_BEAM);
    return new Lucene912Codec() {
      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return hnsw;
      }
    };
  }

  /** Opens the index at {@code path}; an unreadable one is moved aside to be rebuilt ({@link #fresh}). */
  public static SearchIndex open(Path path, double refreshSeconds) {
    return open(path, refreshSeconds, TitleEmbedder.NGRAM);
  }

  /** Opens the index whose title vectors {@code embedder} makes; one built by another embedder is rebuilt. */
  public static SearchIndex open(Path path, double refreshSeconds, TitleEmbedder embedder) {
    try {
      return new SearchIndex(path, refreshSeconds, embedder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the search index at " + path, e);
    }
  }

  /** The user data of the last commit; null when there is none or it cannot be read (corrupt). */
  private static Map<String, String> readCommit(Path path) {
    try (Directory d = FSDirectory.open(path)) {
      if (!DirectoryReader.indexExists(d)) {
        return null;
      }
      return new HashMap<>(SegmentInfos.readLatestCommit(d).getUserData());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Search index {} is unreadable ({}): rebuilding it", path, e.toString());
      return null;
    }
  }

  private static void wipe(Path path) throws IOException {
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(path)) {
          Files.delete(p);
        }
      }
    }
  }

  public TitleEmbedder embedder() {
    return embedder;
  }

  /** True when the index was empty or unreadable at open: the caller builds it from PostgreSQL. */
  public boolean fresh() {
    return fresh;
  }

  /** The feed's progress as last committed (or set since): Kafka offsets and watermarks by key. */
  public String progress(String key) {
    return progress.get(key);
  }

  public void progress(String key, String value) {
    progress.put(key, value);
    dirty = true;
  }

  public void put(SearchDoc doc) {
    try {
      writer.updateDocument(new Term(SearchFields.UID, doc.type() + ":" + doc.id()), document(doc, embedder));
      dirty = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void delete(String type, String id) {
    try {
      writer.deleteDocuments(new Term(SearchFields.UID, type + ":" + id));
      dirty = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes the writes so far visible to searchers now (besides the background reopen). */
  public void refresh() {
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Commits the writes with the progress; {@code built} marks a complete build from PostgreSQL. */
  public synchronized void commit(boolean built) {
    if (!dirty && !built) {
      return;
    }
    dirty = false;
    Map<String, String> data = new HashMap<>(progress);
    if (built) {
      progress.put(BUILT, "1");
    }
    data.put(BUILT, progress.getOrDefault(BUILT, "0"));
    data.put(SCHEMA, SearchFields.SCHEMA);
    data.put(EMBEDDER, embedder.id());
    try {
      writer.setLiveCommitData(data.entrySet());
      writer.commit();
    } catch (IOException e) {
      dirty = true;
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code query} on a current searcher. */
  public <T> T search(SearchFn<T> query) {
    try {
      IndexSearcher s = searchers.acquire();
      try {
        return query.apply(s);
      } finally {
        searchers.release(s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public interface SearchFn<T> {
    T apply(IndexSearcher searcher) throws IOException;
  }

  public int count() {
    return search(s -> s.getIndexReader().numDocs());
  }

  static Document document(SearchDoc d, TitleEmbedder embedder) {
    Document doc = new Document();
    doc.add(new StringField(SearchFields.UID, d.type() + ":" + d.id(), Field.Store.NO));
    doc.add(new StringField(SearchFields.TYPE, d.type(), Field.Store.YES));
    doc.add(new StringField(SearchFields.ID, d.id(), Field.Store.YES));
    doc.add(new StringField(SearchFields.PUBLIC, d.pub() ? "1" : "0", Field.Store.NO));
    for (String owner : d.allOwners()) {
      doc.add(new StringField(SearchFields.OWNER, owner, Field.Store.NO));
    }
    doc.add(new StringField(SearchFields.REMOVED, d.removed() ? "1" : "0", Field.Store.NO));
    String title = d.title() == null ? "" : d.title();
    doc.add(new TextField(SearchFields.TITLE, title, Field.Store.YES));
    StringBuilder text = new StringBuilder(title);
    if (d.subtitle() != null) {
      text.append(" \n ").append(d.subtitle());
    }
    String head = text.toString();
    for (String e : d.extra()) {
      text.append(" \n ").append(e);
    }
    doc.add(new TextField(SearchFields.TEXT, text.toString(), Field.Store.NO));
    // one field for both scripts: a query word is looked up (and fuzzily expanded) once, not per script
    String alt = Translit.other(text.toString());
    if (alt != null) {
      doc.add(new TextField(SearchFields.TEXT, alt, Field.Store.NO));
    }
    doc.add(new TextField(SearchFields.PREFIX, head, Field.Store.NO));
    String altHead = Translit.other(head);
    if (altHead != null) {
      doc.add(new TextField(SearchFields.PREFIX, altHead, Field.Store.NO));
    }
    float[] vector = embedder.document(title, d.subtitle());
    if (vector != null) {
      doc.add(new KnnFloatVectorField(SearchFields.VECTOR, vector, VectorSimilarityFunction.DOT_PRODUCT));
    }
    doc.add(new StoredField(SearchFields.JSON, d.json().encode()));
    doc.add(new StoredField(SearchFields.LABEL, d.label() == null ? title : d.label()));
    return doc;
  }

  @Override
  public void close() {
    try {
      reopener.close();
      commit(false);
      searchers.close();
      writer.close();
      dir.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Closing the search index failed: {}", e.toString());
    }
  }
}

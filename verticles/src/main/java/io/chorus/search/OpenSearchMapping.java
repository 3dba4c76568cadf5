package io.chorus.search;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenSearch index: {@link SearchAnalyzers}' chains rebuilt from OpenSearch's built-in analysis
 * (standard tokenizer; ё = е by a mapping char filter; punctuation inside a word by a pattern_replace char filter
 * and word_delimiter_graph (parts and the joined word, flattened for the index); lowercase, asciifolding; the light Russian stemmer
 * and Porter for {@code text}; edge n-grams 1..20 for {@code prefix}), the same fields as
 * {@link SearchIndex#document} and the same document body, so both engines index and match alike. The
 * title vector is a {@code knn_vector} of the k-NN plugin (its pure-Java {@code lucene} engine: HNSW,
 * cosine) of the configured {@link TitleEmbedder}'s dimension, the same vectors as the Lucene index's.
 */
final class OpenSearchMapping {
  /** The text transliterated into the other script: a field of its own here (the Lucene index folds it into its text field). */
  static final String ALT = "alt";

  /** The mapping's own revision, appended to the index's schema version: bump when only this mapping changes. */
  static final String REVISION = "1";
  private OpenSearchMapping() {
  }

  static JsonObject docs(int refreshMs, int dims) {
    JsonObject analysis = new JsonObject()
        .put("char_filter", new JsonObject().put("yo", new JsonObject().put("type", "mapping")
            .put("mappings", new JsonArray().add("ё=>е").add("Ё=>Е")))
            .put("join", new JsonObject().put("type", "pattern_replace").put("pattern", SearchAnalyzers.JOIN).put("replacement", "_")))
        .put("filter", new JsonObject()
            .put("parts", delimiters(true))
            .put("joined", delimiters(false))
            .put("ru_light", new JsonObject().put("type", "stemmer").put("language", "light_russian"))
            .put("edges", new JsonObject().put("type", "edge_ngram").put("min_gram", 1).put("max_gram", SearchAnalyzers.MAX_PREFIX)
                .put("preserve_original", true)))
        .put("analyzer", new JsonObject()
            .put("text", chain("parts", "flatten_graph", "lowercase", "asciifolding", "ru_light", "porter_stem"))
            .put("words", chain("joined", "lowercase", "asciifolding"))
            .put("prefix", chain("parts", "flatten_graph", "lowercase", "asciifolding", "edges")));
    JsonObject settings = new JsonObject()
        .put("number_of_shards", 1)
        .put("refresh_interval", refreshMs + "ms")
        // the API's cursor reaches offset 10,000 plus a page; Hybrid reads the text ranking that deep plus its windows
        .put("max_result_window", MAX_WINDOW)
        // the k-NN plugin's codec for the knn_vector field
        .put("knn", true)
        .put("max_ngram_diff", SearchAnalyzers.MAX_PREFIX)
        .put("analysis", analysis);
    JsonObject props = new JsonObject()
        .put(SearchFields.TYPE, keyword())
        .put(SearchFields.ID, keyword())
        .put(SearchFields.PUBLIC, keyword())
        .put(SearchFields.OWNER, keyword())
        .put(SearchFields.REMOVED, keyword())
        .put(SearchFields.TITLE, text("text"))
        .put(SearchFields.TEXT, text("text"))
        .put(ALT, text("text"))
        .put(SearchFields.PREFIX, text("prefix").put("search_analyzer", "words"))
        .put(SearchFields.VECTOR, new JsonObject().put("type", "knn_vector").put("dimension", dims)
            .put("method", new JsonObject().put("name", "hnsw").put("engine", "lucene").put("space_type", "cosinesimil")
                .put("parameters", new JsonObject().put("m", SearchIndex.HNSW_M).put("ef_construction", SearchIndex.HNSW_BEAM))))
        .put(SearchFields.JSON, new JsonObject().put("type", "keyword").put("index", false).put("doc_values", false))
        .put(SearchFields.LABEL, new JsonObject().put("type", "keyword").put("index", false).put("doc_values", false));
    return new JsonObject().put("settings", new JsonObject().put("index", settings))
        .put("mappings", new JsonObject().put("dynamic", "strict").put("properties", props));
  }

  /** The deepest a search reads: the last cursor's page and the fused head's windows. */
  static final int MAX_WINDOW = SearchService.MAX_OFFSET + SearchService.MAX_LIMIT + 1 + 3 * Hybrid.WINDOW;

  /** The progress index: a keyword value per key, nothing analysed. */
  static JsonObject meta() {
    return new JsonObject().put("settings", new JsonObject().put("index", new JsonObject().put("number_of_shards", 1)))
        .put("mappings", new JsonObject().put("dynamic", "strict").put("properties", new JsonObject()
            .put("value", new JsonObject().put("type", "keyword").put("index", false))));
  }

  /**
   * {@link SearchAnalyzers}' word delimiter filter: a word joined by punctuation split into its parts and
   * joined whole ({@code parts}), or joined whole only; no other split (case, letters to digits).
   */
  private static JsonObject delimiters(boolean parts) {
    return new JsonObject().put("type", "word_delimiter_graph")
        .put("generate_word_parts", parts).put("generate_number_parts", parts).put("catenate_all", true)
        .put("catenate_words", false).put("catenate_numbers", false).put("preserve_original", false)
        .put("split_on_case_change", false).put("split_on_numerics", false).put("stem_english_possessive", false)
        .put("adjust_offsets", true);
  }

  private static JsonObject chain(String... filters) {
    return new JsonObject().put("type", "custom").put("tokenizer", "standard").put("char_filter", new JsonArray().add("yo").add("join"))
        .put("filter", new JsonArray(List.of((Object[]) filters)));
  }

  private static JsonObject keyword() {
    return new JsonObject().put("type", "keyword");
  }

  private static JsonObject text(String analyzer) {
    return new JsonObject().put("type", "text").put("analyzer", analyzer);
  }

  /** The document body: the fields {@link SearchIndex#document} makes, as values, the title vector by {@code titles}. */
  static Map<String, Object> source(SearchDoc d, TitleEmbedder titles) {
    Map<String, Object> m = new HashMap<>();
    m.put(SearchFields.TYPE, d.type());
    m.put(SearchFields.ID, d.id());
    m.put(SearchFields.PUBLIC, d.pub() ? "1" : "0");
    m.put(SearchFields.OWNER, d.allOwners());
    m.put(SearchFields.REMOVED, d.removed() ? "1" : "0");
    String title = d.title() == null ? "" : d.title();
    m.put(SearchFields.TITLE, title);
    StringBuilder text = new StringBuilder(title);
    if (d.subtitle() != null) {
      text.append(" \n ").append(d.subtitle());
    }
    String head = text.toString();
    for (String e : d.extra()) {
      text.append(" \n ").append(e);
    }
    m.put(SearchFields.TEXT, text.toString());
    // every field always present: a write is a merge that must replace everything (see OpenSearchEngine#putAll)
    String alt = Translit.other(text.toString());
    m.put(ALT, alt == null ? "" : alt);
    List<String> prefix = new ArrayList<>(List.of(head));
    String altHead = Translit.other(head);
    if (altHead != null) {
      prefix.add(altHead);
    }
    m.put(SearchFields.PREFIX, prefix);
    // null (nothing the embedder can embed) leaves the document without a vector
    m.put(SearchFields.VECTOR, titles.document(title, d.subtitle()));
    m.put(SearchFields.JSON, d.json().encode());
    m.put(SearchFields.LABEL, d.label() == null ? title : d.label());
    return m;
  }
}

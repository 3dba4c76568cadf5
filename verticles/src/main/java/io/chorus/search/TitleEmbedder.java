package io.chorus.search;

import java.util.ArrayList;
import java.util.List;

/**
 * What turns titles into the index's title vectors (seed 004's vector search): the character-n-gram
 * {@link TitleVector} by default, or an ONNX sentence-embedding model ({@link SentenceTitles}) when one is
 * configured, with either engine. Every vector is unit length (the index compares by dot product). The Lucene
 * index records {@link #id} in its commit, so an index built by another embedder is rebuilt from PostgreSQL; on
 * OpenSearch each embedder has an index of its own ({@link OpenSearchEngine#docsIndex}). Blocking: worker threads only.
 */
public interface TitleEmbedder {
  /** Names the embedder and its version (a model by its file's digest): vectors of different ids never meet. */
  String id();

  /** The document's vector of its title and subtitle (the subtitle counting half); null when there is nothing to embed. */
  float[] document(String title, String subtitle);

  /** The vectors' dimension (an index's vector field is made for one embedder). */
  int dims();

  /**
   * The vectors of a query's forms ({@link QueryBuilder#forms}: as typed first, then its rewrites), one per
   * form the embedder takes that has something to embed (duplicates dropped).
   */
  List<float[]> queries(List<String> forms);

  /** The default: {@link TitleVector}, hashed character 2-4-grams. */
  TitleEmbedder NGRAM = new TitleEmbedder() {
    @Override
    public String id() {
      return "ngram-" + TitleVector.DIMS + "-1";
    }

    @Override
    public int dims() {
      return TitleVector.DIMS;
    }

    @Override
    public float[] document(String title, String subtitle) {
      return TitleVector.of(title, subtitle);
    }

    /** Every form: a re-keyed or transliterated query shares the title's n-grams (the bench's recall counts on it). */
    @Override
    public List<float[]> queries(List<String> forms) {
      List<float[]> out = new ArrayList<>();
      for (String f : forms) {
        float[] v = TitleVector.query(f);
        if (v != null && out.stream().noneMatch(o -> java.util.Arrays.equals(o, v))) {
          out.add(v);
        }
      }
      return out;
    }
  };
}

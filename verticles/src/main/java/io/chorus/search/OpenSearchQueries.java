package io.chorus.search;

import io.chorus.web.SignedIn;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.query_dsl.Query;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link QueryBuilder}'s queries in OpenSearch's query DSL, clause for clause and with the same boosts:
 * the words are analysed here by {@link SearchAnalyzers} (the index's analyzers are their equivalents),
 * so the terms sent are exactly the Lucene engine's; the other layout and script are the same
 * {@link QueryBuilder#variants}. Typos: a fuzzy query with the edits {@link QueryBuilder#edits} allows
 * (OpenSearch's {@code AUTO:4,7}), the first letter fixed. Never parses query syntax.
 */
final class OpenSearchQueries {
  private OpenSearchQueries() {
  }

  /** The full-text query, or null when the text has no words (nothing matches). */
  static Query text(String q) {
    List<Query> forms = new ArrayList<>();
    for (String v : QueryBuilder.variants(q)) {
      Query form = form(v);
      if (form != null) {
        forms.add(form);
      }
    }
    return forms.isEmpty() ? null : Query.of(b -> b.disMax(d -> d.queries(forms).tieBreaker(0.1)));
  }

  private static Query form(String v) {
    List<String> all = SearchAnalyzers.terms(SearchAnalyzers.WORDS, v);
    if (all.isEmpty()) {
      return null;
    }
    List<String> words = all.subList(0, Math.min(all.size(), 16));
    List<Query> should = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      should.add(word(words.get(i), i == words.size() - 1));
    }
    int n = words.size();
    String min = String.valueOf(n <= 2 ? n : n - 1 - (n - 1) / 4);
    Query most = Query.of(b -> b.bool(x -> x.should(should).minimumShouldMatch(min)));
    if (words.size() < 2) {
      return most;
    }
    // words in the title's order rank first: the words' stems as terms (whitespace analyzer: no second stemming)
    String phrase = String.join(" ", words.stream().map(SearchAnalyzers::stem).toList());
    Query inOrder = Query.of(b -> b.matchPhrase(m -> m.field(SearchFields.TITLE).query(phrase).analyzer("whitespace").slop(1).boost(2f)));
    return Query.of(b -> b.bool(x -> x.must(most).should(inOrder)));
  }

  private static Query word(String word, boolean last) {
    String stem = SearchAnalyzers.stem(word);
    int edits = QueryBuilder.edits(word);
    List<Query> alternatives = new ArrayList<>();
    alternatives.add(term(SearchFields.TITLE, stem, 4f));
    alternatives.add(term(SearchFields.TEXT, stem, 3f));
    alternatives.add(term(OpenSearchMapping.ALT, stem, 2.5f));
    if (edits > 0) {
      alternatives.add(fuzzy(SearchFields.TEXT, stem, edits, 1.5f));
      alternatives.add(fuzzy(OpenSearchMapping.ALT, stem, edits, 1f));
    }
    if (last) {
      String prefix = word.length() > SearchAnalyzers.MAX_PREFIX ? word.substring(0, SearchAnalyzers.MAX_PREFIX) : word;
      alternatives.add(term(SearchFields.PREFIX, prefix, 1.2f));
    }
    return Query.of(b -> b.disMax(d -> d.queries(alternatives).tieBreaker(0.05)));
  }

  private static Query term(String field, String value, float boost) {
    return Query.of(b -> b.term(t -> t.field(field).value(FieldValue.of(value)).boost(boost)));
  }

  private static Query fuzzy(String field, String value, int edits, float boost) {
    return Query.of(b -> b.fuzzy(f -> f.field(field).value(FieldValue.of(value)).fuzziness(String.valueOf(edits)).prefixLength(1)
        .maxExpansions(50).transpositions(true).boost(boost)));
  }

  /** As-you-type: every word a prefix of a word of the title or subtitle; null when there are no words. */
  static Query suggest(String q) {
    List<Query> forms = new ArrayList<>();
    for (String v : QueryBuilder.variants(q)) {
      List<String> words = SearchAnalyzers.terms(SearchAnalyzers.WORDS, v);
      if (words.isEmpty()) {
        continue;
      }
      List<Query> must = new ArrayList<>();
      for (String w : words.subList(0, Math.min(words.size(), 16))) {
        String p = w.length() > SearchAnalyzers.MAX_PREFIX ? w.substring(0, SearchAnalyzers.MAX_PREFIX) : w;
        must.add(Query.of(b -> b.term(t -> t.field(SearchFields.PREFIX).value(FieldValue.of(p)))));
      }
      forms.add(Query.of(b -> b.bool(x -> x.must(must))));
    }
    return forms.isEmpty() ? null : Query.of(b -> b.disMax(d -> d.queries(forms).tieBreaker(0.0)));
  }

  /** {@link QueryBuilder#visibleTo}: public; the viewer's own unless taken down; moderators all but others' private playlists. */
  static Query visibleTo(SignedIn viewer) {
    Query pub = Query.of(b -> b.term(t -> t.field(SearchFields.PUBLIC).value(FieldValue.of("1"))));
    if (viewer == null) {
      return pub;
    }
    Query mine = Query.of(b -> b.term(t -> t.field(SearchFields.OWNER).value(FieldValue.of(viewer.userId()))));
    if (viewer.moderator()) {
      Query othersPrivate = Query.of(b -> b.bool(x -> x
          .filter(f -> f.term(t -> t.field(SearchFields.TYPE).value(FieldValue.of(LibraryDocs.PLAYLISTS.name()))))
          .mustNot(pub, mine)));
      return Query.of(b -> b.bool(x -> x.mustNot(othersPrivate)));
    }
    Query own = Query.of(b -> b.bool(x -> x.filter(mine)
        .mustNot(m -> m.term(t -> t.field(SearchFields.REMOVED).value(FieldValue.of("1"))))));
    return Query.of(b -> b.bool(x -> x.should(pub, own).minimumShouldMatch("1")));
  }

  static Query filtered(Query query, String type, SignedIn viewer) {
    Query filter = filter(type, viewer);
    return Query.of(b -> b.bool(x -> {
      x.must(query);
      if (filter != null) {
        x.filter(filter);
      }
      return x;
    }));
  }

  /** {@link QueryBuilder#filter}: one type (null = any) that {@code viewer} may see; null when that is everything. */
  static Query filter(String type, SignedIn viewer) {
    Query visible = visibleTo(viewer);
    if (type == null) {
      return visible;
    }
    Query typed = Query.of(b -> b.term(t -> t.field(SearchFields.TYPE).value(FieldValue.of(type))));
    if (visible == null) {
      return typed;
    }
    return Query.of(b -> b.bool(x -> x.filter(typed, visible)));
  }

  /**
   * The title vectors' HNSW search (the k-NN plugin's {@code knn} query), restricted by {@link #filter}
   * while the graph is searched, as the Lucene engine's {@code KnnFloatVectorQuery} with its filter.
   */
  static Query nearest(float[] vector, int k, String type, SignedIn viewer) {
    Query filter = filter(type, viewer);
    return Query.of(b -> b.knn(n -> {
      n.field(SearchFields.VECTOR).vector(vector).k(k);
      if (filter != null) {
        n.filter(filter);
      }
      return n;
    }));
  }
}

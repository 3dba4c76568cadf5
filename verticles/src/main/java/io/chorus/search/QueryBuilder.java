package io.chorus.search;

import io.chorus.web.SignedIn;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns what a person typed into a Lucene query; never parses query syntax, so {@code "AC/DC" OR *}
 * is just text. The query is tried as typed, as typed on the other keyboard layout and transliterated
 * into the other script; each form matches when most of its words match (any order) in the title,
 * the full text (title, artist, album, tags) or its transliteration, a word matching exactly, by stem,
 * with 1-2 typos by its length, or — the last word, still being typed — as a prefix.
 */
public final class QueryBuilder {
  private QueryBuilder() {
  }

  /** The forms of the query worth searching: as typed, the other layout, the other script. */
  public static List<String> variants(String q) {
    Set<String> out = new LinkedHashSet<>();
    out.add(q);
    out.add(KeyboardLayout.swap(q));
    String other = Translit.other(q);
    if (other != null) {
      out.add(other);
    }
    return new ArrayList<>(out);
  }

  /** Typos allowed in a word of this length: none up to 3 letters, one up to 6, else two. */
  public static int edits(String word) {
    int n = word.codePointCount(0, word.length());
    return n <= 3 ? 0 : n <= 6 ? 1 : 2;
  }

  /** The full-text query (no filter), or a query matching nothing when the text has no words. */
  public static Query text(String q) {
    return text(q, null);
  }

  /**
   * The full-text query: the query as typed, and as typed on the other layout when that form names a
   * word of the index ({@code reader}; null = always). The other script needs no form of its own: the
   * index holds every text in both. Each word scores a constant by how it matched (title 1, other text
   * 0.9, prefix 0.8, typo 0.6), so documents matching more of the words rank first whatever the words'
   * frequencies; the words in the typed order add 0.5; ties are left to the title vectors (see {@link Hybrid}).
   */
  public static Query text(String q, IndexReader reader) {
    List<Query> forms = new ArrayList<>();
    List<String> variants = forms(q);
    for (int i = 0; i < variants.size(); i++) {
      Query form = form(variants.get(i), reader, i > 0);
      if (form != null) {
        forms.add(form);
      }
    }
    return forms.isEmpty() ? new MatchNoDocsQuery("no words") : new DisjunctionMaxQuery(forms, 0f);
  }

  /** The forms a query is matched in: as typed, and typed on the other keyboard layout. */
  static List<String> forms(String q) {
    Set<String> out = new LinkedHashSet<>();
    out.add(q);
    out.add(KeyboardLayout.swap(q));
    return new ArrayList<>(out);
  }

  /** The title vectors of the query's forms (as typed; the other layout): what {@link Hybrid} looks up by HNSW. */
  public static List<float[]> vectors(String q) {
    return vectors(q, TitleEmbedder.NGRAM);
  }

  /** The query's vectors by {@code embedder} (the one that built the index). */
  public static List<float[]> vectors(String q, TitleEmbedder embedder) {
    return embedder.queries(forms(q));
  }

  private static Query form(String v, IndexReader reader, boolean guess) {
    List<String> words = SearchAnalyzers.terms(SearchAnalyzers.WORDS, v);
    if (words.isEmpty()) {
      return null;
    }
    words = words.subList(0, Math.min(words.size(), 16));
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    boolean known = false;
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      boolean last = i == words.size() - 1;
      boolean exists = reader == null || exists(reader, SearchFields.TEXT, SearchAnalyzers.stem(w))
          || last && exists(reader, SearchFields.PREFIX, prefix(w));
      known |= exists;
      b.add(word(w, last, !exists), BooleanClause.Occur.SHOULD);
    }
    if (guess && !known) {
      // "руддщ" for "hello" names nothing: not worth its typo expansion
      return null;
    }
    int n = words.size();
    b.setMinimumNumberShouldMatch(n <= 2 ? n : n - 1 - (n - 1) / 4);
    if (n < 2) {
      return b.build();
    }
    // the words in the typed order (the last one as typed so far) rank first: "love night" before "night love"
    PhraseQuery.Builder phrase = new PhraseQuery.Builder();
    words.forEach(w -> phrase.add(new Term(SearchFields.PREFIX, prefix(w))));
    return new BooleanQuery.Builder().add(b.build(), BooleanClause.Occur.MUST)
        .add(new BoostQuery(new ConstantScoreQuery(phrase.build()), 0.5f), BooleanClause.Occur.SHOULD).build();
  }

  private static boolean exists(IndexReader reader, String field, String term) {
    try {
      return reader.docFreq(new Term(field, term)) > 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String prefix(String word) {
    return word.length() > SearchAnalyzers.MAX_PREFIX ? word.substring(0, SearchAnalyzers.MAX_PREFIX) : word;
  }

  /** One word: in the title, elsewhere, as a prefix when it is the last, with typos when {@code fuzzy} and long enough. */
  private static Query word(String word, boolean last, boolean fuzzy) {
    String stem = SearchAnalyzers.stem(word);
    int edits = edits(word);
    List<Query> alternatives = new ArrayList<>();
    alternatives.add(constant(new TermQuery(new Term(SearchFields.TITLE, stem)), 1f));
    alternatives.add(constant(new TermQuery(new Term(SearchFields.TEXT, stem)), 0.9f));
    if (fuzzy && edits > 0) {
      // a typo in the first letter is rare, and the fixed letter keeps fuzzy matching cheap (a fixed second
      // letter would lose "rapsody" for "rhapsody"); a word of the index is taken as meant (no expansion)
      alternatives.add(constant(new FuzzyQuery(new Term(SearchFields.TEXT, stem), edits, 1, 50, true), 0.6f));
    }
    if (last) {
      alternatives.add(constant(new TermQuery(new Term(SearchFields.PREFIX, prefix(word))), 0.8f));
    }
    return new DisjunctionMaxQuery(alternatives, 0f);
  }

  private static Query constant(Query q, float score) {
    return new BoostQuery(new ConstantScoreQuery(q), score);
  }

  /** As-you-type: every word is a prefix of a word of the title or subtitle (either script or layout). */
  public static Query suggest(String q) {
    List<Query> forms = new ArrayList<>();
    for (String v : variants(q)) {
      List<String> words = SearchAnalyzers.terms(SearchAnalyzers.WORDS, v);
      if (words.isEmpty()) {
        continue;
      }
      BooleanQuery.Builder b = new BooleanQuery.Builder();
      for (String w : words.subList(0, Math.min(words.size(), 16))) {
        String p = w.length() > SearchAnalyzers.MAX_PREFIX ? w.substring(0, SearchAnalyzers.MAX_PREFIX) : w;
        b.add(new TermQuery(new Term(SearchFields.PREFIX, p)), BooleanClause.Occur.MUST);
      }
      forms.add(b.build());
    }
    return forms.isEmpty() ? new MatchNoDocsQuery("no words") : new DisjunctionMaxQuery(forms, 0f);
  }

  /**
   * What {@code viewer} may see: anyone the public documents; a signed-in user also their own unless
   * taken down; moderators everything but other users' private playlists, which are their owners' alone (as
   * {@code GET /playlists/{id}} and OpenSubsonic answer them: there is nothing in them to moderate).
   */
  public static Query visibleTo(SignedIn viewer) {
    TermQuery pub = new TermQuery(new Term(SearchFields.PUBLIC, "1"));
    if (viewer == null) {
      return pub;
    }
    TermQuery mine = new TermQuery(new Term(SearchFields.OWNER, viewer.userId()));
    if (viewer.moderator()) {
      Query othersPrivate = new BooleanQuery.Builder()
          .add(new TermQuery(new Term(SearchFields.TYPE, LibraryDocs.PLAYLISTS.name())), BooleanClause.Occur.FILTER)
          .add(pub, BooleanClause.Occur.MUST_NOT).add(mine, BooleanClause.Occur.MUST_NOT).build();
      return new BooleanQuery.Builder().add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER)
          .add(othersPrivate, BooleanClause.Occur.MUST_NOT).build();
    }
    Query own = new BooleanQuery.Builder()
        .add(mine, BooleanClause.Occur.FILTER)
        .add(new TermQuery(new Term(SearchFields.REMOVED, "1")), BooleanClause.Occur.MUST_NOT).build();
    return new BooleanQuery.Builder().add(pub, BooleanClause.Occur.SHOULD).add(own, BooleanClause.Occur.SHOULD)
        .setMinimumNumberShouldMatch(1).build();
  }

  /** {@code query} restricted to one type and to what {@code viewer} may see. */
  public static Query filtered(Query query, String type, SignedIn viewer) {
    BooleanQuery.Builder b = new BooleanQuery.Builder().add(query, BooleanClause.Occur.MUST);
    Query filter = filter(type, viewer);
    if (filter != null) {
      b.add(filter, BooleanClause.Occur.FILTER);
    }
    return b.build();
  }

  /** One type (null = any) that {@code viewer} may see; null when that is everything. */
  public static Query filter(String type, SignedIn viewer) {
    Query visible = visibleTo(viewer);
    if (type == null) {
      return visible;
    }
    TermQuery typed = new TermQuery(new Term(SearchFields.TYPE, type));
    if (visible == null) {
      return typed;
    }
    return new BooleanQuery.Builder().add(typed, BooleanClause.Occur.FILTER).add(visible, BooleanClause.Occur.FILTER).build();
  }
}

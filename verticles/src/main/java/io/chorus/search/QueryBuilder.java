package io.chorus.search;

import io.chorus.web.SignedIn;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

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
    List<Query> forms = new ArrayList<>();
    for (String v : variants(q)) {
      Query form = form(v);
      if (form != null) {
        forms.add(form);
      }
    }
    return forms.isEmpty() ? new MatchNoDocsQuery("no words") : new DisjunctionMaxQuery(forms, 0.1f);
  }

  private static Query form(String v) {
    List<String> words = SearchAnalyzers.terms(SearchAnalyzers.WORDS, v);
    if (words.isEmpty()) {
      return null;
    }
    words = words.subList(0, Math.min(words.size(), 16));
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (int i = 0; i < words.size(); i++) {
      b.add(word(words.get(i), i == words.size() - 1), BooleanClause.Occur.SHOULD);
    }
    int n = words.size();
    b.setMinimumNumberShouldMatch(n <= 2 ? n : n - 1 - (n - 1) / 4);
    List<String> stems = SearchAnalyzers.terms(SearchAnalyzers.TEXT, v);
    if (stems.size() < 2) {
      return b.build();
    }
    // words in the title's order rank first ("love night" before "night love")
    PhraseQuery.Builder phrase = new PhraseQuery.Builder().setSlop(1);
    stems.subList(0, Math.min(stems.size(), 16)).forEach(t -> phrase.add(new Term(SearchFields.TITLE, t)));
    return new BooleanQuery.Builder().add(b.build(), BooleanClause.Occur.MUST)
        .add(new BoostQuery(phrase.build(), 2f), BooleanClause.Occur.SHOULD).build();
  }

  private static Query word(String word, boolean last) {
    String stem = SearchAnalyzers.stem(word);
    int edits = edits(word);
    List<Query> alternatives = new ArrayList<>();
    alternatives.add(new BoostQuery(new TermQuery(new Term(SearchFields.TITLE, stem)), 4f));
    alternatives.add(new BoostQuery(new TermQuery(new Term(SearchFields.TEXT, stem)), 3f));
    alternatives.add(new BoostQuery(new TermQuery(new Term(SearchFields.ALT, stem)), 2.5f));
    if (edits > 0) {
      // a typo in the first letter is rare, and the fixed letter keeps fuzzy matching cheap (a fixed second
      // letter would lose "rapsody" for "rhapsody")
      int prefix = 1;
      alternatives.add(new BoostQuery(new FuzzyQuery(new Term(SearchFields.TEXT, stem), edits, prefix, 50, true), 1.5f));
      alternatives.add(new BoostQuery(new FuzzyQuery(new Term(SearchFields.ALT, stem), edits, prefix, 50, true), 1f));
    }
    if (last) {
      String prefix = word.length() > SearchAnalyzers.MAX_PREFIX ? word.substring(0, SearchAnalyzers.MAX_PREFIX) : word;
      alternatives.add(new BoostQuery(new TermQuery(new Term(SearchFields.PREFIX, prefix)), 1.2f));
    }
    return new DisjunctionMaxQuery(alternatives, 0.05f);
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
   * taken down; moderators everything.
   */
  public static Query visibleTo(SignedIn viewer) {
    TermQuery pub = new TermQuery(new Term(SearchFields.PUBLIC, "1"));
    if (viewer == null) {
      return pub;
    }
    if (viewer.moderator()) {
      return null;
    }
    Query own = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SearchFields.OWNER, viewer.userId())), BooleanClause.Occur.FILTER)
        .add(new TermQuery(new Term(SearchFields.REMOVED, "1")), BooleanClause.Occur.MUST_NOT).build();
    return new BooleanQuery.Builder().add(pub, BooleanClause.Occur.SHOULD).add(own, BooleanClause.Occur.SHOULD)
        .setMinimumNumberShouldMatch(1).build();
  }

  /** {@code query} restricted to one type and to what {@code viewer} may see. */
  public static Query filtered(Query query, String type, SignedIn viewer) {
    BooleanQuery.Builder b = new BooleanQuery.Builder().add(query, BooleanClause.Occur.MUST);
    if (type != null) {
      b.add(new TermQuery(new Term(SearchFields.TYPE, type)), BooleanClause.Occur.FILTER);
    }
    Query visible = visibleTo(viewer);
    if (visible != null) {
      b.add(visible, BooleanClause.Occur.FILTER);
    }
    return b.build();
  }
}

package io.chorus.search;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Marks the words of a title that the query matched — as typed, by stem, by a typo, as a prefix, in
 * the other script or layout — with {@code <em>}; the rest of the title is HTML-escaped.
 */
public final class Highlight {
  private final Set<String> stems = new HashSet<>();
  private final Set<String> lastWords = new HashSet<>();

  public Highlight(String q) {
    for (String v : QueryBuilder.variants(q)) {
      List<String> words = SearchAnalyzers.terms(SearchAnalyzers.WORDS, v);
      for (String w : words) {
        stems.add(SearchAnalyzers.stem(w));
      }
      if (!words.isEmpty()) {
        lastWords.add(words.get(words.size() - 1));
      }
    }
  }

  public String apply(String title) {
    if (title == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(title.length() + 16);
    int at = 0;
    for (SearchAnalyzers.Token t : SearchAnalyzers.tokens(title)) {
      // the parts of a word joined by punctuation follow it: not again when the whole word matched
      if (t.start() < at || !matches(t.term())) {
        continue;
      }
      escape(out, title.substring(at, t.start()));
      out.append("<em>");
      escape(out, title.substring(t.start(), t.end()));
      out.append("</em>");
      at = t.end();
    }
    escape(out, title.substring(at));
    return out.toString();
  }

  private boolean matches(String word) {
    String other = Translit.other(word);
    for (String form : other == null ? List.of(word) : List.of(word, other)) {
      String stem = SearchAnalyzers.stem(form);
      if (stems.contains(stem)) {
        return true;
      }
      for (String last : lastWords) {
        if (form.startsWith(last)) {
          return true;
        }
      }
      for (String s : stems) {
        int edits = QueryBuilder.edits(s);
        if (edits > 0 && Math.abs(s.length() - stem.length()) <= edits && distance(s, stem) <= edits) {
          return true;
        }
      }
    }
    return false;
  }

  /** Edit distance (insert, delete, substitute). */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static void escape(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
  }
}

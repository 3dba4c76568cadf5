package io.chorus.library.subsonic;

import java.text.Normalizer;
import java.util.Locale;

/**
 * search3's folding of case and Latin diacritics, one character for one, so that PostgreSQL applies exactly the
 * same folding with {@code translate(text, FROM, TO)} whatever the database's locale: {@code lower()} follows the
 * collation, and under the C locale (the embedded development database) it folds ASCII only, so {@code кино}
 * never met «Кино». Folded: the case of every letter of the Latin, Greek and Cyrillic blocks, the diacritics of
 * Latin letters ({@code beyonce} = Beyoncé, {@code motorhead} = Motörhead, ø = o, ł = l, đ = d) and ё = е, as the
 * REST search does. Letters that fold into two (ß) are left as they are.
 */
final class SearchFold {
  /** The characters {@link #fold} changes, and what each becomes (same length: the arguments of SQL {@code translate}). */
  static final String FROM;
  static final String TO;

  static {
    String[] table = io.chorus.input.SqlLower.table(SearchFold::foldOne);
    FROM = table[0];
    TO = table[1];
  }

  private SearchFold() {
  }

  private static String foldOne(int c) {
    String lower = new String(Character.toChars(c)).toLowerCase(Locale.ROOT);
    Character.UnicodeScript script = Character.UnicodeScript.of(c);
    if (script == Character.UnicodeScript.LATIN) {
      String bare = Normalizer.normalize(lower, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
      return switch (bare) {
        case "ø" -> "o";
        case "ł" -> "l";
        case "đ" -> "d";
        default -> bare;
      };
    }
    return "ё".equals(lower) ? "е" : lower;
  }

  /** {@code text} (normalised to NFC, as stored names are) folded as SQL {@code translate(column, FROM, TO)} folds a column. */
  static String fold(String text) {
    String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
    StringBuilder out = new StringBuilder(nfc.length());
    for (int i = 0; i < nfc.length(); i++) {
      char c = nfc.charAt(i);
      int at = FROM.indexOf(c);
      out.append(at < 0 ? c : TO.charAt(at));
    }
    return out.toString();
  }

  /** The SQL expression folding {@code column}, with FROM and TO as the parameters {@code $from} and {@code $to}. */
  static String sql(String column, int from, int to) {
    return "translate(" + column + ", $" + from + ", $" + to + ")";
  }
}

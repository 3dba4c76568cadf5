package io.chorus.input;

import java.util.Locale;

/**
 * SQL lower case that does not depend on the database's locale: PostgreSQL's {@code lower()} follows the collation,
 * and under the C locale (the embedded development database) it folds ASCII only, so {@code lower(display_name)} of
 * «Алиса» stays «Алиса» and never equals what Java's {@code toLowerCase} made of the query. {@link #of} is
 * {@code translate()} with the upper-case letters of the Latin, Greek and Cyrillic blocks and their lower case
 * inlined (letters only, none a quote): compare it with a value lower-cased by {@code toLowerCase(Locale.ROOT)}.
 */
public final class SqlLower {
  private static final String UPPER;
  private static final String LOWER;

  static {
    StringBuilder upper = new StringBuilder();
    StringBuilder lower = new StringBuilder();
    int[][] ranges = {{'A', 'Z'}, {0x00C0, 0x052F}, {0x1E00, 0x1EFF}};
    for (int[] range : ranges) {
      for (int c = range[0]; c <= range[1]; c++) {
        String l = new String(Character.toChars(c)).toLowerCase(Locale.ROOT);
        if (Character.isLetter(c) && l.length() == 1 && l.charAt(0) != c) {
          upper.append((char) c);
          lower.append(l);
        }
      }
    }
    UPPER = upper.toString();
    LOWER = lower.toString();
  }

  private SqlLower() {
  }

  /** The SQL expression: {@code expr} in lower case, whatever the database's locale. */
  public static String of(String expr) {
    return "translate(" + expr + ", '" + UPPER + "', '" + LOWER + "')";
  }
}

package io.chorus.input;

import java.util.Locale;

/**
 * SQL lower case that does not depend on the database's locale: PostgreSQL's {@code lower()} follows the collation,
 * and under the C locale (the embedded development database) it folds ASCII only, so {@code lower(display_name)} of
 * «Алиса» stays «Алиса» and never equals what Java's {@code toLowerCase} made of the query. {@link #of} calls the
 * database's {@code chorus_lower()} (migration V43): {@code translate()} with the upper-case letters of the Latin,
 * Greek and Cyrillic blocks and their lower case, {@link #UPPER} and {@link #LOWER}; compare it with a value
 * lower-cased by {@code toLowerCase(Locale.ROOT)}. A named IMMUTABLE function, so that the expression indexes on
 * {@code chorus_lower(column)} serve the queries (an index on {@code lower(column)} does not).
 */
public final class SqlLower {
  /** The letters {@code chorus_lower} changes, and what each becomes (the arguments of its {@code translate}). */
  public static final String UPPER;
  public static final String LOWER;

  static {
    String[] table = table(c -> new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
    UPPER = table[0];
    LOWER = table[1];
  }

  /**
   * The arguments of SQL {@code translate(text, FROM, TO)} for a one-for-one folding of the letters of the Latin,
   * Greek and Cyrillic blocks: each letter {@code fold} changes into one character (a letter it folds into two, as ß,
   * stays as it is).
   */
  public static String[] table(java.util.function.IntFunction<String> fold) {
    StringBuilder from = new StringBuilder();
    StringBuilder to = new StringBuilder();
    int[][] ranges = {{'A', 'Z'}, {0x00C0, 0x052F}, {0x1E00, 0x1EFF}};
    for (int[] range : ranges) {
      for (int c = range[0]; c <= range[1]; c++) {
        String f = Character.isLetter(c) ? fold.apply(c) : null;
        if (f != null && f.length() == 1 && f.charAt(0) != c) {
          from.append((char) c);
          to.append(f);
        }
      }
    }
    return new String[] {from.toString(), to.toString()};
  }

  private SqlLower() {
  }

  /**
   * The SQL expression to order names by: {@code expr} in lower case under the {@code chorus_names} collation (ICU's
   * root, the order a person reads names in: "Édith" beside "Edith", not after "Zed" as bytes put it).
   */
  public static String sortKey(String expr) {
    return of(expr) + " COLLATE chorus_names";
  }

  /** The SQL expression: {@code expr} in lower case, whatever the database's locale. */
  public static String of(String expr) {
    return "chorus_lower(" + expr + ")";
  }
}

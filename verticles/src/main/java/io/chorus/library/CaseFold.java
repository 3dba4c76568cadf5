package io.chorus.library;

/**
 * Case-insensitive comparison in SQL that does not depend on the database's locale. PostgreSQL's {@code lower()}
 * follows the database's {@code LC_CTYPE}: under {@code C} (the embedded server's, and any cluster made with
 * {@code initdb --locale=C}) it lowers ASCII only, so {@code lower('Ünïcödé')} stays {@code 'Ünïcödé'} and never
 * equals a needle lowered by Java. The ICU root collation (PostgreSQL 16 is built with ICU) lowers every script
 * the same on every server.
 */
public final class CaseFold {
  private CaseFold() {
  }

  /** SQL for {@code expr} in lower case by Unicode's rules, whatever the database's locale. */
  public static String sql(String expr) {
    return "lower((" + expr + ") COLLATE \"und-x-icu\")";
  }
}

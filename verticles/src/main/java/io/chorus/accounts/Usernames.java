package io.chorus.accounts;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The username rule: NFKC-normalised, lower-cased, 3-32 characters of {@code [a-z0-9_.-]} with at least one
 * letter or digit (a name of punctuation only, {@code ...} or {@code ___}, names nobody). NFKC folds
 * compatibility forms (full-width {@code ａ}, ligatures) onto their ASCII letters, so they collide with
 * the plain name; anything still outside the alphabet afterwards (Cyrillic {@code а}, Greek {@code ο},
 * zero-width characters) is refused rather than mapped, so no two accounts can look alike.
 */
public final class Usernames {
  public static final int MIN = 3;
  public static final int MAX = 32;
  /** Longer raw input is refused before normalising (NFKC can expand a string up to 18 times). */
  private static final int MAX_RAW = 128;
  private static final Pattern ALLOWED = Pattern.compile("[a-z0-9_.-]+");
  private static final Pattern LETTER_OR_DIGIT = Pattern.compile("[a-z0-9]");

  private Usernames() {
  }

  /** A normalised username or the rule it breaks. */
  public record Result(String username, String problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  public static Result normalise(String raw) {
    Result r = inAlphabet(raw);
    if (r.ok() && !LETTER_OR_DIGIT.matcher(r.username()).find()) {
      return new Result(null, "username must contain a letter or a digit");
    }
    return r;
  }

  /** The rule without the letter-or-digit requirement, which only new names must meet. */
  private static Result inAlphabet(String raw) {
    if (raw == null || raw.isBlank()) {
      return new Result(null, "username is required");
    }
    if (raw.length() > MAX_RAW) {
      return new Result(null, "username must be " + MIN + "-" + MAX + " characters");
    }
    String n = fold(raw.strip());
    if (n.length() < MIN || n.length() > MAX) {
      return new Result(null, "username must be " + MIN + "-" + MAX + " characters");
    }
    if (!ALLOWED.matcher(n).matches()) {
      return new Result(null, "username may only contain a-z, 0-9, '_', '.' and '-'");
    }
    return new Result(n, null);
  }

  /**
   * The folding usernames get before the rule is checked: NFKC, then lower case. Other rules that compare with
   * a username (the password must not contain it) fold their text the same way.
   */
  public static String fold(String text) {
    return Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
  }

  /**
   * The normalised form for look-ups (login, search), or null when the input cannot be any username. An account
   * named before the letter-or-digit requirement (only punctuation) can still be found and sign in.
   */
  public static String lookupKey(String raw) {
    Result r = inAlphabet(raw);
    return r.ok() ? r.username() : null;
  }
}

package io.chorus.input;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;

import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * The one validation of ids, names and URLs that clients send, used by every entry point (seed
 * WebSocket, gRPC, REST rooms, the listen page's REST, the stream hub). Each method returns the value
 * to store (names trimmed and NFC-normalised) or throws {@code ChorusException(INVALID_ARGUMENT,
 * "<field> must …")}. The rules are documented once in docs/api.md ("Input rules").
 */
public final class Inputs {
  public static final int MAX_ID_LENGTH = 128;
  public static final int MAX_URL_LENGTH = 2048;
  /** What ids may contain: safe in URLs, paths, headers, logs and HTML without escaping. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]{1," + MAX_ID_LENGTH + "}");
  private static final Pattern DOTS = Pattern.compile("\\.+");

  private Inputs() {
  }

  /**
   * A participant, user, host or stream client id: 1–128 of {@code A-Za-z0-9._:@-}, not only dots
   * ({@code .}/{@code ..} are path steps once the id is in a URL such as a stream {@code ws_url}).
   */
  public static String id(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw invalid(field + " is required");
    }
    if (!ID.matcher(value).matches() || DOTS.matcher(value).matches()) {
      throw invalid(field + " must be 1-" + MAX_ID_LENGTH + " letters, digits or . _ : @ - (not only dots)");
    }
    return value;
  }

  /**
   * A display name or title: trimmed, NFC, {@code min}..{@code max} code points, no control or
   * bidirectional-control characters, not only invisible characters. {@code min} 0: optional, null
   * and blank give "".
   */
  public static String name(String field, String value, int min, int max) {
    String s = normalize(value);
    int length = s.codePointCount(0, s.length());
    if (length == 0 && min == 0) {
      return "";
    }
    if (length < min || length > max) {
      throw invalid(field + " must be " + min + "-" + max + " characters");
    }
    checkCharacters(field, s, false);
    if (!hasVisible(s)) {
      throw invalid(field + " must contain a visible character");
    }
    return s;
  }

  /**
   * Free text such as a room description: at most {@code max} code points, line breaks and tabs
   * allowed, other control and bidirectional-control characters not. Null stays null.
   */
  public static String text(String field, String value, int max) {
    if (value == null) {
      return null;
    }
    String s = Normalizer.normalize(value, Normalizer.Form.NFC);
    if (s.codePointCount(0, s.length()) > max) {
      throw invalid(field + " must be at most " + max + " characters");
    }
    checkCharacters(field, s, true);
    return s;
  }

  /**
   * A track URL: an absolute {@code http}/{@code https} URL with a host, or a same-origin path
   * starting with a single {@code /} (the web page resolves it against its own origin); at most
   * 2048 characters, no whitespace or control characters. {@code required} false: null and "" give "".
   */
  public static String trackUrl(String field, String value, boolean required) {
    if (value == null || value.isEmpty()) {
      if (required) {
        throw invalid(field + " is required");
      }
      return "";
    }
    if (value.length() > MAX_URL_LENGTH) {
      throw invalid(field + " must be at most " + MAX_URL_LENGTH + " characters");
    }
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || isControl(cp) || Character.getType(cp) == Character.FORMAT) {
        throw invalid(field + " must not contain whitespace or control characters");
      }
      i += Character.charCount(cp);
    }
    // browsers read a backslash as a slash: "/\\host/a" is "//host/a", another origin, not a path
    if (value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")) {
      return value;
    }
    String lower = value.toLowerCase(java.util.Locale.ROOT);
    int rest = lower.startsWith("https://") ? 8 : lower.startsWith("http://") ? 7 : -1;
    if (rest < 0) {
      throw invalid(field + " must be an http(s) URL or a path starting with /");
    }
    int end = rest;
    while (end < value.length() && "/?#".indexOf(value.charAt(end)) < 0) {
      end++;
    }
    String authority = value.substring(rest, end);
    String host = authority.substring(authority.lastIndexOf('@') + 1);
    if (host.isEmpty() || host.startsWith(":")) {
      throw invalid(field + " must name a host");
    }
    return value;
  }

  /**
   * A decimal integer a client sent (a query parameter, a path segment): ASCII digits {@code 0-9} with at most one
   * leading {@code -}, nothing else. {@link Integer#parseInt} alone also takes a leading {@code +} and every script's
   * digits (Arabic-Indic {@code ٣} is 3). Throws {@link NumberFormatException} otherwise and when it overflows an
   * int, so each caller keeps its own range and its own {@code invalid_argument} message naming the parameter.
   */
  public static int parseInt(String value) {
    return Integer.parseInt(asciiInteger(value));
  }

  /** {@link #parseInt} for a long. */
  public static long parseLong(String value) {
    return Long.parseLong(asciiInteger(value));
  }

  private static String asciiInteger(String value) {
    if (value == null) {
      throw new NumberFormatException("null");
    }
    int start = value.startsWith("-") ? 1 : 0;
    if (start == value.length()) {
      throw new NumberFormatException("not an integer: \"" + value + "\"");
    }
    for (int i = start; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        throw new NumberFormatException("not an integer: \"" + value + "\"");
      }
    }
    return value;
  }

  /**
   * Text read from a file rather than typed (a track's tags): cleaned instead of refused. NFC; control characters
   * (C0, C1, line and paragraph separators, lone surrogates) become spaces; bidirectional controls are dropped;
   * trimmed of every kind of space; at most {@code max} code points. Null when nothing visible is left.
   */
  public static String cleanText(String value, int max) {
    if (value == null) {
      return null;
    }
    String n = Normalizer.normalize(value, Normalizer.Form.NFC);
    StringBuilder b = new StringBuilder(n.length());
    for (int i = 0; i < n.length(); ) {
      int cp = n.codePointAt(i);
      i += Character.charCount(cp);
      if (isBidiControl(cp)) {
        continue;
      }
      b.appendCodePoint(isControl(cp) ? ' ' : cp);
    }
    String s = trimSpaces(b);
    if (!hasVisible(s)) {
      return null;
    }
    return s.codePointCount(0, s.length()) <= max ? s : s.substring(0, s.offsetByCodePoints(0, max));
  }

  private static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  /** NFC, trimmed of every kind of space: String.strip() would keep the no-break ones (U+00A0, U+2007, U+202F). */
  private static String normalize(String value) {
    if (value == null) {
      return "";
    }
    return trimSpaces(Normalizer.normalize(value, Normalizer.Form.NFC));
  }

  /** The text without the spaces of every kind at its ends. */
  private static String trimSpaces(CharSequence n) {
    int start = 0;
    int end = n.length();
    while (start < end && isSpace(n.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(n.charAt(end - 1))) {
      end--;
    }
    return n.subSequence(start, end).toString();
  }

  private static void checkCharacters(String field, String s, boolean multiline) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (isBidiControl(cp)) {
        throw invalid(field + " must not contain bidirectional control characters");
      }
      boolean lineBreak = cp == '\n' || cp == '\r' || cp == '\t';
      if (isControl(cp) && !(multiline && lineBreak)) {
        throw invalid(field + " must not contain control characters");
      }
      i += Character.charCount(cp);
    }
  }

  /** Cc (NUL, CR, LF, TAB, DEL, C1), line/paragraph separators, lone surrogates. */
  private static boolean isControl(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE;
  }

  /** Embeddings and overrides (U+202A–202E), isolates (U+2066–2069), LRM/RLM, ALM: they reorder what follows. */
  static boolean isBidiControl(int cp) {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C;
  }

  /** A required UUID in its canonical 36-character form; {@code invalid_argument} naming {@code field} otherwise. */
  public static java.util.UUID uuid(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " is required");
    }
    try {
      if (value.length() != 36) {
        throw new IllegalArgumentException();
      }
      return java.util.UUID.fromString(value);
    } catch (IllegalArgumentException e) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be a UUID");
    }
  }

  /** Something a reader sees: not whitespace, format characters (zero-width, BOM), lone marks or fillers. */
  public static boolean hasVisible(String s) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      int type = Character.getType(cp);
      boolean invisible = Character.isWhitespace(cp) || Character.isSpaceChar(cp) || type == Character.FORMAT
          || type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.COMBINING_SPACING_MARK
          || Character.isIdentifierIgnorable(cp) || isFiller(cp);
      if (!invisible) {
        return true;
      }
    }
    return false;
  }

  /** Letters that render as blank (Hangul fillers, the braille blank). */
  private static boolean isFiller(int cp) {
    return cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x2800;
  }

  private static ChorusException invalid(String message) {
    return new ChorusException(ErrorCode.INVALID_ARGUMENT, message);
  }
}

package io.chorus.accounts;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;

/** Display name and bio rules (pure). */
public final class Profiles {
  public static final int DISPLAY_NAME_MAX = 64;
  public static final int BIO_MAX = 500;

  private Profiles() {
  }

  /**
   * The display name to store: the shared name rules ({@link Inputs#name}: trimmed, NFC, a visible character, no
   * bidirectional controls), 1–{@value #DISPLAY_NAME_MAX} characters and no format characters either; a broken
   * rule throws {@code invalid_argument}.
   */
  public static String displayName(String name) {
    String s = Inputs.name("display_name", name, 1, DISPLAY_NAME_MAX);
    String problem = displayNameProblem(s);
    if (problem != null) {
      throw ErrorCode.INVALID_ARGUMENT.exception(problem);
    }
    return s;
  }

  /** The rule a display name breaks, or null. */
  public static String displayNameProblem(String name) {
    if (name == null || name.isBlank()) {
      return "display_name must not be empty";
    }
    if (name.codePointCount(0, name.length()) > DISPLAY_NAME_MAX) {
      return "display_name must be at most " + DISPLAY_NAME_MAX + " characters";
    }
    if (name.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
      return "display_name must not contain control or format characters";
    }
    return null;
  }

  /**
   * The bio to store, its line breaks as line feeds: {@link #bioProblem}'s rules (line feeds are its only control characters), then the shared
   * free-text rules ({@link Inputs#text}: NFC, no bidirectional-control or lone-surrogate characters); a broken rule
   * throws {@code invalid_argument}.
   */
  public static String bio(String given) {
    // a form's line breaks are CR LF (and old Macs' a lone CR): one line feed each, as the bio stores them
    String bio = given == null ? null : given.replace("\r\n", "\n").replace('\r', '\n');
    String problem = bioProblem(bio);
    if (problem != null) {
      throw ErrorCode.INVALID_ARGUMENT.exception(problem);
    }
    return Inputs.text("bio", bio, BIO_MAX);
  }

  public static String bioProblem(String bio) {
    if (bio == null) {
      return "bio must be a string";
    }
    if (bio.codePointCount(0, bio.length()) > BIO_MAX) {
      return "bio must be at most " + BIO_MAX + " characters";
    }
    if (bio.codePoints().anyMatch(c -> c != '\n' && Character.isISOControl(c))) {
      return "bio must not contain control characters other than line breaks";
    }
    return null;
  }
}

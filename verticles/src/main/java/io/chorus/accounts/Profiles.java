package io.chorus.accounts;

/** Display name and bio rules (pure). */
public final class Profiles {
  public static final int DISPLAY_NAME_MAX = 64;
  public static final int BIO_MAX = 500;

  private Profiles() {
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

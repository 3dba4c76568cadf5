package io.chorus.accounts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Password rules of issue 16: at least 10 characters, not a common password, not the username. */
public final class PasswordRules {
  public static final int MIN = 10;
  /** Bounded so that nobody makes the server hash megabytes. */
  public static final int MAX = 256;
  private static final Set<String> COMMON = load("accounts/common-passwords.txt");

  private PasswordRules() {
  }

  /** The rule the password breaks, or null when it is acceptable; the message names the field {@code password}. */
  public static String problem(String password, String username) {
    return problem("password", password, username);
  }

  /**
   * The rule the password breaks, or null when it is acceptable; the message names {@code field}, the body field the
   * client sent it in ({@code password} to register, {@code new_password} to change it).
   */
  public static String problem(String field, String password, String username) {
    if (password == null || password.isEmpty()) {
      return field + " is required";
    }
    if (password.codePointCount(0, password.length()) < MIN) {
      return field + " must be at least " + MIN + " characters";
    }
    if (tooLong(password)) {
      return field + " must be at most " + MAX + " characters";
    }
    String lower = password.toLowerCase(Locale.ROOT);
    // folded as usernames are (NFKC, then lower case), so the full-width or ligature form of a name or a common
    // password is caught like the plain one
    String folded = Usernames.fold(password);
    if (COMMON.contains(lower) || COMMON.contains(folded)) {
      return field + " is too common";
    }
    if (username != null && (folded.contains(username) || lower.contains(username))) {
      return field + " must not contain the username";
    }
    return null;
  }

  /**
   * Over {@link #MAX} characters, counted in code points like the minimum (an emoji is one character, not two
   * UTF-16 units); sign-in and the password change refuse such a password unhashed by the same count.
   */
  public static boolean tooLong(String password) {
    return password.codePointCount(0, password.length()) > MAX;
  }

  private static Set<String> load(String resource) {
    try (InputStream in = PasswordRules.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the classpath");
      }
      Set<String> set = new HashSet<>();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String t = line.strip().toLowerCase(Locale.ROOT);
        if (!t.isEmpty() && !t.startsWith("#")) {
          set.add(t);
        }
      }
      return Set.copyOf(set);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.chorus.room;

import java.security.SecureRandom;

/** Short shareable room codes from an alphabet without look-alikes (no 0/O, 1/I/L). */
public final class RoomIds {
  public static final String ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private RoomIds() {
  }

  public static String next(int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  /** Room ids accepted from clients: the short codes, upper-cased. */
  public static boolean isValid(String id) {
    return id != null && id.matches("[A-Za-z0-9]{4,32}");
  }

  public static String normalize(String id) {
    return id == null ? "" : id.trim().toUpperCase();
  }
}

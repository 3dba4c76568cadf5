package io.chorus.accounts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;

/**
 * The rules of refresh-token rotation, free of I/O. Every sign-in starts a family (an
 * {@code auth_sessions} row); each refresh marks the presented token used and issues the next one of
 * the family. A used token presented again means two parties hold the family's tokens (one stole it):
 * the whole family is revoked, so both the thief and the victim must sign in again.
 */
public final class RefreshFamilies {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** 32 random bytes, base64url without padding. */
  static final int TOKEN_CHARS = 43;

  private RefreshFamilies() {
  }

  public enum Outcome {
    /** Valid: mark it used and issue the next token of the family. */
    ROTATE,
    /** Already used once: revoke the family. */
    REUSE_DETECTED,
    /** The family was revoked (logout, password change, disable, earlier reuse). */
    REVOKED,
    EXPIRED,
    UNKNOWN
  }

  /** A stored token's state; {@code found} false when no row has the token's hash. */
  public static Outcome decide(boolean found, Instant usedAt, Instant familyRevokedAt, Instant expiresAt, Instant now) {
    if (!found) {
      return Outcome.UNKNOWN;
    }
    if (familyRevokedAt != null) {
      return Outcome.REVOKED;
    }
    if (usedAt != null) {
      return Outcome.REUSE_DETECTED;
    }
    if (!expiresAt.isAfter(now)) {
      return Outcome.EXPIRED;
    }
    return Outcome.ROTATE;
  }

  public static String newToken() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** True when {@code token} has the shape of one we issued (cheap refusal before any query). */
  public static boolean wellFormed(String token) {
    return token != null && token.length() == TOKEN_CHARS && token.chars().allMatch(c ->
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  }

  /** Only the SHA-256 of a refresh token is stored: a database leak does not leak usable tokens. */
  public static byte[] hash(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

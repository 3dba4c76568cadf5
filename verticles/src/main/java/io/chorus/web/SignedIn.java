package io.chorus.web;

import io.vertx.core.Future;

/**
 * A signed-in user as the accounts feature vouches for them. Features that let users act as their
 * account (rooms, chat, the stream hub, gRPC) take the {@link Verifier} the accounts feature publishes
 * instead of importing it. {@code expiresAtMillis}: when the access token ends; {@code roles}: as the
 * token carries them (changed roles take effect with the next token); {@code sessionId}: the sign-in session the
 * token belongs to (null where there is none), so a transport can end what was opened with it when it ends
 * ({@code chorus.user.sessions-revoked}).
 */
public record SignedIn(String userId, String name, long expiresAtMillis, java.util.List<String> roles, String sessionId) {

  public SignedIn(String userId, String name, long expiresAtMillis) {
    this(userId, name, expiresAtMillis, java.util.List.of());
  }

  public SignedIn(String userId, String name, long expiresAtMillis, java.util.List<String> roles) {
    this(userId, name, expiresAtMillis, roles, null);
  }

  /** Moderators and admins may see and decide on content that is not public yet. */
  public boolean moderator() {
    return roles.contains("moderator") || roles.contains("admin");
  }

  /** Why a sign-in verified earlier no longer holds. */
  public enum Ended { DISABLED, SIGNED_OUT }

  /** Verifies an access JWT; fails (unauthenticated) for a bad, expired or revoked one. */
  public interface Verifier {
    Future<SignedIn> verify(String accessToken);

    /**
     * Null while {@code who} (verified earlier) still holds, else whether the account was disabled or the session
     * ended since. A socket checks this once it listens for those events: one that happened between the verification
     * and the listening is not heard.
     */
    default Future<Ended> ended(SignedIn who) {
      return Future.succeededFuture(null);
    }
  }

  /**
   * Finds accounts by name or id for features whose clients name a user instead of showing a token
   * (OpenSubsonic's {@code u=}). Answers null for an unknown or disabled account; {@code expiresAtMillis} is 0.
   */
  public interface Directory {
    Future<SignedIn> byUsername(String username);

    Future<SignedIn> byId(String userId);
  }
}


package io.chorus.room;

import io.vertx.core.Future;

/**
 * A signed-in user as the accounts feature vouches for them (the room feature does not import it: the
 * composition root hands it a {@link Verifier}). {@code expiresAtMillis}: when the access token ends.
 */
public record SignedIn(String userId, String name, long expiresAtMillis) {

  /** Verifies an access JWT; fails (unauthenticated) for a bad, expired or revoked one. */
  public interface Verifier {
    Future<SignedIn> verify(String accessToken);
  }
}

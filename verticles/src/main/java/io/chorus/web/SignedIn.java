package io.chorus.web;

import io.vertx.core.Future;

/**
 * A signed-in user as the accounts feature vouches for them. Features that let users act as their
 * account (rooms, chat, the stream hub, gRPC) take the {@link Verifier} the accounts feature publishes
 * instead of importing it. {@code expiresAtMillis}: when the access token ends.
 */
public record SignedIn(String userId, String name, long expiresAtMillis) {

  /** Verifies an access JWT; fails (unauthenticated) for a bad, expired or revoked one. */
  public interface Verifier {
    Future<SignedIn> verify(String accessToken);
  }
}

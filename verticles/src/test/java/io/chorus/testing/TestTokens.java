package io.chorus.testing;

import io.chorus.config.ConfigLoader;
import io.chorus.room.ParticipantTokens;

/**
 * Participant tokens as the test nodes issue them: the nodes run with the development default
 * {@code TOKEN_SECRET} of conf/default.json, so a test can mint a member's token without a join.
 */
public final class TestTokens {
  /** The development token secret every test node runs with. */
  public static final String DEV_TOKEN_SECRET = ConfigLoader.defaults().getString("TOKEN_SECRET");
  /** How long a token minted by {@link #issue} lives: longer than any test. */
  public static final long TTL_MS = 3_600_000;

  private TestTokens() {
  }

  /** Tokens signed with the nodes' secret, living {@code ttlMs}. */
  public static ParticipantTokens tokens(long ttlMs) {
    return new ParticipantTokens(DEV_TOKEN_SECRET, ttlMs);
  }

  /** Tokens signed with the nodes' secret, living an hour. */
  public static ParticipantTokens tokens() {
    return tokens(TTL_MS);
  }

  /** A token for {@code participantId} in {@code roomId} with {@code role}, valid for an hour. */
  public static String issue(String roomId, String participantId, String role) {
    return tokens().issue(roomId, participantId, role);
  }
}

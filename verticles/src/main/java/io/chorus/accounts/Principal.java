package io.chorus.accounts;

import java.util.List;

/** A verified access token: who, with which roles, in which sign-in session (refresh family). */
public record Principal(String userId, String username, List<String> roles, String sessionId, long expiresAtEpochSeconds) {
  public boolean hasRole(String role) {
    return roles.contains(role);
  }
}

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

  /**
   * The body of {@code chorus.user.sessions-revoked}: a user's sign-in sessions that ended (sign-out, logout-all, a
   * password change, a reused refresh token). The accounts feature publishes it; every transport that keeps sockets
   * opened with an access JWT reads it with {@link #from} and ends those whose session {@link #ends}.
   */
  public record SessionsEnded(String userId, java.util.Set<String> sessionIds) {
    public io.vertx.core.json.JsonObject json() {
      return new io.vertx.core.json.JsonObject().put("user_id", userId)
          .put("session_ids", new io.vertx.core.json.JsonArray(java.util.List.copyOf(sessionIds)));
    }

    /** The event in {@code body}; null when it is not one (a wrong shape ends nothing). */
    public static SessionsEnded from(io.vertx.core.json.JsonObject body) {
      if (body == null || !(body.getValue("user_id") instanceof String uid)
          || !(body.getValue("session_ids") instanceof io.vertx.core.json.JsonArray ids)) {
        return null;
      }
      java.util.Set<String> out = new java.util.HashSet<>();
      ids.forEach(id -> {
        if (id instanceof String s) {
          out.add(s);
        }
      });
      return new SessionsEnded(uid, out);
    }

    /** Whether a socket opened in sign-in session {@code sessionId} (null: not a signed-in one) is ended by this. */
    public boolean ends(String sessionId) {
      return sessionId != null && sessionIds.contains(sessionId);
    }
  }

  /** Verifies an access JWT; fails (unauthenticated) for a bad, expired or revoked one. */
  public interface Verifier {
    /** Where {@link #caller} keeps a request's verified caller. */
    String CALLER = "chorus.caller";

    Future<SignedIn> verify(String accessToken);

    /**
     * The signed-in caller of an HTTP request ({@code Authorization: Bearer <access JWT>}); fails UNAUTHENTICATED
     * without one. Verified once per request and kept on it, so a check made before the body is read (see
     * {@link Http#checkedBeforeBody}) and the handler after it share one verification.
     */
    default Future<SignedIn> caller(io.vertx.ext.web.RoutingContext ctx) {
      SignedIn known = ctx.get(CALLER);
      if (known != null) {
        return Future.succeededFuture(known);
      }
      String jwt = Bearer.jwt(ctx.request().getHeader("Authorization"), null);
      if (jwt == null) {
        return Future.failedFuture(io.chorus.bus.ErrorCode.UNAUTHENTICATED.exception("sign in: Authorization: Bearer <access token>"));
      }
      return verify(jwt).onSuccess(me -> ctx.put(CALLER, me));
    }

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

    /**
     * Whether {@code id} is an account's id, a disabled account's too: features that let anonymous callers propose their
     * own ids (room members, participants) refuse these, since an account's id belongs to the account. False at once for
     * an id not shaped like an account id ({@link #accountShaped}); otherwise one indexed lookup.
     */
    default Future<Boolean> isAccount(String id) {
      return accountShaped(id) ? byId(id).map(java.util.Objects::nonNull) : Future.succeededFuture(false);
    }
  }

  private static final java.util.regex.Pattern ACCOUNT_ID =
      java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** Whether {@code id} has the shape of an account id (a UUID, any case); only such ids can be an account's. */
  public static boolean accountShaped(String id) {
    return id != null && id.length() == 36 && ACCOUNT_ID.matcher(id).matches();
  }

  /**
   * Fails FORBIDDEN ({@code "<field> belongs to an account: sign in as it to use it"}) when {@code id}, proposed by a
   * caller not signed in as it, is an account's; succeeds at once where no accounts are served ({@code directory} null)
   * or the id is not shaped like one.
   */
  public static Future<Void> notAnAccount(Directory directory, String id, String field) {
    if (directory == null || !accountShaped(id)) {
      return Future.succeededFuture();
    }
    return directory.isAccount(id).compose(taken -> taken
        ? Future.failedFuture(new io.chorus.bus.ChorusException(io.chorus.bus.ErrorCode.FORBIDDEN,
            field + " belongs to an account: sign in as it to use it"))
        : Future.<Void>succeededFuture());
  }
}


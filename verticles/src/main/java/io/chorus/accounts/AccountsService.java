package io.chorus.accounts;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.web.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Registration, sign-in, refresh rotation, profiles and administration (issue 16). */
public final class AccountsService {
  private static final Logger LOG = LoggerFactory.getLogger(AccountsService.class);
  static final String BAD_CREDENTIALS = "wrong username or password";

  private final UserRepo users;
  private final SessionRepo sessions;
  private final PasswordHasher hasher;
  private final AccessTokens tokens;
  private final RevocationFlags flags;
  private final RateLimiter limiter;
  private final UserEvents events;
  private final EventBus bus;
  private final AccountsConfig config;

  public AccountsService(UserRepo users, SessionRepo sessions, PasswordHasher hasher, AccessTokens tokens, RevocationFlags flags,
                         RateLimiter limiter, UserEvents events, EventBus bus, AccountsConfig config) {
    this.users = users;
    this.sessions = sessions;
    this.hasher = hasher;
    this.tokens = tokens;
    this.flags = flags;
    this.limiter = limiter;
    this.events = events;
    this.bus = bus;
    this.config = config;
  }

  public UserRepo users() {
    return users;
  }

  public AccessTokens tokens() {
    return tokens;
  }

  /**
   * A token answer ({@code json}: docs/api.md's token answer) and when its refresh token's session expires: the
   * refresh cookie lives until then, not a whole TTL from each rotation.
   */
  public record Tokens(JsonObject json, java.time.Instant refreshExpiresAt) {
  }

  public Future<Tokens> register(String rawUsername, String password, String displayName, String ip) {
    return limiter.hit("register-ip", ip, config.rateRegisterPerIp(), "registrations from this address").compose(v -> {
      Usernames.Result u = Usernames.normalise(rawUsername);
      if (!u.ok()) {
        return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception(u.problem()));
      }
      String pw = PasswordRules.problem(password, u.username());
      if (pw != null) {
        return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception(pw));
      }
      String name = Profiles.displayName(displayName == null ? u.username() : displayName);
      return hasher.hash(password).compose(hash -> users.insert(u.username(), name, hash, List.of("user")));
    }).compose(user -> {
      events.publish(UserEvents.CREATED, user);
      return signIn(user);
    });
  }

  /** Same answer and about the same time for an unknown user and a wrong password. */
  public Future<Tokens> login(String rawUsername, String password, String ip) {
    String key = Usernames.lookupKey(rawUsername);
    // a name that breaks the rule matches no account: only the per-address limit applies to it
    return limiter.hit("login-ip", ip, config.rateLoginPerIp(), "sign-in attempts from this address")
        .compose(v -> key == null ? Future.<Void>succeededFuture()
            : limiter.hit("login-user", key, config.rateLoginPerUsername(), "sign-in attempts for this username"))
        .compose(v -> {
          if (password == null || password.isEmpty() || PasswordRules.tooLong(password)) {
            return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception(BAD_CREDENTIALS));
          }
          Future<User> found = key == null ? Future.succeededFuture(null) : users.byUsername(key);
          return found.compose(user -> hasher.verify(password, user == null ? null : user.passwordHash()).compose(ok -> {
            if (!ok) {
              return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception(BAD_CREDENTIALS));
            }
            if (user.disabled()) {
              return Future.failedFuture(ErrorCode.FORBIDDEN.exception("this account is disabled"));
            }
            if (hasher.needsRehash(user.passwordHash())) {
              hasher.hash(password).compose(h -> users.replaceHash(user.id(), user.passwordHash(), h))
                  .onSuccess(done -> LOG.info("password hash of user {} upgraded to the configured Argon2 parameters", user.id()))
                  .onFailure(e -> LOG.warn("password rehash of user {} failed: {}", user.id(), e.getMessage()));
            }
            return signIn(user);
          }));
        });
  }

  public Future<Tokens> refresh(String refreshToken) {
    if (!RefreshFamilies.wellFormed(refreshToken)) {
      return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("invalid refresh token"));
    }
    return sessions.rotate(refreshToken).compose(r -> switch (r.outcome()) {
      case ROTATE -> users.byId(r.userId()).compose(user -> {
        if (user == null || user.disabled()) {
          return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("this account is disabled"));
        }
        return Future.succeededFuture(pair(user, r.sessionId(), r.next(), r.expiresAt()));
      });
      case REUSE_DETECTED -> endSessions(r.userId(), List.of(r.sessionId())).transform(x -> {
        LOG.warn("refresh token reuse for user {} session {}: the session is revoked", r.userId(), r.sessionId());
        return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("refresh token already used: the session is revoked, sign in again"));
      });
      case REVOKED -> Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("the session of this refresh token has ended"));
      case EXPIRED -> Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("refresh token expired"));
      case UNKNOWN -> Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("invalid refresh token"));
    });
  }

  /**
   * Ends one session: the caller's (access token) or the one a refresh token belongs to. A session that has already
   * ended (signed out, logout-all, a password change, a reused refresh token) is 401, as its tokens are everywhere
   * else (docs/api.md): a second logout with the same token is refused, not answered 204 again.
   */
  public Future<Void> logout(Principal p) {
    return end(p.userId(), p.sessionId());
  }

  public Future<Void> logoutWithRefresh(String refreshToken) {
    if (!RefreshFamilies.wellFormed(refreshToken)) {
      return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("invalid refresh token"));
    }
    return sessions.owner(refreshToken).compose(o -> o == null
        ? Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("invalid refresh token"))
        : end(o.userId(), o.sessionId()));
  }

  private Future<Void> end(String userId, String sessionId) {
    return sessions.revoke(userId, sessionId, "logout").compose(live -> live
        ? endSessions(userId, List.of(sessionId))
        : Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("this session has already ended (signed out)")));
  }

  public Future<Void> logoutAll(Principal p) {
    return sessions.revokeAll(p.userId(), null, "logout-all").compose(ids -> endSessions(p.userId(), ids));
  }

  /**
   * Refuses the sessions' access tokens on every node and closes the user channels opened with them: a signed-out
   * session must stop receiving the user's events too, not only stop making calls. (Disabling a user closes all its
   * channels with its own event and close code.)
   */
  private Future<Void> endSessions(String userId, java.util.Collection<String> sessionIds) {
    return flags.revokeSessions(userId, sessionIds).onSuccess(v -> {
      if (!sessionIds.isEmpty()) {
        bus.publish(Addresses.USER_SESSIONS_REVOKED, new io.chorus.web.SignedIn.SessionsEnded(userId, java.util.Set.copyOf(sessionIds)).json());
      }
    });
  }

  public Future<JsonObject> me(Principal p) {
    return users.require(p.userId()).map(User::privateJson);
  }

  public Future<JsonObject> updateMe(Principal p, String displayName, String bio) {
    if (displayName == null && bio == null) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("nothing to update: send display_name and/or bio"));
    }
    String name;
    String text;
    try {
      name = displayName == null ? null : Profiles.displayName(displayName);
      text = bio == null ? null : Profiles.bio(bio);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return users.updateProfile(p.userId(), name, text).map(this::updated);
  }

  /** Sets the avatar, then runs {@code replaced} on the key of the avatar it replaced, if there was one. */
  public Future<JsonObject> setAvatar(Principal p, String key, java.util.function.Function<String, Future<Void>> replaced) {
    return users.setAvatar(p.userId(), key).compose(c -> (c.replacedKey() == null || c.replacedKey().equals(key)
        ? Future.<Void>succeededFuture() : replaced.apply(c.replacedKey())).map(v -> updated(c.user())));
  }

  /**
   * Needs the old password; revokes every other session of the user. Errors name the body's fields (docs/api.md:
   * {@code old_password}, {@code new_password}): a missing one is invalid_argument before anything is counted.
   */
  public Future<Void> changePassword(Principal p, String oldPassword, String newPassword) {
    List<String> missing = new ArrayList<>();
    if (oldPassword == null || oldPassword.isEmpty()) {
      missing.add("old_password");
    }
    if (newPassword == null || newPassword.isEmpty()) {
      missing.add("new_password");
    }
    if (!missing.isEmpty()) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception(String.join(" and ", missing)
          + (missing.size() == 1 ? " is required" : " are required")));
    }
    return limiter.hit("password-user", p.userId(), config.rateLoginPerUsername(), "password attempts for this account")
        .compose(v -> users.require(p.userId()))
        .compose(user -> {
          String problem = PasswordRules.problem("new_password", newPassword, user.username());
          if (problem != null) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception(problem));
          }
          if (PasswordRules.tooLong(oldPassword)) {
            return Future.failedFuture(ErrorCode.FORBIDDEN.exception("old_password is wrong"));
          }
          return hasher.verify(oldPassword, user.passwordHash()).compose(ok -> ok
              ? hasher.hash(newPassword).compose(h -> users.replaceHash(user.id(), user.passwordHash(), h))
              : Future.failedFuture(ErrorCode.FORBIDDEN.exception("old_password is wrong")));
        })
        .compose(replaced -> replaced ? sessions.revokeAll(p.userId(), p.sessionId(), "password")
            : Future.failedFuture(ErrorCode.CONFLICT.exception("the password changed meanwhile; try again")))
        .compose(ids -> endSessions(p.userId(), ids));
  }

  public Future<JsonObject> publicProfile(String id) {
    return users.byId(id).compose(u -> u == null || u.disabled()
        ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such user")) : Future.succeededFuture(u.publicJson()));
  }

  public Future<JsonObject> search(String q, int limit) {
    // display names are stored in NFC (Profiles): a query typed decomposed ("e" + U+0308) must match "ë" too, and
    // counts as the characters it stands for
    String query = q == null ? null : java.text.Normalizer.normalize(q.strip(), java.text.Normalizer.Form.NFC);
    // characters are code points, as everywhere in docs/api.md's input rules
    if (query == null || query.isBlank() || query.codePointCount(0, query.length()) > 64) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("q must be 1-64 characters"));
    }
    return users.search(query, Math.max(1, Math.min(limit, 50)))
        .map(list -> new JsonObject().put("users", new JsonArray(list.stream().map(User::publicJson).toList())));
  }

  /** The caller, freshly from the database, if an enabled admin; else {@code FORBIDDEN}. */
  public Future<User> requireAdmin(Principal p) {
    return users.byId(p.userId()).compose(u -> u != null && !u.disabled() && u.roles().contains("admin")
        ? Future.succeededFuture(u) : Future.failedFuture(ErrorCode.FORBIDDEN.exception("admin role required")));
  }

  /** {@code roles}: the body's value, checked only once the caller is known to be an admin (403 before any 400). */
  public Future<JsonObject> setRoles(Principal p, String id, Object roles) {
    return requireAdmin(p).compose(a -> {
      if (!(roles instanceof JsonArray list)) {
        return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("roles must be an array"));
      }
      Set<String> set = new LinkedHashSet<>();
      set.add("user");
      for (Object r : list) {
        if (!(r instanceof String s) || !User.ALL_ROLES.contains(s)) {
          return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("roles must be a subset of " + User.ALL_ROLES));
        }
        set.add(s);
      }
      if (p.userId().equals(id) && !set.contains("admin")) {
        return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("an admin cannot remove their own admin role"));
      }
      return users.byId(id).compose(u -> u == null
          ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such user"))
          : users.setRoles(id, new ArrayList<>(set)).map(this::updated));
    });
  }

  /**
   * Disables the user: refresh sessions revoked, access tokens refused at once on every node (Redis
   * flag), {@code chorus.user.disabled} published so gateways close the user's sockets.
   */
  public Future<JsonObject> setDisabled(Principal p, String id, boolean disabled) {
    // who may ask is decided first: a non-admin naming themselves gets 403 like for anyone else
    return requireAdmin(p).compose(a -> p.userId().equals(id)
        ? Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("an admin cannot disable or enable themselves"))
        : users.byId(id)).compose(u -> u == null
        ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such user"))
        : users.setDisabled(id, disabled)).compose(u -> {
          if (!disabled) {
            return flags.enableUser(id).map(v -> updated(u));
          }
          // each session's own flag too: enabling the user again lifts the user's flag, and the access tokens of
          // the sessions revoked here must stay refused as after a sign-out
          return flags.disableUser(id).compose(v -> sessions.revokeAll(id, null, "disabled")).compose(ids -> flags.revokeSessions(id, ids)).map(v -> {
            bus.publish(Addresses.USER_DISABLED, new JsonObject().put("user_id", id));
            return updated(u);
          });
        });
  }

  /** Creates {@code username} as an admin, or makes the existing user an admin (its password unchanged). */
  public Future<User> ensureAdmin(String username, String password) {
    Usernames.Result u = Usernames.normalise(username);
    if (!u.ok()) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception(u.problem()));
    }
    return users.byUsername(u.username()).compose(existing -> {
      if (existing == null) {
        String problem = PasswordRules.problem(password, u.username());
        if (problem != null) {
          return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception(problem));
        }
        return hasher.hash(password).compose(h -> users.insert(u.username(), u.username(), h, List.of("user", "admin")))
            .onSuccess(c -> events.publish(UserEvents.CREATED, c))
            .recover(e -> e instanceof ChorusException ce && ce.code() == ErrorCode.ALREADY_EXISTS
                ? users.byUsername(u.username()) : Future.failedFuture(e));   // another node created it meanwhile
      }
      if (existing.roles().contains("admin")) {
        return Future.succeededFuture(existing);
      }
      List<String> roles = new ArrayList<>(existing.roles());
      roles.add("admin");
      return users.setRoles(existing.id(), roles).onSuccess(x -> events.publish(UserEvents.UPDATED, x));
    });
  }

  private JsonObject updated(User u) {
    events.publish(UserEvents.UPDATED, u);
    return u.privateJson();
  }

  private Future<Tokens> signIn(User user) {
    return sessions.start(user.id()).map(s -> pair(user, s.sessionId(), s.refreshToken(), s.expiresAt()));
  }

  private Tokens pair(User user, String sessionId, String refreshToken, java.time.Instant refreshExpiresAt) {
    return new Tokens(new JsonObject().put("user", user.privateJson())
        .put("access_token", tokens.issue(user.id(), user.username(), user.roles(), sessionId))
        .put("refresh_token", refreshToken).put("token_type", "Bearer").put("expires_in", tokens.ttlSeconds()), refreshExpiresAt);
  }
}

package io.chorus.accounts;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Access JWTs (HS256, {@code kid} header, issuer {@code chorus}, {@code typ} claim {@code access}) and their
 * verification for every transport: the HTTP routes call {@link #verifyToken} with the token of an
 * {@code Authorization: Bearer} header ({@link io.chorus.web.Bearer#token}) or of a query parameter; the bridge,
 * gRPC and other features call {@link #verify(String)} with a bare token or a Bearer value. A verified token is also checked
 * against the Redis revocation flags, so disabling a user or logging a session out takes effect on every
 * node at once.
 */
public final class AccessTokens {
  public static final String ISSUER = "chorus";
  /** Tokens larger than this are refused unread. */
  private static final int MAX_TOKEN_CHARS = 8192;
  private static final Pattern SEGMENTS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final JWTAuth jwt;
  private final JWTAuth signer;
  private final JwtKeys keys;
  private final int ttlSeconds;
  private final RevocationFlags flags;

  public AccessTokens(Vertx vertx, JwtKeys keys, int ttlSeconds, RevocationFlags flags) {
    // signing has its own provider with the current key only: with several keys of one algorithm,
    // vertx-auth-jwt may sign with any of them (a retired key included)
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(keys.secret()).setId(keys.kid())));
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions().setIssuer(ISSUER).setLeeway(5));
    for (Map.Entry<String, String> k : keys.verifyKeys().entrySet()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(k.getValue()).setId(k.getKey()));
    }
    this.jwt = JWTAuth.create(vertx, options);
    this.keys = keys;
    this.ttlSeconds = ttlSeconds;
    this.flags = flags;
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  public String issue(String userId, String username, List<String> roles, String sessionId) {
    JsonObject claims = new JsonObject().put("typ", "access").put("name", username).put("roles", new JsonArray(roles)).put("sid", sessionId);
    return signer.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setIssuer(ISSUER).setSubject(userId)
        .setExpiresInSeconds(ttlSeconds).setHeader(new JsonObject().put("kid", keys.kid())));
  }

  /** Null while the user is enabled and the session not revoked, else which of the two happened. */
  public Future<io.chorus.web.SignedIn.Ended> ended(String userId, String sessionId) {
    return flags.ended(userId, sessionId);
  }

  /**
   * Verifies {@code "Bearer <jwt>"} or a bare JWT (the bridge's headers, gRPC {@code ValidateToken}, the
   * {@code SignedIn.Verifier}); fails with {@code UNAUTHENTICATED} for anything else. An HTTP {@code Authorization}
   * header is read with {@link io.chorus.web.Bearer#token} and its token given to {@link #verifyToken}.
   */
  public Future<Principal> verify(String bearerOrToken) {
    return verifyToken(strip(bearerOrToken));
  }

  /** Verifies an access JWT as it is (no scheme stripped); fails with {@code UNAUTHENTICATED}. */
  public Future<Principal> verifyToken(String token) {
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("missing access token"));
    }
    if (token.length() > MAX_TOKEN_CHARS || !wellFormed(token)) {
      return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("malformed access token"));
    }
    return authenticate(token)
        .recover(e -> Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("invalid or expired access token")))
        .compose(user -> {
          // vertx-auth moves the time claims (exp, iat) out of the principal into the user's attributes
          Long exp = user.principal().getLong("exp", user.attributes().getLong("exp"));
          Principal p = exp == null ? null : principal(user.principal(), exp);
          if (p == null) {
            return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("not an access token"));
          }
          return flags.revoked(p.userId(), p.sessionId()).compose(revoked -> revoked
              ? Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("access token revoked (signed out or account disabled)"))
              : Future.succeededFuture(p));
        });
  }

  /**
   * vertx-auth-jwt's check of a validly signed token, failed instead of thrown: it reads the time claims as numbers
   * and throws (ClassCastException) for an {@code exp} or {@code iat} of another JSON type, which answered 500.
   */
  private Future<io.vertx.ext.auth.User> authenticate(String token) {
    try {
      return jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Three non-empty segments of unpadded base64url, the signature in its one canonical spelling (the unused low
   * bits of its last character zero), as {@link #issue} writes them. vertx-auth-jwt's decoder is lenient: a token
   * with a trailing {@code =} or with those unused bits set verified too, so one token had several spellings.
   * Checked here, before the signature, for every transport.
   */
  static boolean wellFormed(String token) {
    if (!SEGMENTS.matcher(token).matches()) {
      return false;
    }
    String signature = token.substring(token.lastIndexOf('.') + 1);
    try {
      return B64URL.encodeToString(Base64.getUrlDecoder().decode(signature)).equals(signature);
    } catch (IllegalArgumentException e) {
      return false;   // a length no bytes encode to (4n + 1 characters)
    }
  }

  static String strip(String value) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    if (v.regionMatches(true, 0, "Bearer", 0, 6) && (v.length() == 6 || Character.isWhitespace(v.charAt(6)))) {
      v = v.substring(6).strip();
    }
    return v.isEmpty() ? null : v;
  }

  /**
   * The principal of a verified token, or null when a claim is missing or of another JSON type than {@link #issue}
   * writes ({@code getString} would turn an array {@code sid} into its JSON text): such a token is refused.
   */
  private static Principal principal(JsonObject c, long exp) {
    try {
      if (!"access".equals(c.getValue("typ")) || !ISSUER.equals(c.getValue("iss"))
          || !(c.getValue("sub") instanceof String sub) || !(c.getValue("sid") instanceof String sid)
          || !(c.getValue("name") instanceof String name)) {
        return null;
      }
      java.util.UUID.fromString(sub);
      JsonArray roles = c.getJsonArray("roles", new JsonArray());
      if (!roles.stream().allMatch(String.class::isInstance)) {
        return null;
      }
      List<String> list = roles.stream().map(String.class::cast).toList();
      return new Principal(sub, name, list, sid, exp);
    } catch (RuntimeException e) {
      return null;
    }
  }
}

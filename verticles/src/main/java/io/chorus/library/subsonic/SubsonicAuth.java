package io.chorus.library.subsonic;

import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * OpenSubsonic authentication: {@code apiKey} (the apiKeyAuthentication extension), or {@code u} with
 * {@code t}+{@code s} (token = md5(secret + salt)) or {@code p} (plain or {@code enc:}hex), where the
 * secret is one of the user's app passwords — never the account password, which Chorus only keeps as an
 * Argon2id hash and which a token would otherwise expose to an MD5 dictionary attack.
 */
final class SubsonicAuth {
  private final Pool pg;
  private final SignedIn.Directory users;

  SubsonicAuth(Pool pg, SignedIn.Directory users) {
    this.pg = pg;
    this.users = users;
  }

  Future<SignedIn> authenticate(String u, String p, String t, String s, String apiKey) {
    if (apiKey != null) {
      if (u != null || p != null || t != null) {
        return fail(SubsonicResponse.CONFLICTING_AUTH, "Multiple conflicting authentication mechanisms provided");
      }
      return pg.preparedQuery("SELECT user_id FROM subsonic_credentials WHERE kind = 'api_key' AND secret = $1")
          .execute(Tuple.of(sha256(apiKey)))
          .compose(rows -> rows.size() == 0 ? fail(SubsonicResponse.INVALID_API_KEY, "Invalid API key")
              : users.byId(rows.iterator().next().getUUID(0).toString())
                  .compose(user -> user == null ? fail(SubsonicResponse.INVALID_API_KEY, "Invalid API key") : Future.succeededFuture(user)));
    }
    if (u == null || u.isEmpty()) {
      return fail(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: u");
    }
    if (t == null && p == null) {
      return fail(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: t and s, p or apiKey");
    }
    if (t != null && (s == null || s.isEmpty())) {
      return fail(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: s");
    }
    String plain = p == null ? null : decodePassword(p);
    return users.byUsername(u).compose(user -> {
      if (user == null) {
        return fail(SubsonicResponse.WRONG_CREDENTIALS, "Wrong username or password");
      }
      return pg.preparedQuery("SELECT secret FROM subsonic_credentials WHERE user_id = $1 AND kind = 'app_password'")
          .execute(Tuple.of(UUID.fromString(user.userId())))
          .compose(rows -> {
            for (Row row : rows) {
              String secret = row.getString(0);
              boolean match = t != null ? tokenMatches(secret, s, t) : plain != null && constantTimeEquals(secret, plain);
              if (match) {
                return Future.succeededFuture(user);
              }
            }
            return fail(SubsonicResponse.WRONG_CREDENTIALS, "Wrong username or password");
          });
    });
  }

  static boolean tokenMatches(String secret, String salt, String token) {
    return constantTimeEquals(md5Hex(secret + salt), token.toLowerCase(java.util.Locale.ROOT));
  }

  /** {@code enc:} followed by the hex of the UTF-8 bytes, as old clients send; else the password itself. */
  static String decodePassword(String p) {
    if (p.startsWith("enc:")) {
      try {
        return new String(HexFormat.of().parseHex(p.substring(4)), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return p;
  }

  static String md5Hex(String s) {
    return digest("MD5", s);
  }

  static String sha256(String s) {
    return digest("SHA-256", s);
  }

  private static String digest(String algorithm, String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is missing from the JDK", e);
    }
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static <T> Future<T> fail(int code, String message) {
    return Future.failedFuture(SubsonicResponse.failure(code, message));
  }
}

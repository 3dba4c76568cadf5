package io.chorus.accounts;

import io.chorus.config.Parse;

import io.chorus.config.ConfigException;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of the accounts feature (issue 16), read from the flat environment-named configuration.
 *
 * @param jwtSecret        HS256 signing secret; empty: a key generated once under {@code dataDir}
 *                         and shared by every node that shares the directory (development only)
 * @param jwtKid           the {@code kid} header of tokens signed with {@code jwtSecret}
 * @param jwtPreviousKeys  kid to secret of retired keys still accepted for verification (rotation)
 * @param rateWindowSeconds window of the login/register limits; a limit of 0 disables it
 * @param userSocketsPerNode {@code /ws/user} sockets one user may hold open on one node (all its gateway instances)
 */
public record AccountsConfig(
    boolean production,
    Path dataDir,
    String jwtSecret,
    String jwtKid,
    Map<String, String> jwtPreviousKeys,
    int accessTokenTtlSeconds,
    int refreshTokenTtlDays,
    String adminUsername,
    String adminPassword,
    int argon2MemoryKib,
    int argon2Iterations,
    int argon2Parallelism,
    int passwordHashPoolSize,
    int rateWindowSeconds,
    int rateLoginPerIp,
    int rateLoginPerUsername,
    int rateRegisterPerIp,
    int avatarMaxBytes,
    int presenceHeartbeatSeconds,
    int presenceNodeTtlSeconds,
    int userSocketsPerNode,
    String userEventsTopic) {

  /** OWASP's minimum for Argon2id: 19 MiB and two passes. */
  public static final int MIN_MEMORY_KIB = 19 * 1024;
  public static final int MIN_ITERATIONS = 2;

  public static AccountsConfig from(JsonObject json) {
    Parse r = new Parse(json);
    boolean production = "production".equalsIgnoreCase(r.string("APP_ENV"));
    String secret = r.string("JWT_SECRET");
    if (!secret.isEmpty() && secret.length() < 32) {
      throw new ConfigException("JWT_SECRET", "must be at least 32 characters (HS256 key)");
    }
    if (production && secret.isEmpty()) {
      throw new ConfigException("JWT_SECRET", "is required when APP_ENV=production (the generated key is for development)");
    }
    String kid = r.string("JWT_KID");
    if (!kid.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new ConfigException("JWT_KID", "must be 1-64 characters of [A-Za-z0-9_.-], got '" + kid + "'");
    }
    Map<String, String> previous = new LinkedHashMap<>();
    for (String pair : r.string("JWT_PREVIOUS_KEYS").split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0 || pair.length() - eq - 1 < 32) {
        throw new ConfigException("JWT_PREVIOUS_KEYS", "expected kid=secret[,kid=secret...] with secrets of at least 32 characters");
      }
      previous.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    String adminUser = r.string("ADMIN_USERNAME");
    String adminPassword = r.string("ADMIN_PASSWORD");
    if (!adminUser.isEmpty() && adminPassword.isEmpty()) {
      throw new ConfigException("ADMIN_PASSWORD", "is required when ADMIN_USERNAME is set");
    }
    if (!adminUser.isEmpty()) {
      Usernames.Result u = Usernames.normalise(adminUser);
      if (!u.ok()) {
        throw new ConfigException("ADMIN_USERNAME", u.problem());
      }
      String pw = PasswordRules.problem(adminPassword, u.username());
      if (pw != null) {
        throw new ConfigException("ADMIN_PASSWORD", pw);
      }
    }
    int ttl = r.intIn("ACCESS_TOKEN_TTL_SECONDS", 10, 86_400);
    int heartbeat = r.intIn("PRESENCE_HEARTBEAT_SECONDS", 1, 60);
    int nodeTtl = r.intIn("PRESENCE_NODE_TTL_SECONDS", 2, 300);
    if (nodeTtl <= heartbeat) {
      throw new ConfigException("PRESENCE_NODE_TTL_SECONDS", "must exceed PRESENCE_HEARTBEAT_SECONDS (" + heartbeat + ")");
    }
    return new AccountsConfig(production, Path.of(r.string("CHORUS_DATA_DIR")), secret, kid, Map.copyOf(previous), ttl,
        r.intIn("REFRESH_TOKEN_TTL_DAYS", 1, 3650), adminUser, adminPassword,
        r.intIn("ARGON2_MEMORY_KIB", MIN_MEMORY_KIB, 4 * 1024 * 1024), r.intIn("ARGON2_ITERATIONS", MIN_ITERATIONS, 100),
        r.intIn("ARGON2_PARALLELISM", 1, 64), r.intIn("PASSWORD_HASH_POOL_SIZE", 1, 256),
        r.intIn("AUTH_RATE_WINDOW_SECONDS", 1, 86_400), r.intIn("RATE_LIMIT_LOGIN", 0, 1_000_000),
        r.intIn("RATE_LIMIT_LOGIN_PER_USERNAME", 0, 1_000_000), r.intIn("RATE_LIMIT_REGISTER", 0, 1_000_000),
        r.intIn("AVATAR_MAX_BYTES", 1024, 50 * 1024 * 1024), heartbeat, nodeTtl, r.intIn("USER_SOCKETS_PER_NODE", 1, 10_000),
        r.topic("USER_EVENTS_TOPIC"));
  }

  /** The accounts record of a node's configuration (parsed from its source; the platform config does not know it). */
  public static AccountsConfig of(io.chorus.config.ChorusConfig config) {
    return from(config.source());
  }
}

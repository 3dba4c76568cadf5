package io.chorus.accounts;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The users table (parameterised SQL only). */
public final class UserRepo {
  private static final String COLUMNS = "id, username, display_name, bio, avatar_key, roles, disabled, password_hash, created_at, updated_at";

  private final Pool pg;

  public UserRepo(Pool pg) {
    this.pg = pg;
  }

  /** Inserts a new user; a taken username fails with {@code ALREADY_EXISTS}. */
  public Future<User> insert(String username, String displayName, String passwordHash, List<String> roles) {
    return pg.preparedQuery("INSERT INTO users (id, username, display_name, password_hash, roles) VALUES ($1, $2, $3, $4, $5) RETURNING " + COLUMNS)
        .execute(Tuple.of(UUID.randomUUID(), username, displayName, passwordHash, roles.toArray(new String[0])))
        .recover(e -> e instanceof PgException pe && "23505".equals(pe.getSqlState())
            ? Future.failedFuture(ErrorCode.ALREADY_EXISTS.exception("username is taken"))
            : Future.failedFuture(e))
        .map(UserRepo::one);
  }

  public Future<User> byId(String id) {
    UUID uuid = uuidOrNull(id);
    if (uuid == null) {
      return Future.succeededFuture(null);
    }
    return pg.preparedQuery("SELECT " + COLUMNS + " FROM users WHERE id = $1").execute(Tuple.of(uuid)).map(UserRepo::oneOrNull);
  }

  /** Whether {@code id} is an account's, enabled or not: one lookup by the primary key. */
  public Future<Boolean> exists(String id) {
    UUID uuid = uuidOrNull(id);
    if (uuid == null) {
      return Future.succeededFuture(false);
    }
    return pg.preparedQuery("SELECT 1 FROM users WHERE id = $1").execute(Tuple.of(uuid)).map(rows -> rows.size() > 0);
  }

  /** The user or a {@code NOT_FOUND} failure. */
  public Future<User> require(String id) {
    return byId(id).compose(u -> u == null ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such user")) : Future.succeededFuture(u));
  }

  public Future<User> byUsername(String normalised) {
    return pg.preparedQuery("SELECT " + COLUMNS + " FROM users WHERE username = $1").execute(Tuple.of(normalised)).map(UserRepo::oneOrNull);
  }

  /**
   * {@link #search}'s statement ({@code $1} the LIKE pattern, {@code $2} the limit); its prefixes use the indexes
   * idx_users_username_pattern and idx_users_display_name_lower.
   */
  static final String SEARCH = "SELECT " + COLUMNS + " FROM users WHERE NOT disabled AND (username LIKE $1 OR "
      + io.chorus.input.SqlLower.of("display_name") + " LIKE $1) ORDER BY username LIMIT $2";

  /** Enabled users whose username or display name starts with {@code prefix} (case-insensitive). */
  public Future<List<User>> search(String prefix, int limit) {
    String like = prefix.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    return pg.preparedQuery(SEARCH).execute(Tuple.of(like, limit)).map(UserRepo::all);
  }

  public Future<User> updateProfile(String id, String displayName, String bio) {
    return pg.preparedQuery("UPDATE users SET display_name = COALESCE($2, display_name), bio = COALESCE($3, bio), updated_at = NOW()"
            + " WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(UUID.fromString(id), displayName, bio)).map(UserRepo::one);
  }

  /** The user with its new avatar and the key it replaced (null if none). */
  public record AvatarChange(User user, String replacedKey) {
  }

  /**
   * Sets the avatar and answers the key it replaced, read under the row's lock: of two concurrent uploads each
   * learns the key the other one (or the earlier avatar) held, so every replaced object is named exactly once.
   */
  public Future<AvatarChange> setAvatar(String id, String key) {
    return pg.preparedQuery("UPDATE users SET avatar_key = $2, updated_at = NOW()"
            + " FROM (SELECT id AS old_id, avatar_key AS old_key FROM users WHERE id = $1 FOR UPDATE) o"
            + " WHERE users.id = o.old_id RETURNING o.old_key, " + COLUMNS)
        .execute(Tuple.of(UUID.fromString(id), key)).map(rows -> {
          Row r = rows.iterator().next();
          return new AvatarChange(User.of(r), r.getString("old_key"));
        });
  }

  /** Replaces the hash only if it is still {@code expected} (a concurrent change wins). */
  public Future<Boolean> replaceHash(String id, String expected, String hash) {
    return pg.preparedQuery("UPDATE users SET password_hash = $3, updated_at = NOW() WHERE id = $1 AND password_hash = $2")
        .execute(Tuple.of(UUID.fromString(id), expected, hash)).map(r -> r.rowCount() == 1);
  }

  public Future<User> setRoles(String id, List<String> roles) {
    return pg.preparedQuery("UPDATE users SET roles = $2, updated_at = NOW() WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addUUID(UUID.fromString(id)).addArrayOfString(roles.toArray(new String[0]))).map(UserRepo::oneOrNull);
  }

  public Future<User> setDisabled(String id, boolean disabled) {
    return pg.preparedQuery("UPDATE users SET disabled = $2, updated_at = NOW() WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(UUID.fromString(id), disabled)).map(UserRepo::oneOrNull);
  }

  /**
   * A user id as stored and as every token's {@code sub}, Redis key and bus message names it: the UUID's lower-case
   * form, whatever the letter case it came in. A string that is no UUID comes back as it is (it names no user,
   * so its look-ups answer 404). Ids from clients go through this once, before anything compares or keys by them.
   */
  static String canonicalId(String id) {
    UUID uuid = uuidOrNull(id);
    return uuid == null ? id : uuid.toString();
  }

  static UUID uuidOrNull(String id) {
    try {
      return id == null ? null : UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static User one(RowSet<Row> rows) {
    return User.of(rows.iterator().next());
  }

  private static User oneOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : User.of(rows.iterator().next());
  }

  static List<User> all(RowSet<Row> rows) {
    List<User> list = new ArrayList<>();
    rows.forEach(r -> list.add(User.of(r)));
    return list;
  }
}

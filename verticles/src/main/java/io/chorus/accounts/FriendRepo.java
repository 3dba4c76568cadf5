package io.chorus.accounts;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Friend requests and friendships (each friendship stored in both directions). */
public final class FriendRepo {
  private static final String USER_COLUMNS = "u.id, u.username, u.display_name, u.bio, u.avatar_key, u.roles, u.disabled, u.password_hash,"
      + " u.created_at, u.updated_at";

  /** The first key of the friend-pair advisory locks ("frnd"): apart from every other advisory lock of the schema. */
  private static final int PAIR_LOCK = 0x66726e64;

  private final Pool pg;

  public FriendRepo(Pool pg) {
    this.pg = pg;
  }

  public enum RequestResult { PENDING, ACCEPTED }

  /**
   * A request from {@code from} to {@code to}. If {@code to} already asked {@code from}, this accepts
   * it. Friends already, or asked already: {@code ALREADY_EXISTS}.
   */
  public Future<RequestResult> request(String from, String to) {
    UUID a = UUID.fromString(from);
    UUID b = UUID.fromString(to);
    return pg.withTransaction(c -> lockPair(c, a, b)
        .compose(locked -> c.preparedQuery("SELECT 1 FROM friendships WHERE user_id = $1 AND friend_id = $2").execute(Tuple.of(a, b)))
        .compose(f -> {
          if (f.size() > 0) {
            return Future.failedFuture(ErrorCode.ALREADY_EXISTS.exception("already friends"));
          }
          return c.preparedQuery("DELETE FROM friend_requests WHERE from_user = $1 AND to_user = $2").execute(Tuple.of(b, a))
              .compose(reverse -> reverse.rowCount() == 1
                  ? befriend(c, a, b).map(RequestResult.ACCEPTED)
                  : c.preparedQuery("INSERT INTO friend_requests (from_user, to_user) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                      .execute(Tuple.of(a, b)).compose(ins -> ins.rowCount() == 1 ? Future.succeededFuture(RequestResult.PENDING)
                          : Future.failedFuture(ErrorCode.ALREADY_EXISTS.exception("friend request already sent"))));
        }));
  }

  /** {@code me} accepts the request of {@code from}; no such request: {@code NOT_FOUND}. */
  public Future<Void> accept(String me, String from) {
    UUID a = UUID.fromString(me);
    UUID b = UUID.fromString(from);
    return pg.withTransaction(c -> lockPair(c, a, b)
        .compose(locked -> c.preparedQuery("DELETE FROM friend_requests WHERE from_user = $1 AND to_user = $2").execute(Tuple.of(b, a)))
        .compose(d -> d.rowCount() == 1 ? befriend(c, a, b) : Future.failedFuture(ErrorCode.NOT_FOUND.exception("no friend request from this user"))));
  }

  /** Deletes the request between the two in the given direction; false when there was none. */
  public Future<Boolean> deleteRequest(String from, String to) {
    return pg.preparedQuery("DELETE FROM friend_requests WHERE from_user = $1 AND to_user = $2")
        .execute(Tuple.of(UUID.fromString(from), UUID.fromString(to))).map(r -> r.rowCount() == 1);
  }

  public Future<Boolean> unfriend(String me, String friend) {
    UUID a = UUID.fromString(me);
    UUID b = UUID.fromString(friend);
    return pg.preparedQuery("DELETE FROM friendships WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)")
        .execute(Tuple.of(a, b)).map(r -> r.rowCount() > 0);
  }

  /**
   * The enabled friends of {@code me}. A disabled account is hidden from the others, as everywhere else (profile,
   * user search, search), but its friendships stay, so enabling it again brings them back.
   */
  public Future<List<User>> friends(String me) {
    return pg.preparedQuery("SELECT " + USER_COLUMNS + " FROM friendships f JOIN users u ON u.id = f.friend_id"
            + " WHERE f.user_id = $1 AND NOT u.disabled ORDER BY u.username")
        .execute(Tuple.of(UUID.fromString(me))).map(UserRepo::all);
  }

  /**
   * Who hears of {@code me}'s presence: the enabled friends (a disabled one has no channel to hear on). While
   * {@code me} is disabled, nobody unless {@code evenIfDisabled}: a disabled account never shows as online, but
   * its going offline (its sockets closed when it was disabled) still reaches the friends who saw it online.
   */
  public Future<List<String>> presenceAudience(String me, boolean evenIfDisabled) {
    return pg.preparedQuery("SELECT f.friend_id FROM friendships f JOIN users u ON u.id = f.friend_id JOIN users m ON m.id = f.user_id"
            + " WHERE f.user_id = $1 AND NOT u.disabled AND ($2 OR NOT m.disabled)")
        .execute(Tuple.of(UUID.fromString(me), evenIfDisabled)).map(rows -> {
      List<String> ids = new ArrayList<>();
      rows.forEach(r -> ids.add(r.getUUID(0).toString()));
      return ids;
    });
  }

  public Future<Boolean> areFriends(String a, String b) {
    return pg.preparedQuery("SELECT 1 FROM friendships WHERE user_id = $1 AND friend_id = $2")
        .execute(Tuple.of(UUID.fromString(a), UUID.fromString(b))).map(r -> r.size() > 0);
  }

  /**
   * Requests to {@code me} (incoming) or from {@code me} (outgoing), with the other user; those of a disabled other
   * user are hidden (and cannot be accepted) but kept.
   */
  public Future<List<User>> requests(String me, boolean incoming) {
    String sql = incoming
        ? "SELECT " + USER_COLUMNS + " FROM friend_requests r JOIN users u ON u.id = r.from_user WHERE r.to_user = $1 AND NOT u.disabled ORDER BY r.created_at"
        : "SELECT " + USER_COLUMNS + " FROM friend_requests r JOIN users u ON u.id = r.to_user WHERE r.from_user = $1 AND NOT u.disabled ORDER BY r.created_at";
    return pg.preparedQuery(sql).execute(Tuple.of(UUID.fromString(me))).map(UserRepo::all);
  }

  /**
   * Serialises the request and accept transactions of one pair of users, whichever of the two sends them. Without it
   * two crossing requests sent at once each looked for the other's (uncommitted, so unseen) request, found none, and
   * both stayed pending. A transaction-scoped advisory lock, keyed by the pair in canonical order (so both directions
   * take the same lock, and no two locks are ever held at once: no deadlock); the key's first half names this use,
   * the second is a hash of the pair (a collision only makes two pairs wait for each other briefly).
   */
  private static Future<Void> lockPair(io.vertx.sqlclient.SqlConnection c, UUID a, UUID b) {
    String pair = a.compareTo(b) < 0 ? a + "/" + b : b + "/" + a;
    return c.preparedQuery("SELECT pg_advisory_xact_lock($1, hashtext($2))").execute(Tuple.of(PAIR_LOCK, pair)).mapEmpty();
  }

  private static Future<Void> befriend(io.vertx.sqlclient.SqlConnection c, UUID a, UUID b) {
    return c.preparedQuery("INSERT INTO friendships (user_id, friend_id) VALUES ($1, $2), ($2, $1) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(a, b)).mapEmpty();
  }
}

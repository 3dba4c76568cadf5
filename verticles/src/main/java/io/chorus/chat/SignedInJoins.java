package io.chorus.chat;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.infra.LuaScript;
import io.chorus.web.Bearer;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * REST room joins by a signed-in user ({@code Authorization: Bearer <access JWT>}, issue 16): the join
 * itself is the anonymous one (a participant id and token as usual), and the account is recorded on the
 * participant's row ({@code room_participants.user_id}) and answered as {@code participant.user_id}.
 * Participant tokens have two dot-separated parts, access JWTs three, so the header says which it is.
 * One account's joins of one room run one at a time across the cluster (a Redis lock per room and account): the
 * lookup of its participant, the join and the recording of the user id are three steps, and two first joins at once
 * (a browser that sends its join twice, or two tabs) would otherwise both find none and make two participants.
 */
final class SignedInJoins {
  /** How long a join may hold its lock before another may take it (a node that died mid-join). */
  static final long LOCK_MS = 10_000;
  /** Between attempts to take a held lock; a join takes a few milliseconds. */
  static final long RETRY_MS = 20;

  private final SignedIn.Verifier tokens;
  private final Pool pg;
  private final RedisAPI redis;
  private final LuaScript unlock;
  private final Vertx vertx;

  public SignedInJoins(SignedIn.Verifier tokens, Pool pg, RedisAPI redis, Vertx vertx) {
    this.tokens = tokens;
    this.pg = pg;
    this.redis = redis;
    this.unlock = new LuaScript(redis, "lua/unlock.lua");
    this.vertx = vertx;
  }

  /** True when the request's {@code Authorization} carries an access JWT rather than a participant token. */
  public static boolean carriesUser(String authorization) {
    return Bearer.isJwt(Bearer.jwt(authorization, null));
  }

  /**
   * Verifies the caller and runs {@code join} (which answers {@code {room, participant, token}}) with the participant
   * the account already has in the room — the newest it joined as, present or left — or null when it has none (a new
   * one is made), then records the user id. So the same access token re-joins as the same participant (idempotent, also
   * after leaving). An {@code X-Participant-ID} ({@code proposedId}) naming another id than that participant is refused.
   */
  public Future<JsonObject> join(String authorization, String roomId, String proposedId,
                                 BiFunction<SignedIn, String, Future<JsonObject>> join) {
    return tokens.verify(authorization).compose(p -> oneAtATime(roomId, p.userId(), () -> ownParticipant(roomId, p.userId()).compose(own -> {
      if (own != null && proposedId != null && !proposedId.equals(own)) {
        return Future.failedFuture(new ChorusException(ErrorCode.FORBIDDEN,
            "this account is participant " + own + " in this room: join without X-Participant-ID or with that id"));
      }
      return join.apply(p, own).compose(answer -> {
        JsonObject participant = answer.getJsonObject("participant");
        String pid = participant.getString("participant_id");
        return pg.preparedQuery("UPDATE room_participants SET user_id = $3 WHERE room_id = $1 AND participant_id = $2 AND left_at IS NULL")
            .execute(Tuple.of(roomId, pid, UUID.fromString(p.userId())))
            .map(r -> {
              participant.put("user_id", p.userId());
              return answer;
            });
      });
    })));
  }

  /**
   * Runs {@code work} holding the lock of this account's joins of this room, released however the work ends: compose
   * fails the future when the work throws, and the release deletes the lock only for its holder (a no-op when the
   * lock was never taken).
   */
  private <T> Future<T> oneAtATime(String roomId, String userId, Supplier<Future<T>> work) {
    String key = "chat:room:{" + roomId + "}:joining:" + userId;
    String holder = UUID.randomUUID().toString();
    long deadline = System.currentTimeMillis() + LOCK_MS;
    return lock(key, holder, deadline).compose(v -> work.get())
        .eventually(() -> unlock.run(List.of(key), List.of(holder)).otherwiseEmpty());
  }

  private Future<Void> lock(String key, String holder, long deadline) {
    return redis.set(List.of(key, holder, "NX", "PX", Long.toString(LOCK_MS))).recover(LuaScript::mapError).compose(taken -> {
      if (taken != null) {
        return Future.succeededFuture();
      }
      if (System.currentTimeMillis() >= deadline) {
        return Future.failedFuture(new ChorusException(ErrorCode.UNAVAILABLE, "another join of this account to this room is still running: try again"));
      }
      Promise<Void> retried = Promise.promise();
      vertx.setTimer(RETRY_MS, t -> lock(key, holder, deadline).onComplete(retried));
      return retried.future();
    });
  }

  /** The newest participant the account joined {@code roomId} as, present or left; null when none. */
  private Future<String> ownParticipant(String roomId, String userId) {
    return pg.preparedQuery("SELECT participant_id FROM room_participants WHERE room_id = $1 AND user_id = $2 "
            + "ORDER BY joined_at DESC LIMIT 1")
        .execute(Tuple.of(roomId, UUID.fromString(userId)))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("participant_id"));
  }

  /**
   * Null while the account {@link #participantOf} answered for is enabled and its sign-in session {@code sessionId}
   * holds, else which of the two ended since (the verifier's check reads only the account and the session).
   */
  public Future<SignedIn.Ended> ended(String userId, String sessionId) {
    return tokens.ended(new SignedIn(userId, "", 0, List.of(), sessionId));
  }

  /**
   * The caller's participant in {@code roomId}: the newest present one the account joined as (REST join
   * with its JWT). Unauthenticated for a bad JWT; forbidden when the account has not joined the room.
   * Answers {participant id, user id, the JWT's sign-in session id}.
   */
  public Future<String[]> participantOf(String accessToken, String roomId) {
    return tokens.verify(accessToken).compose(p -> pg.preparedQuery(
            "SELECT participant_id FROM room_participants WHERE room_id = $1 AND user_id = $2 AND left_at IS NULL "
                + "ORDER BY joined_at DESC LIMIT 1")
        .execute(Tuple.of(roomId, UUID.fromString(p.userId())))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new ChorusException(ErrorCode.FORBIDDEN,
                "this account has not joined the room: POST /api/v1/rooms/" + roomId + "/join with it first"))
            : Future.succeededFuture(new String[] {rows.iterator().next().getValue(0).toString(), p.userId(), p.sessionId()})));
  }
}

package io.chorus.chat;

import io.chorus.web.Bearer;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;
import java.util.function.Function;

/**
 * REST room joins by a signed-in user ({@code Authorization: Bearer <access JWT>}, issue 16): the join
 * itself is the anonymous one (a participant id and token as usual), and the account is recorded on the
 * participant's row ({@code room_participants.user_id}) and answered as {@code participant.user_id}.
 * Participant tokens have two dot-separated parts, access JWTs three, so the header says which it is.
 */
final class SignedInJoins {
  private final SignedIn.Verifier tokens;
  private final Pool pg;

  public SignedInJoins(SignedIn.Verifier tokens, Pool pg) {
    this.tokens = tokens;
    this.pg = pg;
  }

  /** True when the request's {@code Authorization} carries an access JWT rather than a participant token. */
  public static boolean carriesUser(String authorization) {
    return Bearer.isJwt(Bearer.jwt(authorization, null));
  }

  /** Verifies the caller, runs {@code join} (which answers {@code {room, participant, token}}), records the user id. */
  public Future<JsonObject> join(String authorization, String roomId, Function<SignedIn, Future<JsonObject>> join) {
    return tokens.verify(authorization).compose(p -> join.apply(p).compose(answer -> {
      JsonObject participant = answer.getJsonObject("participant");
      String pid = participant.getString("participant_id");
      return pg.preparedQuery("UPDATE room_participants SET user_id = $3 WHERE room_id = $1 AND participant_id = $2 AND left_at IS NULL")
          .execute(Tuple.of(roomId, pid, UUID.fromString(p.userId())))
          .map(r -> {
            participant.put("user_id", p.userId());
            return answer;
          });
    }));
  }

  /**
   * The caller's participant in {@code roomId}: the newest present one the account joined as (REST join
   * with its JWT). Unauthenticated for a bad JWT; forbidden when the account has not joined the room.
   */
  public Future<String[]> participantOf(String accessToken, String roomId) {
    return tokens.verify(accessToken).compose(p -> pg.preparedQuery(
            "SELECT participant_id FROM room_participants WHERE room_id = $1 AND user_id = $2 AND left_at IS NULL "
                + "ORDER BY joined_at DESC LIMIT 1")
        .execute(Tuple.of(roomId, UUID.fromString(p.userId())))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new io.chorus.bus.ChorusException(io.chorus.bus.ErrorCode.FORBIDDEN,
                "this account has not joined the room: POST /api/v1/rooms/" + roomId + "/join with it first"))
            : Future.succeededFuture(new String[] {rows.iterator().next().getValue(0).toString(), p.userId()})));
  }
}

package io.chorus.room;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's seed /ws sockets opened with an access JWT, by account: the ones an account's disable
 * ({@code chorus.user.disabled}) or the end of their sign-in session ({@code chorus.user.sessions-revoked}) ends.
 * Listed before the socket joins, so that an event that comes while it joins finds it. Event-loop confined.
 */
final class SignedInSockets {
  private final Map<String, Set<RoomFanout.RoomSocket>> byAccount = new HashMap<>();

  void add(String userId, RoomFanout.RoomSocket socket) {
    byAccount.computeIfAbsent(userId, k -> new HashSet<>()).add(socket);
  }

  void remove(String userId, RoomFanout.RoomSocket socket) {
    Set<RoomFanout.RoomSocket> set = byAccount.get(userId);
    if (set != null && set.remove(socket) && set.isEmpty()) {
      byAccount.remove(userId);
    }
  }

  /** The sockets of the account a disable event names (a copy: the caller closes them). */
  List<RoomFanout.RoomSocket> disabledBy(JsonObject body) {
    Set<RoomFanout.RoomSocket> set = body == null ? null : byAccount.get(body.getString("user_id"));
    return set == null ? List.of() : List.copyOf(set);
  }

  /** The sockets opened in the sign-in sessions an event ended (none for a body that is not one). */
  List<RoomFanout.RoomSocket> signedOutBy(JsonObject body) {
    SignedIn.SessionsEnded ended = SignedIn.SessionsEnded.from(body);
    Set<RoomFanout.RoomSocket> set = ended == null ? null : byAccount.get(ended.userId());
    return set == null ? List.of() : set.stream().filter(s -> ended.ends(s.sessionId)).toList();
  }
}

package io.chorus.room;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's wired seed /ws sockets by room and member: the ones the liveness pings go to, and the ones a member's
 * leave through another API ({@code chorus.room.revoked}: REST leave, gRPC LeaveRoom, its node dropped, on any node)
 * ends. Event-loop confined.
 */
final class RoomMembers {
  private final Map<String, Set<RoomFanout.RoomSocket>> members = new HashMap<>();

  private static String key(String roomId, String userId) {
    return roomId + '\n' + userId;
  }

  void add(RoomFanout.RoomSocket socket) {
    members.computeIfAbsent(key(socket.roomId, socket.userId), k -> new HashSet<>()).add(socket);
  }

  void remove(RoomFanout.RoomSocket socket) {
    String key = key(socket.roomId, socket.userId);
    Set<RoomFanout.RoomSocket> set = members.get(key);
    if (set != null && set.remove(socket) && set.isEmpty()) {
      members.remove(key);
    }
  }

  /** Every wired socket, a copy: the caller may close (and so remove) them as it goes. */
  List<RoomFanout.RoomSocket> sockets() {
    List<RoomFanout.RoomSocket> all = new ArrayList<>();
    members.values().forEach(all::addAll);
    return all;
  }

  /**
   * The sockets a {@code chorus.room.revoked} event ends (none for a body that is not one): those of the member that
   * joined before its leave, room_info of a version up to the leave's. A socket that joined again since stays.
   */
  List<RoomFanout.RoomSocket> revokedBy(JsonObject body) {
    Revocation leave = Revocation.of(body);
    Set<RoomFanout.RoomSocket> set = leave == null ? null : members.get(key(leave.roomId(), leave.participantId()));
    if (set == null) {
      return List.of();
    }
    return set.stream().filter(s -> leave.ends(s.infoVersion())).toList();
  }

  /** A member's leave as the bus tells it (RoomService publishes it with the room's version after the leave); one without a version ends every socket of the member. */
  record Revocation(String roomId, String participantId, long version) {
    static Revocation of(JsonObject body) {
      if (body == null || !(body.getValue("room_id") instanceof String roomId) || !(body.getValue("participant_id") instanceof String pid)) {
        return null;
      }
      return new Revocation(roomId, pid, body.getValue("version") instanceof Number n ? n.longValue() : Long.MAX_VALUE);
    }

    /** Whether a socket whose room_info had {@code infoVersion} joined before this leave. */
    boolean ends(long infoVersion) {
      return infoVersion <= version;
    }
  }
}

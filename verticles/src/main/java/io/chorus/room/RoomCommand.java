package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * What can be asked of a room, as typed values: every transport (WebSocket, bridge, REST, gRPC)
 * parses its own wire format into one of these, {@link RoomService#apply} runs it, and
 * {@link RoomClient} carries it over the bus as JSON when the room role runs on another node.
 * {@code node} (create, join, leave) is the node holding the caller's socket, stamped by RoomClient.
 */
public sealed interface RoomCommand {
  String roomId();

  /** {@code maxUsers} 0: {@code MAX_ROOM_USERS}. {@code connect}: the host holds a socket on {@code node}. */
  record Create(String hostId, String hostName, String trackUrl, String title, int maxUsers, String node, boolean connect)
      implements RoomCommand {
    @Override
    public String roomId() {
      return "";
    }
  }

  /** {@code strict}: the caller did not prove the id with its token, so it must be new to the room. */
  record Join(String roomId, String userId, String userName, String node, boolean connect, boolean strict) implements RoomCommand {
  }

  /** {@code disconnectOnly}: one socket closed; the user leaves only when it was its last one. */
  record Leave(String roomId, String userId, String node, boolean disconnectOnly) implements RoomCommand {
  }

  /** {@code actor} empty: a trusted service call. {@code positionMs} below 0: keep the current position. */
  record Control(String roomId, String actor, String action, long positionMs) implements RoomCommand {
  }

  record TransferHost(String roomId, String actor, String newHostId) implements RoomCommand {
  }

  record ChangeTrack(String roomId, String actor, String trackUrl) implements RoomCommand {
  }

  record Get(String roomId) implements RoomCommand {
  }

  /** The room without its member list, plus {@code userId}'s record when it is a member. */
  record Member(String roomId, String userId) implements RoomCommand {
  }

  /** The command as bus JSON: {@code {cmd: <record name>, ...its components}}. */
  static JsonObject toJson(RoomCommand c) {
    JsonObject j = new JsonObject().put("cmd", c.getClass().getSimpleName());
    for (java.lang.reflect.RecordComponent rc : c.getClass().getRecordComponents()) {
      try {
        j.put(rc.getName(), rc.getAccessor().invoke(c));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + rc.getName() + " of " + c, e);
      }
    }
    return j;
  }

  /** The command a bus message carries; INVALID_ARGUMENT for anything else. */
  static RoomCommand fromJson(JsonObject j) {
    if (j == null) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "room command body missing");
    }
    try {
      return switch (j.getString("cmd", "")) {
        case "Create" -> new Create(j.getString("hostId"), j.getString("hostName"), j.getString("trackUrl"), j.getString("title"),
            j.getInteger("maxUsers"), j.getString("node"), j.getBoolean("connect"));
        case "Join" -> new Join(j.getString("roomId"), j.getString("userId"), j.getString("userName"), j.getString("node"),
            j.getBoolean("connect"), j.getBoolean("strict"));
        case "Leave" -> new Leave(j.getString("roomId"), j.getString("userId"), j.getString("node"), j.getBoolean("disconnectOnly"));
        case "Control" -> new Control(j.getString("roomId"), j.getString("actor"), j.getString("action"), j.getLong("positionMs"));
        case "TransferHost" -> new TransferHost(j.getString("roomId"), j.getString("actor"), j.getString("newHostId"));
        case "ChangeTrack" -> new ChangeTrack(j.getString("roomId"), j.getString("actor"), j.getString("trackUrl"));
        case "Get" -> new Get(j.getString("roomId"));
        case "Member" -> new Member(j.getString("roomId"), j.getString("userId"));
        default -> throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "unknown room command '" + j.getValue("cmd") + "'");
      };
    } catch (ClassCastException | NullPointerException e) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "malformed room command: " + e.getMessage());
    }
  }

  /**
   * A client's {@code control} message ({@code {action, position?}}, position in seconds), as the
   * WebSocket and the bridge both take it: the one parser of host controls from browsers.
   */
  static Control control(String roomId, String actor, JsonObject msg) {
    Object action = msg == null ? null : msg.getValue("action");
    Object position = msg == null ? null : msg.getValue("position");
    if (!(action instanceof String a) || (position != null && !(position instanceof Number))) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT,
          "control needs 'action' (play|pause|seek) and a numeric 'position' in seconds");
    }
    long positionMs = position == null ? -1 : Math.round(((Number) position).doubleValue() * 1000);
    if (position != null && positionMs < 0) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "position must be >= 0");
    }
    return new Control(roomId, actor, a, positionMs);
  }
}

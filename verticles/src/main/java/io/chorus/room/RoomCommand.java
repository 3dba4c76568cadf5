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

  /**
   * {@code maxUsers} 0: {@code MAX_ROOM_USERS}. {@code connect}: the host holds a socket on {@code node}.
   * {@code trackId}: a library track (empty: none), resolved by the node's {@link TrackResolver}.
   */
  record Create(String hostId, String hostName, String trackUrl, String title, int maxUsers, String node, boolean connect,
                String trackId, String account) implements RoomCommand {
    public Create {
      account = account == null ? "" : account;
    }

    public Create(String hostId, String hostName, String trackUrl, String title, int maxUsers, String node, boolean connect) {
      this(hostId, hostName, trackUrl, title, maxUsers, node, connect, "");
    }

    public Create(String hostId, String hostName, String trackUrl, String title, int maxUsers, String node, boolean connect,
                  String trackId) {
      this(hostId, hostName, trackUrl, title, maxUsers, node, connect, trackId, "");
    }

    /** The host is the signed-in account the caller proved ({@link Join#bound}). */
    public boolean bound() {
      return !account.isEmpty() && account.equals(hostId);
    }

    @Override
    public String roomId() {
      return "";
    }
  }

  /**
   * {@code strict}: the caller did not prove the id with its token, so it must be new to the room. {@code account}: the
   * account the caller is signed in as (its access JWT proved it), "" for none; a command whose id is that account's is
   * {@link #bound} (room.lua marks the member so, and such a join never merges into a member that is not).
   * {@link RoomClient} refuses an unbound create or strict join whose id is an account's (FORBIDDEN).
   */
  record Join(String roomId, String userId, String userName, String node, boolean connect, boolean strict, String account)
      implements RoomCommand {
    public Join {
      account = account == null ? "" : account;
    }

    public Join(String roomId, String userId, String userName, String node, boolean connect, boolean strict) {
      this(roomId, userId, userName, node, connect, strict, "");
    }

    /** The member is the signed-in account the caller proved. */
    public boolean bound() {
      return !account.isEmpty() && account.equals(userId);
    }
  }

  /** {@code disconnectOnly}: one socket closed; the user leaves only when it was its last one. */
  record Leave(String roomId, String userId, String node, boolean disconnectOnly) implements RoomCommand {
  }

  /**
   * {@code actor} empty: a trusted service call. {@code positionMs} below 0: keep the current position.
   * {@code withUsers}: the answer carries the member ids (gRPC's SetPlayback returns them); otherwise only their
   * count, which keeps a control's reply small in a big room.
   */
  record Control(String roomId, String actor, String action, long positionMs, boolean withUsers) implements RoomCommand {
    public Control(String roomId, String actor, String action, long positionMs) {
      this(roomId, actor, action, positionMs, false);
    }
  }

  record TransferHost(String roomId, String actor, String newHostId) implements RoomCommand {
  }

  /** {@code trackId}: a library track (empty: the URL alone). */
  record ChangeTrack(String roomId, String actor, String trackUrl, String trackId) implements RoomCommand {
    public ChangeTrack(String roomId, String actor, String trackUrl) {
      this(roomId, actor, trackUrl, "");
    }
  }

  /** The host queues a URL or a library track; {@code durationMs} 0: unknown; {@code position} -1: at the end. */
  record QueueAdd(String roomId, String actor, String trackUrl, String trackId, String title, long durationMs, int position)
      implements RoomCommand {
  }

  record QueueRemove(String roomId, String actor, String itemId) implements RoomCommand {
  }

  /** {@code position}: the item's index in the queue after the move. */
  record QueueMove(String roomId, String actor, String itemId, int position) implements RoomCommand {
  }

  /** The host moves on to the next queue item. */
  record Skip(String roomId, String actor) implements RoomCommand {
  }

  /** A listener has buffered track {@code trackVersion} of the room. */
  record Ready(String roomId, String userId, long trackVersion) implements RoomCommand {
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
            j.getInteger("maxUsers"), j.getString("node"), j.getBoolean("connect"), j.getString("trackId", ""),
            j.getString("account", ""));
        case "Join" -> new Join(j.getString("roomId"), j.getString("userId"), j.getString("userName"), j.getString("node"),
            j.getBoolean("connect"), j.getBoolean("strict"), j.getString("account", ""));
        case "Leave" -> new Leave(j.getString("roomId"), j.getString("userId"), j.getString("node"), j.getBoolean("disconnectOnly"));
        case "Control" -> new Control(j.getString("roomId"), j.getString("actor"), j.getString("action"), j.getLong("positionMs"),
            j.getBoolean("withUsers", false));
        case "TransferHost" -> new TransferHost(j.getString("roomId"), j.getString("actor"), j.getString("newHostId"));
        case "ChangeTrack" -> new ChangeTrack(j.getString("roomId"), j.getString("actor"), j.getString("trackUrl"),
            j.getString("trackId", ""));
        case "QueueAdd" -> new QueueAdd(j.getString("roomId"), j.getString("actor"), j.getString("trackUrl"), j.getString("trackId"),
            j.getString("title"), j.getLong("durationMs"), j.getInteger("position"));
        case "QueueRemove" -> new QueueRemove(j.getString("roomId"), j.getString("actor"), j.getString("itemId"));
        case "QueueMove" -> new QueueMove(j.getString("roomId"), j.getString("actor"), j.getString("itemId"), j.getInteger("position"));
        case "Skip" -> new Skip(j.getString("roomId"), j.getString("actor"));
        case "Ready" -> new Ready(j.getString("roomId"), j.getString("userId"), j.getLong("trackVersion"));
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
    Object timestamp = msg == null ? null : msg.getValue("timestamp");
    if (timestamp != null && !(timestamp instanceof Number)) {   // the seed's field: informational, but typed
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "timestamp must be a number (Unix seconds)");
    }
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

  /**
   * A client's room message other than clock sync and ping, as the WebSocket ({@code type}) and the
   * bridge (the body's {@code type}, {@code control} when absent) both take it: {@code control},
   * {@code queue_add} {@code {track_url? | track_id?, title?, duration_ms? | duration? (s), position?}},
   * {@code queue_remove} {@code {item_id}}, {@code queue_move} {@code {item_id, position}}, {@code skip},
   * {@code ready} {@code {track_version}}, {@code transfer_host} {@code {user_id}}. Types are checked here; values by {@link RoomService}.
   * Null for a type that is none of these.
   */
  static RoomCommand fromClient(String type, String roomId, String actor, JsonObject msg) {
    JsonObject m = msg == null ? new JsonObject() : msg;
    return switch (type) {
      case "control" -> control(roomId, actor, m);
      case "queue_add" -> {
        long durationMs = m.getValue("duration_ms") != null ? integer(m, "duration_ms", 0)
            : m.getValue("duration") instanceof Number n ? Math.round(n.doubleValue() * 1000) : optionalNumber(m, "duration");
        yield new QueueAdd(roomId, actor, string(m, "track_url"), string(m, "track_id"), string(m, "title"), durationMs,
            position(m, -1));
      }
      case "queue_remove" -> new QueueRemove(roomId, actor, requiredString(m, "item_id"));
      case "queue_move" -> new QueueMove(roomId, actor, requiredString(m, "item_id"), position(m, Long.MIN_VALUE));
      case "skip" -> new Skip(roomId, actor);
      case "ready" -> new Ready(roomId, actor, integer(m, "track_version", Long.MIN_VALUE));
      // the host hands over the host role to a present member (gRPC TransferHost's rules: only the host, not_found otherwise)
      case "transfer_host" -> new TransferHost(roomId, actor, requiredString(m, "user_id"));
      default -> null;
    };
  }

  private static String string(JsonObject m, String field) {
    Object v = m.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " must be a string");
    }
    return (String) v;
  }

  private static String requiredString(JsonObject m, String field) {
    String v = string(m, field);
    if (v == null || v.isEmpty()) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " is required");
    }
    return v;
  }

  /** An integer field; {@code absent} when missing ({@link Long#MIN_VALUE}: required). */
  private static long integer(JsonObject m, String field, long absent) {
    Object v = m.getValue(field);
    if (v == null) {
      if (absent == Long.MIN_VALUE) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " (an integer) is required");
      }
      return absent;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > 1e15) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " must be an integer");
    }
    return n.longValue();
  }

  /** A queue position: an integer, checked against the queue by the room script (far out of range here). */
  private static int position(JsonObject m, long absent) {
    long p = integer(m, "position", absent);
    // -1 is the room script's "at the end", which a client says by leaving position out, never by sending it
    if (m.getValue("position") != null && p < 0 || p > 1_000_000) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "position must be between 0 and the queue's length");
    }
    return (int) p;
  }

  private static long optionalNumber(JsonObject m, String field) {
    if (m.getValue(field) != null) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " must be a number of seconds");
    }
    return 0;
  }
}

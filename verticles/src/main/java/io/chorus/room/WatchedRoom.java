package io.chorus.room;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The room a gRPC {@code WatchRoom} stream shows with each event: "the room after the change". It starts from a full
 * state (the stream's {@code room_info}) and applies each event, in version order, from what the event carries (its
 * {@code playback} block and version, the member who joined or left, the new host, the track, the queue). Reading the
 * state from Redis for each event instead showed whatever changes had happened by the time of the read: a {@code pause}
 * with {@code status: play}, several events with one later version. When an event cannot be applied (a version
 * skipped, a quiet join or leave of a big room, which is announced to nobody), {@link #apply} answers null and the
 * caller reads the state. Plain class, no server needed to test it.
 */
final class WatchedRoom {
  private static final String[] PLAYBACK = {"track_url", "status", "position_ms", "updated_at", "rate", "version", "track_id",
      "track_version", "duration_ms", "ready_deadline"};

  private WatchedRoom() {
  }

  /**
   * {@code base} (a full state, with the member ids) after {@code event}; {@code base} itself when it already shows the
   * event (an older version); null when the event does not say enough (a version between them is missing, or the member
   * count differs from the ids the result would list).
   */
  static RoomState apply(RoomState base, JsonObject event) {
    long v = event.getLong("version", -1L);
    long bv = base.version();
    if (v < bv) {
      return base;
    }
    // one change may send two events of one version (a host's leave: user_left, then host_changed)
    if (v > bv + 1) {
      return null;
    }
    JsonObject next = base.json().copy();
    JsonObject playback = event.getJsonObject("playback");
    if (playback == null) {
      return null;
    }
    for (String f : PLAYBACK) {
      if (playback.containsKey(f)) {
        next.put(f, playback.getValue(f));
      }
    }
    next.put("version", v);
    JsonArray users = new JsonArray(new java.util.ArrayList<>(base.users()));
    String userId = event.getString("user_id", "");
    switch (event.getString("type", "")) {
      case "user_joined" -> {
        if (!users.contains(userId)) {
          users.add(userId);
        }
      }
      case "user_left" -> users.remove(userId);
      case "host_changed" -> next.put("host_id", event.getString("host_id", base.hostId()));
      case "track_changed" -> {
        JsonObject track = event.getJsonObject("track");
        if (track != null) {
          next.put("track_title", track.getString("title", ""));
        }
        queue(next, event);
      }
      case "queue" -> queue(next, event);
      default -> {
      }
    }
    next.put("users", users);
    if (next.containsKey("user_count")) {
      next.put("user_count", users.size());
    }
    Object count = event.getValue("user_count");
    if (count instanceof Number n && n.intValue() != users.size()) {
      return null; // a quiet join or leave (a big room) happened in between
    }
    return new RoomState(next);
  }

  private static void queue(JsonObject next, JsonObject event) {
    if (event.getValue("queue") instanceof JsonArray q) {
      next.put("queue", q.copy());
      next.put("queue_version", event.getLong("queue_version", next.getLong("queue_version", 0L)));
    }
  }
}

package io.chorus.room;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Seed 000's WebSocket messages, built from a room state. Field names and meanings are the seed's
 * ({@code timestamp} in epoch seconds, {@code position} in seconds); every event also carries
 * {@code version}, {@code user_count} and the {@code playback} block for clock-synced clients.
 */
public final class RoomEvents {
  private RoomEvents() {
  }

  /**
   * Every member the reply carries: all of them, except after a join into a big room (above
   * ROOM_PRESENCE_EVENTS_MAX_USERS), whose reply holds the first ones, the joiner and the host;
   * {@code user_count} says how many there are.
   */
  public static JsonObject roomInfo(RoomState room, long now) {
    JsonArray users = new JsonArray();
    room.users().forEach(id -> {
      if (room.member(id) != null) {
        users.add(room.userJson(id));
      }
    });
    return base("room_info", room, now).put("host_id", room.hostId()).put("users", users)
        .put("track_url", room.trackUrl()).put("status", room.status())
        .put("position", room.positionAt(now) / 1000.0)
        .put("track_id", room.trackId()).put("track", room.track())
        .put("queue", room.queue()).put("queue_version", room.queueVersion());
  }

  public static JsonObject userJoined(RoomState room, String userId, long now) {
    return base("user_joined", room, now).put("user_id", userId).put("user_name", room.nameOf(userId))
        .put("user", room.userJson(userId));
  }

  public static JsonObject userLeft(RoomState room, String userId, String userName, long now) {
    return base("user_left", room, now).put("user_id", userId).put("user_name", userName);
  }

  /**
   * play, pause or seek. A change the server made itself (a waiting track starting, a track ending
   * with nothing queued) has an empty {@code user_id} and a {@code cause}: {@code all_ready},
   * {@code timeout}, {@code ended}.
   */
  public static JsonObject playback(RoomState room, String action, String userId, long now) {
    JsonObject e = base(action, room, now).put("user_id", userId).put("user_name", userId.isEmpty() ? "" : room.nameOf(userId))
        .put("position", room.positionMs() / 1000.0);
    if (!room.cause().isEmpty()) {
      e.put("cause", room.cause()).put("track_version", room.trackVersion());
    }
    return e;
  }

  public static JsonObject hostChanged(RoomState room, long now) {
    return base("host_changed", room, now).put("host_id", room.hostId());
  }

  /**
   * The current track changed ({@code cause}: {@code change} by the host, {@code skip}, {@code ended}
   * — the last two take the next queue item and carry the queue — or {@code takedown}: the library track
   * was taken down or deleted, so the next remaining item follows or, with none, the track is cleared). {@code status} {@code waiting}: the
   * track starts once every listener reported {@code ready} for {@code track_version}, or at
   * {@code ready_deadline}.
   */
  public static JsonObject trackChanged(RoomState room, long now) {
    JsonObject e = base("track_changed", room, now).put("track_url", room.trackUrl()).put("track_id", room.trackId())
        .put("track", room.track()).put("track_version", room.trackVersion()).put("status", room.status())
        .put("ready_deadline", room.readyDeadline()).put("cause", room.cause()).put("user_id", room.actor());
    if (room.hasQueue()) {
      e.put("queue", room.queue()).put("queue_version", room.queueVersion()).put("item_id", room.itemId());
    }
    return withReason(e, room);
  }

  /** A takedown's change names why ({@code reason}) and the queue items it dropped ({@code removed_items}). */
  private static JsonObject withReason(JsonObject e, RoomState room) {
    if (!room.reason().isEmpty()) {
      e.put("reason", room.reason()).put("removed_items", new JsonArray(new java.util.ArrayList<Object>(room.removedItems())));
    }
    return e;
  }

  /** The shared queue changed ({@code action} add, remove or move of {@code item_id}): the whole queue. */
  public static JsonObject queue(RoomState room, long now) {
    return withReason(base("queue", room, now).put("action", room.cause()).put("item_id", room.itemId()).put("user_id", room.actor())
        .put("queue", room.queue()).put("queue_version", room.queueVersion()), room);
  }

  public static JsonObject error(String code, String message) {
    return io.chorus.realtime.ErrorFrame.of(code, message);
  }

  private static JsonObject base(String type, RoomState room, long now) {
    return new JsonObject().put("type", type).put("room_id", room.roomId()).put("timestamp", now / 1000)
        .put("version", room.version()).put("user_count", room.userCount()).put("playback", room.playback(now));
  }
}

package io.chorus.room;

import io.chorus.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;

import java.util.ArrayList;
import java.util.List;

/**
 * A room's lifetime as other features see it (published by the rooms feature): the conference and
 * chat feature renews a room while its chat is active and ends it when it expires, without knowing
 * which Redis keys hold the room. Works on every node (gateway-only nodes too): the keys live in the
 * shared Redis, and the end is announced on the room's own event address.
 */
public final class RoomLifecycle {
  private final RedisAPI redis;
  private final EventBus bus;

  public RoomLifecycle(RedisAPI redis, EventBus bus) {
    this.redis = redis;
    this.bus = bus;
  }

  /** Keeps the room's state for another {@code seconds} (no-op for keys that do not exist). */
  public Future<Void> renew(String roomId, int seconds) {
    List<Future<?>> expiries = new ArrayList<>();
    for (String key : RoomStore.keys(roomId)) {
      expiries.add(redis.expire(List.of(key, Integer.toString(seconds))));
    }
    return Future.all(expiries).mapEmpty();
  }

  /**
   * Removes the room's state and tells its listeners ({@code room_ended} with {@code reason} on
   * {@code client.room.<ID>}); idempotent, the event goes out on every call. The nodes that held seed /ws sockets of
   * the room get it too, on their fan-out address (with the version after the room's last, so it is delivered after
   * every change before it), and close those sockets.
   */
  public Future<Void> end(String roomId, String reason) {
    return redis.getdel(RoomStore.key(roomId)).compose(raw -> redis.del(RoomStore.keys(roomId)).map(raw)).onSuccess(raw -> {
      JsonObject event = ended(roomId, reason);
      RoomState room = raw == null ? null : new RoomState(new JsonObject(raw.toString()));
      if (room != null) {
        event.put("version", room.version() + 1);
      }
      bus.publish(Addresses.roomEvents(roomId), event);
      if (room != null) {
        for (String node : room.nodes()) {
          bus.send(Addresses.roomFanout(node), event);
        }
      }
    }).mapEmpty();
  }

  /** The {@code room_ended} event, as listeners of the room and of its chat get it. */
  public static JsonObject ended(String roomId, String reason) {
    return new JsonObject().put("type", "room_ended").put("room_id", roomId).put("reason", reason);
  }
}

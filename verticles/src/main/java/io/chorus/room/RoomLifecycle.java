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
   * {@code client.room.<ID>}); idempotent, the event goes out on every call.
   */
  public Future<Void> end(String roomId, String reason) {
    return redis.del(RoomStore.keys(roomId)).<Void>mapEmpty().onSuccess(v ->
        bus.publish(Addresses.roomEvents(roomId), ended(roomId, reason)));
  }

  /** The {@code room_ended} event, as listeners of the room and of its chat get it. */
  public static JsonObject ended(String roomId, String reason) {
    return new JsonObject().put("type", "room_ended").put("room_id", roomId).put("reason", reason);
  }
}

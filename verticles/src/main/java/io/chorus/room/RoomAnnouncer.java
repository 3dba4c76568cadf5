package io.chorus.room;

import io.chorus.bus.Addresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells the cluster what changed in a room: its seed-format events, a member's leave, and (throttled) that the room
 * is in use. Thread-safe: the room service runs on every event loop of the node.
 */
final class RoomAnnouncer {
  static final long ACTIVITY_MS = 60_000;

  private final EventBus bus;
  /** Rooms whose activity this node announced, and when (see {@link #activity}). */
  private final ConcurrentHashMap<String, Long> announced = new ConcurrentHashMap<>();

  RoomAnnouncer(EventBus bus) {
    this.bus = bus;
  }

  /**
   * Publishes on the room's address (bridge clients, gRPC watchers) and sends to the fan-out address
   * of every node holding sockets of the room (their consumers exist since those nodes started).
   */
  void publish(RoomState room, JsonObject event) {
    bus.publish(Addresses.roomEvents(room.roomId()), event);
    for (String node : room.nodes()) {
      bus.send(Addresses.roomFanout(node), event);
    }
    activity(room.roomId());
  }

  /**
   * A member joined (or made the room) by any API: {@link Addresses#ROOM_JOINED} on this node only, where the conference
   * feature records the membership (once per join: the node that made it; quiet big rooms included).
   */
  void joined(RoomState room, String userId) {
    bus.publish(Addresses.ROOM_JOINED, new JsonObject().put("room_id", room.roomId()).put("participant_id", userId)
        .put("name", room.nameOf(userId)).put("host_id", room.hostId()).put("joined_at", room.joinedAtMs(userId))
        .put("title", room.json().getString("title", "")).put("max_users", room.maxUsers())
        .put("created_at", room.json().getLong("created_at", 0L)), new DeliveryOptions().setLocalOnly(true));
  }

  /**
   * The room has a new host (a transfer, the host leaving, the first joiner of a room its host left empty): the room's
   * {@code host_changed} event, and {@link Addresses#ROOM_HOST} on this node only, where the conference feature records
   * the host in its durable row (once per change: the node that made it).
   */
  void hostChanged(RoomState room, long now) {
    publish(room, RoomEvents.hostChanged(room, now));
    bus.publish(Addresses.ROOM_HOST, new JsonObject().put("room_id", room.roomId()).put("host_id", room.hostId())
        .put("version", room.version()), new DeliveryOptions().setLocalOnly(true));
  }

  /**
   * Every node ends the participant's live subscriptions to the room (bridge, /ws/chat) and its seed /ws sockets that
   * joined before the leave, whose {@code version} the event names; also in quiet rooms.
   */
  void revoke(String roomId, String participantId, long version) {
    bus.publish(Addresses.ROOM_REVOKED, new JsonObject().put("room_id", roomId).put("participant_id", participantId)
        .put("version", version));
  }

  /**
   * A change keeps the room alive: at most once per {@link #ACTIVITY_MS} per room from this node, the conference
   * feature hears it ({@link Addresses#ROOM_ACTIVITY}) and moves the room's {@code expires_at} (and its Redis TTL) on,
   * as a REST join or a chat message does. Shared by every event loop of the node.
   */
  private void activity(String roomId) {
    long now = System.currentTimeMillis();
    Long last = announced.get(roomId);
    if (last != null && now - last < ACTIVITY_MS) {
      return;
    }
    if (last == null ? announced.putIfAbsent(roomId, now) != null : !announced.replace(roomId, last, now)) {
      return;   // another event loop announced it just now
    }
    if (announced.size() > 10_000) {
      announced.values().removeIf(at -> now - at >= ACTIVITY_MS);
    }
    bus.send(Addresses.ROOM_ACTIVITY, new JsonObject().put("room_id", roomId), new DeliveryOptions().setLocalOnly(true));
  }
}

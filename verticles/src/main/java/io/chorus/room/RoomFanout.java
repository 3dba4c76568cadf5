package io.chorus.room;

import io.chorus.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Local fan-out of room events to this node's WebSockets: one bus consumer per room per node (not
 * one per socket, which would cost a Hazelcast registration each), the event encoded once and
 * written to every socket of the room. A socket whose write queue is full is closed (1013) rather
 * than buffered without bound: it reconnects and gets the current state. Event-loop confined.
 */
final class RoomFanout {
  private final Vertx vertx;
  private final Map<String, Set<RoomSocket>> sockets = new HashMap<>();
  private final Map<String, MessageConsumer<JsonObject>> consumers = new HashMap<>();

  RoomFanout(Vertx vertx) {
    this.vertx = vertx;
  }

  void add(RoomSocket socket) {
    sockets.computeIfAbsent(socket.roomId, id -> {
      MessageConsumer<JsonObject> c = vertx.eventBus().consumer(Addresses.roomEvents(id), msg -> deliver(id, msg.body()));
      consumers.put(id, c);
      return new LinkedHashSet<>();
    }).add(socket);
  }

  void remove(RoomSocket socket) {
    Set<RoomSocket> set = sockets.get(socket.roomId);
    if (set != null && set.remove(socket) && set.isEmpty()) {
      sockets.remove(socket.roomId);
      MessageConsumer<JsonObject> c = consumers.remove(socket.roomId);
      if (c != null) {
        c.unregister();
      }
    }
  }

  int socketCount() {
    return sockets.values().stream().mapToInt(Set::size).sum();
  }

  private void deliver(String roomId, JsonObject event) {
    Set<RoomSocket> set = sockets.get(roomId);
    if (set == null) {
      return;
    }
    String frame = event.encode();
    long version = event.getLong("version", 0L);
    for (RoomSocket s : set.toArray(RoomSocket[]::new)) {
      s.deliver(frame, version);
    }
  }

  /** One WebSocket's state: events are held back until its room_info has been sent. */
  static final class RoomSocket {
    final String roomId;
    final ServerWebSocket ws;
    String userId;
    boolean authenticated;
    private long infoVersion = -1;
    private java.util.List<Object[]> pending = new java.util.ArrayList<>();

    RoomSocket(String roomId, ServerWebSocket ws) {
      this.roomId = roomId;
      this.ws = ws;
    }

    void deliver(String frame, long version) {
      if (pending != null) {
        pending.add(new Object[] {frame, version});
        return;
      }
      write(frame);
    }

    void infoSent(long version) {
      infoVersion = version;
      java.util.List<Object[]> held = pending;
      pending = null;
      for (Object[] p : held) {
        if ((long) p[1] > infoVersion) {
          write((String) p[0]);
        }
      }
    }

    private void write(String frame) {
      if (ws.isClosed()) {
        return;
      }
      if (ws.writeQueueFull()) {
        ws.close((short) 1013, "too slow: reconnect to resynchronise");
        return;
      }
      ws.writeTextMessage(frame);
    }
  }
}

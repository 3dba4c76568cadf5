package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.gateway.SocketDrop;
import io.chorus.gateway.TextFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Local fan-out of room events to this node's WebSockets. Events arrive on the node's own fan-out
 * address (one consumer per node, registered at start: no per-socket or per-room cluster
 * registration), are encoded once and written to every socket of the room. Events of one room are
 * delivered in version order: changes made on different nodes can cross on the way here, so an event
 * that skips a version is held until the missing one arrives (at most {@link #HOLD_MS}); an event
 * older than one already delivered is dropped (its state is superseded). A socket whose write queue
 * is full is closed (1013) rather than buffered without bound: it reconnects and gets the current
 * state. Event-loop confined.
 */
final class RoomFanout {
  static final long HOLD_MS = 100;

  private final Vertx vertx;
  private final Map<String, Channel> channels = new HashMap<>();
  private final MessageConsumer<JsonObject> consumer;

  RoomFanout(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.consumer = vertx.eventBus().consumer(Addresses.roomFanout(nodeId), msg -> onEvent(msg.body()));
  }

  Future<Void> ready() {
    return consumer.completion();
  }

  void add(RoomSocket socket) {
    channels.computeIfAbsent(socket.roomId, id -> new Channel()).sockets.add(socket);
  }

  void remove(RoomSocket socket) {
    Channel ch = channels.get(socket.roomId);
    if (ch != null && ch.sockets.remove(socket) && ch.sockets.isEmpty()) {
      channels.remove(socket.roomId);
      if (ch.timer >= 0) {
        vertx.cancelTimer(ch.timer);
      }
    }
  }

  int socketCount() {
    return channels.values().stream().mapToInt(c -> c.sockets.size()).sum();
  }

  private void onEvent(JsonObject event) {
    Channel ch = channels.get(event.getString("room_id"));
    if (ch == null) {
      return;
    }
    long v = event.getLong("version", 0L);
    if (ch.last >= 0 && v > ch.last + 1) {
      ch.held.computeIfAbsent(v, k -> new ArrayList<>()).add(event);
      if (ch.timer < 0) {
        ch.timer = vertx.setTimer(HOLD_MS, t -> {
          ch.timer = -1;
          flush(ch, true);
        });
      }
      return;
    }
    deliver(ch, event, v);
    flush(ch, false);
  }

  /** Delivers held events that are next in order; with {@code all}, gives up on missing versions. */
  private void flush(Channel ch, boolean all) {
    while (!ch.held.isEmpty() && (all || ch.held.firstKey() <= ch.last + 1)) {
      Map.Entry<Long, List<JsonObject>> e = ch.held.pollFirstEntry();
      e.getValue().forEach(ev -> deliver(ch, ev, e.getKey()));
    }
    if (ch.held.isEmpty() && ch.timer >= 0) {
      vertx.cancelTimer(ch.timer);
      ch.timer = -1;
    }
  }

  private void deliver(Channel ch, JsonObject event, long version) {
    if (version < ch.last) {
      return;
    }
    ch.last = version;
    TextFrame frame = TextFrame.of(event.encode());
    for (RoomSocket s : ch.sockets.toArray(RoomSocket[]::new)) {
      try {
        s.deliver(frame, version);
      } catch (RuntimeException e) {
        // one broken socket must not stop delivery to the room's others: drop it (its close handler leaves)
        remove(s);
        s.abort();
      }
    }
  }

  private static final class Channel {
    final Set<RoomSocket> sockets = new LinkedHashSet<>();
    final TreeMap<Long, List<JsonObject>> held = new TreeMap<>();
    long last = -1;
    long timer = -1;
  }

  /** One WebSocket's state: events are held back until its room_info has been sent. */
  static final class RoomSocket {
    final String roomId;
    final ServerWebSocket ws;
    private final SocketDrop drop;
    private final io.netty.channel.Channel connection;
    String userId;
    boolean authenticated;
    /** The last command of this socket; the next one starts when it is done. */
    Future<?> commands = Future.succeededFuture();
    private long infoVersion = -1;
    private List<Held> pending = new ArrayList<>();

    RoomSocket(String roomId, ServerWebSocket ws, SocketDrop drop, io.netty.channel.Channel connection) {
      this.roomId = roomId;
      this.ws = ws;
      this.drop = drop;
      this.connection = connection;
    }

    void deliver(TextFrame frame, long version) {
      if (pending != null) {
        pending.add(new Held(frame, version));
        return;
      }
      write(frame);
    }

    void infoSent(long version) {
      infoVersion = version;
      List<Held> held = pending;
      pending = null;
      for (Held h : held) {
        if (h.version() > infoVersion) {
          write(h.frame());
        }
      }
    }

    /** Closes a socket whose write failed; it may be closed already. */
    void abort() {
      try {
        ws.close();
      } catch (RuntimeException alreadyClosed) {
        // nothing left to close
      }
    }

    private void write(TextFrame frame) {
      if (ws.isClosed()) {
        return;
      }
      if (ws.writeQueueFull()) {
        drop.close(ws, connection, (short) 1013, "too slow: reconnect to resynchronise");
        return;
      }
      frame.writeTo(ws);
    }

    private record Held(TextFrame frame, long version) {
    }
  }
}

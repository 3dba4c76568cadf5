package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.realtime.Delivery;
import io.chorus.realtime.Fanout;
import io.chorus.realtime.Frame;
import io.chorus.realtime.Hub;
import io.chorus.realtime.Sequencer;
import io.chorus.realtime.SocketDrop;
import io.chorus.realtime.WsSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Room events to this event loop's WebSockets, on the real-time core. Room events reach the node on
 * its own fan-out address (registered once per node at start, {@link Hub#route}: no per-socket or
 * per-room cluster registration) and each loop with sockets of the room gets them once. Events of one
 * room are delivered in version order ({@link Sequencer}, holding a skipped version at most
 * {@link #HOLD_MS}; an event older than one delivered is dropped: its state is superseded). The
 * core's slow-consumer policy closes a socket that does not read (1013): it reconnects and gets the
 * current state. Event-loop confined.
 */
final class RoomFanout {
  static final long HOLD_MS = 100;

  private final Vertx vertx;
  private final Hub hub;
  private final Future<Void> routed;
  private final Map<String, Channel> channels = new HashMap<>();

  RoomFanout(Vertx vertx, Hub hub, String nodeId) {
    this.vertx = vertx;
    this.hub = hub;
    this.routed = hub.route(Addresses.roomFanout(nodeId), m -> m.body() instanceof JsonObject e && e.getValue("room_id") instanceof String id
        ? key(id) : null);
  }

  private static String key(String roomId) {
    return "room-sockets:" + roomId;
  }

  Future<Void> ready() {
    return routed;
  }

  void add(RoomSocket socket) {
    channels.computeIfAbsent(socket.roomId, Channel::new).sockets.add(socket);
  }

  void remove(RoomSocket socket) {
    Channel ch = channels.get(socket.roomId);
    if (ch != null && ch.sockets.remove(socket) && ch.sockets.isEmpty()) {
      channels.remove(socket.roomId);
      ch.close();
    }
  }

  int socketCount() {
    return channels.values().stream().mapToInt(c -> c.sockets.size()).sum();
  }

  private final class Channel {
    final Fanout<RoomSocket> sockets = new Fanout<>(RoomSocket[]::new, null, s -> remove(s));
    final Sequencer<Delivery> order;
    final Hub.Subscription subscription;

    Channel(String roomId) {
      Sequencer.Timers timers = new Sequencer.Timers() {
        @Override
        public long set(long delayMs, Runnable action) {
          return vertx.setTimer(delayMs, t -> action.run());
        }

        @Override
        public void cancel(long id) {
          vertx.cancelTimer(id);
        }
      };
      order = new Sequencer<>(-1, HOLD_MS, true, timers, this::deliver, Sequencer::release);
      subscription = hub.subscribeLocal(key(roomId), d -> order.offer(d.json().getLong("version", 0L), d));
    }

    private void deliver(Delivery d) {
      long version = d.json().getLong("version", 0L);
      Frame frame = d.jsonFrame();
      // the room's end (RoomLifecycle.end): its sockets get the event, then a close, as the room's chat sockets do
      boolean ended = "room_ended".equals(d.json().getString("type"));
      for (RoomSocket s : sockets.snapshot()) {
        if (!s.deliver(frame, version)) {
          remove(s);
        } else if (ended) {
          s.ws.close((short) 1000, "room ended");
        }
      }
    }

    void close() {
      subscription.close();
      order.close();
    }
  }

  /**
   * One WebSocket's state: events are held back until its room_info has been sent, and only the changes after that
   * room_info reach it (a higher version): the ones it already shows, the joiner's own user_joined first of all, go
   * to the other members only.
   */
  static final class RoomSocket extends WsSink {
    final String roomId;
    final ServerWebSocket ws;
    String userId;
    /** The sign-in session whose access token opened a signed-in socket (null otherwise). */
    String sessionId;
    boolean authenticated;
    /** Closed for not reading its replies: nothing more is written to it. */
    boolean slow;
    /** Closed because its member left the room through another API: its close leaves nothing more. */
    boolean revoked;
    /** When the client last sent anything (a message, or the pong to the node's ping), epoch ms. */
    long heard;
    /** The last command of this socket; the next one starts when it is done. */
    Future<?> commands = Future.succeededFuture();
    private long infoVersion = -1;
    private List<Held> pending = new ArrayList<>();

    RoomSocket(String roomId, ServerWebSocket ws, SocketDrop drop, io.netty.channel.Channel connection) {
      super(ws, connection, drop, "too slow: reconnect to resynchronise");
      this.roomId = roomId;
      this.ws = ws;
    }

    /** False when the socket was closed for being slow or broken. */
    boolean deliver(Frame frame, long version) {
      if (pending != null) {
        pending.add(new Held(frame, version));
        return true;
      }
      if (version <= infoVersion) {
        // a change room_info already showed: the join's own user_joined, published before the join's answer came
        // back but fanned out after room_info was written (or an older event that came late)
        return true;
      }
      return Fanout.offer(this, frame, null);
    }

    /** The version of the room_info this socket got (-1 before it): the room as it was when the socket joined. */
    long infoVersion() {
      return infoVersion;
    }

    void infoSent(long version) {
      infoVersion = version;
      List<Held> held = pending;
      pending = null;
      for (Held h : held) {
        if (h.version() > infoVersion && !Fanout.offer(this, h.frame(), null)) {
          return;
        }
      }
    }

    private record Held(Frame frame, long version) {
    }
  }
}

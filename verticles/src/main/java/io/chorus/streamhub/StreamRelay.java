package io.chorus.streamhub;

import io.chorus.bus.Addresses;
import io.chorus.gateway.SocketDrop;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Relays a source's frames to operators on every node. The source publishes each frame once on
 * the session's bus address; each node with sockets of the session holds one consumer and writes
 * to its local operators. Slow-operator policy: each operator has a bounded write queue
 * ({@code queueBytes}); an operator whose queue is full when a frame arrives is disconnected
 * (close 1013) and counted in {@code chorus_stream_slow_operators_disconnected_total}, so it never
 * slows the source or the other operators. Event-loop confined.
 */
final class StreamRelay {
  static final byte BINARY = 1;
  static final byte TEXT = 2;
  static final byte INIT = 3;

  private final Vertx vertx;
  private final int queueBytes;
  private final Function<String, Future<Buffer>> initLoader;
  private final Counter slowDisconnects;
  private final SocketDrop drop;
  private final Map<String, Channel> channels = new HashMap<>();
  /** Each operator's TCP connection, to drop it when it does not take its close frame (SocketDrop). */
  private final Map<ServerWebSocket, io.netty.channel.Channel> connections = new HashMap<>();

  StreamRelay(Vertx vertx, int queueBytes, Function<String, Future<Buffer>> initLoader, MeterRegistry registry, SocketDrop drop) {
    this.vertx = vertx;
    this.queueBytes = queueBytes;
    this.initLoader = initLoader;
    this.drop = drop;
    this.slowDisconnects = registry == null ? null
        : Counter.builder("chorus.stream.slow.operators.disconnected").description("operators disconnected because their queue was full")
        .register(registry);
  }

  /** Publishes one source frame to every node. */
  void publish(String sessionId, byte kind, Buffer payload) {
    Buffer msg = Buffer.buffer(payload.length() + 1).appendByte(kind).appendBuffer(payload);
    vertx.eventBus().publish(Addresses.streamFrames(sessionId), msg);
  }

  void publishControl(String sessionId, String type) {
    vertx.eventBus().publish(Addresses.streamControl(sessionId), new JsonObject().put("type", type));
  }

  /**
   * Reserves a place for an operator: subscribes this node to the session's frames (once per node
   * and session) and completes when the subscription is registered cluster-wide, so a source node that
   * looks the address up afterwards sends here. Followed by {@link #addOperator} or {@link #cancel}.
   */
  Future<Void> reserve(String sessionId) {
    Channel ch = channel(sessionId);
    ch.reserved++;
    return ch.subscribed;
  }

  /** Gives up a reservation whose operator was refused. */
  void cancel(String sessionId) {
    Channel ch = channels.get(sessionId);
    if (ch != null) {
      ch.reserved--;
      releaseIfUnused(sessionId);
    }
  }

  /** Adds a reserved operator; the stored init segment, if any, is sent before any live frame. */
  Future<Void> addOperator(String sessionId, ServerWebSocket ws, io.netty.channel.Channel connection) {
    Channel ch = channels.get(sessionId); // kept by the reservation
    ch.reserved--;
    if (ws.isClosed()) {
      releaseIfUnused(sessionId);
      return Future.succeededFuture();
    }
    ws.setWriteQueueMaxSize(queueBytes);
    ch.operators.add(ws);
    if (connection != null) {
      connections.put(ws, connection);
    }
    ws.closeHandler(v -> remove(sessionId, ws));
    return ch.ready.onSuccess(v -> {
      if (ch.init != null && !ws.isClosed()) {
        ws.writeBinaryMessage(ch.init);
      }
    });
  }

  void addSource(String sessionId, ServerWebSocket ws) {
    channel(sessionId).sources.add(ws);
  }

  void remove(String sessionId, ServerWebSocket ws) {
    Channel ch = channels.get(sessionId);
    if (ch == null) {
      return;
    }
    ch.operators.remove(ws);
    ch.sources.remove(ws);
    connections.remove(ws);
    releaseIfUnused(sessionId);
  }

  /** Drops the node's subscription to a session none of its sockets uses or has reserved. */
  private void releaseIfUnused(String sessionId) {
    Channel ch = channels.get(sessionId);
    if (ch != null && ch.operators.isEmpty() && ch.sources.isEmpty() && ch.reserved <= 0) {
      channels.remove(sessionId);
      ch.frames.unregister();
      ch.control.unregister();
    }
  }

  int operatorCount() {
    return channels.values().stream().mapToInt(c -> c.operators.size()).sum();
  }

  private Channel channel(String sessionId) {
    return channels.computeIfAbsent(sessionId, id -> {
      Channel ch = new Channel(id);
      ch.frames = vertx.eventBus().<Buffer>consumer(Addresses.streamFrames(id), m -> deliver(ch, m.body()));
      ch.control = vertx.eventBus().<JsonObject>consumer(Addresses.streamControl(id), m -> {
        if ("finished".equals(m.body().getString("type"))) {
          closeAll(ch, "session finished");
        }
      });
      ch.subscribed = Future.all(ch.frames.completion(), ch.control.completion()).mapEmpty();
      ch.ready = ch.subscribed
          .compose(v -> initLoader.apply(id))
          .map(init -> {
            if (ch.init == null && init != null && init.length() > 0) {
              ch.init = init;
            }
            return (Void) null;
          }).recover(e -> Future.succeededFuture());
      return ch;
    });
  }

  private void deliver(Channel ch, Buffer msg) {
    if (ch.held != null) {
      ch.held.add(msg);
      return;
    }
    byte kind = msg.getByte(0);
    if (kind != INIT && ch.init == null && !ch.initRechecked) {
      // First live frame on this node and no init segment yet: the init may have been published
      // before this node's subscription was visible to the source's node. It was stored before it
      // was published, so reading it again now cannot miss it. Hold frames meanwhile to keep order.
      ch.initRechecked = true;
      ch.held = new java.util.ArrayList<>();
      ch.held.add(msg);
      initLoader.apply(ch.sessionId).recover(e -> Future.succeededFuture()).onComplete(ar -> {
        if (ch.init == null && ar.result() != null && ar.result().length() > 0) {
          ch.init = ar.result();
          for (ServerWebSocket ws : ch.operators) {
            if (!ws.isClosed()) {
              ws.writeBinaryMessage(ch.init);
            }
          }
        }
        java.util.List<Buffer> held = ch.held;
        ch.held = null;
        held.forEach(m -> deliver(ch, m));
      });
      return;
    }
    Buffer payload = msg.slice(1, msg.length());
    if (kind == INIT) {
      ch.init = payload.copy();
    }
    for (ServerWebSocket ws : ch.operators.toArray(ServerWebSocket[]::new)) {
      try {
        relay(ws, kind, payload);
      } catch (RuntimeException e) {
        // one broken operator socket must not stop the frames to the others
        remove(ch.sessionId, ws);
        try {
          ws.close();
        } catch (RuntimeException alreadyClosed) {
          // nothing left to close
        }
      }
    }
  }

  private void relay(ServerWebSocket ws, byte kind, Buffer payload) {
    if (ws.isClosed()) {
      return;
    }
    if (ws.writeQueueFull()) {
      if (slowDisconnects != null) {
        slowDisconnects.increment();
      }
      // the close frame waits behind the full queue: a client that never reads again is dropped
      drop.close(ws, connections.remove(ws), (short) 1013, "operator too slow: queue full");
      return;
    }
    if (kind == TEXT) {
      ws.writeTextMessage(payload.toString());
    } else {
      ws.writeBinaryMessage(payload);
    }
  }

  private void closeAll(Channel ch, String reason) {
    for (ServerWebSocket ws : ch.operators.toArray(ServerWebSocket[]::new)) {
      ws.close((short) 1000, reason);
    }
    for (ServerWebSocket ws : ch.sources.toArray(ServerWebSocket[]::new)) {
      ws.close((short) 1000, reason);
    }
  }

  private static final class Channel {
    final String sessionId;
    final Set<ServerWebSocket> operators = new LinkedHashSet<>();
    boolean initRechecked;
    java.util.List<Buffer> held;
    final Set<ServerWebSocket> sources = new LinkedHashSet<>();
    MessageConsumer<Buffer> frames;
    MessageConsumer<JsonObject> control;
    Future<Void> subscribed;
    int reserved;
    Future<Void> ready;
    Buffer init;

    Channel(String sessionId) {
      this.sessionId = sessionId;
    }
  }
}

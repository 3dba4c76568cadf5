package io.chorus.streamhub;

import io.chorus.bus.Addresses;
import io.chorus.realtime.Delivery;
import io.chorus.realtime.Fanout;
import io.chorus.realtime.Frame;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.chorus.realtime.WsSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Relays a source's frames to operators on every node, on the real-time core. The source publishes
 * each frame once on the session's bus address; each node with sockets of the session holds one
 * subscription ({@link Hub}) and each of its event loops writes to its local operators. Slow-operator
 * policy (the core's): each operator has a bounded write queue ({@code queueBytes}); an operator whose
 * queue is full when a frame arrives is disconnected (close 1013) and counted in
 * {@code chorus_stream_slow_operators_disconnected_total}, so it never slows the source or the other
 * operators. Event-loop confined.
 */
final class StreamRelay {
  static final byte BINARY = 1;
  static final byte TEXT = 2;
  static final byte INIT = 3;

  private final Vertx vertx;
  private final Hub hub;
  private final int queueBytes;
  private final Function<String, Future<Buffer>> initLoader;
  private final Counter slowDisconnects;
  private final SocketDrop drop;
  private final Map<String, Channel> channels = new HashMap<>();
  /** Each operator socket's sink (with its TCP connection, to drop it when it does not take its close frame). */
  private final Map<ServerWebSocket, WsSink> sinks = new HashMap<>();

  StreamRelay(Vertx vertx, Hub hub, int queueBytes, Function<String, Future<Buffer>> initLoader, MeterRegistry registry, SocketDrop drop) {
    this.vertx = vertx;
    this.hub = hub;
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
    WsSink sink = new WsSink(ws, connection, drop, "operator too slow: queue full");
    sinks.put(ws, sink);
    ch.operators.add(sink);
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
    WsSink sink = sinks.remove(ws);
    if (sink != null) {
      ch.operators.remove(sink);
    }
    ch.sources.remove(ws);
    releaseIfUnused(sessionId);
  }

  /** Drops the node's subscription to a session none of its sockets uses or has reserved. */
  private void releaseIfUnused(String sessionId) {
    Channel ch = channels.get(sessionId);
    if (ch != null && ch.operators.isEmpty() && ch.sources.isEmpty() && ch.reserved <= 0) {
      channels.remove(sessionId);
      ch.frames.close();
      ch.control.close();
    }
  }

  int operatorCount() {
    return channels.values().stream().mapToInt(c -> c.operators.size()).sum();
  }

  private Channel channel(String sessionId) {
    return channels.computeIfAbsent(sessionId, id -> {
      Channel ch = new Channel(id);
      ch.frames = hub.subscribe(Addresses.streamFrames(id), d -> deliver(ch, d));
      ch.control = hub.subscribe(Addresses.streamControl(id), d -> {
        if (d.json() != null && "finished".equals(d.json().getString("type"))) {
          closeAll(ch, "session finished");
        }
      });
      ch.subscribed = Future.all(ch.frames.ready(), ch.control.ready()).mapEmpty();
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

  private void deliver(Channel ch, Delivery d) {
    if (ch.held != null) {
      ch.held.add(d);
      return;
    }
    Buffer msg = (Buffer) d.body();
    byte kind = msg.getByte(0);
    if (kind != INIT && ch.init == null && !ch.initRechecked) {
      // First live frame on this node and no init segment yet: the init may have been published
      // before this node's subscription was visible to the source's node. It was stored before it
      // was published, so reading it again now cannot miss it. Hold frames meanwhile to keep order.
      ch.initRechecked = true;
      ch.held = new java.util.ArrayList<>();
      ch.held.add(d);
      initLoader.apply(ch.sessionId).recover(e -> Future.succeededFuture()).onComplete(ar -> {
        if (ch.init == null && ar.result() != null && ar.result().length() > 0) {
          ch.init = ar.result();
          for (WsSink op : ch.operators.snapshot()) {
            if (!op.isClosed()) {
              op.socket().writeBinaryMessage(ch.init);
            }
          }
        }
        java.util.List<Delivery> held = ch.held;
        ch.held = null;
        held.forEach(m -> deliver(ch, m));
      });
      return;
    }
    if (kind == INIT) {
      Buffer init = msg.slice(1, msg.length()).copy();
      if (init.equals(ch.init)) {
        // already read from the store (this node subscribed between the source storing the init and
        // publishing it) and written to every operator: not twice
        return;
      }
      ch.init = init;
    }
    // encoded once per node; the core closes an operator whose queue is full
    ch.operators.write(d.frame(StreamRelay::encode));
  }

  private static Frame encode(Delivery d) {
    Buffer msg = (Buffer) d.body();
    Buffer payload = msg.slice(1, msg.length());
    return msg.getByte(0) == TEXT ? Frame.of(payload.toString()) : Frame.binary(payload);
  }

  private void closeAll(Channel ch, String reason) {
    for (WsSink op : ch.operators.snapshot()) {
      op.socket().close((short) 1000, reason);
    }
    for (ServerWebSocket ws : ch.sources.toArray(ServerWebSocket[]::new)) {
      ws.close((short) 1000, reason);
    }
  }

  private final class Channel {
    final String sessionId;
    final Fanout<WsSink> operators;
    boolean initRechecked;
    java.util.List<Delivery> held;
    final Set<ServerWebSocket> sources = new LinkedHashSet<>();
    Hub.Subscription frames;
    Hub.Subscription control;
    Future<Void> subscribed;
    int reserved;
    Future<Void> ready;
    Buffer init;

    Channel(String sessionId) {
      this.sessionId = sessionId;
      this.operators = new Fanout<>(WsSink[]::new, slowDisconnects, op -> remove(sessionId, op.socket()));
    }
  }
}

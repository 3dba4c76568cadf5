package io.chorus.room;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bridge's outbound side: one clustered consumer per room address per node, however many of
 * the node's bridge sockets listen to the room (vertx-web's bridge registers one per socket: a
 * Hazelcast write per REGISTER and a message copy, a hook call and an envelope encoding per socket
 * per event). An event is wrapped in the bridge envelope and encoded once, and the same bytes are
 * written to every listening socket. A socket whose write queue is full is closed rather than
 * buffered without bound; the client reconnects and re-registers. Event-loop confined.
 */
final class BridgeFanout {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeFanout.class);

  private final Vertx vertx;
  private final Map<String, Channel> channels = new HashMap<>();
  private final Counter slowClosed;
  private final RoomBridge bridge;

  BridgeFanout(Vertx vertx, Counter slowClosed, RoomBridge bridge) {
    this.vertx = vertx;
    this.slowClosed = slowClosed;
    this.bridge = bridge;
  }

  /** Adds a listener; completes once the room's subscription on this node is registered in the cluster. */
  Future<Void> add(String address, BridgeSession session) {
    Channel ch = channels.get(address);
    if (ch == null) {
      ch = new Channel(vertx.eventBus().consumer(address, this::onEvent));
      channels.put(address, ch);
    }
    ch.sessions.add(session);
    return ch.consumer.completion();
  }

  void remove(String address, BridgeSession session) {
    Channel ch = channels.get(address);
    if (ch != null && ch.sessions.remove(session) && ch.sessions.isEmpty()) {
      channels.remove(address);
      ch.consumer.unregister().onFailure(e -> LOG.warn("Unregistering the bridge subscription to {} failed: {}", address, e.getMessage()));
    }
  }

  int rooms() {
    return channels.size();
  }

  /** The node's sessions listening to {@code address} (a copy). */
  BridgeSession[] listeners(String address) {
    Channel ch = channels.get(address);
    return ch == null ? new BridgeSession[0] : ch.sessions.toArray(BridgeSession[]::new);
  }

  private void onEvent(Message<Object> msg) {
    Channel ch = channels.get(msg.address());
    if (ch == null) {
      return;
    }
    JsonObject envelope = new JsonObject().put("type", "rec").put("address", msg.address()).put("body", msg.body());
    if (!msg.headers().isEmpty()) {
      JsonObject headers = new JsonObject();
      msg.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
      envelope.put("headers", headers);
    }
    // one encoding per node; every socket's write shares the bytes
    Buffer frame = Buffer.buffer(envelope.encode());
    for (BridgeSession s : ch.sessions.toArray(BridgeSession[]::new)) {
      try {
        deliver(s, frame);
      } catch (RuntimeException e) {
        // one dead socket (e.g. its connection lost without a close frame) must not stop the others'
        bridge.failed(s, e);
      }
    }
  }

  private void deliver(BridgeSession s, Buffer frame) {
    SockJSSocket sock = s.socket();
    if (sock.writeQueueFull()) {
      if (slowClosed != null) {
        slowClosed.increment();
      }
      LOG.debug("Closing bridge socket {}: it does not read its room events", sock.remoteAddress());
      s.closeSlow();
    } else {
      sock.write(frame);
    }
  }

  private static final class Channel {
    final MessageConsumer<Object> consumer;
    final Set<BridgeSession> sessions = new LinkedHashSet<>();

    Channel(MessageConsumer<Object> consumer) {
      this.consumer = consumer;
    }
  }
}

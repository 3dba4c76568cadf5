package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.realtime.Delivery;
import io.chorus.realtime.Fanout;
import io.chorus.realtime.Hub;
import io.chorus.realtime.Sequencer;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.Map;

/**
 * The bridge's outbound side on the real-time core: one cluster subscription per room address per
 * node, however many bridge sockets on however many event loops listen (vertx-web's bridge registers
 * one per socket: a Hazelcast write per REGISTER and a message copy, a hook call and an envelope
 * encoding per socket per event). The envelope is encoded once per node and the same bytes written to
 * every listening socket, under the core's slow-consumer policy. A room's playback and presence events
 * ({@code client.room.<ID>}) are written in version order, as on the seed /ws ({@link Sequencer}, holding a
 * skipped version at most {@link RoomFanout#HOLD_MS}; an event older than one written is dropped): events
 * published by different nodes, or by different event loops of one node, cross on the bus. Event-loop confined.
 */
final class BridgeFanout {
  private final Vertx vertx;
  private final Hub hub;
  private final Counter slowClosed;
  private final Map<String, Channel> channels = new HashMap<>();
  /** Registered spellings of a room or user address other than its canonical one (a lower-case room id, an upper-case user id), by canonical address. */
  private final Map<String, java.util.Set<String>> spellings = new HashMap<>();

  BridgeFanout(Vertx vertx, Hub hub, Counter slowClosed) {
    this.vertx = vertx;
    this.hub = hub;
    this.slowClosed = slowClosed;
  }

  /** Adds a listener; completes once the room's subscription on this node is registered in the cluster. */
  Future<Void> add(String address, BridgeSession session) {
    Channel ch = channels.computeIfAbsent(address, Channel::new);
    ch.sessions.add(session);
    return ch.subscription.ready();
  }

  void remove(String address, BridgeSession session) {
    Channel ch = channels.get(address);
    if (ch != null && ch.sessions.remove(session) && ch.sessions.isEmpty()) {
      channels.remove(address);
      ch.close();
      java.util.Set<String> others = spellings.get(ch.canonical);
      if (others != null && others.remove(address) && others.isEmpty()) {
        spellings.remove(ch.canonical);
      }
    }
  }

  /** Every address registered on this loop that names the canonical {@code address}'s room: itself and its other spellings. */
  java.util.List<String> spellings(String address) {
    java.util.Set<String> others = spellings.get(address);
    if (others == null) {
      return java.util.List.of(address);
    }
    java.util.List<String> all = new java.util.ArrayList<>(others.size() + 1);
    all.add(address);
    all.addAll(others);
    return all;
  }

  /** This loop's sessions listening to {@code address} (shared with the fan-out: read it, never write it). */
  BridgeSession[] listeners(String address) {
    Channel ch = channels.get(address);
    return ch == null ? new BridgeSession[0] : ch.sessions.snapshot();
  }

  private final class Channel {
    // a slow session is closed (its close handler discards it); a broken one is discarded by abort()
    final Fanout<BridgeSession> sessions = new Fanout<>(BridgeSession[]::new, slowClosed, s -> { });
    final Hub.Subscription subscription;
    final String canonical;
    /** Version order for a room's events (null for chat and user channels, which carry no room version). */
    final Sequencer<Delivery> order;

    Channel(String address) {
      canonical = RoomBridge.canonical(address);
      if (!canonical.equals(address)) {
        spellings.computeIfAbsent(canonical, k -> new java.util.HashSet<>()).add(address);
      }
      order = canonical.startsWith(Addresses.ROOM_EVENTS_PREFIX)
          ? new Sequencer<>(-1, RoomFanout.HOLD_MS, true, new Sequencer.Timers() {
            @Override
            public long set(long delayMs, Runnable action) {
              return vertx.setTimer(delayMs, t -> action.run());
            }

            @Override
            public void cancel(long id) {
              vertx.cancelTimer(id);
            }
          }, d -> sessions.write(d.bridgeFrame(address)), Sequencer::release)
          : null;
      // events are published on the canonical address; the client's handler is keyed by the spelling it registered
      subscription = hub.subscribe(canonical, d -> {
        Object version = order == null || d.json() == null ? null : d.json().getValue("version");
        if (version instanceof Number v) {
          order.offer(v.longValue(), d);
        } else {
          // no room version (the end of a room whose state was already gone): nothing to order it against
          sessions.write(d.bridgeFrame(address));
        }
      });
    }

    void close() {
      subscription.close();
      if (order != null) {
        order.close();
      }
    }
  }
}

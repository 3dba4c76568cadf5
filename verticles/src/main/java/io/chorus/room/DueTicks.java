package io.chorus.room;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Runs a room's tick when something is due (a ready deadline, the end of a playing track). The node
 * that made the change sets a timer; the due time also goes into Redis ({@link RoomStore#DUE_KEY}),
 * which every room node sweeps, so a room whose node died mid-wait still moves on (within
 * {@link #SWEEP_MS} plus {@link #GRACE_MS}). The tick itself is conditional on the room's state, so
 * a room ticked by a timer and by a sweep changes once. Thread-safe: the room service runs on every
 * event loop of the node.
 */
final class DueTicks {
  private static final Logger LOG = LoggerFactory.getLogger(DueTicks.class);
  static final long SWEEP_MS = 1000;
  /** A sweep leaves an entry this long to the timer of the node that set it. */
  static final long GRACE_MS = 250;
  static final int SWEEP_BATCH = 100;

  private final RoomStore store;
  private final Function<String, Future<?>> tick;
  private final ConcurrentHashMap<String, Long> timers = new ConcurrentHashMap<>();
  private volatile Vertx vertx;
  private long sweeper = -1;

  DueTicks(RoomStore store, Function<String, Future<?>> tick) {
    this.store = store;
    this.tick = tick;
  }

  /** Local timers and the sweep run from here on (the room role's verticle calls it at start). */
  synchronized void start(Vertx vertx) {
    if (this.vertx != null) {
      return;
    }
    this.vertx = vertx;
    sweeper = vertx.setPeriodic(SWEEP_MS, t -> sweep());
  }

  synchronized void stop() {
    Vertx v = vertx;
    if (v != null) {
      v.cancelTimer(sweeper);
      timers.values().forEach(v::cancelTimer);
      timers.clear();
      vertx = null;
    }
  }

  /** {@code roomId} needs a tick at {@code dueAt} (epoch ms); replaces the room's earlier timer on this node. */
  void schedule(String roomId, long dueAt) {
    store.markDue(roomId, dueAt).onFailure(e -> LOG.debug("Room {}: noting its due time failed: {}", roomId, e.getMessage()));
    Vertx v = vertx;
    if (v == null) {
      return; // no timers here (yet): the sweep of a room node runs it
    }
    long delay = Math.max(1, dueAt - System.currentTimeMillis());
    long[] id = {0};
    id[0] = v.setTimer(delay, t -> {
      timers.remove(roomId, t);
      run(roomId);
    });
    Long earlier = timers.put(roomId, id[0]);
    if (earlier != null) {
      v.cancelTimer(earlier);
    }
  }

  /** Nothing is due any more in {@code roomId}: its timer here goes (a swept entry finds nothing to do). */
  void cancel(String roomId) {
    Long earlier = timers.remove(roomId);
    Vertx v = vertx;
    if (earlier != null && v != null) {
      v.cancelTimer(earlier);
    }
  }

  private void sweep() {
    store.dueRooms(System.currentTimeMillis() - GRACE_MS, SWEEP_BATCH).onSuccess(rooms -> {
      for (String roomId : rooms) {
        // the one node whose ZREM took the entry ticks; the others leave it
        store.claimDue(roomId).onSuccess(claimed -> {
          if (claimed) {
            run(roomId);
          }
        });
      }
    }).onFailure(e -> LOG.debug("Sweep of due rooms failed: {}", e.getMessage()));
  }

  private void run(String roomId) {
    try {
      tick.apply(roomId).onFailure(e -> LOG.debug("Tick of room {} failed: {}", roomId, e.getMessage()));
    } catch (RuntimeException e) {
      LOG.warn("Tick of room {} threw", roomId, e);
    }
  }
}

package io.chorus.chat;

import io.chorus.bus.Addresses;
import io.chorus.room.RoomLifecycle;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.redis.client.RedisAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Seed 002's {@code CleanupInactiveRooms}: active rooms past {@code expires_at} are ended in
 * PostgreSQL (open memberships get {@code left_at}), their Redis keys are removed and a
 * {@code room_ended} event goes to the room's address. In a cluster one node runs it per period: the
 * period's lock {@code cleanup:lock:<period>} is taken with {@code SET NX} in Redis.
 */
public final class RoomCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(RoomCleanup.class);
  private static final int BATCH = 200;

  private final ConferenceRepo repo;
  private final ChatStore store;
  private final RoomLifecycle rooms;
  private final RedisAPI redis;
  private final EventBus bus;
  private final long periodMs;

  public RoomCleanup(ConferenceRepo repo, ChatStore store, RoomLifecycle rooms, RedisAPI redis, EventBus bus, long periodMs) {
    this.repo = repo;
    this.store = store;
    this.rooms = rooms;
    this.redis = redis;
    this.bus = bus;
    this.periodMs = periodMs;
  }

  /** Runs the cleanup if this node wins the period's lock: the number of rooms ended, or -1 if another node has it. */
  public Future<Integer> tick(long nowMs, String node) {
    long period = nowMs / periodMs;
    String key = "cleanup:lock:" + period;
    return redis.set(List.of(key, node, "NX", "PX", Long.toString(periodMs * 2))).compose(r -> {
      if (r == null) {
        return Future.succeededFuture(-1);
      }
      return cleanupInactiveRooms();
    });
  }

  /** Ends every expired room (in batches); the count of rooms ended. */
  public Future<Integer> cleanupInactiveRooms() {
    return repo.expiredRooms(BATCH).compose(ids -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (String id : ids) {
        chain = chain.compose(n -> endRoom(id).map(ended -> ended ? n + 1 : n));
      }
      return chain.compose(n -> ids.size() == BATCH ? cleanupInactiveRooms().map(m -> n + m) : Future.succeededFuture(n));
    });
  }

  private Future<Boolean> endRoom(String id) {
    return repo.endRoom(id).compose(ended -> store.deleteRoom(id).map(ended)).compose(wasEnded -> {
      if (!wasEnded) {
        return Future.succeededFuture(false);
      }
      LOG.info("Room {} expired: ended, participants marked left, Redis keys removed", id);
      // the end of the room is news to both its listeners (the rooms module tells them) and its chat's
      bus.publish(Addresses.chatEvents(id), RoomLifecycle.ended(id, "expired"));
      return rooms.end(id, "expired").map(true);
    });
  }
}

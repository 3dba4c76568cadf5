package io.chorus.audio.wave;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.infra.RedisReplies;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomCommand;
import io.chorus.room.RoomIds;
import io.chorus.room.RoomState;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Rooms that play their host's wave. The set lives in Redis ({@code wave:rooms}: room id → the host's
 * account id), so any node may feed any room: every node sweeps it each {@code WAVE_ROOM_SWEEP_MS}, and
 * the node that takes a room's claim ({@code wave:room:<id>:claim}, SET NX) tops the room's queue up to
 * {@code WAVE_ROOM_QUEUE_MIN} through the rooms' published {@link RoomClient} (queue commands as the host,
 * so the room resolves and checks every track), then keeps the claim for one sweep period, so a room is
 * looked at about once per period whatever the number of nodes. A room whose last track ended with an
 * empty queue is moved on (skip) once fed. The wave stops when the room is gone or has another host.
 */
final class WaveRooms {
  private static final Logger LOG = LoggerFactory.getLogger(WaveRooms.class);
  static final String KEY = "wave:rooms";
  /** How long a claim holds while a node feeds a room (longer than any top-up). */
  static final long CLAIM_MS = 30_000;

  private final Vertx vertx;
  private final RedisAPI redis;
  private final RoomClient rooms;
  private final Wave wave;
  private final WaveConfig config;
  private final String nodeId;
  private long timer = -1;

  WaveRooms(Vertx vertx, RedisAPI redis, RoomClient rooms, Wave wave, WaveConfig config, String nodeId) {
    this.vertx = vertx;
    this.redis = redis;
    this.rooms = rooms;
    this.wave = wave;
    this.config = config;
    this.nodeId = nodeId;
  }

  void start() {
    timer = vertx.setPeriodic(config.roomSweepMs(), t -> sweep());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** {@code PUT /api/v1/rooms/:id/wave}: only the room's host, signed in as that account; on: fed at once. */
  Future<JsonObject> set(String rawId, SignedIn who, boolean on) {
    String id = roomId(rawId);
    return rooms.get(id).compose(room -> {
      if (!who.userId().equals(room.hostId())) {
        return Future.failedFuture(new ChorusException(ErrorCode.FORBIDDEN,
            "only the room's host, signed in as the account that hosts it, plays their wave in it"));
      }
      if (!on) {
        return redis.hdel(List.of(KEY, id)).map(r -> answer(id, false, room));
      }
      // the claim first: a sweep that sees the room in the set cannot feed it alongside this first feeding
      return redis.set(List.of(claim(id), nodeId, "PX", Long.toString(CLAIM_MS)))
          .compose(r -> redis.hset(List.of(KEY, id, who.userId())))
          .compose(r -> feed(id, who.userId()))
          .compose(fed -> release(id).map(answer(id, true, fed)));
    });
  }

  /** {@code GET /api/v1/rooms/:id/wave}: for the room's members. */
  Future<JsonObject> status(String rawId, SignedIn who) {
    String id = roomId(rawId);
    return rooms.get(id).compose(room -> {
      if (!room.isMember(who.userId())) {
        return Future.failedFuture(new ChorusException(ErrorCode.FORBIDDEN, "not a participant of this room"));
      }
      return redis.hget(KEY, id).map(host -> answer(id, host != null && host.toString().equals(room.hostId()), room));
    });
  }

  private static JsonObject answer(String id, boolean on, RoomState room) {
    return new JsonObject().put("room_id", id).put("enabled", on).put("host_id", room.hostId()).put("queue", room.queue());
  }

  private static String roomId(String raw) {
    String id = RoomIds.normalize(raw);
    if (!RoomIds.isValid(id)) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "room id must be 4-32 letters or digits");
    }
    return id;
  }

  private static String claim(String roomId) {
    return "wave:room:" + roomId + ":claim";
  }

  /** One pass over the wave rooms: feeds each room whose claim this node takes. */
  void sweep() {
    redis.hgetall(KEY).onSuccess(r -> RedisReplies.hash(r).forEach((room, host) ->
        redis.set(List.of(claim(room), nodeId, "NX", "PX", Long.toString(CLAIM_MS))).onSuccess(took -> {
          if (took == null) {
            return;
          }
          feed(room, host).onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("Room {}: feeding the wave failed: {}", room, ar.cause().getMessage());
            }
            release(room);
          });
        }))).onFailure(e -> LOG.warn("Wave rooms sweep: {}", e.getMessage()));
  }

  /** The claim is kept one sweep period: no node looks at the room again before then. */
  private Future<Void> release(String room) {
    return redis.pexpire(List.of(claim(room), Integer.toString(config.roomSweepMs()))).mapEmpty();
  }

  /** Tops the room's queue up from the host's wave; forgets the room when it is gone or changed hosts. */
  Future<RoomState> feed(String roomId, String host) {
    return rooms.get(roomId).recover(e -> {
      if (ErrorCode.of(e) == ErrorCode.NOT_FOUND) {
        LOG.info("Room {} is gone: its wave stops", roomId);
        return redis.hdel(List.of(KEY, roomId)).compose(r -> Future.failedFuture(e));
      }
      return Future.failedFuture(e);
    }).compose(room -> {
      if (!host.equals(room.hostId())) {
        LOG.info("Room {} has a new host: the wave of the previous one stops", roomId);
        return redis.hdel(List.of(KEY, roomId)).map(room);
      }
      int need = config.roomQueueMin() - room.queue().size();
      if (need <= 0) {
        return Future.succeededFuture(room);
      }
      Set<UUID> exclude = new HashSet<>();
      addId(exclude, room.trackId());
      room.queue().forEach(o -> {
        if (o instanceof JsonObject item) {
          addId(exclude, item.getString("track_id"));
        }
      });
      return wave.nextIds(UUID.fromString(host), need, exclude)
          .compose(ids -> add(room, host, ids, 0))
          .compose(fed -> ended(room) && !fed.queue().isEmpty() ? rooms.send(new RoomCommand.Skip(roomId, host)) : Future.succeededFuture(fed));
    });
  }

  /** Queues the tracks one by one as the host; a track the room refuses (gone meanwhile) is left out. */
  private Future<RoomState> add(RoomState last, String host, List<UUID> ids, int i) {
    if (i == ids.size()) {
      return Future.succeededFuture(last);
    }
    return rooms.send(new RoomCommand.QueueAdd(last.roomId(), host, "", ids.get(i).toString(), "", 0, -1))
        .recover(e -> {
          if (ErrorCode.of(e) == ErrorCode.QUEUE_FULL) {
            return Future.failedFuture(e);
          }
          LOG.debug("Room {}: wave track {} not queued: {}", last.roomId(), ids.get(i), e.getMessage());
          return Future.succeededFuture(last);
        })
        .compose(room -> add(room, host, ids, i + 1));
  }

  /** Nothing to play: no track, or the last one ended and the room paused at its end. */
  private static boolean ended(RoomState room) {
    return room.trackUrl().isEmpty() || "pause".equals(room.status()) && room.durationMs() > 0 && room.positionMs() >= room.durationMs();
  }

  private static void addId(Set<UUID> ids, String id) {
    if (id != null && id.length() == 36) {
      try {
        ids.add(UUID.fromString(id));
      } catch (IllegalArgumentException e) {
        // not a library track
      }
    }
  }
}

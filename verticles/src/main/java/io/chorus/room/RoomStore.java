package io.chorus.room;

import io.chorus.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;

import java.util.ArrayList;
import java.util.List;

/**
 * Room state in Redis. Every change runs {@code lua/room.lua} (EVALSHA, loading it on NOSCRIPT), so
 * changes to one room are atomic and ordered the same way for every node; each bumps the version.
 * The room JSON and its member hash share the {@code {ID}} hash tag, so one script may touch both in
 * Redis Cluster too.
 */
public final class RoomStore {
  private final RedisAPI redis;
  private final LuaScript script;
  private final int ttlSeconds;
  private final String presenceMax;

  public RoomStore(RedisAPI redis, int ttlHours) {
    this(redis, ttlHours, Integer.MAX_VALUE);
  }

  /** {@code presenceEventsMaxUsers}: above this many users, joins and leaves are quiet (see room.lua). */
  public RoomStore(RedisAPI redis, int ttlHours, int presenceEventsMaxUsers) {
    this.redis = redis;
    this.script = new LuaScript(redis, "lua/room.lua");
    this.ttlSeconds = ttlHours * 3600;
    this.presenceMax = Integer.toString(presenceEventsMaxUsers);
  }

  public static String key(String roomId) {
    return "room:{" + roomId + "}";
  }

  /** The room's member records (HASH user id -> JSON), apart so playback changes never touch them. */
  public static String membersKey(String roomId) {
    return key(roomId) + ":members";
  }

  /**
   * Every user id the room has ever had (SET), kept for the room's life: an id stays bound to its
   * holder's participant token after the holder leaves, so nobody else can join under it. Here and
   * not PostgreSQL's {@code room_participants}: that table has only REST joins (rooms made over gRPC or
   * the seed WebSocket have no rows), and room.lua checks and adds the id in the same atomic step as the join.
   */
  public static String idsKey(String roomId) {
    return key(roomId) + ":ids";
  }

  /** The room's shared queue: a JSON array of items (apart, so playback changes never read it). */
  public static String queueKey(String roomId) {
    return key(roomId) + ":queue";
  }

  /** While a new track waits: the members (with a socket when it began) it still waits for (SET). */
  public static String pendingKey(String roomId) {
    return key(roomId) + ":pending";
  }

  /**
   * Rooms with something due (a ready deadline, the end of a playing track), scored by when (ms).
   * A hint that outlives the node that set it: every room node sweeps it, and the transition itself is
   * conditional on the room's state, so a stale or doubled entry changes nothing.
   */
  public static final String DUE_KEY = "rooms:due";

  /** Every key of a room's state, for callers that renew or delete them together. */
  public static List<String> keys(String roomId) {
    return List.of(key(roomId), membersKey(roomId), idsKey(roomId), queueKey(roomId), pendingKey(roomId));
  }

  /** Rooms where a node holds connections: read when the node dies, to drop its users. */
  public static String nodeRoomsKey(String nodeId) {
    return "node:{" + nodeId + "}:rooms";
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  public Future<RoomState> create(String roomId, String hostId, String hostName, String trackUrl, int maxUsers, String title,
                                  String node, boolean connect) {
    return create(roomId, hostId, hostName, new Track(trackUrl, "", "", 0), maxUsers, title, node, connect);
  }

  public Future<RoomState> create(String roomId, String hostId, String hostName, Track track, int maxUsers, String title,
                                  String node, boolean connect) {
    return create(roomId, hostId, hostName, track, maxUsers, title, node, connect, false);
  }

  /** {@code bound}: the host is the id of the account the caller is signed in as (room.lua marks the member). */
  public Future<RoomState> create(String roomId, String hostId, String hostName, Track track, int maxUsers, String title,
                                  String node, boolean connect, boolean bound) {
    return run(roomId, "create", hostId, hostName, track.url(), Integer.toString(maxUsers), title, node, connect ? "1" : "0",
        track.trackId(), track.title(), Long.toString(track.durationMs()), bound ? "1" : "0");
  }

  public Future<RoomState> get(String roomId) {
    return run(roomId, "get");
  }

  /** The room without its member list, plus the one member asked for (membership checks on hot paths). */
  public Future<RoomState> member(String roomId, String userId) {
    return run(roomId, "member", userId);
  }

  public Future<RoomState> join(String roomId, String userId, String name, String node, boolean connect, boolean strict) {
    return join(roomId, userId, name, node, connect, strict, false);
  }

  /**
   * {@code bound}: the caller is signed in as the account whose id {@code userId} is: a new member is marked so, and an
   * existing member that is not is FORBIDDEN (the account never merges into a member somebody else made).
   */
  public Future<RoomState> join(String roomId, String userId, String name, String node, boolean connect, boolean strict,
                                boolean bound) {
    return run(roomId, "join", userId, name, node, connect ? "1" : "0", strict ? "1" : "0", presenceMax, bound ? "1" : "0");
  }

  public Future<RoomState> leave(String roomId, String userId, String node, boolean disconnectOnly) {
    return run(roomId, "leave", userId, node, disconnectOnly ? "1" : "0", presenceMax);
  }

  public Future<RoomState> dropNode(String roomId, String node) {
    return run(roomId, "drop_node", node, presenceMax);
  }

  /** {@code actor} empty means a trusted service call (gRPC with the API key). */
  public Future<RoomState> control(String roomId, String actor, String action, long positionMs) {
    return control(roomId, actor, action, positionMs, false);
  }

  /** {@code withUsers}: the reply carries the member ids; otherwise only {@link RoomState#userCount()}. */
  public Future<RoomState> control(String roomId, String actor, String action, long positionMs, boolean withUsers) {
    return run(roomId, "control", actor, action, Long.toString(positionMs), withUsers ? "users" : "");
  }

  public Future<RoomState> transfer(String roomId, String actor, String newHost) {
    return run(roomId, "transfer", actor, newHost);
  }

  public Future<RoomState> changeTrack(String roomId, String actor, String trackUrl) {
    return changeTrack(roomId, actor, new Track(trackUrl, "", "", 0));
  }

  public Future<RoomState> changeTrack(String roomId, String actor, Track track) {
    return run(roomId, "track", actor, track.url(), track.trackId(), track.title(), Long.toString(track.durationMs()));
  }

  /** {@code item}: {id, track_url, track_id, title, duration_ms, added_by}; {@code position} -1: at the end. */
  public Future<RoomState> queueAdd(String roomId, String actor, JsonObject item, int position, int maxQueue) {
    return run(roomId, "queue_add", actor, item.encode(), Integer.toString(position), Integer.toString(maxQueue));
  }

  public Future<RoomState> queueRemove(String roomId, String actor, String itemId) {
    return run(roomId, "queue_remove", actor, itemId);
  }

  public Future<RoomState> queueMove(String roomId, String actor, String itemId, int position) {
    return run(roomId, "queue_move", actor, itemId, Integer.toString(position));
  }

  public Future<RoomState> skip(String roomId, String actor, long readyTimeoutMs) {
    return run(roomId, "skip", actor, Long.toString(readyTimeoutMs));
  }

  /** A listener has buffered track {@code trackVersion}; the reply is {@link RoomState#noop} unless it started the track. */
  public Future<RoomState> ready(String roomId, String userId, long trackVersion) {
    return run(roomId, "ready", userId, Long.toString(trackVersion));
  }

  /** Runs whatever is due (a ready deadline, a track's end); {@link RoomState#noop} when nothing is. */
  public Future<RoomState> tick(String roomId, long readyTimeoutMs) {
    return run(roomId, "tick", Long.toString(readyTimeoutMs));
  }

  /**
   * Library tracks taken down (or deleted): their items leave the queue and a current one makes way for
   * the next item (or is cleared). {@link RoomState#noop} when the room holds none of them.
   */
  public Future<RoomState> takedown(String roomId, List<String> trackIds, long readyTimeoutMs, String reason) {
    return run(roomId, "takedown", new io.vertx.core.json.JsonArray(new ArrayList<Object>(trackIds)).encode(),
        Long.toString(readyTimeoutMs), reason);
  }

  /**
   * Rooms that play or queued library track {@code trackId} (SET of room ids): a hint kept beside the
   * rooms, since a room's script touches only its own hash slot. Entries are added before the change
   * that brings the track in and left to expire with the rooms; a stale one costs a no-op takedown.
   */
  public static String trackRoomsKey(String trackId) {
    return "rooms:track:{" + trackId + "}";
  }

  /** Set (briefly) when a track is taken down, so a room that brought it in meanwhile looks again. */
  public static String trackDownKey(String trackId) {
    return trackRoomsKey(trackId) + ":down";
  }

  /** How long a takedown mark lasts: far longer than a track's resolve-and-change takes. */
  static final int DOWN_MARK_SECONDS = 120;

  /** {@code roomId} plays or queues library track {@code trackId} (before the change that does it). */
  public Future<Void> indexTrack(String trackId, String roomId) {
    String k = trackRoomsKey(trackId);
    return redis.sadd(List.of(k, roomId)).compose(x -> redis.expire(List.of(k, Integer.toString(ttlSeconds))))
        .<Void>mapEmpty().recover(LuaScript::mapError);
  }

  /** Every room that may hold library track {@code trackId}. */
  public Future<List<String>> trackRooms(String trackId) {
    return redis.smembers(trackRoomsKey(trackId)).map(r -> {
      List<String> out = new ArrayList<>();
      r.forEach(x -> out.add(x.toString()));
      return out;
    }).recover(LuaScript::mapError);
  }

  /** Marks {@code trackId} as just taken down (before its rooms are read). */
  public Future<Void> markDown(String trackId) {
    return redis.set(List.of(trackDownKey(trackId), "1", "EX", Integer.toString(DOWN_MARK_SECONDS))).<Void>mapEmpty()
        .recover(LuaScript::mapError);
  }

  /** Whether {@code trackId} was taken down within the last {@link #DOWN_MARK_SECONDS}. */
  public Future<Boolean> markedDown(String trackId) {
    return redis.exists(List.of(trackDownKey(trackId))).map(r -> r.toInteger() > 0).recover(LuaScript::mapError);
  }

  /** Notes (or moves) when {@code roomId} next needs a tick, for the sweep of every room node. */
  public Future<Void> markDue(String roomId, long dueAt) {
    return redis.zadd(List.of(DUE_KEY, Long.toString(dueAt), roomId)).<Void>mapEmpty().recover(LuaScript::mapError);
  }

  /** Rooms due at or before {@code upTo}, at most {@code limit}. */
  public Future<List<String>> dueRooms(long upTo, int limit) {
    return redis.zrangebyscore(List.of(DUE_KEY, "-inf", Long.toString(upTo), "LIMIT", "0", Integer.toString(limit))).map(r -> {
      List<String> out = new ArrayList<>();
      r.forEach(x -> out.add(x.toString()));
      return out;
    });
  }

  /** Takes a due room off the list; true for the one node that did (the others leave it). */
  public Future<Boolean> claimDue(String roomId) {
    return redis.zrem(List.of(DUE_KEY, roomId)).map(r -> r.toInteger() == 1);
  }

  /** A room's current track: a URL and, for a library track, its id, title and duration (0: unknown). */
  public record Track(String url, String trackId, String title, long durationMs) {
    public Track {
      url = url == null ? "" : url;
      trackId = trackId == null ? "" : trackId;
      title = title == null ? "" : title;
    }
  }

  public Future<Void> indexNodeRoom(String node, String roomId) {
    return redis.sadd(List.of(nodeRoomsKey(node), roomId)).<Void>mapEmpty().recover(LuaScript::mapError);
  }

  public Future<List<String>> nodeRooms(String node) {
    return redis.smembers(nodeRoomsKey(node)).map(r -> {
      List<String> out = new ArrayList<>();
      r.forEach(x -> out.add(x.toString()));
      return out;
    });
  }

  public Future<Void> forgetNode(String node) {
    return redis.del(List.of(nodeRoomsKey(node))).mapEmpty();
  }

  private Future<RoomState> run(String roomId, String op, String... args) {
    List<String> argv = new ArrayList<>(args.length + 3);
    argv.add(op);
    argv.add(Long.toString(System.currentTimeMillis()));
    argv.add(Integer.toString(ttlSeconds));
    argv.addAll(List.of(args));
    return script.run(keys(roomId), argv).map(r -> new RoomState(new JsonObject(r.toString())));
  }
}

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

  /** Every key of a room's state, for callers that renew or delete them together. */
  public static List<String> keys(String roomId) {
    return List.of(key(roomId), membersKey(roomId), idsKey(roomId));
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
    return run(roomId, "create", hostId, hostName, trackUrl, Integer.toString(maxUsers), title, node, connect ? "1" : "0");
  }

  public Future<RoomState> get(String roomId) {
    return run(roomId, "get");
  }

  /** The room without its member list, plus the one member asked for (membership checks on hot paths). */
  public Future<RoomState> member(String roomId, String userId) {
    return run(roomId, "member", userId);
  }

  public Future<RoomState> join(String roomId, String userId, String name, String node, boolean connect, boolean strict) {
    return run(roomId, "join", userId, name, node, connect ? "1" : "0", strict ? "1" : "0", presenceMax);
  }

  public Future<RoomState> leave(String roomId, String userId, String node, boolean disconnectOnly) {
    return run(roomId, "leave", userId, node, disconnectOnly ? "1" : "0", presenceMax);
  }

  public Future<RoomState> dropNode(String roomId, String node) {
    return run(roomId, "drop_node", node, presenceMax);
  }

  /** {@code actor} empty means a trusted service call (gRPC with the API key). */
  public Future<RoomState> control(String roomId, String actor, String action, long positionMs) {
    return run(roomId, "control", actor, action, Long.toString(positionMs));
  }

  public Future<RoomState> transfer(String roomId, String actor, String newHost) {
    return run(roomId, "transfer", actor, newHost);
  }

  public Future<RoomState> changeTrack(String roomId, String actor, String trackUrl) {
    return run(roomId, "track", actor, trackUrl);
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

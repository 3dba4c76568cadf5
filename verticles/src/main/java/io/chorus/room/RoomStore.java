package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Room state in Redis. Every change runs {@code lua/room.lua} (EVALSHA, loading it on NOSCRIPT), so
 * changes to one room are atomic and ordered the same way for every node; each bumps the version.
 */
public final class RoomStore {
  private static final String SCRIPT = load();

  private final RedisAPI redis;
  private final int ttlSeconds;
  private volatile String sha;

  public RoomStore(RedisAPI redis, int ttlHours) {
    this.redis = redis;
    this.ttlSeconds = ttlHours * 3600;
  }

  public static String key(String roomId) {
    return "room:{" + roomId + "}";
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

  public Future<RoomState> touch(String roomId) {
    return run(roomId, "touch");
  }

  public Future<RoomState> join(String roomId, String userId, String name, String node, boolean connect, boolean strict) {
    return run(roomId, "join", userId, name, node, connect ? "1" : "0", strict ? "1" : "0");
  }

  public Future<RoomState> leave(String roomId, String userId, String node, boolean disconnectOnly) {
    return run(roomId, "leave", userId, node, disconnectOnly ? "1" : "0");
  }

  public Future<RoomState> dropNode(String roomId, String node) {
    return run(roomId, "drop_node", node);
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
    return redis.sadd(List.of(nodeRoomsKey(node), roomId)).mapEmpty();
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
    List<String> evalArgs = new ArrayList<>();
    evalArgs.add("1");
    evalArgs.add(key(roomId));
    evalArgs.add(op);
    evalArgs.add(Long.toString(System.currentTimeMillis()));
    evalArgs.add(Integer.toString(ttlSeconds));
    evalArgs.addAll(List.of(args));
    return evalsha(evalArgs).map(RoomStore::decode).recover(RoomStore::mapError);
  }

  private Future<Response> evalsha(List<String> evalArgs) {
    String current = sha;
    if (current == null) {
      return loadScript().compose(s -> evalsha(evalArgs));
    }
    List<String> withSha = new ArrayList<>(evalArgs.size() + 1);
    withSha.add(current);
    withSha.addAll(evalArgs);
    return redis.evalsha(withSha).recover(e -> {
      if (String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
        // Redis restarted or flushed its script cache
        sha = null;
        return loadScript().compose(s -> evalsha(evalArgs));
      }
      return Future.failedFuture(e);
    });
  }

  private Future<String> loadScript() {
    return redis.script(List.of("LOAD", SCRIPT)).map(r -> {
      sha = r.toString();
      return sha;
    });
  }

  private static RoomState decode(Response r) {
    return new RoomState(new JsonObject(r.toString()));
  }

  private static Future<RoomState> mapError(Throwable e) {
    String msg = String.valueOf(e.getMessage());
    int i = msg.indexOf("CHORUS ");
    if (i < 0) {
      return Future.failedFuture(new ChorusException(ErrorCode.UNAVAILABLE, "room store unavailable: " + msg));
    }
    String rest = msg.substring(i + 7);
    int space = rest.indexOf(' ');
    String code = space < 0 ? rest : rest.substring(0, space);
    String text = space < 0 ? code : rest.substring(space + 1);
    ErrorCode ec = switch (code) {
      case "not_found" -> ErrorCode.NOT_FOUND;
      case "already_exists", "exists" -> ErrorCode.ALREADY_EXISTS;
      case "room_full" -> ErrorCode.ROOM_FULL;
      case "forbidden" -> ErrorCode.FORBIDDEN;
      case "invalid_argument" -> ErrorCode.INVALID_ARGUMENT;
      default -> ErrorCode.INTERNAL;
    };
    return Future.failedFuture(new ChorusException(ec, text));
  }

  private static String load() {
    try (InputStream in = RoomStore.class.getClassLoader().getResourceAsStream("lua/room.lua")) {
      if (in == null) {
        throw new IllegalStateException("lua/room.lua missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

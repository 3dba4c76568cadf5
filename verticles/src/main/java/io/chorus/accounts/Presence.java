package io.chorus.accounts;

import io.chorus.bus.Addresses;
import io.chorus.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Online presence in Redis: a user is online while {@code presence:{uid}:sockets} holds a socket of any
 * node. Each node refreshes {@code presence:node:{node}:alive} (TTL {@code PRESENCE_NODE_TTL_SECONDS})
 * every {@code PRESENCE_HEARTBEAT_SECONDS}; every node checks the others on the same beat and removes the
 * sockets of a node whose key expired (one reaper per dead node, by a lock), so a killed node's users go
 * offline within TTL + one beat. Transitions are announced to each friend on {@code client.user.<id>}.
 */
public final class Presence {
  private static final Logger LOG = LoggerFactory.getLogger(Presence.class);
  static final String NODES = "presence:nodes";

  private final Vertx vertx;
  private final RedisAPI redis;
  private final LuaScript script;
  private final FriendRepo friends;
  private final String node;
  private final int nodeTtlSeconds;

  public Presence(Vertx vertx, RedisAPI redis, FriendRepo friends, String node, int nodeTtlSeconds) {
    this.vertx = vertx;
    this.redis = redis;
    this.script = new LuaScript(redis, "lua/presence.lua");
    this.friends = friends;
    this.node = node;
    this.nodeTtlSeconds = nodeTtlSeconds;
  }

  static String socketsKey(String uid) {
    return "presence:{" + uid + "}:sockets";
  }

  static String lastSeenKey(String uid) {
    return "presence:{" + uid + "}:last_seen";
  }

  static String aliveKey(String node) {
    return "presence:node:{" + node + "}:alive";
  }

  static String nodeUsersKey(String node) {
    return "presence:node:{" + node + "}:users";
  }

  /** Starts the heartbeat and reaper on the caller's context; returns the timer id. */
  public long start(int heartbeatSeconds) {
    beat();
    return vertx.setPeriodic(heartbeatSeconds * 1000L, t -> beat());
  }

  private void beat() {
    redis.set(List.of(aliveKey(node), "1", "EX", Integer.toString(nodeTtlSeconds)))
        .compose(r -> redis.sadd(List.of(NODES, node)))
        .compose(r -> redis.smembers(NODES))
        .onSuccess(nodes -> {
          for (Response n : nodes) {
            String other = n.toString();
            if (!other.equals(node)) {
              redis.exists(List.of(aliveKey(other))).onSuccess(alive -> {
                if (alive.toLong() == 0) {
                  reap(other);
                }
              });
            }
          }
        })
        .onFailure(e -> LOG.warn("presence heartbeat of node {} failed: {}", node, e.getMessage()));
  }

  /** Removes a dead node's sockets once (whoever takes the lock) and announces who went offline. */
  private void reap(String dead) {
    redis.set(List.of("presence:reap:{" + dead + "}", node, "NX", "EX", "30")).compose(lock -> {
      if (lock == null) {
        return Future.succeededFuture();
      }
      return redis.smembers(nodeUsersKey(dead)).compose(users -> {
        List<Future<?>> all = new ArrayList<>();
        for (Response u : users) {
          String uid = u.toString();
          all.add(script.run(List.of(socketsKey(uid)), List.of("reap", dead + "/")).compose(r -> afterChange(uid, r, false)));
        }
        return Future.all(all);
      }).compose(v -> redis.del(List.of(nodeUsersKey(dead)))).compose(v -> redis.srem(List.of(NODES, dead)))
          .onSuccess(v -> LOG.info("presence: node {} is gone, its sockets were removed", dead));
    }).onFailure(e -> LOG.warn("presence: reaping node {} failed: {}", dead, e.getMessage()));
  }

  /** A socket of {@code uid} opened on this node. */
  public Future<Void> connected(String uid, String socketId) {
    return redis.sadd(List.of(nodeUsersKey(node), uid))
        .compose(r -> script.run(List.of(socketsKey(uid)), List.of("add", node + "/" + socketId)))
        .compose(r -> afterChange(uid, r, true));
  }

  public Future<Void> disconnected(String uid, String socketId) {
    return script.run(List.of(socketsKey(uid)), List.of("remove", node + "/" + socketId)).compose(r -> afterChange(uid, r, false));
  }

  private Future<Void> afterChange(String uid, Response r, boolean added) {
    long changed = r.get(0).toLong();
    long remaining = r.get(1).toLong();
    if (changed == 0) {
      return Future.succeededFuture();
    }
    if (added && remaining == 1) {
      return announce(uid, false, new JsonObject().put("type", "presence").put("user_id", uid).put("status", "online"));
    }
    if (!added && remaining == 0) {
      long now = System.currentTimeMillis();
      return redis.set(List.of(lastSeenKey(uid), Long.toString(now)))
          .compose(x -> announce(uid, true, new JsonObject().put("type", "presence").put("user_id", uid).put("status", "offline")
              .put("last_seen", java.time.Instant.ofEpochMilli(now).toString())));
    }
    return Future.succeededFuture();
  }

  private Future<Void> announce(String uid, boolean evenIfDisabled, JsonObject event) {
    return friends.presenceAudience(uid, evenIfDisabled).map(ids -> {
      ids.forEach(f -> vertx.eventBus().publish(Addresses.userEvents(f), event));
      return null;
    });
  }

  /** {@code {status, last_seen?}} of each user. */
  public Future<Map<String, JsonObject>> statuses(List<String> uids) {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (String uid : uids) {
      all.add(redis.scard(socketsKey(uid)).compose(n -> n.toLong() > 0
          ? Future.succeededFuture(new JsonObject().put("status", "online"))
          : redis.get(lastSeenKey(uid)).map(ls -> {
            JsonObject s = new JsonObject().put("status", "offline");
            if (ls != null) {
              s.put("last_seen", java.time.Instant.ofEpochMilli(ls.toLong()).toString());
            }
            return s;
          })));
    }
    return Future.all(all).map(cf -> {
      Map<String, JsonObject> m = new HashMap<>();
      for (int i = 0; i < uids.size(); i++) {
        m.put(uids.get(i), cf.resultAt(i));
      }
      return m;
    });
  }
}

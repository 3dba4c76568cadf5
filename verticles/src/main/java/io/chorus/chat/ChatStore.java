package io.chorus.chat;

import io.chorus.infra.RedisReplies;
import io.chorus.web.RateLimiter;
import io.chorus.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Seed 002's Redis keys, with the room id as a hash tag so one room's keys share a cluster slot:
 * {@code chat:room:{ID}:messages} (ZSET of message JSON by millisecond score), its index
 * {@code chat:room:{ID}:index} (trimmed with the messages), the ids of deleted messages that still work as a cursor
 * {@code chat:room:{ID}:deleted}, {@code room:{ID}:participants} (HASH participant id -> JSON) and
 * {@code room:{ID}:meta} (HASH cache of the PostgreSQL row); all with the chat TTL (6 h).
 */
public final class ChatStore {
  private final RedisAPI redis;
  private final LuaScript chat;
  private final int ttlSeconds;
  private final int indexTtlSeconds;
  private final int historyMax;

  /**
   * One page of messages, ascending by seq; {@code head} is the room's latest seq, {@code after} the
   * seq the page was read after (0 when read by message id or as the newest page).
   */
  public record Page(List<JsonObject> messages, long head, boolean more, long after) {
    public Page(List<JsonObject> messages, long head, boolean more) {
      this(messages, head, more, 0);
    }

    /**
     * The cursor a client passes as {@code after} next: the last message's seq, or, when nothing
     * follows the cursor, the cursor itself or the head (everything up to the head was read or
     * deleted), never 0, which would make a client that follows it start over.
     */
    public long lastSeq() {
      return messages.isEmpty() ? Math.max(after, head) : messages.get(messages.size() - 1).getLong("seq");
    }

    public JsonObject json() {
      return new JsonObject().put("messages", new JsonArray(new ArrayList<>(messages))).put("last_seq", lastSeq())
          .put("head_seq", head).put("has_more", more);
    }
  }

  public ChatStore(RedisAPI redis, int ttlHours, int historyMax) {
    this(redis, ttlHours, ttlHours, historyMax);
  }

  /**
   * {@code roomTtlHours}: how long a room lives without chat (ROOM_TTL_HOURS). The index, which holds the room's last
   * seq, lives as long (at least {@code ttlHours}): messages expire after the chat TTL, but a room that outlives its
   * chat must not number its next messages from 1 again, or a client's cursor (its last seq) would skip them.
   */
  public ChatStore(RedisAPI redis, int ttlHours, int roomTtlHours, int historyMax) {
    this.redis = redis;
    this.chat = new LuaScript(redis, "lua/chat.lua");
    this.ttlSeconds = ttlHours * 3600;
    this.indexTtlSeconds = Math.max(ttlHours, roomTtlHours) * 3600;
    this.historyMax = historyMax;
  }

  public static String messagesKey(String roomId) {
    return "chat:room:{" + roomId + "}:messages";
  }

  public static String indexKey(String roomId) {
    return "chat:room:{" + roomId + "}:index";
  }

  /** The ids of deleted messages that still work as an {@code after} cursor (ZSET by the message's score). */
  public static String deletedKey(String roomId) {
    return "chat:room:{" + roomId + "}:deleted";
  }

  public static String participantsKey(String roomId) {
    return "room:{" + roomId + "}:participants";
  }

  public static String metaKey(String roomId) {
    return "room:{" + roomId + "}:meta";
  }

  /** Every Redis key the chat keeps for a room (the room's own keys belong to the rooms module). */
  public static List<String> allKeys(String roomId) {
    return List.of(messagesKey(roomId), indexKey(roomId), deletedKey(roomId), participantsKey(roomId), metaKey(roomId),
        activityKey(roomId));
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  public Future<JsonObject> append(String roomId, JsonObject message) {
    return run(roomId, "send", message.encode(), Integer.toString(historyMax), Integer.toString(indexTtlSeconds))
        .map(r -> new JsonObject(r.toString()));
  }

  /** A posted message and whether it set the room's activity mark (the first message in that mark's lifetime). */
  public record Posted(JsonObject message, boolean firstActivity) {
  }

  /** The rooms module's answer about a poster, asked just before the post. */
  public enum Membership {
    MEMBER("member"), OUTSIDER("outsider"), NO_ROOM("missing");

    private final String wire;

    Membership(String wire) {
      this.wire = wire;
    }
  }

  /**
   * A participant's message in one round trip ({@code chat.lua} "post"): both rate limits counted,
   * the rooms module's membership answer applied in the documented order, the message appended with
   * the member's display name, the activity mark set. Fails with {@link RateLimiter.RateLimited} or a
   * {@code ChorusException} (not_found, forbidden).
   */
  public Future<Posted> post(String roomId, String participantId, JsonObject message, Limits limits, Membership membership,
                             String displayName) {
    List<String> keys = List.of(messagesKey(roomId), indexKey(roomId), RateLimiter.requestsKey(roomId, participantId),
        RateLimiter.messagesKey(roomId, participantId), activityKey(roomId), deletedKey(roomId));
    List<String> args = List.of("post", Long.toString(System.currentTimeMillis()), Integer.toString(ttlSeconds), message.encode(),
        Integer.toString(historyMax), participantId, Long.toString(limits.windowMs()), Integer.toString(limits.roomRequests()),
        Integer.toString(limits.messages()), Integer.toString(limits.activitySeconds()), membership.wire,
        displayName == null ? "" : displayName, Integer.toString(indexTtlSeconds));
    return chat.run(keys, args).compose(r -> {
      if ("limited".equals(r.get(0).toString())) {
        String what = "room".equals(r.get(1).toString()) ? RateLimiter.ROOM_REQUESTS : RateLimiter.MESSAGES;
        return Future.failedFuture(RateLimiter.limited(what, r.get(2).toLong()));
      }
      return Future.succeededFuture(new Posted(new JsonObject(r.get(1).toString()), r.get(2).toInteger() == 1));
    });
  }

  /** The limits a post is checked against: per window of {@code windowMs}; 0 means unlimited. */
  public record Limits(long windowMs, int roomRequests, int messages, int activitySeconds) {
  }

  public Future<JsonObject> edit(String roomId, String messageId, String actor, String content, String editedAt) {
    return run(roomId, "edit", messageId, actor, "0", content, editedAt).map(r -> new JsonObject(r.toString()));
  }

  public Future<JsonObject> delete(String roomId, String messageId, String actor, boolean actorIsHost) {
    return run(roomId, "delete", messageId, actor, actorIsHost ? "1" : "0", "", "", Integer.toString(historyMax)).map(r -> new JsonObject(r.toString()));
  }

  /** {@code mode}: {@code last} (the newest {@code limit}), {@code seq} or {@code id} (after that cursor). */
  public Future<Page> list(String roomId, String mode, String cursor, int limit) {
    return run(roomId, "list", mode, cursor, Integer.toString(limit)).map(r -> {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 2; i < r.size(); i++) {
        out.add(new JsonObject(r.get(i).toString()));
      }
      return new Page(out, r.get(0).toLong(), r.get(1).toInteger() == 1, "seq".equals(mode) ? Long.parseLong(cursor) : 0);
    });
  }

  public Future<Void> putParticipant(String roomId, String participantId, JsonObject participant) {
    String key = participantsKey(roomId);
    return redis.hset(List.of(key, participantId, participant.encode()))
        .compose(v -> redis.expire(List.of(key, Integer.toString(ttlSeconds)))).mapEmpty();
  }

  /** Several participants of one room at once (the join recorder's batch), each unless it is cached already. */
  public Future<Void> addParticipants(String roomId, Map<String, JsonObject> participants) {
    List<String> args = new ArrayList<>();
    args.add(ADD_PARTICIPANTS);
    args.add("1");
    args.add(participantsKey(roomId));
    args.add(Integer.toString(ttlSeconds));
    participants.forEach((id, p) -> {
      args.add(id);
      args.add(p.encode());
    });
    return redis.eval(args).mapEmpty();
  }

  private static final String ADD_PARTICIPANTS = "for i = 2, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end "
      + "redis.call('EXPIRE', KEYS[1], ARGV[1]) return 1";

  /** The cached participant's role, if the participant is in the hash (a departed one is not put back). */
  public Future<Void> setRole(String roomId, String participantId, String role) {
    return redis.eval(List.of(SET_ROLE, "1", participantsKey(roomId), participantId, role)).mapEmpty();
  }

  private static final String SET_ROLE = "local v = redis.call('HGET', KEYS[1], ARGV[1]) "
      + "if v then local o = cjson.decode(v) o.role = ARGV[2] redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(o)) end return 1";

  public Future<Void> removeParticipant(String roomId, String participantId) {
    return redis.hdel(List.of(participantsKey(roomId), participantId)).mapEmpty();
  }

  public Future<Map<String, JsonObject>> participants(String roomId) {
    return redis.hgetall(participantsKey(roomId)).map(r -> {
      Map<String, JsonObject> out = new java.util.LinkedHashMap<>();
      RedisReplies.hash(r).forEach((k, v) -> out.put(k, new JsonObject(v)));
      return out;
    });
  }

  public Future<Void> putMeta(String roomId, JsonObject meta) {
    List<String> args = new ArrayList<>();
    args.add(metaKey(roomId));
    meta.forEach(e -> {
      args.add(e.getKey());
      args.add(e.getValue() == null ? "" : String.valueOf(e.getValue()));
    });
    return redis.hset(args).compose(v -> redis.expire(List.of(metaKey(roomId), Integer.toString(ttlSeconds)))).mapEmpty();
  }

  /** The cached row as strings, or null when not cached. */
  public Future<JsonObject> meta(String roomId) {
    return redis.hgetall(metaKey(roomId)).map(r -> {
      Map<String, String> h = RedisReplies.hash(r);
      return h.isEmpty() ? null : new JsonObject(new java.util.LinkedHashMap<>(h));
    });
  }

  /** Set by the first chat post per room within the activity period: throttles the room's lifetime renewal. */
  static String activityKey(String roomId) {
    return "room:{" + roomId + "}:active";
  }

  public Future<Void> dropMeta(String roomId) {
    return redis.del(List.of(metaKey(roomId))).mapEmpty();
  }

  public Future<Void> deleteRoom(String roomId) {
    return redis.del(allKeys(roomId)).mapEmpty();
  }

  private Future<Response> run(String roomId, String op, String... args) {
    List<String> a = new ArrayList<>();
    a.add(op);
    a.add(Long.toString(System.currentTimeMillis()));
    a.add(Integer.toString(ttlSeconds));
    a.addAll(List.of(args));
    return chat.run(List.of(messagesKey(roomId), indexKey(roomId), deletedKey(roomId)), a);
  }
}

package io.chorus.chat;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.chorus.room.RoomClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * Room chat (seed 002): messages in Redis through {@link ChatStore}; every change is published on
 * the room's chat address {@code client.chat.<ID>} (so bridge members and {@code /ws/chat} get it) as
 * {@code message_created} / {@code message_updated} / {@code message_deleted}, each with the
 * message's {@code seq}. Authority (who may edit or delete) is decided in the store's Lua script.
 */
public final class ChatService {
  public static final String USER = "user";
  public static final String SYSTEM = "system";
  /** A cursor that is a number but not a seq (negative, fractional, too big): 400, not an unknown id. */
  private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[-+]?\\d+(\\.\\d*)?([eE][-+]?\\d+)?");
  /** What a message id can look like (they are UUIDs); anything else is a malformed cursor. */
  private static final java.util.regex.Pattern MESSAGE_ID = java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final ChatStore store;
  private final EventBus bus;
  private final ChatConfig limits;
  private final RoomClient rooms;

  public ChatService(ChatStore store, EventBus bus, ChatConfig limits, RoomClient rooms) {
    this.store = store;
    this.rooms = rooms;
    this.bus = bus;
    this.limits = limits;
  }

  public int pageMax() {
    return limits.pageMax();
  }

  public ChatStore store() {
    return store;
  }

  /**
   * A participant's message: membership asked of the rooms module (one record, whatever the room's
   * size), then checked and appended in one Redis round trip (see {@link ChatStore#post}): the room's
   * request limit, membership, the participant's message limit. The display name is the member
   * record's. Published as {@code message_created} once stored.
   */
  public Future<ChatStore.Posted> post(String roomId, String participantId, String content, ChatStore.Limits checks) {
    try {
      content = checkContent(content);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    JsonObject message = message(roomId, participantId, null, USER, content);
    return rooms.member(roomId, participantId).transform(ar -> {
      if (ar.failed() && ErrorCode.of(ar.cause()) != ErrorCode.NOT_FOUND) {
        return Future.<ChatStore.Posted>failedFuture(ar.cause());
      }
      // the limits still count a refused attempt, so the store applies the answer in the documented order
      ChatStore.Membership membership = ar.failed() ? ChatStore.Membership.NO_ROOM
          : ar.result().isMember(participantId) ? ChatStore.Membership.MEMBER : ChatStore.Membership.OUTSIDER;
      String name = membership == ChatStore.Membership.MEMBER ? ar.result().nameOf(participantId) : "";
      return store.post(roomId, participantId, message, checks, membership, name);
    }).onSuccess(posted -> publish(roomId, "message_created", posted.message()));
  }

  /** A system line ("X joined", "X left"), attributed to the participant it is about. */
  public Future<JsonObject> system(String roomId, String participantId, String displayName, String content) {
    return append(roomId, participantId, displayName, SYSTEM, content);
  }

  private Future<JsonObject> append(String roomId, String participantId, String displayName, String type, String content) {
    return store.append(roomId, message(roomId, participantId, displayName, type, content))
        .onSuccess(saved -> publish(roomId, "message_created", saved));
  }

  /** A new message without its seq; without a display name ({@code null}) the store fills it in. */
  private static JsonObject message(String roomId, String participantId, String displayName, String type, String content) {
    JsonObject m = new JsonObject().put("id", UUID.randomUUID().toString()).put("room_id", roomId)
        .put("participant_id", participantId);
    if (displayName != null) {
      m.put("display_name", displayName);
    }
    return m.put("message_type", type).put("content", content).put("created_at", Instant.now().toString()).putNull("edited_at");
  }

  public Future<JsonObject> edit(String roomId, String messageId, String actor, String content) {
    try {
      content = checkContent(content);
      requireMessageId(messageId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.edit(roomId, canonicalId(messageId), actor, content, Instant.now().toString())
        .onSuccess(saved -> publish(roomId, "message_updated", saved));
  }

  public Future<JsonObject> delete(String roomId, String messageId, String actor, boolean actorIsHost) {
    try {
      requireMessageId(messageId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.delete(roomId, canonicalId(messageId), actor, actorIsHost).onSuccess(old -> bus.publish(Addresses.chatEvents(roomId),
        new JsonObject().put("type", "message_deleted").put("room_id", roomId).put("seq", old.getLong("seq"))
            .put("message_id", old.getString("id")).put("deleted_by", actor)));
  }

  /**
   * {@code after}: empty for the newest {@code limit}; digits: a seq; anything else: a message id
   * (a deleted message's id still works). Messages come ascending by seq.
   */
  public Future<ChatStore.Page> list(String roomId, String after, int limit) {
    if (limit < 1 || limit > limits.pageMax()) {
      return Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "limit must be between 1 and " + limits.pageMax()));
    }
    if (after == null || after.isEmpty()) {
      return store.list(roomId, "last", "", limit);
    }
    if (after.matches("\\d{1,18}")) {
      return store.list(roomId, "seq", after, limit);
    }
    if (NUMBER.matcher(after).matches() || !MESSAGE_ID.matcher(after).matches()) {
      // a negative, huge or malformed cursor is the caller's mistake, not an unknown message (404)
      return Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "after must be a seq (0 or more) or a message id"));
    }
    return store.list(roomId, "id", canonicalId(after), limit);
  }

  /**
   * A message id as stored: message ids are UUIDs, written in lower case, and a UUID's hex digits may come in either
   * case (RFC 4122), as a track id's do; anything else is left as it is (and found nowhere).
   */
  private static String canonicalId(String id) {
    return MESSAGE_ID.matcher(id).matches() ? id.toLowerCase(java.util.Locale.ROOT) : id;
  }

  private void publish(String roomId, String type, JsonObject message) {
    bus.publish(Addresses.chatEvents(roomId), new JsonObject().put("type", type).put("room_id", roomId)
        .put("seq", message.getLong("seq")).put("message", message));
  }

  /**
   * The content as sent, or an INVALID_ARGUMENT failure (empty, longer than CHAT_MAX_MESSAGE_LENGTH, or not text: a
   * lone surrogate, which a JSON escape can carry, has no UTF-8 form and was stored as "?").
   */
  public String checkContent(String content) {
    if (content == null || content.isBlank()) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "content must not be empty");
    }
    if (content.codePointCount(0, content.length()) > limits.maxMessageLength()) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "content is longer than " + limits.maxMessageLength() + " characters");
    }
    if (content.codePoints().anyMatch(c -> Character.getType(c) == Character.SURROGATE)) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "content must not contain lone surrogates (\\uD800-\\uDFFF not in a pair)");
    }
    return content;
  }

  private static void requireMessageId(String id) {
    if (id == null || id.isEmpty() || id.length() > 64) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "bad message id");
    }
  }
}

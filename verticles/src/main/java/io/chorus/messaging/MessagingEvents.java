package io.chorus.messaging;

import io.chorus.bus.Addresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.Collection;

/**
 * The messenger's real-time events, published once per member on the member's user channel
 * {@code client.user.<uid>} (clustered: every node's {@code /ws/user} sockets and bridge registrations of that user
 * get it). Published after the change committed, so a client that hears an event reads the same state back.
 */
final class MessagingEvents {
  static final String MESSAGE = "message";
  static final String MESSAGE_EDITED = "message_edited";
  static final String MESSAGE_DELETED = "message_deleted";
  static final String CONVERSATION = "conversation";
  static final String READ = "read";
  static final String TYPING = "typing";
  static final String REACTION = "reaction";

  private final EventBus bus;
  private final AttachmentUrls urls;

  MessagingEvents(EventBus bus, AttachmentUrls urls) {
    this.bus = bus;
    this.urls = urls;
  }

  /**
   * {@code {"type","conversation_id","message"}} to every member; the sender's copy alone keeps its client_message_id,
   * and each member's copy has attachment URLs signed for that member.
   */
  void message(String type, Collection<String> members, String conversationId, JsonObject message) {
    JsonObject others = MessagingJson.forOthers(message);
    String sender = message.getString("sender_id");
    for (String uid : members) {
      JsonObject m = uid.equals(sender) ? message : others;
      if (!m.getJsonArray("attachments", new io.vertx.core.json.JsonArray()).isEmpty()) {
        m = urls.sign(m.copy(), uid);
      }
      publish(uid, new JsonObject().put("type", type).put("conversation_id", conversationId).put("message", m));
    }
  }

  /** {@code {"type":"conversation","action","conversation_id","user_id"?,"conversation"}} to each of {@code to}. */
  void conversation(Collection<String> to, String action, String conversationId, String userId, JsonObject conversation) {
    JsonObject event = new JsonObject().put("type", CONVERSATION).put("action", action).put("conversation_id", conversationId);
    if (userId != null) {
      event.put("user_id", userId);
    }
    event.put("conversation", conversation);
    to.forEach(uid -> publish(uid, event));
  }

  /** {@code {"type":"read","conversation_id","user_id","seq"}}: a member's read marker moved. */
  void read(Collection<String> members, String conversationId, String reader, long seq) {
    JsonObject event = new JsonObject().put("type", READ).put("conversation_id", conversationId).put("user_id", reader).put("seq", seq);
    members.forEach(uid -> publish(uid, event));
  }

  /**
   * {@code {"type":"reaction","conversation_id","message_id","user_id","emoji","action":"added"|"removed","reactions"}}
   * to every member: {@code reactions} is the message's whole list after the change, so a client replaces its own.
   */
  void reaction(Collection<String> members, String conversationId, String messageId, String userId, String emoji, boolean added,
                io.vertx.core.json.JsonArray reactions) {
    JsonObject event = new JsonObject().put("type", REACTION).put("conversation_id", conversationId).put("message_id", messageId)
        .put("user_id", userId).put("emoji", emoji).put("action", added ? "added" : "removed").put("reactions", reactions);
    members.forEach(uid -> publish(uid, event));
  }

  /** {@code {"type":"typing","conversation_id","user_id"}}: a member is typing (to the other members only). */
  void typing(Collection<String> others, String conversationId, String typist) {
    JsonObject event = new JsonObject().put("type", TYPING).put("conversation_id", conversationId).put("user_id", typist);
    others.forEach(uid -> publish(uid, event));
  }

  private void publish(String uid, JsonObject event) {
    bus.publish(Addresses.userEvents(uid), event);
  }
}

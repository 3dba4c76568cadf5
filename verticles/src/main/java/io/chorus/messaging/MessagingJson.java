package io.chorus.messaging;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;

/** The JSON shapes of the messenger (docs/api.md, Messenger): messages, members and their users. */
final class MessagingJson {
  private MessagingJson() {
  }

  /** The message columns every query selects, prefixed by the table alias {@code msg}. */
  static final String MESSAGE_COLUMNS = "msg.id, msg.conversation_id, msg.seq, msg.sender_id, msg.text, msg.client_message_id,"
      + " msg.created_at, msg.edited_at, msg.deleted_at, " + Attachments.OF_MESSAGE + ","
      // the message answered, as it is now (an edit shows, a deletion leaves its tombstone); a subquery, not a join,
      // so that every statement (RETURNING of INSERT and UPDATE too) selects the same columns
      + " (SELECT json_build_object('id', r.id, 'seq', r.seq, 'sender_id', r.sender_id, 'text', left(r.text, " + Messages.REPLY_EXCERPT + "),"
      + " 'deleted', r.deleted_at IS NOT NULL) FROM messages r WHERE r.id = msg.reply_to_id) AS reply_to,"
      // the reactions, each emoji once with who gave it, in the order the emoji first came
      + " (SELECT json_agg(json_build_object('emoji', e.emoji, 'count', e.n, 'user_ids', e.users) ORDER BY e.first, e.emoji)"
      + " FROM (SELECT x.emoji, count(*) AS n, json_agg(x.user_id ORDER BY x.created_at, x.user_id) AS users, min(x.created_at) AS first"
      + " FROM message_reactions x WHERE x.message_id = msg.id GROUP BY x.emoji) e) AS reactions";

  /** The user columns a member row selects (alias {@code u}). */
  static final String USER_COLUMNS = "u.id AS user_id, u.username, u.display_name, u.bio, u.avatar_key, u.created_at AS user_created_at, u.disabled";

  /**
   * A message as {@code viewer} sees it: {@code client_message_id} is the sender's own idempotency key, shown to the
   * sender only (as Matrix shows a transaction id); a deleted message is a tombstone ({@code text} null, no
   * attachments). The attachments have no {@code url} yet: it is signed for each viewer ({@link AttachmentUrls}).
   */
  static JsonObject message(Row r, String viewer) {
    String sender = r.getUUID("sender_id").toString();
    JsonObject m = new JsonObject()
        .put("id", r.getUUID("id").toString())
        .put("conversation_id", r.getUUID("conversation_id").toString())
        .put("seq", r.getLong("seq"))
        .put("sender_id", sender)
        .put("text", r.getString("text"))
        .put("created_at", iso(r.getOffsetDateTime("created_at")))
        .put("edited_at", iso(r.getOffsetDateTime("edited_at")))
        .put("deleted", r.getOffsetDateTime("deleted_at") != null)
        .put("attachments", Attachments.of(r))
        .put("reply_to", r.getJsonObject("reply_to"))
        .put("reactions", r.getJsonArray("reactions") == null ? new io.vertx.core.json.JsonArray() : r.getJsonArray("reactions"));
    if (sender.equals(viewer)) {
      m.put("client_message_id", r.getString("client_message_id"));
    }
    return m;
  }

  /** A message JSON made for its sender, as another member sees it (without the sender's idempotency key). */
  static JsonObject forOthers(JsonObject message) {
    JsonObject m = message.copy();
    m.remove("client_message_id");
    return m;
  }

  /**
   * A member's user: the public user of docs/api.md (Accounts), or for a disabled account only its id and
   * {@code "disabled": true} (a disabled account is hidden from the others, as everywhere; its messages stay).
   */
  static JsonObject user(Row r) {
    String id = r.getUUID("user_id").toString();
    if (Boolean.TRUE.equals(r.getBoolean("disabled"))) {
      return new JsonObject().put("id", id).put("disabled", true);
    }
    return new JsonObject().put("id", id).put("username", r.getString("username")).put("display_name", r.getString("display_name"))
        .put("bio", r.getString("bio"))
        .put("avatar_url", r.getString("avatar_key") == null ? null : "/api/v1/users/" + id + "/avatar")
        .put("created_at", iso(r.getOffsetDateTime("user_created_at")));
  }

  static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}

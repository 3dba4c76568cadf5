package io.chorus.messaging;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The messages of a conversation and its members' read markers (docs/api.md, Messenger). A message's {@code seq} is
 * assigned in the transaction that stores it, under the conversation row's lock ({@code last_seq + 1}), so the seqs
 * of a conversation are 1, 2, 3, ... without a gap or a repeat however many members send at once. Every call acts as
 * the verified user {@code me}; a non-member gets {@code NOT_FOUND} for everything.
 */
public final class Messages {
  public static final int MAX_TEXT = 4000;
  public static final int MAX_CLIENT_ID = 64;
  /** The characters of the answered message's text a reply carries (a client shows a one-line quote). */
  public static final int REPLY_EXCERPT = 200;
  /** Different emoji on one message (each member may give each of them once). */
  public static final int MAX_REACTIONS = 20;

  private final Pool pg;
  private final MessagingEvents events;
  private final AttachmentUrls urls;
  private final Attachments attachments;

  Messages(Pool pg, MessagingEvents events, AttachmentUrls urls, Attachments attachments) {
    this.pg = pg;
    this.events = events;
    this.urls = urls;
    this.attachments = attachments;
  }

  /** A message sent, or the one an earlier call with the same {@code client_message_id} sent ({@code created} false). */
  public record Sent(JsonObject message, boolean created) {
  }

  private record Stored(Row row, boolean created, List<String> members) {
  }

  /**
   * Sends {@code text} (already checked; null when there are attachments) with the attachments {@code attachmentIds}
   * (already checked: 0-10, distinct; see {@link Attachments#attach}) as {@code me}. With a {@code clientMessageId}, a
   * retry by the same sender in the same conversation answers the message the first call stored (never a second one):
   * looked up with the lock, and a retry that committed while this call waited for the lock is refused by the unique
   * key, read as that answer.
   * Sending moves the sender's read marker to their message (what they answer they have read). A disabled account
   * (its tokens are refused anyway) cannot send; its messages stay. {@code replyTo} (or null): the message this one
   * answers, which must be one of this conversation's and not deleted ({@code INVALID_ARGUMENT} otherwise); a retry
   * answers the first message even if the answered one was deleted since.
   */
  public Future<Sent> send(String me, UUID id, String text, String clientMessageId, UUID replyTo, List<UUID> attachmentIds) {
    UUID sender = UUID.fromString(me);
    // two statements under the conversation's lock (it serialises the conversation's sends, so its hold time is the
    // conversation's ceiling): the lock with every check, then one statement that writes everything
    return pg.withTransaction(c -> c.preparedQuery(LOCK_FOR_SEND).execute(Tuple.of(id, sender, clientMessageId, replyTo))
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(Conversations.notFound());
              }
              Row lock = rows.iterator().next();
              if (lock.getBoolean("disabled")) {
                return Future.failedFuture(ErrorCode.FORBIDDEN.exception("a disabled account cannot send"));
              }
              if (lock.getUUID("existing") != null) {
                return byClientId(c, id, sender, clientMessageId).map(r -> new Stored(r, false, List.of()));
              }
              if (replyTo != null && lock.getInteger("reply_state") == null) {
                return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("reply_to is no message of this conversation"));
              }
              if (replyTo != null && lock.getInteger("reply_state") == 2) {
                return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("reply_to names a deleted message"));
              }
              UUID messageId = UUID.randomUUID();
              return c.preparedQuery(WRITE_MESSAGE).execute(Tuple.of(id, sender, messageId, text, clientMessageId, replyTo))
                  .compose(w -> {
                    Row r = w.iterator().next();
                    List<String> members = List.of(r.getArrayOfStrings("members"));
                    // the attachments are attached after the row exists, then the row is read again with them
                    return attachmentIds.isEmpty() ? Future.succeededFuture(new Stored(r, true, members))
                        : Attachments.attach(c, id, sender, messageId, attachmentIds)
                            .compose(v -> c.preparedQuery("SELECT " + MessagingJson.MESSAGE_COLUMNS + " FROM messages msg WHERE msg.id = $1")
                                .execute(Tuple.of(messageId)))
                            .map(again -> new Stored(again.iterator().next(), true, members));
                  });
            }))
        // a retry that committed while this one waited for the lock (the check above reads the snapshot from before the
        // wait): the unique key refuses the second message, the whole transaction rolls back (its seq too), and the
        // answer is the first one's
        .recover(e -> clientMessageId != null && e instanceof PgException pe && "23505".equals(pe.getSqlState())
            ? byClientId(pg, id, sender, clientMessageId).compose(r -> r == null ? Future.failedFuture(e) : Future.succeededFuture(new Stored(r, false, List.of())))
            : Future.failedFuture(e))
        .map(s -> {
          JsonObject json = MessagingJson.message(s.row(), me);
          if (s.created()) {
            events.message(MessagingEvents.MESSAGE, s.members(), id.toString(), json.copy());
          }
          return new Sent(urls.sign(json, me), s.created());
        });
  }

  /**
   * The sender's membership, taking the conversation row's lock ({@code FOR SHARE OF m} reads the member row again
   * once the lock is had, so a member removed by the change that held it is not found: see Conversations.lock), with
   * the sender's disabled flag, the message a retry with the same client_message_id stored ({@code existing}), and the
   * answered message's state ({@code reply_state} 1 there, 2 deleted, null no such message in this conversation).
   * $1 conversation, $2 sender, $3 client_message_id, $4 reply_to.
   */
  private static final String LOCK_FOR_SEND = "SELECT u.disabled,"
      + " (SELECT x.id FROM messages x WHERE x.conversation_id = $1 AND x.sender_id = $2 AND x.client_message_id = $3) AS existing,"
      + " (SELECT CASE WHEN x.deleted_at IS NULL THEN 1 ELSE 2 END FROM messages x WHERE x.id = $4 AND x.conversation_id = $1) AS reply_state"
      + " FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $2 JOIN users u ON u.id = m.user_id"
      + " WHERE c.id = $1 FOR UPDATE OF c FOR SHARE OF m";

  /**
   * One statement for the rest of a send: the next seq ({@code last_seq + 1}) with the time read under the lock
   * (clock_timestamp, not the transaction's start NOW(), so created_at follows seq and last_activity_at never goes
   * back, however long the send waited), the message, the sender's read marker moved to it (what they answer they
   * have read), and the members to tell (the lock keeps them as they are until the commit).
   * $1 conversation, $2 sender, $3 message id, $4 text, $5 client_message_id, $6 reply_to.
   */
  private static final String WRITE_MESSAGE = "WITH bump AS (UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = clock_timestamp()"
      + " WHERE id = $1 RETURNING last_seq, last_activity_at),"
      + " marker AS (UPDATE conversation_members SET last_read_seq = (SELECT last_seq FROM bump) WHERE conversation_id = $1 AND user_id = $2),"
      + " ins AS (INSERT INTO messages (id, conversation_id, seq, sender_id, text, client_message_id, created_at, reply_to_id)"
      + " SELECT $3, $1, bump.last_seq, $2, $4, $5, bump.last_activity_at, $6 FROM bump RETURNING *)"
      + " SELECT " + MessagingJson.MESSAGE_COLUMNS + ","
      + " (SELECT array_agg(user_id::text) FROM conversation_members WHERE conversation_id = $1) AS members FROM ins msg";

  /**
   * A page of messages: with {@code afterSeq}, those after it in ascending seq (catching up after a reconnect);
   * otherwise the newest first, before {@code beforeSeq} if given. {@code has_more}: whether another page follows in
   * the same direction.
   */
  public Future<JsonObject> list(String me, UUID id, Long beforeSeq, Long afterSeq, int limit) {
    if (beforeSeq != null && afterSeq != null) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("give before_seq or after_seq, not both"));
    }
    String sql = "SELECT " + MessagingJson.MESSAGE_COLUMNS + " FROM messages msg WHERE msg.conversation_id = $1"
        + (afterSeq != null ? " AND msg.seq > $3 ORDER BY msg.seq LIMIT $2"
        : beforeSeq != null ? " AND msg.seq < $3 ORDER BY msg.seq DESC LIMIT $2" : " ORDER BY msg.seq DESC LIMIT $2");
    Tuple args = Tuple.of(id, limit + 1);
    if (afterSeq != null || beforeSeq != null) {
      args.addLong(afterSeq != null ? afterSeq : beforeSeq);
    }
    return Conversations.member(pg, id, UUID.fromString(me)).compose(x -> pg.preparedQuery(sql).execute(args)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row r : rows) {
        if (out.size() < limit) {
          out.add(urls.sign(MessagingJson.message(r, me), me));
        }
      }
      return new JsonObject().put("messages", out).put("has_more", rows.size() > limit);
    });
  }

  /** Replaces the text of the caller's own message (403 for anyone else's, 410 for a deleted one). */
  public Future<JsonObject> edit(String me, UUID id, UUID messageId, String text) {
    return change(me, id, messageId, (c, m, row) -> {
      if (!row.getUUID("sender_id").toString().equals(me)) {
        return Future.failedFuture(ErrorCode.FORBIDDEN.exception("only its sender edits a message"));
      }
      if (row.getOffsetDateTime("deleted_at") != null) {
        return Future.failedFuture(ErrorCode.GONE.exception("the message was deleted"));
      }
      return c.preparedQuery("UPDATE messages AS msg SET text = $2, edited_at = NOW() WHERE id = $1 RETURNING " + MessagingJson.MESSAGE_COLUMNS)
          .execute(Tuple.of(messageId, text)).map(u -> u.iterator().next());
    }, MessagingEvents.MESSAGE_EDITED);
  }

  /**
   * Deletes a message, leaving its tombstone ({@code deleted: true}, {@code text: null}, seq kept): its sender may, and
   * a group's owner may delete anyone's. Deleting a tombstone again answers it, with no second event. Its attachments
   * are deleted with it (rows in the transaction, S3 objects before the answer; an object S3 failed to delete is logged).
   */
  public Future<JsonObject> delete(String me, UUID id, UUID messageId) {
    List<String> objects = new ArrayList<>();
    return change(me, id, messageId, (c, m, row) -> {
      boolean own = row.getUUID("sender_id").toString().equals(me);
      if (!own && !(m.group() && "owner".equals(m.role()))) {
        return Future.failedFuture(ErrorCode.FORBIDDEN.exception("only its sender or the group's owner deletes a message"));
      }
      if (row.getOffsetDateTime("deleted_at") != null) {
        return Future.succeededFuture((Row) null);
      }
      // the attachments and reactions go with the message: their rows here, the attachments' objects once this has
      // committed; the tombstone is read after the change (an UPDATE's RETURNING sees the reactions of its snapshot)
      return Attachments.detach(c, id, messageId).compose(keys -> {
        objects.addAll(keys);
        return c.preparedQuery("DELETE FROM message_reactions WHERE message_id = $1").execute(Tuple.of(messageId));
      }).compose(x -> c.preparedQuery("UPDATE messages SET text = NULL, deleted_at = NOW() WHERE id = $1").execute(Tuple.of(messageId)))
          .compose(x -> c.preparedQuery("SELECT " + MessagingJson.MESSAGE_COLUMNS + " FROM messages msg WHERE msg.id = $1").execute(Tuple.of(messageId)))
          .map(u -> u.iterator().next());
    }, MessagingEvents.MESSAGE_DELETED).compose(json -> attachments.deleteObjects(objects).map(json));
  }

  /**
   * Adds ({@code add}) or takes back the caller's reaction {@code emoji} (already checked) on a message, under the
   * conversation's lock: any member may react, once per emoji; a message has at most {@link #MAX_REACTIONS} different
   * emoji ({@code CONFLICT} for a new one beyond); a deleted message takes none ({@code GONE}). Adding one already
   * given, or taking back one not given, answers the message unchanged with no event. Answers the message as the
   * caller sees it; every member hears {@code reaction} with the message's whole list.
   */
  public Future<JsonObject> react(String me, UUID id, UUID messageId, String emoji, boolean add) {
    UUID user = UUID.fromString(me);
    return pg.withTransaction(c -> Conversations.lock(c, id, me)
            .compose(m -> c.preparedQuery("SELECT deleted_at, (SELECT count(DISTINCT x.emoji) FROM message_reactions x WHERE x.message_id = msg.id) AS kinds,"
                    + " EXISTS (SELECT 1 FROM message_reactions x WHERE x.message_id = msg.id AND x.emoji = $3) AS known"
                    + " FROM messages msg WHERE msg.id = $1 AND msg.conversation_id = $2").execute(Tuple.of(messageId, id, emoji)))
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such message"));
              }
              Row r = rows.iterator().next();
              if (r.getOffsetDateTime("deleted_at") != null) {
                return Future.failedFuture(ErrorCode.GONE.exception("the message was deleted"));
              }
              if (!add) {
                return c.preparedQuery("DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3")
                    .execute(Tuple.of(messageId, emoji, user));
              }
              if (!r.getBoolean("known") && r.getLong("kinds") >= MAX_REACTIONS) {
                return Future.failedFuture(ErrorCode.CONFLICT.exception("a message has at most " + MAX_REACTIONS + " different reactions"));
              }
              return c.preparedQuery("INSERT INTO message_reactions (message_id, emoji, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                  .execute(Tuple.of(messageId, emoji, user));
            })
            .compose(changed -> c.preparedQuery("SELECT " + MessagingJson.MESSAGE_COLUMNS + " FROM messages msg WHERE msg.id = $1").execute(Tuple.of(messageId))
                .compose(rows -> changed.rowCount() == 0 ? Future.succeededFuture(new Stored(rows.iterator().next(), false, List.of()))
                    : Conversations.memberIds(c, id).map(members -> new Stored(rows.iterator().next(), true, members)))))
        .map(s -> {
          JsonObject json = urls.sign(MessagingJson.message(s.row(), me), me);
          if (s.created()) {
            events.reaction(s.members(), id.toString(), messageId.toString(), me, emoji, add, json.getJsonArray("reactions"));
          }
          return json;
        });
  }

  /**
   * Moves the caller's read marker forward to {@code seq}; a seq at or before it changes nothing (200), one after the
   * conversation's last message is {@code invalid_argument}. When it moved, every member (the reader's other sockets
   * too) hears {@code read}.
   */
  public Future<JsonObject> read(String me, UUID id, long seq) {
    UUID reader = UUID.fromString(me);
    return pg.preparedQuery("SELECT c.last_seq, m.last_read_seq FROM conversations c JOIN conversation_members m"
            + " ON m.conversation_id = c.id AND m.user_id = $2 WHERE c.id = $1")
        .execute(Tuple.of(id, reader))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(Conversations.notFound());
          }
          long last = rows.iterator().next().getLong("last_seq");
          if (seq > last) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("seq " + seq + " is after the conversation's last message (" + last + ")"));
          }
          // the WHERE keeps it monotonic whatever the order of concurrent calls
          return pg.preparedQuery("UPDATE conversation_members SET last_read_seq = $3 WHERE conversation_id = $1 AND user_id = $2 AND last_read_seq < $3")
              .execute(Tuple.of(id, reader, seq));
        })
        .compose(u -> {
          Future<List<String>> members = u.rowCount() == 1 ? Conversations.memberIds(pg, id) : Future.succeededFuture(List.of());
          return members.onSuccess(to -> {
            if (!to.isEmpty()) {
              events.read(to, id.toString(), me, seq);
            }
          });
        })
        .compose(x -> pg.preparedQuery("SELECT m.last_read_seq, (SELECT count(*) FROM messages x WHERE x.conversation_id = m.conversation_id"
                + " AND x.seq > m.last_read_seq AND x.deleted_at IS NULL AND x.sender_id <> m.user_id) AS unread_count"
                + " FROM conversation_members m WHERE m.conversation_id = $1 AND m.user_id = $2")
            .execute(Tuple.of(id, reader)))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(Conversations.notFound()) : Future.succeededFuture(rows.iterator().next()))
        .map(r -> new JsonObject().put("conversation_id", id.toString()).put("last_read_seq", r.getLong("last_read_seq"))
            .put("unread_count", r.getLong("unread_count")));
  }

  // ---- internals

  private interface Change {
    Future<Row> apply(io.vertx.sqlclient.SqlConnection c, Conversations.Membership m, Row message);
  }

  /** A change of one message under the conversation's lock; a null row from {@code change}: nothing changed, no event. */
  private Future<JsonObject> change(String me, UUID id, UUID messageId, Change change, String eventType) {
    return pg.withTransaction(c -> Conversations.lock(c, id, me).compose(m -> c.preparedQuery("SELECT " + MessagingJson.MESSAGE_COLUMNS
                + " FROM messages msg WHERE msg.id = $1 AND msg.conversation_id = $2").execute(Tuple.of(messageId, id))
            .compose(rows -> rows.size() == 0 ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such message"))
                : change.apply(c, m, rows.iterator().next()).compose(changed -> changed == null
                    ? Future.succeededFuture(new Stored(rows.iterator().next(), false, List.of()))
                    : Conversations.memberIds(c, id).map(members -> new Stored(changed, true, members))))))
        .map(s -> {
          JsonObject json = urls.sign(MessagingJson.message(s.row(), me), me);
          if (s.created()) {
            events.message(eventType, s.members(), id.toString(), MessagingJson.message(s.row(), s.row().getUUID("sender_id").toString()));
          }
          return json;
        });
  }

  private static Future<Row> byClientId(SqlClient c, UUID id, UUID sender, String clientMessageId) {
    return c.preparedQuery("SELECT " + MessagingJson.MESSAGE_COLUMNS + " FROM messages msg"
            + " WHERE msg.conversation_id = $1 AND msg.sender_id = $2 AND msg.client_message_id = $3")
        .execute(Tuple.of(id, sender, clientMessageId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }
}

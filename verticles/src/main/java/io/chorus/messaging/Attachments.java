package io.chorus.messaging;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Attachments of messages (docs/api.md, Messenger): photos, audio, video and other files. A member uploads one to a
 * conversation (stored in S3, then its row); a send names up to {@link #MAX_PER_MESSAGE} of the sender's own, not yet
 * sent, attachments of that conversation ({@link #attach}); deleting the message deletes them. Every member reads an
 * attachment sent to the conversation; an unsent one only its uploader. A non-member gets {@code NOT_FOUND}.
 */
public final class Attachments {
  public static final int MAX_PER_MESSAGE = 10;
  public static final int MAX_NAME = 255;

  /**
   * The media types served with their own {@code Content-Type} (shown inline): images a browser decodes without
   * running anything, audio, video and plain text. Anything else (HTML, SVG, XML, JavaScript, PDF, ...) is served as
   * {@code application/octet-stream}, as a download: a file a member sent must not run as a page of this origin.
   */
  private static final Pattern SAFE = Pattern.compile("image/(png|jpeg|gif|webp|avif|bmp)|audio/[a-z0-9.+-]+|video/[a-z0-9.+-]+|text/plain");
  private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");

  /** The attachments of message {@code msg} as a JSON array column ({@code attachments}), in their order. */
  static final String OF_MESSAGE = "(SELECT COALESCE(json_agg(json_build_object('id', a.id, 'name', a.name, 'content_type', a.content_type,"
      + " 'size', a.size) ORDER BY a.position), '[]'::json) FROM message_attachments a WHERE a.message_id = msg.id) AS attachments";

  private final Pool pg;
  private final AttachmentStore store;
  private final AttachmentUrls urls;

  Attachments(Pool pg, AttachmentStore store, AttachmentUrls urls) {
    this.pg = pg;
    this.store = store;
    this.urls = urls;
  }

  /** What a download serves. */
  record Download(String key, String name, String contentType, long size) {
    boolean safe() {
      return isSafe(contentType);
    }
  }

  static boolean isSafe(String contentType) {
    return SAFE.matcher(contentType).matches();
  }

  /**
   * An upload's {@code Content-Type} as stored: the media type without its parameters, lower case; absent is
   * {@code application/octet-stream}; anything that is not {@code type/subtype} is {@code invalid_argument}.
   */
  static String contentType(String header) {
    if (header == null || header.isBlank()) {
      return "application/octet-stream";
    }
    int semi = header.indexOf(';');
    String t = (semi < 0 ? header : header.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    if (!MEDIA_TYPE.matcher(t).matches()) {
      throw ErrorCode.INVALID_ARGUMENT.exception("Content-Type must be a media type such as image/jpeg");
    }
    return t;
  }

  /** For the routes: NOT_FOUND unless {@code me} is a member (Conversations.member). */
  Future<Void> member(String me, UUID id) {
    return Conversations.member(pg, id, UUID.fromString(me));
  }

  /**
   * Stores an uploaded file (already on disk, {@code size} bytes) as {@code me}'s attachment to conversation {@code id}:
   * the object first, then its row, made only if {@code me} is still a member. When the row is not made the object
   * is deleted again, so a refused or failed upload leaves nothing in S3.
   */
  Future<JsonObject> store(String me, UUID id, Path file, long size, String name, String contentType) {
    UUID attachment = UUID.randomUUID();
    String key = AttachmentStore.key(id, attachment);
    return store.put(key, file, size, contentType)
        .compose(v -> pg.preparedQuery("INSERT INTO message_attachments (id, conversation_id, uploader_id, name, content_type, size)"
                + " SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $2 AND user_id = $3)"
                + " RETURNING id, conversation_id, name, content_type, size, created_at")
            .execute(Tuple.of(attachment, id, UUID.fromString(me), name, contentType, size)))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(Conversations.notFound()) : Future.succeededFuture(rows.iterator().next()))
        .recover(e -> store.delete(List.of(key)).transform(x -> Future.failedFuture(e)))
        .map(r -> {
          String conversation = r.getUUID("conversation_id").toString();
          return new JsonObject().put("id", attachment.toString()).put("conversation_id", conversation)
              .put("name", r.getString("name")).put("content_type", r.getString("content_type")).put("size", r.getLong("size"))
              .put("created_at", MessagingJson.iso(r.getOffsetDateTime("created_at")))
              .put("url", urls.url(conversation, attachment.toString(), me, System.currentTimeMillis() / 1000));
        });
  }

  /**
   * What {@code user} may download: an attachment of conversation {@code id} that was sent (every member) or that
   * {@code user} uploaded and has not sent yet; {@code NOT_FOUND} for everything else (a non-member, another
   * conversation's attachment, one of a deleted message).
   */
  Future<Download> open(String user, UUID id, UUID attachment) {
    return pg.preparedQuery("SELECT a.name, a.content_type, a.size FROM message_attachments a"
            + " JOIN conversation_members m ON m.conversation_id = a.conversation_id AND m.user_id = $3"
            + " WHERE a.id = $1 AND a.conversation_id = $2 AND (a.message_id IS NOT NULL OR a.uploader_id = $3)")
        .execute(Tuple.of(attachment, id, UUID.fromString(user)))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such attachment"));
          }
          Row r = rows.iterator().next();
          return Future.succeededFuture(new Download(AttachmentStore.key(id, attachment), r.getString("name"), r.getString("content_type"),
              r.getLong("size")));
        });
  }

  /**
   * Attaches {@code ids} (in that order) to the new message {@code message} of {@code sender} in the transaction that
   * stores it: each must be {@code sender}'s attachment of this conversation not sent yet, else the whole send fails
   * ({@code invalid_argument}) and rolls back. Under the conversation's lock, so two sends cannot take the same one.
   */
  static Future<Void> attach(SqlClient c, UUID conversation, UUID sender, UUID message, List<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return c.preparedQuery("UPDATE message_attachments t SET message_id = $1, position = a.pos"
            + " FROM unnest($2::uuid[]) WITH ORDINALITY AS a(id, pos)"
            + " WHERE t.id = a.id AND t.conversation_id = $3 AND t.uploader_id = $4 AND t.message_id IS NULL")
        .execute(Tuple.tuple().addUUID(message).addArrayOfUUID(ids.toArray(UUID[]::new)).addUUID(conversation).addUUID(sender))
        .compose(u -> u.rowCount() == ids.size() ? Future.succeededFuture()
            : Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("attachment_ids: each must be an attachment you uploaded to this"
                + " conversation and have not sent yet")));
  }

  /** Deletes the rows of a message's attachments (in the deleting transaction); the S3 keys to delete once committed. */
  static Future<List<String>> detach(SqlClient c, UUID conversation, UUID message) {
    return c.preparedQuery("DELETE FROM message_attachments WHERE message_id = $1 RETURNING id").execute(Tuple.of(message)).map(rows -> {
      List<String> keys = new ArrayList<>();
      rows.forEach(r -> keys.add(AttachmentStore.key(conversation, r.getUUID("id"))));
      return keys;
    });
  }

  /**
   * Deletes up to 500 attachments uploaded more than {@code hours} ago and never sent (rows, then S3 objects); how many.
   * Every node sweeps: {@code SKIP LOCKED} splits the rows between them, and skips one a send is attaching right now
   * (that send wins; a send after the sweep is refused as for an unknown id).
   */
  Future<Integer> sweepUnsent(int hours) {
    return pg.preparedQuery("DELETE FROM message_attachments WHERE id IN (SELECT id FROM message_attachments WHERE message_id IS NULL"
            + " AND created_at < NOW() - make_interval(hours => $1) LIMIT 500 FOR UPDATE SKIP LOCKED) RETURNING id, conversation_id")
        .execute(Tuple.of(hours))
        .compose(rows -> {
          List<String> keys = new ArrayList<>();
          rows.forEach(r -> keys.add(AttachmentStore.key(r.getUUID("conversation_id"), r.getUUID("id"))));
          return store.delete(keys).map(keys.size());
        });
  }

  /** Deletes the rows of all a conversation's attachments (the conversation is being deleted); their S3 keys. */
  static Future<List<String>> removeAll(SqlClient c, UUID conversation) {
    return c.preparedQuery("DELETE FROM message_attachments WHERE conversation_id = $1 RETURNING id").execute(Tuple.of(conversation)).map(rows -> {
      List<String> keys = new ArrayList<>();
      rows.forEach(r -> keys.add(AttachmentStore.key(conversation, r.getUUID("id"))));
      return keys;
    });
  }

  /** Deletes objects whose rows are gone (never fails; see {@link AttachmentStore#delete}). */
  Future<Void> deleteObjects(List<String> keys) {
    return store.delete(keys);
  }

  /** The {@code attachments} column of a message row as the message JSON's array (no URLs). */
  static JsonArray of(Row r) {
    Object v = r.getValue("attachments");
    JsonArray a = v instanceof JsonArray j ? j : v instanceof String s ? new JsonArray(s) : new JsonArray();
    return a;
  }
}

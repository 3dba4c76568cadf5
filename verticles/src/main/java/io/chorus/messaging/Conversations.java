package io.chorus.messaging;

import io.chorus.bus.ErrorCode;
import io.chorus.web.KeysetCursor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Conversations and their members (docs/api.md, Messenger): one direct conversation per pair of users, groups with an
 * owner, admins and members. Every call acts as the verified user {@code me}; a conversation {@code me} is not a
 * member of is {@code NOT_FOUND}, whether it exists or not. Changes are made in one transaction each, under the
 * conversation row's lock, then published to the members ({@link MessagingEvents}).
 */
public final class Conversations {
  /** The most members a group holds, its owner included. */
  public static final int MAX_MEMBERS = 256;
  public static final int MAX_TITLE = 128;

  static final String CONV_COLUMNS = "c.id, c.type, c.title, c.created_at, c.last_seq, c.last_activity_at";

  private final Pool pg;
  private final MessagingEvents events;
  private final Attachments attachments;

  Conversations(Pool pg, MessagingEvents events, Attachments attachments) {
    this.pg = pg;
    this.events = events;
    this.attachments = attachments;
  }

  /** A conversation made, or the direct one that already existed ({@code created} false). */
  public record Made(JsonObject conversation, boolean created) {
  }

  /** The caller's membership of a conversation, read under the conversation row's lock. */
  record Membership(UUID conversation, String type, String role) {
    boolean group() {
      return "group".equals(type);
    }
  }

  /** The direct conversation of {@code me} and {@code other}: made at most once per pair, even by concurrent calls. */
  public Future<Made> direct(String me, UUID other) {
    UUID self = UUID.fromString(me);
    try {
      checkOther(me, other);
    } catch (io.chorus.bus.ChorusException e) {
      return Future.failedFuture(e);
    }
    // PostgreSQL orders UUIDs by their bytes, unsigned: as their canonical strings compare, not as UUID.compareTo (signed)
    UUID low = self.toString().compareTo(other.toString()) < 0 ? self : other;
    UUID high = low == self ? other : self;
    UUID fresh = UUID.randomUUID();
    return enabledUsers(List.of(other)).compose(ok -> pg.withTransaction(c -> c.preparedQuery(
            "INSERT INTO conversations (id, type, direct_low, direct_high, created_by) VALUES ($1, 'direct', $2, $3, $4)"
                + " ON CONFLICT (direct_low, direct_high) DO NOTHING")
        .execute(Tuple.of(fresh, low, high, self))
        .compose(ins -> ins.rowCount() == 1
            ? c.preparedQuery("INSERT INTO conversation_members (conversation_id, user_id, role) VALUES ($1, $2, 'member'), ($1, $3, 'member')")
                .execute(Tuple.of(fresh, low, high)).map(x -> new Object[] {fresh, true})
            // the other call's row: committed once our insert stopped waiting on it, so this statement sees it
            : c.preparedQuery("SELECT id FROM conversations WHERE direct_low = $1 AND direct_high = $2").execute(Tuple.of(low, high))
                .map(rows -> new Object[] {rows.iterator().next().getUUID("id"), false}))))
        .compose(made -> {
          UUID id = (UUID) made[0];
          boolean created = (Boolean) made[1];
          Future<Void> published = created ? publishShared(List.of(low.toString(), high.toString()), "created", id, null) : Future.succeededFuture();
          return published.compose(x -> get(me, id)).map(json -> new Made(json, created));
        });
  }

  /**
   * Refuses a group of more than {@link #MAX_MEMBERS}: {@code me} and the distinct others of {@code userIds}. The routes
   * check it with the request's other rules, before the request counts on the rate limit.
   */
  static void checkGroupSize(String me, List<UUID> userIds) {
    UUID self = UUID.fromString(me);
    if (1 + userIds.stream().filter(u -> !u.equals(self)).distinct().count() > MAX_MEMBERS) {
      throw ErrorCode.INVALID_ARGUMENT.exception("a group has at most " + MAX_MEMBERS + " members, you included");
    }
  }

  /** A group titled {@code title} (already checked) of {@code me} (its owner) and {@code userIds}. */
  public Future<Made> group(String me, String title, List<UUID> userIds) {
    UUID self = UUID.fromString(me);
    Set<UUID> members = new LinkedHashSet<>();
    members.add(self);
    members.addAll(userIds);
    if (members.size() > MAX_MEMBERS) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("a group has at most " + MAX_MEMBERS + " members, you included"));
    }
    List<UUID> others = members.stream().filter(u -> !u.equals(self)).toList();
    UUID id = UUID.randomUUID();
    return enabledUsers(others).compose(ok -> pg.withTransaction(c -> c.preparedQuery(
            "INSERT INTO conversations (id, type, title, created_by) VALUES ($1, 'group', $2, $3)").execute(Tuple.of(id, title, self))
        .compose(x -> c.preparedQuery("INSERT INTO conversation_members (conversation_id, user_id, role)"
                + " SELECT $1, u, CASE WHEN u = $2 THEN 'owner' ELSE 'member' END FROM unnest($3::uuid[]) AS u")
            .execute(Tuple.tuple().addUUID(id).addUUID(self).addArrayOfUUID(members.toArray(new UUID[0]))))))
        .compose(x -> publishShared(members.stream().map(UUID::toString).toList(), "created", id, null))
        .compose(x -> get(me, id))
        .map(json -> new Made(json, true));
  }

  /** The caller's conversations, newest activity first, after the {@code before} cursor (null: from the newest). */
  public Future<JsonObject> list(String me, String before, int limit) {
    KeysetCursor cursor = KeysetCursor.parse(before, "before is not a cursor this server made");
    String sql = "SELECT " + CONV_COLUMNS + ", m.last_read_seq, " + UNREAD
        + " FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = $1"
        + (cursor == null ? "" : " AND (c.last_activity_at, c.id) < ($3, $4)")
        + " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2";
    Tuple args = Tuple.of(UUID.fromString(me), limit + 1);
    if (cursor != null) {
      args.addOffsetDateTime(cursor.at()).addUUID(cursor.id());
    }
    return pg.preparedQuery(sql).execute(args).compose(rows -> {
      List<Row> page = new ArrayList<>();
      rows.forEach(page::add);
      boolean more = page.size() > limit;
      List<Row> shown = more ? page.subList(0, limit) : page;
      return render(pg, shown, me).map(list -> {
        JsonArray out = new JsonArray();
        for (int i = 0; i < shown.size(); i++) {
          out.add(personal(list.get(i), shown.get(i)));
        }
        Row last = shown.isEmpty() ? null : shown.get(shown.size() - 1);
        return new JsonObject().put("conversations", out)
            .put("next_before", more ? new KeysetCursor(last.getOffsetDateTime("last_activity_at"), last.getUUID("id")).encode() : null);
      });
    });
  }

  /** One conversation of the caller, with the caller's read marker and unread count. */
  public Future<JsonObject> get(String me, UUID id) {
    return pg.preparedQuery("SELECT " + CONV_COLUMNS + ", m.last_read_seq, " + UNREAD
            + " FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = $1 AND c.id = $2")
        .execute(Tuple.of(UUID.fromString(me), id))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(notFound());
          }
          Row r = rows.iterator().next();
          return render(pg, List.of(r), me).map(list -> personal(list.get(0), r));
        });
  }

  /** Adds {@code user} to a group; the owner and admins may. Answers the conversation as the caller sees it. */
  public Future<JsonObject> addMember(String me, UUID id, UUID user) {
    return enabledUsers(List.of(user)).compose(ok -> pg.withTransaction(c -> lock(c, id, me).compose(m -> {
          if (!m.group()) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("a direct conversation has exactly two members"));
          }
          if (!"owner".equals(m.role()) && !"admin".equals(m.role())) {
            return Future.failedFuture(ErrorCode.FORBIDDEN.exception("only the group's owner and admins add members"));
          }
          // a member already is told so even when the group is full (the more specific answer first)
          return c.preparedQuery("SELECT count(*) AS n, coalesce(bool_or(user_id = $2), false) AS member FROM conversation_members"
                  + " WHERE conversation_id = $1").execute(Tuple.of(id, user))
              .compose(n -> n.iterator().next().getBoolean("member")
                  ? Future.failedFuture(ErrorCode.ALREADY_EXISTS.exception("already a member"))
                  : n.iterator().next().getLong("n") >= MAX_MEMBERS
                  ? Future.failedFuture(ErrorCode.CONFLICT.exception("a group has at most " + MAX_MEMBERS + " members"))
                  // the history before the join is readable but not unread: the marker starts at the last message
                  // (under the lock, so no message lands between reading last_seq and the insert)
                  : c.preparedQuery("INSERT INTO conversation_members (conversation_id, user_id, role, last_read_seq)"
                          + " SELECT $1, $2, 'member', last_seq FROM conversations WHERE id = $1 ON CONFLICT DO NOTHING")
                      .execute(Tuple.of(id, user)))
              .compose(ins -> ins.rowCount() == 0
                  ? Future.failedFuture(ErrorCode.ALREADY_EXISTS.exception("already a member"))
                  : touch(c, id))
              .compose(x -> memberIds(c, id));
        })))
        .compose(members -> publishShared(members, "member_added", id, user.toString()))
        .compose(x -> get(me, id));
  }

  /**
   * Removes {@code user} from a group: the owner removes anyone, every member removes themself (leaves). An owner who
   * leaves hands the group to its earliest admin, else its earliest member; the last member leaving deletes the group
   * and its messages (and their attachments, whose S3 objects go once that committed). The removed member hears the
   * {@code member_removed} event too, then nothing more.
   */
  public Future<Void> removeMember(String me, UUID id, UUID user) {
    boolean leaving = user.toString().equals(me);
    List<String> objects = new ArrayList<>();
    return pg.withTransaction(c -> lock(c, id, me).compose(m -> {
          if (!m.group()) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("nobody leaves a direct conversation"));
          }
          if (!leaving && !"owner".equals(m.role())) {
            return Future.failedFuture(ErrorCode.FORBIDDEN.exception("only the group's owner removes other members"));
          }
          return c.preparedQuery("DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2 RETURNING role")
              .execute(Tuple.of(id, user))
              .compose(del -> {
                if (del.size() == 0) {
                  return Future.failedFuture(ErrorCode.NOT_FOUND.exception("not a member of this conversation"));
                }
                boolean owner = "owner".equals(del.iterator().next().getString("role"));
                Future<?> handover = !owner ? Future.succeededFuture() : c.preparedQuery("UPDATE conversation_members SET role = 'owner'"
                    + " WHERE conversation_id = $1 AND user_id = (SELECT user_id FROM conversation_members WHERE conversation_id = $1"
                    + " ORDER BY role = 'admin' DESC, joined_at, user_id LIMIT 1)").execute(Tuple.of(id));
                return handover.compose(x -> memberIds(c, id));
              })
              .compose(left -> left.isEmpty()
                  ? Attachments.removeAll(c, id).compose(keys -> {
                    objects.addAll(keys);
                    return c.preparedQuery("DELETE FROM conversations WHERE id = $1").execute(Tuple.of(id));
                  }).map(left)
                  : touch(c, id).map(left));
        }))
        .compose(left -> attachments.deleteObjects(objects).map(left))
        .compose(left -> {
          List<String> to = new ArrayList<>(left);
          to.add(user.toString());
          if (left.isEmpty()) {
            events.conversation(to, "member_removed", id.toString(), user.toString(), null);
            return Future.<Void>succeededFuture();
          }
          return publishShared(to, "member_removed", id, user.toString());
        });
  }

  /** Makes a member an {@code admin} or a plain {@code member} again; the owner only. */
  public Future<JsonObject> setRole(String me, UUID id, UUID user, String role) {
    try {
      checkRole(role);
    } catch (io.chorus.bus.ChorusException e) {
      return Future.failedFuture(e);
    }
    return pg.withTransaction(c -> lock(c, id, me).compose(m -> {
          if (!m.group()) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("a direct conversation has no roles"));
          }
          if (!"owner".equals(m.role())) {
            return Future.failedFuture(ErrorCode.FORBIDDEN.exception("only the group's owner changes roles"));
          }
          if (user.toString().equals(me)) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("the owner's role is owner"));
          }
          return c.preparedQuery("UPDATE conversation_members SET role = $3 WHERE conversation_id = $1 AND user_id = $2")
              .execute(Tuple.of(id, user, role))
              .compose(u -> u.rowCount() == 0
                  ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("not a member of this conversation"))
                  : memberIds(c, id));
        }))
        .compose(members -> publishShared(members, "member_role", id, user.toString()))
        .compose(x -> get(me, id));
  }

  /** Renames a group; its owner only. */
  public Future<JsonObject> rename(String me, UUID id, String title) {
    return pg.withTransaction(c -> lock(c, id, me).compose(m -> {
          if (!m.group()) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("a direct conversation has no title"));
          }
          if (!"owner".equals(m.role())) {
            return Future.failedFuture(ErrorCode.FORBIDDEN.exception("only the group's owner renames it"));
          }
          return c.preparedQuery("UPDATE conversations SET title = $2, last_activity_at = clock_timestamp() WHERE id = $1").execute(Tuple.of(id, title))
              .compose(x -> memberIds(c, id));
        }))
        .compose(members -> publishShared(members, "renamed", id, null))
        .compose(x -> get(me, id));
  }

  /** The other user of a direct conversation: not the caller ({@code invalid_argument}, before the rate limit counts it). */
  static void checkOther(String me, UUID other) {
    if (other.equals(UUID.fromString(me))) {
      throw ErrorCode.INVALID_ARGUMENT.exception("a direct conversation needs another user than yourself");
    }
  }

  /** A role the owner gives: {@code admin} or {@code member} ({@code invalid_argument}, before the rate limit counts it). */
  static void checkRole(String role) {
    if (!"admin".equals(role) && !"member".equals(role)) {
      throw ErrorCode.INVALID_ARGUMENT.exception("role must be admin or member");
    }
  }

  // ---- shared with Messages

  /**
   * The caller's membership of conversation {@code id}, taking the conversation row's lock (every change of a
   * conversation, its members and its messages runs under it); {@code NOT_FOUND} for a non-member. The member row is
   * locked too ({@code FOR SHARE OF m}), so that PostgreSQL reads it again once the conversation's lock is had: a
   * member removed (or given another role) by the change that held the lock is seen as it is now, not as the
   * statement's snapshot had it (with {@code FOR UPDATE OF c} alone a member removed meanwhile still sent).
   */
  static Future<Membership> lock(SqlConnection c, UUID id, String me) {
    return c.preparedQuery("SELECT c.type, m.role FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $2"
            + " WHERE c.id = $1 FOR UPDATE OF c FOR SHARE OF m")
        .execute(Tuple.of(id, UUID.fromString(me)))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound())
            : Future.succeededFuture(new Membership(id, rows.iterator().next().getString("type"), rows.iterator().next().getString("role"))));
  }

  /** Fails {@code NOT_FOUND} (as for a conversation that does not exist) unless {@code me} is a member of {@code id}. */
  static Future<Void> member(SqlClient c, UUID id, UUID me) {
    return c.preparedQuery("SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2")
        .execute(Tuple.of(id, me))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound()) : Future.succeededFuture());
  }

  /** The member ids of a conversation. */
  static Future<List<String>> memberIds(SqlClient c, UUID id) {
    return c.preparedQuery("SELECT user_id FROM conversation_members WHERE conversation_id = $1").execute(Tuple.of(id)).map(rows -> {
      List<String> ids = new ArrayList<>();
      rows.forEach(r -> ids.add(r.getUUID("user_id").toString()));
      return ids;
    });
  }

  /** The one answer for a conversation that does not exist and for one the caller is not a member of. */
  static io.chorus.bus.ChorusException notFound() {
    return ErrorCode.NOT_FOUND.exception("no such conversation");
  }

  // ---- internals

  /** Unread: the others' messages after the caller's read marker, deleted ones not counted (alias {@code unread_count}). */
  private static final String UNREAD = "(SELECT count(*) FROM messages x WHERE x.conversation_id = c.id AND x.seq > m.last_read_seq"
      + " AND x.deleted_at IS NULL AND x.sender_id <> m.user_id) AS unread_count";

  private static Future<Void> touch(SqlClient c, UUID id) {
    return c.preparedQuery("UPDATE conversations SET last_activity_at = clock_timestamp() WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
  }

  /** Fails {@code NOT_FOUND} naming the first of {@code ids} that is no enabled account (unknown and disabled alike). */
  private Future<Void> enabledUsers(List<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return pg.preparedQuery("SELECT id FROM users WHERE id = ANY($1) AND NOT disabled")
        .execute(Tuple.tuple().addArrayOfUUID(ids.toArray(new UUID[0])))
        .compose(rows -> {
          Set<UUID> found = new java.util.HashSet<>();
          rows.forEach(r -> found.add(r.getUUID("id")));
          for (UUID u : ids) {
            if (!found.contains(u)) {
              return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such user: " + u));
            }
          }
          return Future.succeededFuture();
        });
  }

  /**
   * Publishes a {@code conversation} event with the conversation's shared JSON to {@code to}, before the call answers:
   * a client that has the answer knows the event is out, ahead of any later change's (a message sent right after a
   * create reaches the members after the {@code created}). The change has committed: a failure to read the JSON back
   * is logged and the event dropped, the call still succeeds (clients catch up with GET).
   */
  private Future<Void> publishShared(List<String> to, String action, UUID id, String userId) {
    return shared(id).map(json -> {
      events.conversation(to, action, id.toString(), userId, json);
      return (Void) null;
    }).recover(e -> {
      org.slf4j.LoggerFactory.getLogger(Conversations.class).warn("conversation event {} of {} not published: {}", action, id, e.toString());
      return Future.succeededFuture();
    });
  }

  /** The conversation as every member sees it (no read marker, no unread count), for events. */
  private Future<JsonObject> shared(UUID id) {
    return pg.preparedQuery("SELECT " + CONV_COLUMNS + " FROM conversations c WHERE c.id = $1").execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(notFound());
      }
      return render(pg, List.of(rows.iterator().next()), null).map(list -> list.get(0));
    });
  }

  private static JsonObject personal(JsonObject shared, Row r) {
    return shared.put("last_read_seq", r.getLong("last_read_seq")).put("unread_count", r.getLong("unread_count"));
  }

  /** The shared JSON of each conversation row (members and last message read in two queries for all of them). */
  private static Future<List<JsonObject>> render(SqlClient c, List<Row> rows, String viewer) {
    if (rows.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    UUID[] ids = rows.stream().map(r -> r.getUUID("id")).toArray(UUID[]::new);
    Future<RowSet<Row>> members = c.preparedQuery("SELECT m.conversation_id, m.role, m.joined_at, m.last_read_seq, " + MessagingJson.USER_COLUMNS
            + " FROM conversation_members m JOIN users u ON u.id = m.user_id WHERE m.conversation_id = ANY($1)"
            + " ORDER BY m.joined_at, m.role = 'owner' DESC, m.user_id")
        .execute(Tuple.tuple().addArrayOfUUID(ids));
    Future<RowSet<Row>> last = c.preparedQuery("SELECT " + MessagingJson.MESSAGE_COLUMNS
            + " FROM conversations c JOIN messages msg ON msg.conversation_id = c.id AND msg.seq = c.last_seq WHERE c.id = ANY($1)")
        .execute(Tuple.tuple().addArrayOfUUID(ids));
    return Future.all(members, last).map(all -> {
      Map<UUID, JsonArray> memberLists = new LinkedHashMap<>();
      members.result().forEach(m -> memberLists.computeIfAbsent(m.getUUID("conversation_id"), k -> new JsonArray())
          .add(new JsonObject().put("user", MessagingJson.user(m)).put("role", m.getString("role"))
              .put("joined_at", MessagingJson.iso(m.getOffsetDateTime("joined_at")))
              // every member's read marker: the read receipts a client shows when it opens a conversation
              .put("last_read_seq", m.getLong("last_read_seq"))));
      Map<UUID, JsonObject> lastMessages = new LinkedHashMap<>();
      last.result().forEach(m -> lastMessages.put(m.getUUID("conversation_id"), MessagingJson.message(m, viewer)));
      List<JsonObject> out = new ArrayList<>();
      for (Row r : rows) {
        UUID id = r.getUUID("id");
        out.add(new JsonObject().put("id", id.toString()).put("type", r.getString("type")).put("title", r.getString("title"))
            .put("members", memberLists.getOrDefault(id, new JsonArray()))
            .put("last_message", lastMessages.get(id))
            .put("last_seq", r.getLong("last_seq"))
            .put("created_at", MessagingJson.iso(r.getOffsetDateTime("created_at")))
            .put("last_activity_at", MessagingJson.iso(r.getOffsetDateTime("last_activity_at"))));
      }
      return out;
    });
  }
}

package io.chorus.chat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Seed 002's durable tables {@code rooms} and {@code room_participants} (migration V1). */
public final class ConferenceRepo {
  private static final String ROOM_COLUMNS = "id, livekit_room_name, title, description, status, max_participants, "
      + "host_participant_id, created_at, updated_at, expires_at";

  private final Pool pg;

  public ConferenceRepo(Pool pg) {
    this.pg = pg;
  }

  /**
   * Inserts the room unless it exists (rooms made through gRPC or the seed WebSocket get their row on first REST use);
   * {@code createdAt} is the live room's creation time, so the row's never differs from the room's.
   */
  public Future<Void> insertRoom(String id, String livekitName, String title, String description, int maxParticipants,
                                 String hostId, Instant createdAt, Instant expiresAt) {
    return pg.preparedQuery("INSERT INTO rooms (id, livekit_room_name, title, description, max_participants, host_participant_id, "
            + "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            // a row the join recorder made first (JoinRecorder) has no description: the REST create's fills it
            + "ON CONFLICT (id) DO UPDATE SET description = COALESCE(rooms.description, EXCLUDED.description)")
        .execute(Tuple.from(new Object[] {id, livekitName, title, description, maxParticipants, hostId, odt(createdAt), odt(expiresAt)}))
        .mapEmpty();
  }

  public Future<JsonObject> findRoom(String id) {
    return pg.preparedQuery("SELECT " + ROOM_COLUMNS + " FROM rooms WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : roomJson(rows.iterator().next()));
  }

  /** Opens a membership; a replayed join keeps the open one (and takes the new display name). */
  public Future<Void> addParticipant(String roomId, String participantId, String displayName, String role, String clientIp,
                                     String userAgent) {
    return pg.preparedQuery("INSERT INTO room_participants (room_id, participant_id, display_name, role, client_ip, user_agent) "
            + "VALUES ($1, $2, $3, $4, $5::text::inet, $6) "
            + "ON CONFLICT (room_id, participant_id) WHERE left_at IS NULL DO UPDATE SET display_name = EXCLUDED.display_name, "
            // the join recorder (JoinRecorder) may have opened it first, without them
            + "client_ip = COALESCE(EXCLUDED.client_ip, room_participants.client_ip), "
            + "user_agent = COALESCE(EXCLUDED.user_agent, room_participants.user_agent)")
        .execute(Tuple.of(roomId, participantId, displayName, role, clientIp, userAgent)).mapEmpty();
  }

  /**
   * The room's host is now {@code hostId}: the row's {@code host_participant_id}, and the role of the open memberships
   * (the new host's becomes host, a former host's participant). Answers the participants whose role changed, with it.
   */
  public Future<List<String[]>> setHost(String roomId, String hostId) {
    return pg.withTransaction(c -> c.preparedQuery("UPDATE rooms SET host_participant_id = $2, updated_at = NOW() "
            + "WHERE id = $1 AND host_participant_id IS DISTINCT FROM $2").execute(Tuple.of(roomId, hostId))
        .compose(v -> c.preparedQuery("UPDATE room_participants SET role = CASE WHEN participant_id = $2 THEN 'host' ELSE 'participant' END "
                + "WHERE room_id = $1 AND left_at IS NULL AND ((participant_id = $2 AND role <> 'host') OR (participant_id <> $2 AND role = 'host')) "
                + "RETURNING participant_id, role")
            .execute(Tuple.of(roomId, hostId))))
        .map(rows -> {
          List<String[]> out = new ArrayList<>();
          rows.forEach(r -> out.add(new String[] {r.getString("participant_id"), r.getString("role")}));
          return out;
        });
  }

  /**
   * Joins by any API ({@link JoinRecorder}'s batch of {@code chorus.room.joined} events): the rooms' rows where missing
   * (rooms made through the seed WebSocket or gRPC), then an open membership per participant unless it has one (a REST
   * join's, with its IP and user agent, stays as it is). Two statements whatever the batch's size. Answers the
   * memberships it opened: room, participant, role.
   */
  public Future<List<String[]>> recordJoins(List<JsonObject> joins, Instant expiresAt) {
    int n = joins.size();
    String[] rooms = new String[n];
    String[] names = new String[n];
    String[] ids = new String[n];
    String[] titles = new String[n];
    String[] hosts = new String[n];
    Integer[] max = new Integer[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    OffsetDateTime[] joined = new OffsetDateTime[n];
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    for (int i = 0; i < n; i++) {
      JsonObject j = joins.get(i);
      rooms[i] = j.getString("room_id");
      ids[i] = j.getString("participant_id");
      names[i] = j.getString("name", ids[i]);
      hosts[i] = j.getString("host_id", ids[i]);
      titles[i] = j.getString("title", "");
      max[i] = j.getInteger("max_users", 50);
      long c = j.getLong("created_at", 0L);
      created[i] = c > 0 ? odt(Instant.ofEpochMilli(c)) : now;
      long at = j.getLong("joined_at", 0L);
      joined[i] = at > 0 ? odt(Instant.ofEpochMilli(at)) : now;
    }
    return pg.preparedQuery("INSERT INTO rooms (id, livekit_room_name, title, max_participants, host_participant_id, created_at, expires_at) "
            + "SELECT DISTINCT ON (id) id, 'chorus-' || id, title, max, host, created, $6 "
            + "FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::varchar[], $5::timestamptz[]) AS u(id, title, max, host, created) "
            // rooms that have a row are not inserted at all: a conflict would wait for whoever is updating that row
            + "WHERE NOT EXISTS (SELECT 1 FROM rooms r WHERE r.id = u.id) "
            + "ON CONFLICT DO NOTHING")
        .execute(Tuple.of(rooms, titles, max, hosts, created, odt(expiresAt)))
        // the rooms' rows share-locked first, then the insert reads with a snapshot taken after the locks: a leave or
        // an end in progress (they lock the row, markLeft/endRoom) is waited for and seen; one that starts later waits
        // for this transaction and sees the memberships it wrote. The role is the row's host now (a host change
        // recorded since the join is not undone)
        .compose(v -> pg.withTransaction(c -> c.preparedQuery("SELECT id FROM rooms WHERE id = ANY($1::varchar[]) ORDER BY id FOR SHARE")
            .execute(Tuple.of((Object) rooms)).compose(locked -> c.preparedQuery("INSERT INTO room_participants (room_id, participant_id, display_name, role, joined_at) "
                + "SELECT u.room_id, u.pid, u.name, CASE WHEN u.pid = r.host_participant_id THEN 'host' ELSE 'participant' END, u.joined "
                + "FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[]) AS u(room_id, pid, name, joined) "
                + "JOIN rooms r ON r.id = u.room_id "
                // written a batch after the join: not into a room ended since, nor again once this join's membership closed
                + "WHERE r.status <> 'ended' AND NOT EXISTS (SELECT 1 FROM room_participants p WHERE p.room_id = u.room_id"
                + " AND p.participant_id = u.pid AND p.left_at >= u.joined) "
                + "ON CONFLICT (room_id, participant_id) WHERE left_at IS NULL DO NOTHING RETURNING room_id, participant_id, role")
            .execute(Tuple.of(rooms, ids, names, joined)))))
        .map(rows -> {
          List<String[]> out = new ArrayList<>();
          rows.forEach(r -> out.add(new String[] {r.getString("room_id"), r.getString("participant_id"), r.getString("role")}));
          return out;
        });
  }

  /** The room's row locked first, so a join batch being written is waited for and its membership closed too (recordJoins). */
  public Future<Void> markLeft(String roomId, String participantId) {
    return pg.withTransaction(c -> c.preparedQuery("SELECT 1 FROM rooms WHERE id = $1 FOR NO KEY UPDATE").execute(Tuple.of(roomId))
        .compose(locked -> c.preparedQuery("UPDATE room_participants SET left_at = NOW() WHERE room_id = $1 AND participant_id = $2 AND left_at IS NULL")
            .execute(Tuple.of(roomId, participantId)))).mapEmpty();
  }

  /** True when the participant was ever joined by an account (REST join with its JWT). */
  public Future<Boolean> boundToAccount(String roomId, String participantId) {
    return pg.preparedQuery("SELECT 1 FROM room_participants WHERE room_id = $1 AND participant_id = $2 AND user_id IS NOT NULL LIMIT 1")
        .execute(Tuple.of(roomId, participantId)).map(rows -> rows.size() > 0);
  }

  /**
   * Marks every present participant an account joined as (REST join with its JWT) as left, and returns them as
   * {room_id, participant_id} pairs. The update is the claim: of several nodes told the same thing, one gets the rows.
   */
  public Future<List<String[]>> markAccountLeft(UUID userId) {
    return pg.preparedQuery("UPDATE room_participants SET left_at = NOW() WHERE user_id = $1 AND left_at IS NULL RETURNING room_id, participant_id")
        .execute(Tuple.of(userId))
        .map(rows -> {
          List<String[]> out = new ArrayList<>();
          rows.forEach(r -> out.add(new String[] {r.getValue("room_id").toString(), r.getString("participant_id")}));
          return out;
        });
  }

  /** Activity keeps a room alive: {@code expires_at} moves to now + ROOM_TTL_HOURS. */
  public Future<Void> touch(String roomId, Instant expiresAt) {
    return pg.preparedQuery("UPDATE rooms SET updated_at = NOW(), expires_at = $2 WHERE id = $1 AND status = 'active'")
        .execute(Tuple.of(roomId, odt(expiresAt))).mapEmpty();
  }

  public Future<List<JsonObject>> history(String roomId) {
    return pg.preparedQuery("SELECT participant_id, display_name, role, joined_at, left_at, host(client_ip) AS ip, user_agent "
            + "FROM room_participants WHERE room_id = $1 ORDER BY joined_at")
        .execute(Tuple.of(roomId)).map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new JsonObject().put("participant_id", r.getString("participant_id")).put("display_name", r.getString("display_name"))
                .put("role", r.getString("role")).put("joined_at", iso(r.getOffsetDateTime("joined_at")))
                .put("left_at", iso(r.getOffsetDateTime("left_at"))).put("client_ip", r.getString("ip"))
                .put("user_agent", r.getString("user_agent")));
          }
          return out;
        });
  }

  /** Active rooms whose {@code expires_at} has passed. */
  public Future<List<String>> expiredRooms(int limit) {
    return pg.preparedQuery("SELECT id FROM rooms WHERE status = 'active' AND expires_at < NOW() ORDER BY expires_at LIMIT $1")
        .execute(Tuple.of(limit)).map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString("id")));
          return ids;
        });
  }

  /** Ends the room and closes every open membership, in one transaction; false if it was not active. */
  public Future<Boolean> endRoom(String roomId) {
    return pg.withTransaction(c -> c.preparedQuery("UPDATE rooms SET status = 'ended', updated_at = NOW() WHERE id = $1 AND status = 'active'")
        .execute(Tuple.of(roomId)).compose(r -> {
          if (r.rowCount() == 0) {
            return Future.succeededFuture(false);
          }
          return c.preparedQuery("UPDATE room_participants SET left_at = NOW() WHERE room_id = $1 AND left_at IS NULL")
              .execute(Tuple.of(roomId)).map(true);
        }));
  }

  static JsonObject roomJson(Row r) {
    return new JsonObject().put("id", r.getString("id")).put("livekit_room_name", r.getString("livekit_room_name"))
        .put("title", r.getString("title")).put("description", r.getString("description")).put("status", r.getString("status"))
        .put("max_participants", r.getInteger("max_participants")).put("host_participant_id", r.getString("host_participant_id"))
        .put("created_at", iso(r.getOffsetDateTime("created_at"))).put("updated_at", iso(r.getOffsetDateTime("updated_at")))
        .put("expires_at", iso(r.getOffsetDateTime("expires_at")));
  }

  static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }

  private static OffsetDateTime odt(Instant i) {
    return i == null ? null : i.atOffset(ZoneOffset.UTC);
  }
}

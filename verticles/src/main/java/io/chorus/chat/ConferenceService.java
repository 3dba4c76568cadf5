package io.chorus.chat;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.chorus.input.Inputs;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.room.ParticipantTokens;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomLifecycle;
import io.chorus.room.RoomState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Seed 002's anonymous rooms on the one room model: the live room is the Redis record managed by
 * the RoomVerticle (so the seed-000 WebSocket, gRPC and the bridge see it), the durable row and the
 * participant history are PostgreSQL's, and {@code room:{ID}:meta} / {@code :participants} cache
 * them in Redis. Joins and leaves post system chat lines.
 */
public final class ConferenceService {
  static final int ACTIVITY_SECONDS = 60;

  private final RoomClient rooms;
  private final RoomLifecycle lifecycle;
  private final ParticipantTokens tokens;
  private final ConferenceRepo repo;
  private final ChatService chat;
  private final ChorusConfig config;
  private final ChatConfig chatConfig;
  private final io.chorus.room.RoomsConfig roomsConfig;
  private final Pattern namePattern;

  /** Who calls, where from (seed 002 keeps the IP and user agent of each participant). */
  public record Caller(String participantId, String clientIp, String userAgent) {
  }

  public ConferenceService(RoomClient rooms, RoomLifecycle lifecycle, ParticipantTokens tokens, ConferenceRepo repo, ChatService chat,
                           ChorusConfig config) {
    this.rooms = rooms;
    this.lifecycle = lifecycle;
    this.tokens = tokens;
    this.repo = repo;
    this.chat = chat;
    this.config = config;
    this.chatConfig = ChatConfig.of(config);
    this.roomsConfig = io.chorus.room.RoomsConfig.of(config);
    this.namePattern = Pattern.compile(chatConfig.displayNamePattern());
  }

  public Future<JsonObject> create(String rawTitle, String rawDescription, Integer maxParticipants, String displayName, Caller caller) {
    String name;
    String pid;
    String title;
    String description;
    try {
      // the input rules of docs/api.md (io.chorus.input.Inputs), as on every entry point
      title = Inputs.name("title", rawTitle, 1, 255);
      description = Inputs.text("description", rawDescription, 5000);
      if (maxParticipants != null && (maxParticipants < 1 || maxParticipants > roomsConfig.maxUsers())) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "max_participants must be between 1 and " + roomsConfig.maxUsers());
      }
      name = displayName(displayName == null ? "Host" : displayName);
      pid = participantId(caller.participantId());
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    int max = maxParticipants == null ? roomsConfig.maxUsers() : maxParticipants;
    CreateRoomRequest req = CreateRoomRequest.newBuilder().setHostId(pid).setHostName(name).setTitle(title)
        .setMaxUsers(max).build();
    return rooms.create(req, false).compose(state -> {
      String id = state.roomId();
      Instant expires = expiresAt();
      return repo.insertRoom(id, livekitName(id), title, description, max, pid, createdAt(state), expires)
          .compose(v -> repo.addParticipant(id, pid, name, "host", caller.clientIp(), caller.userAgent()))
          .compose(v -> repo.findRoom(id))
          .compose(row -> chat.store().putMeta(id, row).map(row))
          .compose(row -> cacheParticipant(id, pid, name, "host", state.joinedAtMs(pid)).map(row))
          .map(row -> new JsonObject().put("room", roomJson(row, state))
              .put("participant", participantJson(state, pid, name))
              .put("token", tokens.issue(id, pid, "host")));
    });
  }

  /**
   * The room: PostgreSQL's row (or the Redis cache of it) with the live participant count. A live room without a
   * row yet (made through gRPC or the seed WebSocket) gets it now, so every field is there and stays put.
   */
  public Future<JsonObject> get(String roomId) {
    return live(roomId).compose(state -> row(roomId, state)
        .compose(row -> row != null || state == null ? Future.succeededFuture(row) : insertLive(state).compose(v -> row(roomId, state)))
        .map(row -> {
      if (row == null && state == null) {
        throw new ChorusException(ErrorCode.NOT_FOUND, "room not found");
      }
      return roomJson(row, state);
    }));
  }

  /**
   * Joins as a new participant ({@code X-Participant-ID} or a generated id; an id already in the room
   * needs its token), or re-joins with the caller's token. Answers room, participant and token.
   */
  public Future<JsonObject> join(String roomId, String displayName, ParticipantTokens.Identity identity, Caller caller) {
    return join(roomId, displayName, identity, caller, false);
  }

  /**
   * {@code byAccount}: the identity was proved by the account's access token (the account's own participant
   * in the room, {@link SignedInJoins}), not by a participant token.
   */
  public Future<JsonObject> join(String roomId, String displayName, ParticipantTokens.Identity identity, Caller caller,
                                 boolean byAccount) {
    return join(roomId, displayName, identity, caller, byAccount ? "" : null);
  }

  /**
   * {@code account}: the id of the account the caller is signed in as (its access JWT, {@link SignedInJoins}), null for
   * none; non-null is {@code byAccount}. A new participant id that is an account's other than this one is refused
   * (FORBIDDEN, {@link RoomClient}).
   */
  public Future<JsonObject> join(String roomId, String displayName, ParticipantTokens.Identity identity, Caller caller,
                                 String account) {
    boolean byAccount = account != null;
    String name;
    String pid;
    try {
      name = displayName(displayName);
      pid = identity != null ? identity.participantId() : participantId(caller.participantId());
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    // a participant an account joined as comes back with the account's access token, never with the participant
    // token alone: a disabled account's old tokens must not bring it back (accountDisabled)
    Future<Boolean> accountBound = identity == null || byAccount ? Future.succeededFuture(false) : repo.boundToAccount(roomId, pid);
    return accountBound.compose(bound -> bound
        ? Future.failedFuture(new ChorusException(ErrorCode.FORBIDDEN, "this participant is an account's: join with its access token"))
        : row(roomId, null)).compose(existing -> {
      if (existing != null && "ended".equals(existing.getString("status"))) {
        return Future.failedFuture(new ChorusException(ErrorCode.GONE, "room has ended"));
      }
      JoinRoomRequest req = JoinRoomRequest.newBuilder().setRoomId(roomId).setUserId(pid).setUserName(name).build();
      return rooms.join(req, false, identity == null, account == null ? "" : account).recover(e -> existing != null
          && ErrorCode.of(e) == ErrorCode.NOT_FOUND
          // the row is there but the live room is gone (its Redis state expired before the cleanup ended the row):
          // GET answers it as ended, so a join is gone, as for a row the cleanup ended
          ? Future.failedFuture(new ChorusException(ErrorCode.GONE, "room has ended")) : Future.failedFuture(e)).compose(state -> {
        boolean fresh = "user_joined".equals(state.event());
        String role = pid.equals(state.hostId()) ? "host" : "participant";
        Future<Void> rowReady = existing != null ? repo.touch(roomId, expiresAt()).compose(v -> chat.store().dropMeta(roomId))
            : insertLive(state);
        return rowReady
            .compose(v -> repo.addParticipant(roomId, pid, name, role, caller.clientIp(), caller.userAgent()))
            .compose(v -> cacheParticipant(roomId, pid, name, role, state.joinedAtMs(pid)))
            // a big room's joins are quiet (ROOM_PRESENCE_EVENTS_MAX_USERS): no chat line either
            .compose(v -> fresh && !state.quiet() ? chat.system(roomId, pid, name, name + " joined").mapEmpty()
                : Future.<Void>succeededFuture())
            .compose(v -> row(roomId, state))
            .map(row -> new JsonObject().put("room", roomJson(row, state)).put("participant", participantJson(state, pid, name))
                .put("token", tokens.issue(roomId, pid, role)));
      });
    });
  }

  public Future<JsonObject> leave(String roomId, String participantId) {
    return member(roomId, participantId).compose(before -> {
      String name = before.nameOf(participantId);
      LeaveRoomRequest req = LeaveRoomRequest.newBuilder().setRoomId(roomId).setUserId(participantId).build();
      return rooms.leave(req, false)
          .compose(state -> repo.markLeft(roomId, participantId)
              .compose(v -> chat.store().removeParticipant(roomId, participantId))
              .compose(v -> repo.touch(roomId, expiresAt()))
              .compose(v -> chat.store().dropMeta(roomId))
              .compose(v -> state.quiet() ? Future.<JsonObject>succeededFuture(null)
                  : chat.system(roomId, participantId, name, name + " left"))
              .map(m -> new JsonObject().put("room_id", roomId).put("participant_id", participantId).put("status", "left")
                  .put("host_participant_id", state.hostId())));
    });
  }

  /**
   * A member left the room through any API (its last seed {@code /ws} socket closed, gRPC {@code LeaveRoom}, its node
   * gone, a REST leave): its membership in PostgreSQL gets {@code left_at} and it leaves the room's active participants
   * in Redis ({@code room:{ID}:participants}), as a REST leave does; unless it is a member again by now (a re-join).
   */
  public Future<Void> departed(String roomId, String participantId) {
    return rooms.member(roomId, participantId).map(state -> state.isMember(participantId))
        .recover(e -> ErrorCode.of(e) == ErrorCode.NOT_FOUND ? Future.succeededFuture(false) : Future.failedFuture(e))
        .compose(present -> present ? Future.<Void>succeededFuture()
            : repo.markLeft(roomId, participantId).compose(v -> chat.store().removeParticipant(roomId, participantId)));
  }

  /**
   * The room has a new host, by any API (a transfer, the host leaving, the first joiner of an empty room): PostgreSQL's
   * {@code rooms.host_participant_id} and the open memberships' roles, the {@code room:{ID}:meta} cache (dropped) and
   * the roles in {@code room:{ID}:participants} follow. The host written is the live room's at this moment (the
   * event's if the room is gone), so changes heard out of order still end on the last one.
   */
  public Future<Void> hostChanged(String roomId, String hostId) {
    return rooms.member(roomId, hostId).map(RoomState::hostId)
        .recover(e -> ErrorCode.of(e) == ErrorCode.NOT_FOUND ? Future.succeededFuture(hostId) : Future.failedFuture(e))
        .compose(host -> host == null || host.isEmpty() ? Future.<Void>succeededFuture() : repo.setHost(roomId, host)
            .compose(changed -> chat.store().dropMeta(roomId).compose(v -> {
              List<Future<Void>> roles = new ArrayList<>();
              for (String[] p : changed) {
                roles.add(chat.store().setRole(roomId, p[0], p[1]));
              }
              return Future.all(roles).<Void>mapEmpty();
            })));
  }

  /**
   * A disabled account leaves every room it joined while signed in: its participant tokens then prove nothing
   * (REST chat, media tokens and {@code /ws/chat} check membership), as the seed {@code /ws} refuses the account.
   */
  public Future<Integer> accountDisabled(String userId) {
    UUID id;
    try {
      id = UUID.fromString(userId);
    } catch (RuntimeException e) {
      return Future.succeededFuture(0);
    }
    return repo.markAccountLeft(id).compose(joined -> {
      List<Future<JsonObject>> left = new ArrayList<>();
      for (String[] p : joined) {
        // a participant already gone from the room state (left, room ended) has nothing more to undo
        left.add(leave(p[0], p[1]).otherwise((JsonObject) null));
      }
      return Future.all(left).map(joined.size());
    });
  }

  public Future<JsonObject> participants(String roomId, String participantId) {
    // the whole member list (get), with the same membership rule as member()
    return rooms.get(roomId).compose(state -> requireMember(state, participantId))
        .compose(state -> chat.store().participants(roomId).map(cached -> {
      JsonArray list = new JsonArray();
      for (String id : state.users()) {
        JsonObject c = cached.get(id);
        list.add(participantJson(state, id, c != null ? c.getString("display_name") : state.nameOf(id)));
      }
      return new JsonObject().put("room_id", roomId).put("host_participant_id", state.hostId()).put("participants", list);
    }));
  }

  /**
   * The live room, failing FORBIDDEN unless {@code participantId} is in it now. The state carries that
   * participant's record but no member list (one cheap script call per chat request, whatever the room's size).
   */
  public Future<RoomState> member(String roomId, String participantId) {
    return rooms.member(roomId, participantId).compose(state -> requireMember(state, participantId));
  }

  private static Future<RoomState> requireMember(RoomState state, String participantId) {
    return state.isMember(participantId) ? Future.succeededFuture(state)
        : Future.failedFuture(new ChorusException(ErrorCode.FORBIDDEN, "not a participant of this room"));
  }

  /**
   * Chat keeps a room alive: at most once per {@link #ACTIVITY_SECONDS} per room (cluster-wide: the chat
   * post script sets the room's activity mark, and the post that set it calls this), the PostgreSQL
   * {@code expires_at} moves to now + ROOM_TTL_HOURS and the Redis room's TTL is renewed.
   */
  /**
   * The host sets or changes the room's track, a URL or a library {@code track_id} (REST {@code PUT /api/v1/rooms/:id/track}): playback
   * resets to 0, paused, and {@code track_changed} goes to every member; the room script refuses
   * anyone but the current host (403).
   */
  public Future<JsonObject> changeTrack(String roomId, String participantId, String trackUrl, String trackId) {
    // the room service checks the URL and the track id (one of them is required)
    return rooms.changeTrack(io.chorus.proto.room.ChangeTrackRequest.newBuilder().setRoomId(roomId)
            .setTrackUrl(trackUrl == null ? "" : trackUrl).setTrackId(trackId == null ? "" : trackId).build(), participantId)
        .map(state -> new JsonObject().put("room_id", state.roomId()).put("track_url", state.trackUrl()).put("track_id", state.trackId())
        .put("version", state.version()).put("playback", state.playback(System.currentTimeMillis())));
  }

  /**
   * The host hands over the host role to a participant in the room now (REST {@code POST /api/v1/rooms/:id/host}), as
   * gRPC TransferHost and /ws's transfer_host: the room script refuses anyone but the current host (403) and a new host
   * who is not in the room (404); {@code host_changed} goes to every member.
   */
  public Future<JsonObject> transferHost(String roomId, String participantId, String newHost) {
    if (newHost == null || newHost.isEmpty()) {
      return Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "participant_id is required"));
    }
    return rooms.transfer(io.chorus.proto.room.TransferHostRequest.newBuilder().setRoomId(roomId).setNewHostId(newHost).build(),
            participantId)
        .map(state -> new JsonObject().put("room_id", state.roomId()).put("host_participant_id", state.hostId())
            .put("version", state.version()));
  }

  public Future<Void> renew(String roomId) {
    return repo.touch(roomId, expiresAt())
        .compose(v -> chat.store().dropMeta(roomId))
        .compose(v -> lifecycle.renew(roomId, roomsConfig.ttlHours() * 3600));
  }

  public Future<String> livekitRoomName(String roomId) {
    return row(roomId, null).map(r -> r == null ? livekitName(roomId) : r.getString("livekit_room_name", livekitName(roomId)));
  }

  public static String livekitName(String roomId) {
    return "chorus-" + roomId;
  }

  private Future<RoomState> live(String roomId) {
    return rooms.get(roomId).recover(e -> ErrorCode.of(e) == ErrorCode.NOT_FOUND ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  /** The durable row from the Redis cache, else PostgreSQL (then cached). */
  private Future<JsonObject> row(String roomId, RoomState state) {
    return chat.store().meta(roomId).compose(meta -> {
      if (meta != null) {
        return Future.succeededFuture(meta);
      }
      return repo.findRoom(roomId).compose(r -> r == null ? Future.succeededFuture(null) : chat.store().putMeta(roomId, r).map(r));
    });
  }

  /** The durable row of a live room that has none yet, from the live room's fields. */
  private Future<Void> insertLive(RoomState state) {
    String id = state.roomId();
    return repo.insertRoom(id, livekitName(id), state.json().getString("title", ""), null, state.maxUsers(), state.hostId(),
        createdAt(state), expiresAt());
  }

  private static Instant createdAt(RoomState state) {
    long ms = state.json().getLong("created_at", 0L);
    return ms > 0 ? Instant.ofEpochMilli(ms) : Instant.now();
  }

  private Future<Void> cacheParticipant(String roomId, String pid, String name, String role, long joinedAtMs) {
    return chat.store().putParticipant(roomId, pid, new JsonObject().put("participant_id", pid).put("display_name", name)
        .put("role", role).put("joined_at", Instant.ofEpochMilli(joinedAtMs).toString()));
  }

  private JsonObject roomJson(JsonObject row, RoomState state) {
    JsonObject out = new JsonObject();
    if (row != null) {
      out.put("id", row.getString("id")).put("livekit_room_name", row.getString("livekit_room_name"))
          .put("title", row.getString("title")).put("description", emptyToNull(row.getString("description")))
          .put("status", row.getString("status")).put("max_participants", Integer.parseInt(String.valueOf(row.getValue("max_participants"))))
          .put("created_at", row.getString("created_at")).put("updated_at", row.getString("updated_at"))
          .put("expires_at", emptyToNull(row.getString("expires_at")));
    } else {
      out.put("id", state.roomId()).put("livekit_room_name", livekitName(state.roomId())).put("title", state.json().getString("title", ""))
          .putNull("description").put("status", "active").put("max_participants", state.maxUsers())
          .put("created_at", Instant.ofEpochMilli(state.json().getLong("created_at", 0L)).toString());
    }
    if (state != null) {
      out.put("host_participant_id", state.hostId()).put("participant_count", state.userCount());
    } else {
      out.put("host_participant_id", row.getString("host_participant_id")).put("participant_count", 0);
      if ("active".equals(out.getString("status"))) {
        // the live room is gone (TTL): nobody can join it any more
        out.put("status", "ended");
      }
    }
    return out;
  }

  private static JsonObject participantJson(RoomState state, String pid, String name) {
    return new JsonObject().put("participant_id", pid).put("display_name", name)
        .put("role", pid.equals(state.hostId()) ? "host" : "participant")
        .put("room_id", state.roomId()).put("joined_at", Instant.ofEpochMilli(state.joinedAtMs(pid)).toString());
  }

  private String displayName(String raw) {
    ChatConfig c = chatConfig;
    String name = Inputs.name("display_name", raw, c.displayNameMin(), c.displayNameMax());
    // DISPLAY_NAME_PATTERN narrows the common rules further where an operator wants to
    if (!namePattern.matcher(name).matches()) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "display_name contains characters that are not allowed");
    }
    return name;
  }

  private static String participantId(String proposed) {
    if (proposed == null || proposed.isBlank()) {
      return UUID.randomUUID().toString();
    }
    return Inputs.id("X-Participant-ID", proposed);
  }

  private Instant expiresAt() {
    return Instant.now().plusSeconds(roomsConfig.ttlHours() * 3600L);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}

package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.chorus.input.Inputs;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Room business logic: validates input, changes state through {@link RoomStore} and publishes the
 * resulting seed-format events on the room's bus address. No server needed to test it.
 */
public final class RoomService {
  private static final Logger LOG = LoggerFactory.getLogger(RoomService.class);
  static final int MAX_ID_LENGTH = Inputs.MAX_ID_LENGTH;
  static final int MAX_NAME_LENGTH = 64;
  static final int MAX_TITLE_LENGTH = 255;

  private final RoomStore store;
  private final EventBus bus;
  private final RoomsConfig limits;

  public RoomService(RoomStore store, EventBus bus, RoomsConfig limits) {
    this.store = store;
    this.bus = bus;
    this.limits = limits;
  }

  /** {@code maxUsers} 0: {@code MAX_ROOM_USERS}; otherwise 1..{@code MAX_ROOM_USERS}. */
  public Future<RoomState> create(RoomCommand.Create c) {
    String hostId = c.hostId();
    int maxUsers = c.maxUsers();
    String node = c.node();
    boolean connect = c.connect();
    String hostName;
    String trackUrl;
    String title;
    try {
      if (maxUsers < 0 || maxUsers > limits.maxUsers()) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "max_participants must be between 1 and " + limits.maxUsers());
      }
      Inputs.id("host_id", hostId);
      hostName = Inputs.name("host_name", c.hostName(), 0, MAX_NAME_LENGTH);
      // optional here: a REST conference room starts without a track
      trackUrl = Inputs.trackUrl("track_url", c.trackUrl(), false);
      title = Inputs.name("title", c.title(), 0, MAX_TITLE_LENGTH);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    int max = maxUsers == 0 ? limits.maxUsers() : maxUsers;
    return createWithFreshId(hostId, hostName, trackUrl, title, max, node, connect, 5)
        .compose(room -> connect ? store.indexNodeRoom(node, room.roomId()).map(room) : Future.succeededFuture(room));
  }

  private Future<RoomState> createWithFreshId(String hostId, String hostName, String trackUrl, String title, int maxUsers,
                                              String node, boolean connect, int attempts) {
    String id = RoomIds.next(limits.idLength());
    return store.create(id, hostId, hostName, trackUrl, maxUsers, title, node, connect).recover(e -> {
      if (attempts > 1 && e instanceof ChorusException ce && ce.code() == ErrorCode.ALREADY_EXISTS) {
        return createWithFreshId(hostId, hostName, trackUrl, title, maxUsers, node, connect, attempts - 1);
      }
      return Future.failedFuture(e);
    });
  }

  /**
   * {@code strict} (the caller did not prove the id with its token): an id that is or ever was in the
   * room is ALREADY_EXISTS; otherwise (token shown) a member reconnects and a departed one re-joins.
   */
  public Future<RoomState> join(String roomId, String userId, String rawName, String node, boolean connect, boolean strict) {
    String name;
    try {
      requireRoom(roomId);
      Inputs.id("user_id", userId);
      name = Inputs.name("user_name", rawName, 0, MAX_NAME_LENGTH);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    Future<Void> indexed = connect ? store.indexNodeRoom(node, roomId) : Future.succeededFuture();
    return indexed.compose(v -> store.join(roomId, userId, name, node, connect, strict)).onSuccess(room -> {
      if ("user_joined".equals(room.event()) && !room.quiet()) {
        publish(room, RoomEvents.userJoined(room, userId, System.currentTimeMillis()));
      }
    });
  }

  /** {@code disconnectOnly}: one socket closed; the user leaves only when it was the last one. */
  public Future<RoomState> leave(String roomId, String userId, String node, boolean disconnectOnly) {
    try {
      requireRoom(roomId);
      Inputs.id("user_id", userId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.leave(roomId, userId, node, disconnectOnly).onSuccess(room -> {
      if ("user_left".equals(room.event())) {
        long now = System.currentTimeMillis();
        revoke(roomId, userId);
        if (!room.quiet()) {
          publish(room, RoomEvents.userLeft(room, userId, room.leftName(userId), now));
        }
        if (room.hostChanged()) {
          publish(room, RoomEvents.hostChanged(room, now));
        }
      }
    });
  }

  /** {@code actor} empty: trusted service call. {@code positionMs} below 0: keep the current position. */
  public Future<RoomState> control(String roomId, String actor, String action, long positionMs) {
    try {
      requireRoom(roomId);
      if (!"play".equals(action) && !"pause".equals(action) && !"seek".equals(action)) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "action must be play, pause or seek, got '" + action + "'");
      }
      if ("seek".equals(action) && positionMs < 0) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "seek needs a position >= 0");
      }
      if (positionMs > 7L * 24 * 3600 * 1000) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "position is beyond any track length");
      }
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.control(roomId, actor, action, positionMs)
        .onSuccess(room -> publish(room, RoomEvents.playback(room, action, actor.isEmpty() ? room.hostId() : actor,
            System.currentTimeMillis())));
  }

  public Future<RoomState> transferHost(String roomId, String actor, String newHost) {
    try {
      requireRoom(roomId);
      Inputs.id("new_host_id", newHost);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.transfer(roomId, actor, newHost)
        .onSuccess(room -> publish(room, RoomEvents.hostChanged(room, System.currentTimeMillis())));
  }

  public Future<RoomState> changeTrack(String roomId, String actor, String trackUrl) {
    try {
      requireRoom(roomId);
      Inputs.trackUrl("track_url", trackUrl, true);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.changeTrack(roomId, actor, trackUrl)
        .onSuccess(room -> publish(room, RoomEvents.trackChanged(room, System.currentTimeMillis())));
  }

  public Future<RoomState> get(String roomId) {
    try {
      requireRoom(roomId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.get(roomId);
  }

  /** The room without its member list, plus {@code userId}'s record if that user is in it. */
  public Future<RoomState> member(String roomId, String userId) {
    try {
      requireRoom(roomId);
      requireId("user_id", userId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.member(roomId, userId);
  }

  /** A node died: drop the users whose only connections were there, in every room it served. */
  public Future<Integer> dropNode(String node) {
    return store.nodeRooms(node).compose(rooms -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (String roomId : rooms) {
        chain = chain.compose(n -> store.dropNode(roomId, node).map(room -> {
          long now = System.currentTimeMillis();
          room.left().forEach(id -> revoke(roomId, id));
          if (!room.quiet()) {
            for (String id : room.left()) {
              publish(room, RoomEvents.userLeft(room, id, room.leftName(id), now));
            }
          }
          if (room.hostChanged()) {
            publish(room, RoomEvents.hostChanged(room, now));
          }
          return n + room.left().size();
        }).recover(e -> {
          LOG.debug("Room {} gone while dropping node {}: {}", roomId, node, e.getMessage());
          return Future.succeededFuture(n);
        }));
      }
      return chain;
    }).compose(n -> store.forgetNode(node).map(n));
  }

  /**
   * Publishes on the room's address (bridge clients, gRPC watchers) and sends to the fan-out address
   * of every node holding sockets of the room (their consumers exist since those nodes started).
   */
  private void publish(RoomState room, JsonObject event) {
    bus.publish(Addresses.roomEvents(room.roomId()), event);
    for (String node : room.nodes()) {
      bus.send(Addresses.roomFanout(node), event);
    }
  }

  /** Every node ends the participant's live subscriptions to the room (bridge, /ws/chat); also in quiet rooms. */
  private void revoke(String roomId, String participantId) {
    bus.publish(Addresses.ROOM_REVOKED, new JsonObject().put("room_id", roomId).put("participant_id", participantId));
  }

  private static void requireRoom(String roomId) {
    if (!RoomIds.isValid(roomId)) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "room_id must be 4-32 letters or digits");
    }
  }

  /** A lookup by an id that came with a token (membership checks), not a new input: required and bounded only. */
  private static void requireId(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " is required");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, field + " is longer than " + MAX_ID_LENGTH + " characters");
    }
  }
}

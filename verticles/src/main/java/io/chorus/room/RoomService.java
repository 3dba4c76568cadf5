package io.chorus.room;

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
 * Room business logic: validates input, changes state through {@link RoomStore} and has {@link RoomAnnouncer} tell
 * the cluster the resulting seed-format events. No server needed to test it.
 */
public final class RoomService {
  private static final Logger LOG = LoggerFactory.getLogger(RoomService.class);
  static final int MAX_ID_LENGTH = Inputs.MAX_ID_LENGTH;
  static final int MAX_NAME_LENGTH = 64;
  static final int MAX_TITLE_LENGTH = 255;

  static final long MAX_DURATION_MS = 7L * 24 * 3600 * 1000;
  /** A due tick this late when a join or read sees it (its timers and sweeps all lost): the read runs it. */
  static final long OVERDUE_MS = 2 * DueTicks.SWEEP_MS + DueTicks.GRACE_MS;

  private final RoomStore store;
  private final RoomsConfig limits;
  private final TrackResolver tracks;
  private final DueTicks ticks;
  private final Takedowns takedowns;
  private final RoomAnnouncer announcer;

  public RoomService(RoomStore store, EventBus bus, RoomsConfig limits) {
    this(store, bus, limits, TrackResolver.DEFAULT);
  }

  /** {@code tracks}: the library's resolver of {@code track_id}s ({@link TrackResolver#DEFAULT} without a library). */
  public RoomService(RoomStore store, EventBus bus, RoomsConfig limits, TrackResolver tracks) {
    this.store = store;
    this.limits = limits;
    this.tracks = tracks;
    this.announcer = new RoomAnnouncer(bus);
    this.ticks = new DueTicks(store, this::tick);
    this.takedowns = new Takedowns(store, this, tracks);
  }

  /** Starts this node's timers and its sweep of due rooms (the room role's verticle, at start). */
  public void startTicks(io.vertx.core.Vertx vertx) {
    ticks.start(vertx);
  }

  public void stopTicks() {
    ticks.stop();
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
    String trackId;
    try {
      if (maxUsers < 0 || maxUsers > limits.maxUsers()) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "max_users must be between 1 and " + limits.maxUsers()
            + " (0 or unset: " + limits.maxUsers() + ")");
      }
      Inputs.id("host_id", hostId);
      hostName = Inputs.name("host_name", c.hostName(), 0, MAX_NAME_LENGTH);
      // optional here: a REST conference room starts without a track
      trackUrl = Inputs.trackUrl("track_url", c.trackUrl(), false);
      trackId = optionalTrackId(c.trackId());
      title = Inputs.name("title", c.title(), 0, MAX_TITLE_LENGTH);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    int max = maxUsers == 0 ? limits.maxUsers() : maxUsers;
    return track(trackUrl, trackId, "", 0, hostId)
        .compose(track -> createWithFreshId(hostId, hostName, track, title, max, node, connect, c.bound(), 5))
        .compose(room -> connect ? store.indexNodeRoom(node, room.roomId()).map(room) : Future.succeededFuture(room))
        .compose(room -> takedowns.recheck(room.roomId(), trackId).map(room))
        .onSuccess(room -> announcer.joined(room, hostId));
  }

  private Future<RoomState> createWithFreshId(String hostId, String hostName, RoomStore.Track track, String title, int maxUsers,
                                              String node, boolean connect, boolean bound, int attempts) {
    String id = RoomIds.next(limits.idLength());
    return indexed(track.trackId(), id).compose(v -> store.create(id, hostId, hostName, track, maxUsers, title, node, connect, bound))
        .recover(e -> {
      if (attempts > 1 && e instanceof ChorusException ce && ce.code() == ErrorCode.ALREADY_EXISTS) {
        return createWithFreshId(hostId, hostName, track, title, maxUsers, node, connect, bound, attempts - 1);
      }
      return Future.failedFuture(e);
    });
  }

  /**
   * The track a room plays: a URL, or a library track (resolved by the node's {@link TrackResolver};
   * a URL given with it wins over the resolved one, as do a title and a duration).
   */
  private Future<RoomStore.Track> track(String url, String trackId, String title, long durationMs, String actor) {
    if (trackId.isEmpty()) {
      return Future.succeededFuture(new RoomStore.Track(url, "", title, durationMs));
    }
    return tracks.resolve(trackId, actor == null || actor.isEmpty() ? null : actor).map(r -> new RoomStore.Track(
        url != null && !url.isEmpty() ? url : r.url(), trackId, title != null && !title.isEmpty() ? title : r.title(),
        durationMs > 0 ? durationMs : r.durationMs()));
  }

  /** Notes that {@code roomId} is about to play or queue library track {@code trackId} (nothing for a plain URL). */
  private Future<Void> indexed(String trackId, String roomId) {
    return trackId.isEmpty() ? Future.succeededFuture() : store.indexTrack(trackId, roomId);
  }

  /** A library track id, normalised; empty when none was given. */
  private static String optionalTrackId(String trackId) {
    return trackId == null || trackId.isEmpty() ? "" : TrackResolver.normalize("track_id", trackId);
  }

  /**
   * {@code strict} (the caller did not prove the id with its token): an id that is or ever was in the
   * room is ALREADY_EXISTS; otherwise (token shown) a member reconnects and a departed one re-joins.
   */
  public Future<RoomState> join(String roomId, String userId, String rawName, String node, boolean connect, boolean strict) {
    return join(roomId, userId, rawName, node, connect, strict, false);
  }

  /** {@code bound}: the caller is signed in as the account whose id {@code userId} is ({@link RoomCommand.Join#bound}). */
  public Future<RoomState> join(String roomId, String userId, String rawName, String node, boolean connect, boolean strict,
                                boolean bound) {
    String name;
    try {
      requireRoom(roomId);
      Inputs.id("user_id", userId);
      name = Inputs.name("user_name", rawName, 0, MAX_NAME_LENGTH);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    Future<Void> indexed = connect ? store.indexNodeRoom(node, roomId) : Future.succeededFuture();
    return indexed.compose(v -> store.join(roomId, userId, name, node, connect, strict, bound)).onSuccess(room -> {
      if ("user_joined".equals(room.event())) {
        announcer.joined(room, userId);
      }
      if ("user_joined".equals(room.event()) && !room.quiet()) {
        announcer.publish(room, RoomEvents.userJoined(room, userId, System.currentTimeMillis()));
      }
      if (room.hostChanged()) {   // the first to join a room its host left empty becomes host
        announcer.hostChanged(room, System.currentTimeMillis());
      }
      kickIfOverdue(room);
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
        announcer.revoke(roomId, userId, room.version());
        if (!room.quiet()) {
          announcer.publish(room, RoomEvents.userLeft(room, userId, room.leftName(userId), now));
        }
        if (room.hostChanged()) {
          announcer.hostChanged(room, now);
        }
        if (room.readyCheck()) {
          tick(roomId);
        }
      }
    });
  }

  /** {@code actor} empty: trusted service call. {@code positionMs} below 0: keep the current position. */
  public Future<RoomState> control(String roomId, String actor, String action, long positionMs) {
    return control(roomId, actor, action, positionMs, false);
  }

  /** {@code withUsers}: the state carries the member ids, not only their count. */
  public Future<RoomState> control(String roomId, String actor, String action, long positionMs, boolean withUsers) {
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
    return store.control(roomId, actor, action, positionMs, withUsers).map(this::scheduled)
        .onSuccess(room -> announcer.publish(room, RoomEvents.playback(room, action, actor.isEmpty() ? room.hostId() : actor,
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
        .onSuccess(room -> announcer.hostChanged(room, System.currentTimeMillis()));
  }

  public Future<RoomState> changeTrack(String roomId, String actor, String trackUrl) {
    return changeTrack(roomId, actor, trackUrl, "");
  }

  /** A URL, a library track ({@code trackId}), or both (the URL wins as what is played). Playback resets to 0, paused. */
  public Future<RoomState> changeTrack(String roomId, String actor, String trackUrl, String trackId) {
    String id;
    String url;
    try {
      requireRoom(roomId);
      id = optionalTrackId(trackId);
      url = Inputs.trackUrl("track_url", trackUrl, false);
      if (id.isEmpty() && (url == null || url.isEmpty())) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "track_url or track_id is required");
      }
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return track(url, id, "", 0, actor).compose(track -> indexed(id, roomId).compose(v -> store.changeTrack(roomId, actor, track)))
        .map(this::scheduled)
        .onSuccess(room -> announcer.publish(room, RoomEvents.trackChanged(room, System.currentTimeMillis())))
        .compose(room -> takedowns.recheck(roomId, id).map(room));
  }

  /** The host queues a URL or a library track, at {@code position} (-1: at the end). */
  public Future<RoomState> queueAdd(RoomCommand.QueueAdd c) {
    String id;
    String url;
    String title;
    try {
      requireRoom(c.roomId());
      id = optionalTrackId(c.trackId());
      url = Inputs.trackUrl("track_url", c.trackUrl(), false);
      if (id.isEmpty() && (url == null || url.isEmpty())) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "queue_add needs track_url or track_id");
      }
      title = Inputs.name("title", c.title(), 0, MAX_TITLE_LENGTH);
      if (c.durationMs() < 0 || c.durationMs() > MAX_DURATION_MS) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "duration_ms must be between 0 and " + MAX_DURATION_MS);
      }
      if (c.position() < -1 || c.position() > limits.queueMax()) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "position must be between 0 and the queue's length");
      }
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return track(url, id, title, c.durationMs(), c.actor()).compose(track -> {
      JsonObject item = new JsonObject().put("id", QueueItems.newId()).put("track_url", track.url()).put("track_id", track.trackId())
          .put("title", track.title()).put("duration_ms", track.durationMs()).put("added_by", c.actor());
      return indexed(id, c.roomId()).compose(v -> store.queueAdd(c.roomId(), c.actor(), item, c.position(), limits.queueMax()));
    }).onSuccess(room -> announcer.publish(room, RoomEvents.queue(room, System.currentTimeMillis())))
        .compose(room -> takedowns.recheck(c.roomId(), id).map(room));
  }

  public Future<RoomState> queueRemove(String roomId, String actor, String itemId) {
    try {
      requireRoom(roomId);
      QueueItems.requireId(itemId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.queueRemove(roomId, actor, itemId).onSuccess(room -> announcer.publish(room, RoomEvents.queue(room, System.currentTimeMillis())));
  }

  public Future<RoomState> queueMove(String roomId, String actor, String itemId, int position) {
    try {
      requireRoom(roomId);
      QueueItems.requireId(itemId);
      if (position < 0 || position >= limits.queueMax()) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "position must be between 0 and the queue's length - 1");
      }
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.queueMove(roomId, actor, itemId, position)
        .onSuccess(room -> announcer.publish(room, RoomEvents.queue(room, System.currentTimeMillis())));
  }

  /** The host moves on: the next queue item becomes the current track and waits for its listeners. */
  public Future<RoomState> skip(String roomId, String actor) {
    try {
      requireRoom(roomId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.skip(roomId, actor, limits.readyTimeoutMs()).map(this::scheduled)
        .onSuccess(room -> announcer.publish(room, RoomEvents.trackChanged(room, System.currentTimeMillis())));
  }

  /** A listener has buffered track {@code trackVersion}: the last one awaited starts it for everyone. */
  public Future<RoomState> ready(String roomId, String userId, long trackVersion) {
    try {
      requireRoom(roomId);
      requireId("user_id", userId);
      if (trackVersion < 0) {
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "track_version must be >= 0");
      }
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.ready(roomId, userId, trackVersion).onSuccess(room -> {
      if (!room.noop()) {
        scheduled(room);
        announcer.publish(room, RoomEvents.playback(room, "play", "", System.currentTimeMillis()));
      }
    });
  }

  /**
   * Runs what is due in the room now (a waiting track's deadline, a track's end); changes nothing
   * otherwise. Safe to run any number of times from any node: the script checks the state.
   */
  public Future<RoomState> tick(String roomId) {
    return store.tick(roomId, limits.readyTimeoutMs()).onSuccess(room -> {
      if (room.noop()) {
        if (room.dueAt() > 0) {
          ticks.schedule(roomId, room.dueAt());
        }
        return;
      }
      scheduled(room);
      long now = System.currentTimeMillis();
      switch (room.event()) {
        case "track_changed" -> announcer.publish(room, RoomEvents.trackChanged(room, now));
        case "play", "pause" -> announcer.publish(room, RoomEvents.playback(room, room.event(), "", now));
        default -> LOG.warn("Room {}: tick made an unexpected change '{}'", roomId, room.event());
      }
    });
  }

  /**
   * A library takedown message (from the bus, on every room node): the rooms holding its tracks move on.
   * The number of rooms this node changed.
   */
  public Future<Integer> takedown(JsonObject message) {
    return takedowns.apply(message);
  }

  /**
   * Library tracks {@code trackIds} leave room {@code roomId} ({@code reason} {@code takedown} or
   * {@code deleted}): a {@code track_changed} (the next item, or no track) or a {@code queue} event; nothing
   * when the room holds none of them (another node was first).
   */
  Future<RoomState> takedown(String roomId, java.util.List<String> trackIds, String reason) {
    return store.takedown(roomId, trackIds, limits.readyTimeoutMs(), reason).onSuccess(room -> {
      if (room.noop()) {
        return;
      }
      scheduled(room);
      long now = System.currentTimeMillis();
      announcer.publish(room, "queue".equals(room.event()) ? RoomEvents.queue(room, now) : RoomEvents.trackChanged(room, now));
    });
  }

  /** Schedules the room's next tick when the change moved it (or cancels this node's timer). */
  private RoomState scheduled(RoomState room) {
    if (room.dueChanged()) {
      if (room.dueAt() > 0) {
        ticks.schedule(room.roomId(), room.dueAt());
      } else {
        ticks.cancel(room.roomId());
      }
    }
    return room;
  }

  /** A read that finds a tick long overdue (every node that knew of it gone) runs it. */
  private void kickIfOverdue(RoomState room) {
    if (room.dueAt() > 0 && System.currentTimeMillis() > room.dueAt() + OVERDUE_MS) {
      tick(room.roomId());
    }
  }

  public Future<RoomState> get(String roomId) {
    try {
      requireRoom(roomId);
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return store.get(roomId).onSuccess(this::kickIfOverdue);
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
          room.left().forEach(id -> announcer.revoke(roomId, id, room.version()));
          if (!room.quiet()) {
            for (String id : room.left()) {
              announcer.publish(room, RoomEvents.userLeft(room, id, room.leftName(id), now));
            }
          }
          if (room.hostChanged()) {
            announcer.hostChanged(room, now);
          }
          if (room.readyCheck()) {
            tick(roomId);
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

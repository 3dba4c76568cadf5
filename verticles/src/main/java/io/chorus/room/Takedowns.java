package io.chorus.room;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Library takedowns in rooms. The library publishes {@code {"type":"takedown","subject_type","subject_id",
 * "track_ids"?,"cause"?}} on the clustered bus ({@code chorus.library.takedown}) to every node; each room node
 * marks the tracks as down, reads the rooms that brought them in ({@link RoomStore#trackRoomsKey}) and runs
 * the room's {@code takedown} transition, which changes a room that still holds one of the tracks and is a
 * no-op otherwise, so with every node doing the same each room changes once, through the usual events.
 * A room that brought a track in while its takedown was being applied looks again ({@link #recheck}).
 */
final class Takedowns {
  private static final Logger LOG = LoggerFactory.getLogger(Takedowns.class);
  /** Rooms changed at once per step (each one script call). */
  private static final int BATCH = 64;

  /** What a takedown message asks of rooms: the library track ids and why ({@code takedown} or {@code deleted}). */
  record Request(List<String> trackIds, String reason) {
  }

  /** The message's tracks: {@code track_ids}, else the subject itself when it is a track; none for anything else. */
  static Request parse(JsonObject body) {
    Set<String> ids = new LinkedHashSet<>();
    if (body != null) {
      if (body.getValue("track_ids") instanceof JsonArray a) {
        a.forEach(o -> add(ids, o));
      } else if ("track".equals(body.getValue("subject_type"))) {
        add(ids, body.getValue("subject_id"));
      }
    }
    String reason = body != null && "deleted".equals(body.getValue("cause")) ? "deleted" : "takedown";
    return new Request(List.copyOf(ids), reason);
  }

  private static void add(Set<String> ids, Object id) {
    if (id instanceof String s && TrackResolver.UUID_SHAPE.matcher(s).matches()) {
      ids.add(s.toLowerCase(Locale.ROOT));
    }
  }

  private final RoomStore store;
  private final RoomService rooms;
  private final TrackResolver tracks;

  Takedowns(RoomStore store, RoomService rooms, TrackResolver tracks) {
    this.store = store;
    this.rooms = rooms;
    this.tracks = tracks;
  }

  /** Applies a takedown message; the number of rooms this node changed (0 when another node was first). */
  Future<Integer> apply(JsonObject body) {
    Request r = parse(body);
    if (r.trackIds().isEmpty()) {
      return Future.succeededFuture(0);
    }
    // the mark first, then the index: a room indexed after this read sees the mark when it looks again
    return Future.all(r.trackIds().stream().map(store::markDown).toList())
        .compose(v -> Future.all(r.trackIds().stream().map(store::trackRooms).toList()))
        .compose(all -> {
          Set<String> roomIds = new LinkedHashSet<>();
          for (int i = 0; i < r.trackIds().size(); i++) {
            roomIds.addAll(all.<List<String>>resultAt(i));
          }
          return inBatches(new ArrayList<>(roomIds), 0, r, 0);
        })
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("Library tracks {} ({}): {} rooms moved on", r.trackIds(), r.reason(), n);
          }
        });
  }

  private Future<Integer> inBatches(List<String> roomIds, int from, Request r, int changed) {
    if (from >= roomIds.size()) {
      return Future.succeededFuture(changed);
    }
    List<Future<Boolean>> batch = new ArrayList<>();
    for (String roomId : roomIds.subList(from, Math.min(from + BATCH, roomIds.size()))) {
      batch.add(rooms.takedown(roomId, r.trackIds(), r.reason()).map(room -> !room.noop()).recover(e -> {
        // a room that expired meanwhile holds nothing any more
        LOG.debug("Room {}: takedown of {} not applied: {}", roomId, r.trackIds(), e.getMessage());
        return Future.succeededFuture(false);
      }));
    }
    return Future.join(batch).transform(x -> {
      int n = changed;
      for (Future<Boolean> f : batch) {
        if (Boolean.TRUE.equals(f.result())) {
          n++;
        }
      }
      return inBatches(roomIds, from + BATCH, r, n);
    });
  }

  /** The resolver's answer for a track no room may play (taken down, deleted, no longer approved). */
  private static boolean gone(Throwable e) {
    return e instanceof io.chorus.bus.ChorusException ce
        && (ce.code() == io.chorus.bus.ErrorCode.NOT_FOUND || ce.code() == io.chorus.bus.ErrorCode.FORBIDDEN);
  }

  /**
   * After a change brought library track {@code trackId} into room {@code roomId} (indexed before it): if the
   * track was taken down meanwhile (its resolve came before the takedown, the index was read before the
   * change), the room applies the takedown itself. The row decides, so a track restored since stays.
   */
  Future<Void> recheck(String roomId, String trackId) {
    if (trackId == null || trackId.isEmpty()) {
      return Future.succeededFuture();
    }
    return store.markedDown(trackId).compose(down -> !down ? Future.<Void>succeededFuture()
            : tracks.resolve(trackId, null).<Void>mapEmpty().recover(e -> gone(e)
                ? rooms.takedown(roomId, List.of(trackId), "takedown").<Void>mapEmpty() : Future.failedFuture(e)))
        .recover(e -> {
          LOG.warn("Room {}: could not check library track {} against takedowns: {}", roomId, trackId, e.getMessage());
          return Future.succeededFuture();
        });
  }
}

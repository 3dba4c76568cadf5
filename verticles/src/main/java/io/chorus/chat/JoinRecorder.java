package io.chorus.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records the joins of every API (the seed {@code /ws}, gRPC, the bridge, REST) in PostgreSQL {@code room_participants}
 * (and the room's row, for rooms made outside REST) and in {@code room:{ID}:participants}, off the join's path: the
 * joins a node made are batched, at most {@link #BATCH} per statement, written {@link #DELAY_MS} after the first of a
 * batch. A membership a REST join opened keeps its IP and user agent (the insert leaves an open one alone).
 */
final class JoinRecorder {
  static final int BATCH = 500;
  static final long DELAY_MS = 50;
  private static final Logger LOG = LoggerFactory.getLogger(JoinRecorder.class);

  private final Vertx vertx;
  private final ConferenceRepo repo;
  private final ChatStore store;
  private final int roomTtlHours;
  private final java.util.function.BiFunction<String, String, Future<Void>> departed;
  private List<JsonObject> pending = new ArrayList<>();
  private boolean scheduled;
  /** The room/participant keys of the batches being written, and those of them that left meanwhile. */
  private final java.util.Set<String> writing = new java.util.HashSet<>();
  private final java.util.Set<String> leftWhileWriting = new java.util.HashSet<>();

  /** {@code departed}: records a leave (unless a member again by then), for a leave that came while its join was written. */
  JoinRecorder(Vertx vertx, ConferenceRepo repo, ChatStore store, int roomTtlHours,
               java.util.function.BiFunction<String, String, Future<Void>> departed) {
    this.departed = departed;
    this.vertx = vertx;
    this.repo = repo;
    this.store = store;
    this.roomTtlHours = roomTtlHours;
  }

  /** A join event ({@code chorus.room.joined}) of this node. */
  void joined(JsonObject join) {
    boolean full;
    synchronized (this) {
      pending.add(join);
      full = pending.size() >= BATCH;
      if (!full && !scheduled) {
        scheduled = true;
        vertx.setTimer(DELAY_MS, t -> {
          synchronized (this) {
            scheduled = false;
          }
          flush();
        });
      }
    }
    if (full) {
      flush();
    }
  }

  /**
   * The participant left (the leave is recorded apart): a join not written yet is dropped; one being written gets
   * its leave recorded again once written, as the leave may have found no membership to close.
   */
  synchronized void left(String roomId, String participantId) {
    pending.removeIf(j -> roomId.equals(j.getString("room_id")) && participantId.equals(j.getString("participant_id")));
    if (writing.contains(roomId + "/" + participantId)) {
      leftWhileWriting.add(roomId + "/" + participantId);
    }
  }

  Future<Void> flush() {
    List<JsonObject> batch;
    synchronized (this) {
      if (pending.isEmpty()) {
        return Future.succeededFuture();
      }
      batch = pending;
      pending = new ArrayList<>();
    }
    Map<String, JsonObject> byKey = new java.util.HashMap<>();
    batch.forEach(j -> byKey.put(j.getString("room_id") + "/" + j.getString("participant_id"), j));
    synchronized (this) {
      writing.addAll(byKey.keySet());
    }
    Future<Void> done = repo.recordJoins(batch, Instant.now().plusSeconds(roomTtlHours * 3600L)).compose(opened -> {
      // the memberships opened here only (a REST join caches its own), not overwriting an entry cached since
      Map<String, Map<String, JsonObject>> cached = new LinkedHashMap<>();
      for (String[] o : opened) {
        JsonObject j = byKey.get(o[0] + "/" + o[1]);
        long at = j == null ? 0 : j.getLong("joined_at", 0L);
        cached.computeIfAbsent(o[0], r -> new LinkedHashMap<>()).put(o[1], new JsonObject()
            .put("participant_id", o[1]).put("display_name", j == null ? o[1] : j.getString("name", o[1])).put("role", o[2])
            .put("joined_at", (at > 0 ? Instant.ofEpochMilli(at) : Instant.now()).toString()));
      }
      List<Future<Void>> puts = new ArrayList<>();
      cached.forEach((room, members) -> puts.add(store.addParticipants(room, members)));
      return Future.all(puts).<Void>mapEmpty();
    });
    return done.onFailure(e -> LOG.warn("Recording {} room join(s) failed: {}", batch.size(), e.toString()))
        .transform(ar -> {
          List<String> again = new ArrayList<>();
          synchronized (this) {
            for (String key : byKey.keySet()) {
              writing.remove(key);
              if (leftWhileWriting.remove(key)) {
                again.add(key);
              }
            }
          }
          List<Future<Void>> leaves = new ArrayList<>();
          for (String key : again) {
            String[] rp = key.split("/", 2);
            leaves.add(departed.apply(rp[0], rp[1])
                .onFailure(e -> LOG.warn("Room {}: recording that {} left failed: {}", rp[0], rp[1], e.toString())));
          }
          return Future.join(leaves).transform(x -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause()));
        });
  }
}

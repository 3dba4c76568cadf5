package io.chorus.room;

import io.chorus.proto.room.RoomResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One room as stored under {@code room:{ID}} (seed 000's JSON plus the sync fields), decoded from
 * the Lua script's reply. {@code event} says what the change that produced it was.
 */
public record RoomState(JsonObject json) {

  public String roomId() {
    return json.getString("room_id");
  }

  public String hostId() {
    return json.getString("host_id");
  }

  public String trackUrl() {
    return json.getString("track_url", "");
  }

  /** {@code play}, {@code pause}, or {@code waiting}: a new track from the queue waits for its listeners to be ready. */
  public String status() {
    return json.getString("status", "pause");
  }

  /** The current track's library id; empty for a plain URL. */
  public String trackId() {
    return json.getString("track_id", "");
  }

  public String trackTitle() {
    return json.getString("track_title", "");
  }

  /** The current track's duration in ms; 0: unknown. */
  public long durationMs() {
    return json.getLong("duration_ms", 0L);
  }

  /** Increments whenever the current track changes; listeners name it in {@code ready}. */
  public long trackVersion() {
    return json.getLong("track_version", 1L);
  }

  /** While {@code waiting}: when the track starts whether or not everyone is ready (epoch ms); else 0. */
  public long readyDeadline() {
    return json.getLong("ready_deadline", 0L);
  }

  /** When the room next needs a tick (a ready deadline, a track's end), epoch ms; 0: never. */
  public long dueAt() {
    return json.getLong("due_at", 0L);
  }

  /** The change moved {@link #dueAt}. */
  public boolean dueChanged() {
    return json.getBoolean("due_changed", false);
  }

  /** A ready report or tick that changed nothing (no version, no event). */
  public boolean noop() {
    return json.getBoolean("noop", false);
  }

  /** A leave removed the last listener a waiting track waited for: a tick starts it. */
  public boolean readyCheck() {
    return json.getBoolean("ready_check", false);
  }

  /** Why the change happened: {@code add|remove|move} (queue), {@code change|skip|ended|takedown} (track), {@code all_ready|timeout} (start). */
  public String cause() {
    return json.getString("cause", "");
  }

  /** The queue item the change was about (added, removed, moved, or made the current track). */
  public String itemId() {
    return json.getString("item_id", "");
  }

  public long queueVersion() {
    return json.getLong("queue_version", 0L);
  }

  /** Whether the reply carries the queue (get, create, join, and every change of the queue). */
  public boolean hasQueue() {
    return json.getValue("queue") != null;
  }

  /** The shared queue, in play order (empty when the reply does not carry it, see {@link #hasQueue}). */
  public JsonArray queue() {
    return json.getValue("queue") instanceof JsonArray a ? a : new JsonArray();
  }

  public long positionMs() {
    return json.getLong("position_ms", 0L);
  }

  public long updatedAt() {
    return json.getLong("updated_at", 0L);
  }

  public double rate() {
    return json.getNumber("rate", 1.0).doubleValue();
  }

  public long version() {
    return json.getLong("version", 0L);
  }

  public int maxUsers() {
    return json.getInteger("max_users", 0);
  }

  public String event() {
    return json.getString("event", "");
  }

  public String actor() {
    return json.getString("actor", "");
  }

  /** A join or leave in a big room that bumped no version and is announced to nobody. */
  public boolean quiet() {
    return json.getBoolean("quiet", false);
  }

  public boolean hostChanged() {
    return json.getBoolean("host_changed", false);
  }

  /**
   * Users in join order (cjson encodes an empty list as an object, hence the check). A lean state (the reply
   * of a control, ready report, tick or queue change) has only their count: asking it for the ids is a bug.
   */
  public List<String> users() {
    if (!json.containsKey("users") && json.containsKey("user_count")) {
      throw new IllegalStateException("a lean room state carries user_count, not the member ids");
    }
    return strings("users");
  }

  /** How many users the room has: the lean states' {@code user_count}, else the ids' count. */
  public int userCount() {
    Object count = json.getValue("user_count");
    return count instanceof Number n ? n.intValue() : users().size();
  }

  /** Nodes holding at least one socket of this room (the script keeps a socket count per node). */
  public java.util.Set<String> nodes() {
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    Object conns = json.getValue("node_conns");
    if (conns instanceof JsonObject c) {
      for (String node : c.fieldNames()) {
        if (c.getValue(node) instanceof Number n && n.longValue() > 0) {
          out.add(node);
        }
      }
    }
    return out;
  }

  /** Why library tracks left the room ({@code takedown} or {@code deleted}); empty for any other change. */
  public String reason() {
    return json.getString("reason", "");
  }

  /** Queue items a {@code takedown} change removed. */
  public List<String> removedItems() {
    return strings("removed_items");
  }

  /** Ids removed by a {@code drop_node} change. */
  public List<String> left() {
    return strings("left");
  }

  private List<String> strings(String field) {
    List<String> out = new ArrayList<>();
    if (json.getValue(field) instanceof JsonArray a) {
      a.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }

  /** Display name of a member this change removed (leave or drop_node); its id if unknown. */
  public String leftName(String id) {
    Object names = json.getValue("left_names");
    String name = names instanceof JsonObject n ? n.getString(id) : null;
    return name == null || name.isEmpty() ? id : name;
  }

  /**
   * A member's record: from the full member map (get, create, join replies) or the one record a
   * compact reply carries (membership checks, playback changes).
   */
  public JsonObject member(String id) {
    Object members = json.getValue("members");
    if (members instanceof JsonObject m) {
      return m.getJsonObject(id);
    }
    return id != null && id.equals(json.getString("member_id")) && json.getValue("member") instanceof JsonObject m ? m : null;
  }

  public String nameOf(String id) {
    JsonObject m = member(id);
    String name = m == null ? "" : m.getString("name", "");
    return name.isEmpty() ? id : name;
  }

  public long joinedAtMs(String id) {
    JsonObject m = member(id);
    return m == null ? 0 : m.getLong("joined_at", 0L);
  }

  public boolean isMember(String id) {
    return member(id) != null;
  }

  /** Playback position at {@code nowMs}: {@code position_ms + (now - updated_at) * rate} while playing. */
  public long positionAt(long nowMs) {
    if (!"play".equals(status())) {
      return positionMs();
    }
    return positionMs() + (long) Math.floor((nowMs - updatedAt()) * rate());
  }

  /** The seed's {@code RoomResponse} plus Chorus's sync fields. */
  public RoomResponse toResponse(long nowMs) {
    return RoomResponse.newBuilder()
        .setRoomId(roomId())
        .setHostId(hostId())
        .setTrackUrl(trackUrl())
        .setTimestamp(positionAt(nowMs) / 1000)
        .setStatus(status())
        .addAllUsers(users())
        .setPositionMs(positionMs())
        .setUpdatedAt(updatedAt())
        .setRate(rate())
        .setVersion(version())
        .setServerTime(nowMs)
        .setMaxUsers(maxUsers())
        .setTrackId(trackId())
        .setTrackTitle(trackTitle())
        .setTrackDurationMs(durationMs())
        .setTrackVersion(trackVersion())
        .setReadyDeadline(readyDeadline())
        .setQueueVersion(queueVersion())
        .addAllQueue(queueItems())
        .build();
  }

  private List<io.chorus.proto.room.QueueItem> queueItems() {
    List<io.chorus.proto.room.QueueItem> out = new ArrayList<>();
    for (Object o : queue()) {
      if (o instanceof JsonObject i) {
        out.add(io.chorus.proto.room.QueueItem.newBuilder().setId(i.getString("id", "")).setTrackUrl(i.getString("track_url", ""))
            .setTrackId(i.getString("track_id", "")).setTitle(i.getString("title", "")).setDurationMs(i.getLong("duration_ms", 0L))
            .setAddedBy(i.getString("added_by", "")).setAddedAt(i.getLong("added_at", 0L)).build());
      }
    }
    return out;
  }

  /** The playback part every event carries, so a client can compute the position itself. */
  public JsonObject playback(long nowMs) {
    return new JsonObject()
        .put("track_url", trackUrl())
        .put("status", status())
        .put("position_ms", positionMs())
        .put("updated_at", updatedAt())
        .put("rate", rate())
        .put("version", version())
        .put("server_time", nowMs)
        .put("track_id", trackId())
        .put("track_version", trackVersion())
        .put("duration_ms", durationMs())
        .put("ready_deadline", readyDeadline());
  }

  /** The current track as events and REST show it. */
  public JsonObject track() {
    return new JsonObject().put("url", trackUrl()).put("track_id", trackId()).put("title", trackTitle())
        .put("duration_ms", durationMs()).put("track_version", trackVersion());
  }

  /** A user as the seed's {@code room_info}/{@code user_joined} show it (joined_at in seconds). */
  public JsonObject userJson(String id) {
    return new JsonObject().put("id", id).put("name", nameOf(id)).put("is_host", id.equals(hostId()))
        .put("joined_at", joinedAtMs(id) / 1000);
  }
}

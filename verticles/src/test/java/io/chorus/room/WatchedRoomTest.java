package io.chorus.room;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The room a WatchRoom stream shows after each event, built from the events alone. */
class WatchedRoomTest {
  private static RoomState room(long version, String host, String... users) {
    return new RoomState(new JsonObject().put("room_id", "ABC234").put("host_id", host).put("users", new JsonArray(java.util.List.of((Object[]) users)))
        .put("status", "pause").put("position_ms", 0L).put("version", version).put("track_url", "https://example.com/a.mp3"));
  }

  private static JsonObject event(String type, long version, String status, long positionMs, int userCount) {
    return new JsonObject().put("type", type).put("version", version).put("user_count", userCount)
        .put("playback", new JsonObject().put("status", status).put("position_ms", positionMs).put("updated_at", 5L)
            .put("version", version).put("track_url", "https://example.com/a.mp3").put("rate", 1.0));
  }

  @Test
  void eachEventGivesTheRoomAfterIt() {
    RoomState r = room(3, "h", "h", "b");
    RoomState played = WatchedRoom.apply(r, event("play", 4, "play", 1000, 2).put("user_id", "h"));
    assertThat(played.version()).isEqualTo(4);
    assertThat(played.status()).isEqualTo("play");
    assertThat(played.positionMs()).isEqualTo(1000);
    RoomState joined = WatchedRoom.apply(played, event("user_joined", 5, "play", 1000, 3).put("user_id", "c"));
    assertThat(joined.users()).containsExactly("h", "b", "c");
    // a host's leave: user_left and host_changed of one version
    RoomState left = WatchedRoom.apply(joined, event("user_left", 6, "play", 1000, 2).put("user_id", "h"));
    RoomState handed = WatchedRoom.apply(left, event("host_changed", 6, "play", 1000, 2).put("host_id", "b"));
    assertThat(handed.users()).containsExactly("b", "c");
    assertThat(handed.hostId()).isEqualTo("b");
    assertThat(handed.version()).isEqualTo(6);
    assertThat(r.version()).as("the base is not changed").isEqualTo(3);
  }

  @Test
  void whatTheEventsCannotTellIsReadInstead() {
    RoomState r = room(3, "h", "h");
    assertThat(WatchedRoom.apply(r, event("seek", 5, "pause", 1, 1))).as("a skipped version").isNull();
    assertThat(WatchedRoom.apply(r, event("seek", 4, "pause", 1, 2))).as("a quiet join in a big room").isNull();
    assertThat(WatchedRoom.apply(r, event("seek", 2, "pause", 1, 1))).as("older than the room shown").isSameAs(r);
  }
}

package io.chorus.room;

import io.chorus.proto.room.RoomResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * RoomState without a server: the playback position at a given time (what every event, gRPC reply
 * and late joiner is synced by) and the decoding of the Lua script's room JSON.
 */
class RoomStateTest {
  static final long T = 1_700_000_000_000L;

  static RoomState playback(String status, long positionMs, long updatedAt, Double rate) {
    JsonObject json = new JsonObject().put("room_id", "ROOM1").put("host_id", "h").put("status", status)
        .put("position_ms", positionMs).put("updated_at", updatedAt);
    if (rate != null) {
      json.put("rate", rate);
    }
    return new RoomState(json);
  }

  @Test
  void pausedOrStoppedRoomsStayWhereTheyAre() {
    assertThat(playback("pause", 42_000, T, 1.0).positionAt(T + 60_000)).isEqualTo(42_000);
    assertThat(playback("stop", 42_000, T, 1.0).positionAt(T + 60_000)).isEqualTo(42_000);
    // no status at all reads as paused
    RoomState noStatus = new RoomState(new JsonObject().put("position_ms", 7_000L).put("updated_at", T));
    assertThat(noStatus.status()).isEqualTo("pause");
    assertThat(noStatus.positionAt(T + 60_000)).isEqualTo(7_000);
  }

  @Test
  void playingRoomsAdvanceWithTheClock() {
    RoomState playing = playback("play", 30_000, T, 1.0);
    assertThat(playing.positionAt(T)).as("at the change itself").isEqualTo(30_000);
    assertThat(playing.positionAt(T + 1)).isEqualTo(30_001);
    assertThat(playing.positionAt(T + 90_000)).isEqualTo(120_000);
  }

  @Test
  void theRateScalesTheElapsedTimeAndTheResultIsFloored() {
    assertThat(playback("play", 0, T, 2.0).positionAt(T + 1_500)).isEqualTo(3_000);
    assertThat(playback("play", 0, T, 0.5).positionAt(T + 1_001)).as("500.5 ms floored").isEqualTo(500);
    assertThat(playback("play", 10_000, T, 1.5).positionAt(T + 1)).as("1.5 ms floored").isEqualTo(10_001);
    assertThat(playback("play", 10_000, T, 0.0).positionAt(T + 60_000)).as("rate 0 holds").isEqualTo(10_000);
    // no rate in the JSON: 1.0
    assertThat(playback("play", 0, T, null).rate()).isEqualTo(1.0);
    assertThat(playback("play", 0, T, null).positionAt(T + 250)).isEqualTo(250);
  }

  @Test
  void anIntegerRateInTheJsonIsReadAsANumber() {
    // cjson writes 1.0 as 1: the rate must still read as a double
    RoomState r = new RoomState(new JsonObject().put("status", "play").put("position_ms", 0).put("updated_at", T).put("rate", 2));
    assertThat(r.rate()).isEqualTo(2.0);
    assertThat(r.positionAt(T + 100)).isEqualTo(200);
  }

  @Test
  void aReadingBeforeTheChangeGoesBackByTheDifference() {
    // updated_at is the clock of the node that made the change; another node's clock may be behind it.
    // The position is not clamped to position_ms: a reader that far behind sees an earlier position.
    assertThat(playback("play", 60_000, T, 1.0).positionAt(T - 40)).isEqualTo(59_960);
    assertThat(playback("play", 60_000, T, 0.5).positionAt(T - 1)).as("-0.5 ms floored, not truncated").isEqualTo(59_999);
  }

  @Test
  void theResponseCarriesThePositionInWholeSecondsAndTheSyncFields() {
    RoomState playing = new RoomState(playback("play", 59_500, T, 1.0).json().put("track_url", "https://example.com/t.mp3")
        .put("users", new JsonArray().add("h").add("b")).put("version", 9L).put("max_users", 50));
    RoomResponse r = playing.toResponse(T + 600);
    assertThat(r.getTimestamp()).as("60.1 s -> 60").isEqualTo(60);
    assertThat(r.getPositionMs()).isEqualTo(59_500);
    assertThat(r.getUpdatedAt()).isEqualTo(T);
    assertThat(r.getServerTime()).isEqualTo(T + 600);
    assertThat(r.getVersion()).isEqualTo(9);
    assertThat(r.getMaxUsers()).isEqualTo(50);
    assertThat(r.getUsersList()).containsExactly("h", "b");
    assertThat(r.getStatus()).isEqualTo("play");

    JsonObject p = playing.playback(T + 600);
    assertThat(p.getLong("position_ms")).isEqualTo(59_500);
    assertThat(p.getLong("updated_at")).isEqualTo(T);
    assertThat(p.getLong("server_time")).isEqualTo(T + 600);
    assertThat(p.getString("status")).isEqualTo("play");
    assertThat(p.getDouble("rate")).isEqualTo(1.0);
    assertThat(p.getLong("version")).isEqualTo(9);
  }

  @Test
  void listsThatCjsonEncodedAsEmptyObjectsReadAsEmpty() {
    RoomState empty = new RoomState(new JsonObject().put("users", new JsonObject()).put("left", new JsonObject()));
    assertThat(empty.users()).isEmpty();
    assertThat(empty.left()).isEmpty();
    assertThat(new RoomState(new JsonObject()).users()).isEmpty();
  }

  @Test
  void aLeanStateCountsItsUsersAndRefusesToListThem() {
    RoomState lean = new RoomState(new JsonObject().put("user_count", 2000).put("version", 4));
    assertThat(lean.userCount()).isEqualTo(2000);
    assertThatThrownBy(lean::users).isInstanceOf(IllegalStateException.class);
    assertThat(RoomEvents.playback(lean, "seek", "", 0).getInteger("user_count")).isEqualTo(2000);
    RoomState listed = new RoomState(new JsonObject().put("users", new JsonArray().add("a").add("b")));
    assertThat(listed.userCount()).isEqualTo(2);
  }

  @Test
  void nodesAreThoseStillHoldingSockets() {
    RoomState r = new RoomState(new JsonObject().put("node_conns", new JsonObject().put("n1", 2).put("n2", 0).put("n3", 1).put("n4", -1)));
    assertThat(r.nodes()).containsExactly("n1", "n3");
    assertThat(new RoomState(new JsonObject().put("node_conns", new JsonArray())).nodes()).isEmpty();
  }

  @Test
  void membersFromTheFullMapOrTheOneRecordOfACompactReply() {
    JsonObject bob = new JsonObject().put("name", "Bob").put("joined_at", T);
    RoomState full = new RoomState(new JsonObject().put("host_id", "h").put("members", new JsonObject().put("bob", bob)));
    assertThat(full.isMember("bob")).isTrue();
    assertThat(full.isMember("eve")).isFalse();
    assertThat(full.nameOf("bob")).isEqualTo("Bob");
    assertThat(full.nameOf("eve")).as("unknown: the id").isEqualTo("eve");
    assertThat(full.joinedAtMs("bob")).isEqualTo(T);
    assertThat(full.joinedAtMs("eve")).isZero();
    assertThat(full.userJson("bob")).isEqualTo(new JsonObject().put("id", "bob").put("name", "Bob").put("is_host", false)
        .put("joined_at", T / 1000));

    RoomState compact = new RoomState(new JsonObject().put("host_id", "bob").put("member_id", "bob").put("member", bob));
    assertThat(compact.isMember("bob")).isTrue();
    assertThat(compact.isMember("eve")).as("a compact reply knows only its one member").isFalse();
    assertThat(compact.isMember(null)).isFalse();
    assertThat(compact.userJson("bob").getBoolean("is_host")).isTrue();

    RoomState noName = new RoomState(new JsonObject().put("members", new JsonObject().put("carl", new JsonObject().put("name", ""))));
    assertThat(noName.nameOf("carl")).as("an empty name shows the id").isEqualTo("carl");
  }

  @Test
  void namesOfMembersThatLeft() {
    RoomState r = new RoomState(new JsonObject().put("left", new JsonArray().add("bob").add("eve"))
        .put("left_names", new JsonObject().put("bob", "Bob").put("eve", "")));
    assertThat(r.left()).containsExactly("bob", "eve");
    assertThat(r.leftName("bob")).isEqualTo("Bob");
    assertThat(r.leftName("eve")).isEqualTo("eve");
    assertThat(r.leftName("zed")).isEqualTo("zed");
    assertThat(new RoomState(new JsonObject()).leftName("bob")).isEqualTo("bob");
  }

  @Test
  void defaultsOfAnAlmostEmptyRoom() {
    RoomState r = new RoomState(new JsonObject().put("room_id", "ROOM1"));
    assertThat(r.trackUrl()).isEmpty();
    assertThat(r.positionMs()).isZero();
    assertThat(r.updatedAt()).isZero();
    assertThat(r.version()).isZero();
    assertThat(r.maxUsers()).isZero();
    assertThat(r.event()).isEmpty();
    assertThat(r.actor()).isEmpty();
    assertThat(r.quiet()).isFalse();
    assertThat(r.hostChanged()).isFalse();
  }
}

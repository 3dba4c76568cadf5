package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure parts of the queue: client messages, library track ids, queue item ids, the settings. */
class RoomQueueMessagesTest {

  private static JsonObject msg(String json) {
    return new JsonObject(json);
  }

  @Test
  void clientMessagesParseTheSameForEveryTransport() {
    assertThat(RoomCommand.fromClient("queue_add", "R", "h", msg("{\"track_url\":\"https://e.com/a\",\"title\":\"A\",\"duration\":1.5}")))
        .isEqualTo(new RoomCommand.QueueAdd("R", "h", "https://e.com/a", null, "A", 1500, -1));
    assertThat(RoomCommand.fromClient("queue_add", "R", "h", msg("{\"track_id\":\"x\",\"duration_ms\":2000,\"position\":0}")))
        .isEqualTo(new RoomCommand.QueueAdd("R", "h", null, "x", null, 2000, 0));
    assertThat(RoomCommand.fromClient("queue_remove", "R", "h", msg("{\"item_id\":\"i1\"}")))
        .isEqualTo(new RoomCommand.QueueRemove("R", "h", "i1"));
    assertThat(RoomCommand.fromClient("queue_move", "R", "h", msg("{\"item_id\":\"i1\",\"position\":3}")))
        .isEqualTo(new RoomCommand.QueueMove("R", "h", "i1", 3));
    assertThat(RoomCommand.fromClient("skip", "R", "h", null)).isEqualTo(new RoomCommand.Skip("R", "h"));
    assertThat(RoomCommand.fromClient("ready", "R", "u", msg("{\"track_version\":4}"))).isEqualTo(new RoomCommand.Ready("R", "u", 4));
    assertThat(RoomCommand.fromClient("control", "R", "h", msg("{\"action\":\"play\"}")))
        .isEqualTo(new RoomCommand.Control("R", "h", "play", -1));
    assertThat(RoomCommand.fromClient("shuffle", "R", "h", msg("{}"))).isNull();
  }

  @Test
  void wrongFieldTypesAreInvalidArguments() {
    String[][] bad = {
        {"queue_add", "{\"track_url\":5}"},
        {"queue_add", "{\"track_id\":[]}"},
        {"queue_add", "{\"track_url\":\"https://e.com\",\"duration_ms\":1.5}"},
        {"queue_add", "{\"track_url\":\"https://e.com\",\"duration\":\"long\"}"},
        {"queue_add", "{\"track_url\":\"https://e.com\",\"position\":-2}"},
        {"queue_add", "{\"track_url\":\"https://e.com\",\"position\":-1}"},
        {"queue_move", "{\"item_id\":\"a\",\"position\":-1}"},
        {"queue_add", "{\"track_url\":\"https://e.com\",\"position\":1e12}"},
        {"queue_remove", "{}"},
        {"queue_remove", "{\"item_id\":7}"},
        {"queue_move", "{\"item_id\":\"a\"}"},
        {"queue_move", "{\"item_id\":\"a\",\"position\":\"1\"}"},
        {"ready", "{}"},
        {"ready", "{\"track_version\":\"3\"}"},
    };
    for (String[] c : bad) {
      assertThatThrownBy(() -> RoomCommand.fromClient(c[0], "R", "h", msg(c[1]))).as(c[0] + " " + c[1])
          .isInstanceOfSatisfying(ChorusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void libraryTrackIdsAreUuidsInOneSpelling() {
    assertThat(TrackResolver.normalize("track_id", "0B5A3F0E-5D1C-4A52-9D55-1F0F3C7E9A10"))
        .isEqualTo("0b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a10");
    for (String bad : new String[] {null, "", "0b5a3f0e5d1c4a529d551f0f3c7e9a10", "0b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a1",
        "../../etc/passwd", "0b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a10/x", "g b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a1"}) {
      assertThatThrownBy(() -> TrackResolver.normalize("track_id", bad)).isInstanceOfSatisfying(ChorusException.class,
          e -> assertThat(e.getMessage()).contains("track_id"));
    }
    TrackResolver.ResolvedTrack r = TrackResolver.DEFAULT.resolve("0b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a10", null).result();
    assertThat(r.url()).isEqualTo("/api/v1/tracks/0b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a10/stream");
    assertThat(r.durationMs()).isZero();
  }

  @Test
  void queueItemIdsAreFreshAndChecked() {
    String a = QueueItems.newId();
    assertThat(a).matches("[0-9a-f]{16}").isNotEqualTo(QueueItems.newId());
    assertThat(QueueItems.requireId("abc-DEF_1")).isEqualTo("abc-DEF_1");
    for (String bad : new String[] {null, "", "a/b", "x".repeat(65), "a b"}) {
      assertThatThrownBy(() -> QueueItems.requireId(bad)).isInstanceOf(ChorusException.class);
    }
  }

  @Test
  void theSettingsHaveDefaultsAndBounds() {
    RoomsConfig defaults = RoomsConfig.from(ConfigLoader.defaults());
    assertThat(defaults.queueMax()).isEqualTo(500);
    assertThat(defaults.readyTimeoutMs()).isEqualTo(5000);
    assertThatThrownBy(() -> RoomsConfig.from(ConfigLoader.defaults().put("ROOM_QUEUE_MAX", "0"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("ROOM_QUEUE_MAX");
    assertThatThrownBy(() -> RoomsConfig.from(ConfigLoader.defaults().put("ROOM_READY_TIMEOUT_MS", "soon")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ROOM_READY_TIMEOUT_MS");
  }
}

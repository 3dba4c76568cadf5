package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The room commands as values: how they fail, how they travel the bus, how clients' controls parse. */
class RoomCommandsTest {
  static final RoomCommand.Control SEEK = new RoomCommand.Control("ROOM1", "host", "seek", 1500);

  @Test
  void internalFailuresAreReportedWithoutTheirDetails() {
    ChorusException f = RoomCommands.failure(SEEK, new IllegalStateException("connection pool exploded at 10.0.0.7"));
    assertEquals(ErrorCode.INTERNAL, f.code());
    assertEquals("internal error", f.getMessage());
  }

  @Test
  void chorusFailuresPassThroughAndBusFailuresKeepTheirCode() {
    ChorusException forbidden = new ChorusException(ErrorCode.FORBIDDEN, "only the host controls playback");
    assertSame(forbidden, RoomCommands.failure(SEEK, forbidden));

    ChorusException f = RoomCommands.failure(new RoomCommand.Get("ROOM1"),
        new ReplyException(ReplyFailure.RECIPIENT_FAILURE, ErrorCode.NOT_FOUND.code(), "room not found"));
    assertEquals(ErrorCode.NOT_FOUND, f.code());
    assertEquals("room not found", f.getMessage());
  }

  @Test
  void aBugBecomesAFailedFutureInsteadOfAThrow() {
    // a service that throws (here: none at all) must come back as a failed future
    Future<RoomState> failed = RoomCommands.apply(null, SEEK);
    assertTrue(failed.failed());
    assertEquals(ErrorCode.INTERNAL, RoomCommands.failure(SEEK, failed.cause()).code());
  }

  @Test
  void everyCommandSurvivesTheBus() {
    for (RoomCommand c : new RoomCommand[] {
        new RoomCommand.Create("h", "Host", "https://example.com/t.mp3", "title", 5, "node-a", true),
        new RoomCommand.Join("ROOM1", "u", "U", "node-b", true, false),
        new RoomCommand.Leave("ROOM1", "u", "node-b", true),
        SEEK,
        new RoomCommand.TransferHost("ROOM1", "h", "u"),
        new RoomCommand.ChangeTrack("ROOM1", "h", "https://example.com/2.mp3"),
        new RoomCommand.Get("ROOM1"),
        new RoomCommand.Member("ROOM1", "u"),
        new RoomCommand.Create("h", "Host", "", "title", 5, "node-a", false, "0b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a10"),
        new RoomCommand.ChangeTrack("ROOM1", "h", "", "0b5a3f0e-5d1c-4a52-9d55-1f0f3c7e9a10"),
        new RoomCommand.QueueAdd("ROOM1", "h", "https://example.com/3.mp3", "", "Three", 180_000, -1),
        new RoomCommand.QueueRemove("ROOM1", "h", "abc"),
        new RoomCommand.QueueMove("ROOM1", "h", "abc", 2),
        new RoomCommand.Skip("ROOM1", "h"),
        new RoomCommand.Ready("ROOM1", "u", 7)}) {
      assertThat(RoomCommand.fromJson(new JsonObject(RoomCommand.toJson(c).encode()))).isEqualTo(c);
    }
  }

  @Test
  void unknownOrMalformedBusCommandsAreInvalidArguments() {
    for (JsonObject bad : new JsonObject[] {null, new JsonObject(), new JsonObject().put("cmd", "Explode"),
        new JsonObject().put("cmd", "Control").put("roomId", "R").put("positionMs", "soon"),
        new JsonObject().put("cmd", "Join").put("roomId", "R")}) {
      assertThatThrownBy(() -> RoomCommand.fromJson(bad)).isInstanceOfSatisfying(ChorusException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void clientControlsParseTheSameForEveryTransport() {
    assertThat(RoomCommand.control("R", "h", new JsonObject().put("action", "seek").put("position", 1.5)))
        .isEqualTo(new RoomCommand.Control("R", "h", "seek", 1500));
    assertThat(RoomCommand.control("R", "h", new JsonObject().put("action", "play")))
        .isEqualTo(new RoomCommand.Control("R", "h", "play", -1));
    for (JsonObject bad : new JsonObject[] {null, new JsonObject(), new JsonObject().put("action", 3),
        new JsonObject().put("action", "seek").put("position", "12"), new JsonObject().put("action", "seek").put("position", -2)}) {
      assertThatThrownBy(() -> RoomCommand.control("R", "h", bad)).isInstanceOfSatisfying(ChorusException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }
}

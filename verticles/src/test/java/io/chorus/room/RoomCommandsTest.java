package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command table both the bus and the in-place path use: how it fails. */
class RoomCommandsTest {

  @Test
  void internalFailuresAreReportedWithoutTheirDetails() {
    ChorusException f = RoomCommands.failure(Addresses.ROOM_CONTROL, new IllegalStateException("connection pool exploded at 10.0.0.7"));
    assertEquals(ErrorCode.INTERNAL, f.code());
    assertEquals("internal error", f.getMessage());
  }

  @Test
  void chorusFailuresPassThroughAndBusFailuresKeepTheirCode() {
    ChorusException forbidden = new ChorusException(ErrorCode.FORBIDDEN, "only the host controls playback");
    assertSame(forbidden, RoomCommands.failure(Addresses.ROOM_CONTROL, forbidden));

    ChorusException f = RoomCommands.failure(Addresses.ROOM_GET,
        new ReplyException(ReplyFailure.RECIPIENT_FAILURE, ErrorCode.NOT_FOUND.code(), "room not found"));
    assertEquals(ErrorCode.NOT_FOUND, f.code());
    assertEquals("room not found", f.getMessage());
  }

  @Test
  void unknownCommandsAndWrongBodiesFailInsteadOfThrowing() {
    Future<RoomState> unknown = RoomCommands.apply(null, "chorus.room.explode", null, h -> null);
    assertTrue(unknown.failed());
    assertEquals(ErrorCode.INVALID_ARGUMENT, ErrorCode.of(unknown.cause()));

    // only a bus sender can pass a body of another type; it must come back as a failed future
    Future<RoomState> wrongBody = RoomCommands.apply(null, Addresses.ROOM_CONTROL, "not a SetPlaybackRequest", h -> null);
    assertTrue(wrongBody.failed());
    assertInstanceOf(ClassCastException.class, wrongBody.cause());
    assertEquals(ErrorCode.INTERNAL, RoomCommands.failure(Addresses.ROOM_CONTROL, wrongBody.cause()).code());
  }
}

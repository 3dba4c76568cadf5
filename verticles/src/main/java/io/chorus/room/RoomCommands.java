package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link RoomCommand} on {@link RoomService}: the one dispatch both paths use — in place on the
 * caller's event loop ({@link RoomClient} on a node with the room role, which spares a command two
 * event-loop hand-offs) and on the bus ({@link RoomVerticle}). Both fail the same way ({@link #failure}).
 */
final class RoomCommands {
  private static final Logger LOG = LoggerFactory.getLogger(RoomCommands.class);

  private RoomCommands() {
  }

  static Future<RoomState> apply(RoomService rooms, RoomCommand command) {
    try {
      if (command instanceof RoomCommand.Create c) {
        return rooms.create(c);
      } else if (command instanceof RoomCommand.Join c) {
        return rooms.join(c.roomId(), c.userId(), c.userName(), c.node(), c.connect(), c.strict(), c.bound());
      } else if (command instanceof RoomCommand.Leave c) {
        return rooms.leave(c.roomId(), c.userId(), c.node(), c.disconnectOnly());
      } else if (command instanceof RoomCommand.Control c) {
        return rooms.control(c.roomId(), c.actor(), c.action(), c.positionMs(), c.withUsers());
      } else if (command instanceof RoomCommand.TransferHost c) {
        return rooms.transferHost(c.roomId(), c.actor(), c.newHostId());
      } else if (command instanceof RoomCommand.ChangeTrack c) {
        return rooms.changeTrack(c.roomId(), c.actor(), c.trackUrl(), c.trackId());
      } else if (command instanceof RoomCommand.QueueAdd c) {
        return rooms.queueAdd(c);
      } else if (command instanceof RoomCommand.QueueRemove c) {
        return rooms.queueRemove(c.roomId(), c.actor(), c.itemId());
      } else if (command instanceof RoomCommand.QueueMove c) {
        return rooms.queueMove(c.roomId(), c.actor(), c.itemId(), c.position());
      } else if (command instanceof RoomCommand.Skip c) {
        return rooms.skip(c.roomId(), c.actor());
      } else if (command instanceof RoomCommand.Ready c) {
        return rooms.ready(c.roomId(), c.userId(), c.trackVersion());
      } else if (command instanceof RoomCommand.Get c) {
        return rooms.get(c.roomId());
      } else if (command instanceof RoomCommand.Member c) {
        return rooms.member(c.roomId(), c.userId());
      }
      return Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "no room command"));
    } catch (RuntimeException e) {
      // a bug must come back as a failed future, never a throw into the caller's handler
      return Future.failedFuture(e);
    }
  }

  /**
   * What a caller sees of a failed command: its code, and its message unless it is internal (logged
   * here once, with the cause, and reported as "internal error").
   */
  static ChorusException failure(RoomCommand command, Throwable e) {
    ErrorCode code = ErrorCode.of(e);
    if (code == ErrorCode.INTERNAL) {
      LOG.error("Room command {} failed", command == null ? "?" : command.getClass().getSimpleName(), e);
      return new ChorusException(code, "internal error");
    }
    return e instanceof ChorusException ce ? ce : new ChorusException(code, String.valueOf(e.getMessage()));
  }
}

package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.GetStateRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.proto.room.TransferHostRequest;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

/**
 * The room commands as one table: bus address + request message + headers → {@link RoomService}
 * call. {@link RoomVerticle} serves them on the bus; {@link RoomClient} applies them in place when the
 * node runs the room role itself (always, since the command consumers are node-local), which spares a
 * command two event-loop hand-offs (request and reply). Both paths fail the same way ({@link #failure}).
 */
final class RoomCommands {
  private static final Logger LOG = LoggerFactory.getLogger(RoomCommands.class);

  static final List<String> ADDRESSES = List.of(Addresses.ROOM_CREATE, Addresses.ROOM_JOIN, Addresses.ROOM_LEAVE,
      Addresses.ROOM_CONTROL, Addresses.ROOM_TRANSFER, Addresses.ROOM_TRACK, Addresses.ROOM_GET, Addresses.ROOM_MEMBER);

  private RoomCommands() {
  }

  /** Runs the command of {@code address}; {@code header} reads the request's headers (null when absent). */
  static Future<RoomState> apply(RoomService rooms, String address, Object body, Function<String, String> header) {
    try {
      return switch (address) {
        case Addresses.ROOM_CREATE -> {
          CreateRoomRequest r = (CreateRoomRequest) body;
          yield rooms.create(r.getHostId(), r.getHostName(), r.getTrackUrl(), r.getTitle(), r.getMaxUsers(),
              text(header, RoomClient.H_NODE), flag(header, RoomClient.H_CONNECT));
        }
        case Addresses.ROOM_JOIN -> {
          JoinRoomRequest r = (JoinRoomRequest) body;
          yield rooms.join(r.getRoomId(), r.getUserId(), r.getUserName(), text(header, RoomClient.H_NODE),
              flag(header, RoomClient.H_CONNECT), flag(header, RoomClient.H_STRICT));
        }
        case Addresses.ROOM_LEAVE -> {
          LeaveRoomRequest r = (LeaveRoomRequest) body;
          yield rooms.leave(r.getRoomId(), r.getUserId(), text(header, RoomClient.H_NODE), flag(header, RoomClient.H_DISCONNECT));
        }
        case Addresses.ROOM_CONTROL -> {
          SetPlaybackRequest r = (SetPlaybackRequest) body;
          yield rooms.control(r.getRoomId(), text(header, RoomClient.H_ACTOR), r.getAction(), RoomClient.positionOf(r));
        }
        case Addresses.ROOM_TRANSFER -> {
          TransferHostRequest r = (TransferHostRequest) body;
          yield rooms.transferHost(r.getRoomId(), text(header, RoomClient.H_ACTOR), r.getNewHostId());
        }
        case Addresses.ROOM_TRACK -> {
          ChangeTrackRequest r = (ChangeTrackRequest) body;
          yield rooms.changeTrack(r.getRoomId(), text(header, RoomClient.H_ACTOR), r.getTrackUrl());
        }
        case Addresses.ROOM_GET -> rooms.get(((GetStateRequest) body).getRoomId());
        case Addresses.ROOM_MEMBER -> rooms.member(((GetStateRequest) body).getRoomId(), text(header, RoomClient.H_USER));
        default -> Future.failedFuture(new ChorusException(ErrorCode.INVALID_ARGUMENT, "unknown room command " + address));
      };
    } catch (RuntimeException e) {
      // a body of the wrong type (only a bus sender can do that) or a bug: a failed future, never a throw
      return Future.failedFuture(e);
    }
  }

  /**
   * What a caller sees of a failed command: its code, and its message unless it is internal (logged
   * here once, with the cause, and reported as "internal error").
   */
  static ChorusException failure(String address, Throwable e) {
    ErrorCode code = ErrorCode.of(e);
    if (code == ErrorCode.INTERNAL) {
      LOG.error("Room command on {} failed", address, e);
      return new ChorusException(code, "internal error");
    }
    return e instanceof ChorusException ce ? ce : new ChorusException(code, String.valueOf(e.getMessage()));
  }

  private static String text(Function<String, String> header, String name) {
    String v = header.apply(name);
    return v == null ? "" : v;
  }

  private static boolean flag(Function<String, String> header, String name) {
    return "1".equals(header.apply(name));
  }
}

package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.GetStateRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.RoomEvent;
import io.chorus.proto.room.RoomResponse;
import io.chorus.proto.room.RoomServiceService;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.proto.room.TransferHostRequest;
import io.chorus.proto.room.WatchRoomRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.StatusException;

/**
 * Seed 000's gRPC RoomService (plus Chorus's additions), forwarding to the RoomVerticle over the
 * bus. Callers hold the API key, so they act as trusted services: no participant token needed.
 */
public final class RoomGrpcService extends RoomServiceService {
  private final Vertx vertx;
  private final RoomClient rooms;
  private final ParticipantTokens tokens;

  public RoomGrpcService(Vertx vertx, RoomClient rooms, ParticipantTokens tokens) {
    this.vertx = vertx;
    this.rooms = rooms;
    this.tokens = tokens;
  }

  @Override
  public Future<RoomResponse> createRoom(CreateRoomRequest request) {
    return rooms.create(request, false).map(room -> response(room, request.getHostId(), "host")).recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> joinRoom(JoinRoomRequest request) {
    JoinRoomRequest normalized = request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build();
    return rooms.join(normalized, false, true).map(room -> response(room, request.getUserId(), "participant"))
        .recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> setPlayback(SetPlaybackRequest request) {
    return rooms.control(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build(), "")
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> getState(GetStateRequest request) {
    return rooms.get(RoomIds.normalize(request.getRoomId())).map(room -> room.toResponse(System.currentTimeMillis()))
        .recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> leaveRoom(LeaveRoomRequest request) {
    return rooms.leave(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build(), false)
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> transferHost(TransferHostRequest request) {
    return rooms.transfer(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build(), "")
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> changeTrack(ChangeTrackRequest request) {
    return rooms.changeTrack(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build(), "")
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  /** Streams the current state, then one event per change, until the client cancels or the room expires. */
  @Override
  protected void watchRoom(WatchRoomRequest request, WriteStream<RoomEvent> response) {
    String roomId = RoomIds.normalize(request.getRoomId());
    GrpcServerResponse<?, ?> grpc = (GrpcServerResponse<?, ?>) response;
    rooms.get(roomId).onFailure(e -> grpc.fail(toStatus(e))).onSuccess(room -> {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.roomEvents(roomId));
      // one write at a time, in arrival order: each event is followed by the state read after it
      Future<?>[] chain = {Future.succeededFuture()};
      consumer.handler(msg -> {
        JsonObject event = msg.body();
        chain[0] = chain[0].transform(ignored -> rooms.get(roomId)).compose(now -> response.write(RoomEvent.newBuilder()
                .setType(event.getString("type", "")).setUserId(event.getString("user_id", ""))
                .setState(now.toResponse(System.currentTimeMillis())).build()))
            .onFailure(e -> {
              consumer.unregister();
              if (e instanceof ChorusException) {
                grpc.fail(toStatus(e));
              }
            });
      });
      grpc.exceptionHandler(e -> consumer.unregister());
      consumer.completion().onSuccess(v -> response.write(RoomEvent.newBuilder().setType("room_info")
              .setState(room.toResponse(System.currentTimeMillis())).build())
          .onFailure(x -> consumer.unregister()));
    });
  }

  private RoomResponse response(RoomState room, String userId, String role) {
    return room.toResponse(System.currentTimeMillis()).toBuilder()
        .setParticipantToken(tokens.issue(room.roomId(), userId, role)).build();
  }

  private static <T> Future<T> status(Throwable e) {
    return Future.failedFuture(toStatus(e));
  }

  static StatusException toStatus(Throwable e) {
    ErrorCode code = e instanceof ChorusException ce ? ce.code() : ErrorCode.of(e);
    return new StatusException(GrpcStatus.valueOf(code.grpcStatus()), code == ErrorCode.INTERNAL ? "internal error" : e.getMessage());
  }
}

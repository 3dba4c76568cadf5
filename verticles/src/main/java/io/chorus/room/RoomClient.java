package io.chorus.room;

import com.google.protobuf.Message;
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
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * What gateways (WebSocket, gRPC, bridge, REST) use to run room commands: over the bus to the
 * node's RoomVerticle, or — built with the node's {@link RoomService} — in place on the caller's
 * event loop, the same {@link RoomCommands} without the two hand-offs of a request and its reply
 * (a control in a room of 10 went from 3.8 to 3.2 ms p50 end to end, docs/benchmarks.md).
 */
public final class RoomClient {
  static final String H_NODE = "node";
  static final String H_ACTOR = "actor";
  static final String H_CONNECT = "connect";
  static final String H_STRICT = "strict";
  static final String H_DISCONNECT = "disconnect";
  static final String H_USER = "user";
  private static final long TIMEOUT_MS = 10_000;

  private final EventBus bus;
  private final String node;
  private final RoomService local;

  /** Commands over the bus (to this node's RoomVerticle). */
  public RoomClient(EventBus bus, String node) {
    this(bus, node, null);
  }

  /** Commands run in place on {@code local} when it is not null, else over the bus. */
  public RoomClient(EventBus bus, String node, RoomService local) {
    this.bus = bus;
    this.node = node;
    this.local = local;
  }

  public String node() {
    return node;
  }

  public Future<RoomState> create(CreateRoomRequest req, boolean connect) {
    return send(Addresses.ROOM_CREATE, req, options().addHeader(H_CONNECT, connect ? "1" : "0"));
  }

  public Future<RoomState> join(JoinRoomRequest req, boolean connect, boolean strict) {
    return send(Addresses.ROOM_JOIN, req, options().addHeader(H_CONNECT, connect ? "1" : "0").addHeader(H_STRICT, strict ? "1" : "0"));
  }

  public Future<RoomState> leave(LeaveRoomRequest req, boolean disconnectOnly) {
    return send(Addresses.ROOM_LEAVE, req, options().addHeader(H_DISCONNECT, disconnectOnly ? "1" : "0"));
  }

  /** {@code actor} empty: a trusted service call (gRPC with the API key). */
  public Future<RoomState> control(SetPlaybackRequest req, String actor) {
    return send(Addresses.ROOM_CONTROL, req, options().addHeader(H_ACTOR, actor));
  }

  public Future<RoomState> transfer(TransferHostRequest req, String actor) {
    return send(Addresses.ROOM_TRANSFER, req, options().addHeader(H_ACTOR, actor));
  }

  public Future<RoomState> changeTrack(ChangeTrackRequest req, String actor) {
    return send(Addresses.ROOM_TRACK, req, options().addHeader(H_ACTOR, actor));
  }

  public Future<RoomState> get(String roomId) {
    return send(Addresses.ROOM_GET, GetStateRequest.newBuilder().setRoomId(roomId).build(), options());
  }

  /**
   * The room without its member list plus {@code userId}'s record when it is a member: a membership
   * check that costs the same in a room of 5 or of 5000 ({@link RoomState#isMember} answers for that id only).
   */
  public Future<RoomState> member(String roomId, String userId) {
    return send(Addresses.ROOM_MEMBER, GetStateRequest.newBuilder().setRoomId(roomId).build(), options().addHeader(H_USER, userId));
  }

  /** A seek position in ms: {@code position_ms} when set, else the seed's {@code timestamp} in seconds. */
  static long positionOf(SetPlaybackRequest req) {
    if (req.getPositionMs() > 0) {
      return req.getPositionMs();
    }
    if ("seek".equals(req.getAction())) {
      return req.getTimestamp() < 0 ? -1 : req.getTimestamp() * 1000;
    }
    return -1;
  }

  private DeliveryOptions options() {
    return new DeliveryOptions().setSendTimeout(TIMEOUT_MS).addHeader(H_NODE, node);
  }

  private Future<RoomState> send(String address, Message body, DeliveryOptions options) {
    if (local != null) {
      return RoomCommands.apply(local, address, body, options.getHeaders()::get)
          .recover(e -> Future.failedFuture(RoomCommands.failure(address, e)));
    }
    return bus.<JsonObject>request(address, body, options)
        .map(reply -> new RoomState(reply.body()))
        .recover(e -> Future.failedFuture(new ChorusException(ErrorCode.of(e), String.valueOf(e.getMessage()))));
  }
}

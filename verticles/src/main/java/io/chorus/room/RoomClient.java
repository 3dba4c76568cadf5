package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.proto.room.TransferHostRequest;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * What gateways (WebSocket, gRPC, bridge, REST) use to run {@link RoomCommand}s: built with the
 * node's {@link RoomService} (the node has the room role), in place on the caller's event loop, the
 * same {@link RoomCommands} without the two hand-offs of a request and its reply (a control in a room
 * of 10 went from 3.8 to 3.2 ms p50 end to end, docs/benchmarks.md); else over the bus, to the node's
 * own RoomVerticle or ({@link #remote}) to any node with the room role. The gRPC request overloads
 * map the protobuf messages to commands.
 */
public final class RoomClient {
  private static final long TIMEOUT_MS = 10_000;

  private final EventBus bus;
  private final String node;
  private final RoomService local;
  private final boolean remote;
  /** The accounts feature's directory: which ids are accounts' (null: none served here, nothing to check). */
  private final io.chorus.web.SignedIn.Directory accounts;

  /** Commands over the bus (to this node's RoomVerticle). */
  public RoomClient(EventBus bus, String node) {
    this(bus, node, null, false);
  }

  /** Commands run in place on {@code local} when it is not null, else over the bus to this node's RoomVerticle. */
  public RoomClient(EventBus bus, String node, RoomService local) {
    this(bus, node, local, false);
  }

  private RoomClient(EventBus bus, String node, RoomService local, boolean remote, io.chorus.web.SignedIn.Directory accounts) {
    this.bus = bus;
    this.node = node;
    this.local = local;
    this.remote = remote;
    this.accounts = accounts;
  }

  private RoomClient(EventBus bus, String node, RoomService local, boolean remote) {
    this(bus, node, local, remote, null);
  }

  /** Commands over the clustered bus to the nodes with the room role (for a node that runs only the gateway role). */
  public static RoomClient remote(EventBus bus, String node) {
    return new RoomClient(bus, node, null, true);
  }

  /**
   * This client, refusing (FORBIDDEN) a create or a join without a participant token whose id is an account's, unless
   * the caller is signed in as that account ({@link RoomCommand.Join#account}): an account's id belongs to the
   * account, on every transport (the seed WebSocket, REST, gRPC with the API key, the conference API). Null: no
   * accounts served, nothing to check.
   */
  public RoomClient withAccounts(io.chorus.web.SignedIn.Directory directory) {
    return new RoomClient(bus, node, local, remote, directory);
  }

  public String node() {
    return node;
  }

  /** Runs a command (its {@code node} is stamped with this client's node where it has one). */
  public Future<RoomState> send(RoomCommand command) {
    if (accounts != null) {
      String proposed = proposedId(command);
      if (proposed != null && io.chorus.web.SignedIn.accountShaped(proposed)) {
        return io.chorus.web.SignedIn.notAnAccount(accounts, proposed, command instanceof RoomCommand.Create ? "host_id" : "user_id")
            .compose(v -> run(command));
      }
    }
    return run(command);
  }

  /**
   * The id a create or a tokenless join proposes without the caller being signed in as it; null for every other
   * command (a token join: the server issued the token for that id; a signed-in one: the JWT proved it).
   */
  private static String proposedId(RoomCommand command) {
    if (command instanceof RoomCommand.Create c && !c.bound()) {
      return c.hostId();
    }
    if (command instanceof RoomCommand.Join j && j.strict() && !j.bound()) {
      return j.userId();
    }
    return null;
  }

  private Future<RoomState> run(RoomCommand command) {
    if (local != null) {
      return RoomCommands.apply(local, command).recover(e -> Future.failedFuture(RoomCommands.failure(command, e)));
    }
    return bus.<JsonObject>request(remote ? Addresses.ROOM_COMMAND_REMOTE : Addresses.ROOM_COMMAND, RoomCommand.toJson(command),
            new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
        .map(reply -> new RoomState(reply.body()))
        .recover(e -> Future.failedFuture(new ChorusException(ErrorCode.of(e), String.valueOf(e.getMessage()))));
  }

  /** {@code connect}: the host holds a socket on this node. */
  public Future<RoomState> create(CreateRoomRequest req, boolean connect) {
    return create(req, connect, "");
  }

  /** {@code account}: the account the caller is signed in as ("" for none; see {@link RoomCommand.Join#account}). */
  public Future<RoomState> create(CreateRoomRequest req, boolean connect, String account) {
    return send(new RoomCommand.Create(req.getHostId(), req.getHostName(), req.getTrackUrl(), req.getTitle(), req.getMaxUsers(), node,
        connect, req.getTrackId(), account));
  }

  /** {@code strict}: the caller did not prove the user id with its token. */
  public Future<RoomState> join(JoinRoomRequest req, boolean connect, boolean strict) {
    return join(req, connect, strict, "");
  }

  /** {@code account}: the account the caller is signed in as ("" for none; see {@link RoomCommand.Join#account}). */
  public Future<RoomState> join(JoinRoomRequest req, boolean connect, boolean strict, String account) {
    return send(new RoomCommand.Join(req.getRoomId(), req.getUserId(), req.getUserName(), node, connect, strict, account));
  }

  public Future<RoomState> leave(LeaveRoomRequest req, boolean disconnectOnly) {
    return send(new RoomCommand.Leave(req.getRoomId(), req.getUserId(), node, disconnectOnly));
  }

  /** {@code actor} empty: a trusted service call (gRPC with the API key). */
  public Future<RoomState> control(SetPlaybackRequest req, String actor) {
    return send(new RoomCommand.Control(req.getRoomId(), actor, req.getAction(), positionOf(req), true));
  }

  public Future<RoomState> transfer(TransferHostRequest req, String actor) {
    return send(new RoomCommand.TransferHost(req.getRoomId(), actor, req.getNewHostId()));
  }

  public Future<RoomState> changeTrack(ChangeTrackRequest req, String actor) {
    return send(new RoomCommand.ChangeTrack(req.getRoomId(), actor, req.getTrackUrl(), req.getTrackId()));
  }

  public Future<RoomState> get(String roomId) {
    return send(new RoomCommand.Get(roomId));
  }

  /**
   * The room without its member list plus {@code userId}'s record when it is a member: a membership
   * check that costs the same in a room of 5 or of 5000 ({@link RoomState#isMember} answers for that id only).
   */
  public Future<RoomState> member(String roomId, String userId) {
    return send(new RoomCommand.Member(roomId, userId));
  }

  /** A seek position in ms: {@code position_ms} when set, else the seed's {@code timestamp} in seconds. */
  static long positionOf(SetPlaybackRequest req) {
    if (req.getPositionMs() > 0) {
      return req.getPositionMs();
    }
    if ("seek".equals(req.getAction())) {
      // seconds whose milliseconds overflow are beyond any track: saturated, not wrapped round to a small position
      return req.getTimestamp() < 0 ? -1 : req.getTimestamp() > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : req.getTimestamp() * 1000;
    }
    return -1;
  }
}

package io.chorus.room;

import io.chorus.web.SignedIn;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.realtime.Fanout;
import io.chorus.realtime.Frame;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.chorus.input.Inputs;
import io.chorus.proto.room.LeaveRoomRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 000's WebSocket: {@code /ws?room_id=&user_id=&user_name=&token=}. Connecting joins the room
 * (or re-attaches a member who shows its token); closing the last socket of a user leaves it.
 * Client messages: {@code control}, {@code queue_add}, {@code queue_remove}, {@code queue_move}, {@code skip},
 * {@code transfer_host} (host only), {@code ready} (any member), {@code time} (clock sync), {@code ping}.
 * Every bad frame gets an {@code error} frame and changes nothing.
 */
public final class RoomSocketHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(RoomSocketHandler.class);
  /** Room sockets carry small JSON messages; anything bigger is refused (close 1009). */
  static final int MAX_FRAME = 64 * 1024;
  /** Client messages per second per socket before frames are refused with rate_limited. */
  static final int MAX_RATE = 50;

  private final Vertx vertx;
  private final RoomClient rooms;
  private final ParticipantTokens tokens;
  private final RoomFanout fanout;
  private final SocketDrop drop;

  /** Verifies access JWTs (the accounts feature's; null where accounts are not served). */
  private final SignedIn.Verifier accounts;
  private final SignedInSockets signedIn = new SignedInSockets();
  private final io.vertx.core.eventbus.MessageConsumer<JsonObject> signedOut;
  private final io.vertx.core.eventbus.MessageConsumer<JsonObject> disabled;
  private final RoomMembers members = new RoomMembers();
  private final io.vertx.core.eventbus.MessageConsumer<JsonObject> revoked;

  public RoomSocketHandler(Vertx vertx, Hub hub, RoomClient rooms, ParticipantTokens tokens, SocketDrop drop) {
    this(vertx, hub, rooms, tokens, drop, null, RoomsConfig.DEFAULT_WS_PING_SECONDS * 1000L);
  }

  /** {@code pingMs}: every socket is pinged this often (ROOM_WS_PING_SECONDS), see {@link RoomSocketLiveness}. */
  public RoomSocketHandler(Vertx vertx, Hub hub, RoomClient rooms, ParticipantTokens tokens, SocketDrop drop, SignedIn.Verifier accounts,
                           long pingMs) {
    RoomSocketLiveness.start(vertx, pingMs, members::sockets);
    this.accounts = accounts;
    this.disabled = vertx.eventBus().consumer(io.chorus.bus.Addresses.USER_DISABLED, m -> disabled(m.body()));
    this.signedOut = vertx.eventBus().consumer(io.chorus.bus.Addresses.USER_SESSIONS_REVOKED, m -> signedOut(m.body()));
    this.revoked = vertx.eventBus().consumer(io.chorus.bus.Addresses.ROOM_REVOKED, m -> revoked(m.body()));
    this.vertx = vertx;
    this.drop = drop;
    this.rooms = rooms;
    this.tokens = tokens;
    this.fanout = new RoomFanout(vertx, hub, rooms.node());
  }

  @Override
  public void handle(RoutingContext ctx) {
    String roomId = RoomIds.normalize(ctx.request().getParam("room_id"));
    String userId = ctx.request().getParam("user_id");
    String userName = ctx.request().getParam("user_name", "");
    String token = ctx.request().getParam("token");
    // a signed-in user's access JWT: the Authorization header, access_token, or a JWT-shaped token
    String accessToken = io.chorus.web.Bearer.accessToken(ctx.request().getHeader("Authorization"),
        io.chorus.web.Bearer.isJwt(token) ? token : ctx.request().getParam("access_token"));
    io.netty.channel.Channel connection = SocketDrop.channelOf(ctx.request());
    io.chorus.realtime.QueueTrim.upgrade(ctx.request()).onSuccess(ws -> {
      if (accessToken != null) {
        openSignedIn(ws, roomId, userId, userName, accessToken, connection);
      } else {
        open(ws, roomId, userId, userName, token, connection);
      }
    }).onFailure(e -> LOG.debug("WebSocket upgrade failed: {}", e.getMessage()));
  }

  /**
   * A signed-in user joins as their account: {@code user_id} is the account's id (a different one is
   * refused), the name defaults to the username, and the JWT proves the id, so a second tab or a
   * re-join needs no participant token; {@code room_info} still carries one (for the bridge).
   */
  private void openSignedIn(ServerWebSocket ws, String roomId, String userId, String rawUserName, String accessToken,
                            io.netty.channel.Channel connection) {
    if (accounts == null) {
      refuse(ws, ErrorCode.UNAUTHENTICATED, "accounts are not served here", (short) 4401);
      return;
    }
    ws.pause();
    accounts.verify(accessToken).compose(BEFORE_JOIN::pass).onComplete(ar -> {
      if (ar.failed()) {
        ErrorCode code = ErrorCode.of(ar.cause());
        refuse(ws, code == ErrorCode.INTERNAL ? ErrorCode.UNAUTHENTICATED : code, "access token refused: " + ar.cause().getMessage(),
            (short) 4401);
        return;
      }
      SignedIn who = ar.result();
      if (userId != null && !userId.isEmpty() && !userId.equals(who.userId())) {
        refuse(ws, ErrorCode.FORBIDDEN, "user_id belongs to another account", (short) 4403);
        return;
      }
      String name = rawUserName == null || rawUserName.isEmpty() ? who.name() : rawUserName;
      RoomFanout.RoomSocket socket = new RoomFanout.RoomSocket(roomId, ws, drop, connection);
      socket.sessionId = who.sessionId();
      if (!RoomIds.isValid(roomId)) {
        refuse(ws, ErrorCode.INVALID_ARGUMENT, "room_id (4-32 letters/digits) is required", (short) 4400);
        return;
      }
      String userName;
      try {
        userName = Inputs.name("user_name", name, 0, RoomService.MAX_NAME_LENGTH);
      } catch (ChorusException e) {
        refuse(ws, e.code(), e.getMessage(), (short) 4400);
        return;
      }
      signedIn.add(who.userId(), socket);
      // the account may have been disabled or the session ended after the verification above and before the socket
      // was listed for those events; the flags are set before the events are published. Checked once the socket is
      // wired, so that closing it also takes the member out of the room.
      join(ws, socket, roomId, who.userId(), userName, false, true, who.userId()).compose(v -> accounts.ended(who)).onSuccess(e -> {
        if (ws.isClosed()) {
          return;   // the event came after all and ended it, or the client left: one error frame, not two
        }
        if (e == SignedIn.Ended.DISABLED) {
          refuse(ws, ErrorCode.FORBIDDEN, "account disabled", (short) 4403);
        } else if (e == SignedIn.Ended.SIGNED_OUT) {
          refuse(ws, ErrorCode.UNAUTHENTICATED, "signed out", (short) 4401);
        }
      }).onFailure(e -> LOG.debug("room socket of {}: refused, or its revocation re-check failed: {}", who.userId(), e.getMessage()));
    });
  }

  /** Tests only: between a signed-in socket's token check and its listing for the disable and sign-out events. */
  static final io.chorus.web.SignInGap<SignedIn> BEFORE_JOIN = new io.chorus.web.SignInGap<>();

  /** An account was disabled: its sockets here close at once (4403). */
  private void disabled(JsonObject body) {
    for (RoomFanout.RoomSocket s : signedIn.disabledBy(body)) {
      refuse(s.ws, ErrorCode.FORBIDDEN, "account disabled", (short) 4403);
    }
  }

  /** Sign-in sessions ended (sign-out, logout-all, …): the signed-in sockets opened with them here close (4401). */
  private void signedOut(JsonObject body) {
    for (RoomFanout.RoomSocket s : signedIn.signedOutBy(body)) {
      refuse(s.ws, ErrorCode.UNAUTHENTICATED, "signed out", (short) 4401);
    }
  }

  /**
   * A member left the room or was removed from it by another API (REST leave, gRPC LeaveRoom, its node dropped), on
   * any node: its sockets here that joined before that leave get error forbidden and close 4403, as its chat sockets and
   * bridge registrations end.
   */
  private void revoked(JsonObject body) {
    for (RoomFanout.RoomSocket s : members.revokedBy(body)) {
      s.revoked = true;
      forget(s);
      refuse(s.ws, ErrorCode.FORBIDDEN, "no longer a member of this room", (short) 4403);
    }
  }

  /** The socket no longer hears the room, nor the events that end its member's sockets. */
  private void forget(RoomFanout.RoomSocket socket) {
    fanout.remove(socket);
    signedIn.remove(socket.userId, socket);
    members.remove(socket);
  }

  private void open(ServerWebSocket ws, String roomId, String userId, String rawUserName, String token, io.netty.channel.Channel connection) {
    RoomFanout.RoomSocket socket = new RoomFanout.RoomSocket(roomId, ws, drop, connection);
    if (!RoomIds.isValid(roomId)) {
      refuse(ws, ErrorCode.INVALID_ARGUMENT, "room_id (4-32 letters/digits) is required", (short) 4400);
      return;
    }
    boolean hasToken = token != null && !token.isBlank();
    if ((userId == null || userId.isEmpty()) && hasToken) {
      // the participant token names its participant: user_id may be left out (when given, it must be the token's)
      try {
        userId = tokens.verify(token, roomId).participantId();
      } catch (ChorusException e) {   // 4000 + the status: 4401 a bad token, 4403 another room's
        refuse(ws, e.code(), e.getMessage(), (short) (4000 + e.code().httpStatus()));
        return;
      }
    }
    String userName;
    try {
      // the input rules of docs/api.md, as on every entry point
      Inputs.id("user_id", userId);
      userName = Inputs.name("user_name", rawUserName, 0, RoomService.MAX_NAME_LENGTH);
    } catch (ChorusException e) {
      refuse(ws, e.code(), e.getMessage(), (short) 4400);
      return;
    }
    if (hasToken) {
      try {
        ParticipantTokens.Identity id = tokens.verify(token, roomId);
        if (!id.participantId().equals(userId)) {
          refuse(ws, ErrorCode.FORBIDDEN, "token belongs to another participant", (short) 4403);
          return;
        }
      } catch (ChorusException e) {   // 4000 + the status: 4401 a bad token, 4403 another room's
        refuse(ws, e.code(), e.getMessage(), (short) (4000 + e.code().httpStatus()));
        return;
      }
    }
    ws.pause();
    // without a token the user_id must be new to the room: a member, present or departed, proves itself with its token
    join(ws, socket, roomId, userId, userName, !hasToken, !hasToken, "");
  }

  /**
   * {@code strict}: the id must be new to the room; {@code issueToken}: room_info carries the participant token;
   * {@code account}: the account the socket is signed in as ("" for none: a tokenless join with an account's id is
   * refused, 4403). Completes once the socket is wired (fails when the join was refused).
   */
  private Future<Void> join(ServerWebSocket ws, RoomFanout.RoomSocket socket, String roomId, String userId, String userName,
                            boolean strict, boolean issueToken, String account) {
    io.vertx.core.Promise<Void> wired = io.vertx.core.Promise.promise();
    socket.userId = userId;
    socket.authenticated = true;
    if (ws.isClosed()) {
      // the client went away before its join (during a signed-in socket's token check): nobody to add to the room
      signedIn.remove(userId, socket);
      wired.fail(new IllegalStateException("the socket closed before it joined"));
      return wired.future();
    }
    fanout.add(socket);
    // a client that goes away while its join is under way (a closed tab, a lost connection) has no close handler of
    // its own yet: its close is noted here, and the member it became leaves as soon as the join is done
    boolean[] closedWhileJoining = {false};
    ws.closeHandler(v -> closedWhileJoining[0] = true);
    rooms.send(new RoomCommand.Join(roomId, userId, userName, rooms.node(), true, strict, account)).onComplete(ar -> {
      if (ar.failed()) {
        fanout.remove(socket);
        signedIn.remove(userId, socket);
        ErrorCode code = ErrorCode.of(ar.cause());
        String msg = code == ErrorCode.ALREADY_EXISTS ? "user_id is or was in the room: connect with its token" : ar.cause().getMessage();
        refuse(ws, code, msg, (short) (4000 + code.httpStatus()));
        wired.fail(ar.cause());
        return;
      }
      if (closedWhileJoining[0] || ws.isClosed()) {
        closed(socket);
        wired.fail(new IllegalStateException("the socket closed while it joined"));
        return;
      }
      ws.closeHandler(v -> closed(socket));
      RoomState room = ar.result();
      JsonObject info = RoomEvents.roomInfo(room, System.currentTimeMillis()).put("you", userId);
      if (issueToken) {
        info.put("token", tokens.issue(roomId, userId, userId.equals(room.hostId()) ? "host" : "participant"));
      }
      ws.writeTextMessage(info.encode());
      socket.infoSent(room.version());
      if (!ws.isClosed()) {   // closed by the write: its close handler, set above, has taken the member out
        members.add(socket);
        wire(ws, socket);
        ws.resume();
      }
      wired.complete();
    });
    return wired.future();
  }

  /**
   * The socket closed: it leaves the node's fan-out, and its member the room when this was its last socket (unless the
   * member had left already: a socket closed for that leaves nothing more).
   */
  private void closed(RoomFanout.RoomSocket socket) {
    forget(socket);
    if (socket.revoked) {
      return;
    }
    rooms.leave(LeaveRoomRequest.newBuilder().setRoomId(socket.roomId).setUserId(socket.userId).build(), true)
        .onFailure(e -> LOG.debug("Leave after close of {} in {} failed: {}", socket.userId, socket.roomId, e.getMessage()));
  }

  private void wire(ServerWebSocket ws, RoomFanout.RoomSocket socket) {
    long[] window = {System.currentTimeMillis(), 0};
    RoomSocketLiveness.watch(ws, socket);
    ws.binaryMessageHandler(b -> {
      socket.heard = System.currentTimeMillis();
      send(socket, RoomEvents.error("invalid_argument", "binary frames are not part of this protocol"));
    });
    ws.textMessageHandler(text -> {
      long now = System.currentTimeMillis();
      socket.heard = now;
      if (now - window[0] >= 1000) {
        window[0] = now;
        window[1] = 0;
      }
      if (++window[1] > MAX_RATE) {
        send(socket, RoomEvents.error("rate_limited", "more than " + MAX_RATE + " messages per second"));
        return;
      }
      if (overBytes(text, MAX_FRAME)) {
        send(socket, RoomEvents.error("payload_too_large", "messages are limited to " + MAX_FRAME + " bytes"));
        return;
      }
      onMessage(socket, text);
    });
    ws.exceptionHandler(e -> LOG.debug("WebSocket of {} in {}: {}", socket.userId, socket.roomId, e.getMessage()));
  }

  private void onMessage(RoomFanout.RoomSocket socket, String text) {
    long received = System.currentTimeMillis();
    JsonObject msg;
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      // what is wrong, in our words: not JSON, or beyond a limit of the reader (a number of more than 1000 digits)
      send(socket, RoomEvents.error("malformed_json", io.chorus.web.Http.notJson("the message", e)));
      return;
    }
    if (parsed instanceof JsonObject o) {
      msg = o;
    } else {
      send(socket, RoomEvents.error("malformed_json", "message is not a JSON object"));
      return;
    }
    Object type = msg.getValue("type");
    if (!(type instanceof String)) {
      send(socket, RoomEvents.error("invalid_argument", "field 'type' (string) is required"));
      return;
    }
    switch ((String) type) {
      case "control", "queue_add", "queue_remove", "queue_move", "skip", "ready", "transfer_host" -> command(socket, (String) type, msg);
      case "time" -> send(socket, msg.getValue("t0") instanceof Number t0 && Double.isFinite(t0.doubleValue())
          ? ClockSync.reply(t0, received).put("type", "time")
          : RoomEvents.error("invalid_argument", ClockSync.T0_REQUIRED));
      case "ping" -> send(socket, new JsonObject().put("type", "pong").put("timestamp", received / 1000));
      default -> send(socket, RoomEvents.error(ErrorCode.UNKNOWN_TYPE.slug(), "unknown message type '" + type + "'"));
    }
  }

  private void command(RoomFanout.RoomSocket socket, String type, JsonObject msg) {
    RoomCommand command;
    try {
      command = RoomCommand.fromClient(type, socket.roomId, socket.userId, msg);
    } catch (ChorusException e) {
      send(socket, RoomEvents.error(e.code().slug(), e.getMessage()));
      return;
    }
    // one control at a time per socket: pooled Redis connections would otherwise apply a host's
    // rapid controls in any order
    socket.commands = socket.commands.transform(ignored -> rooms.send(command)
        .onFailure(e -> {
          ErrorCode code = ErrorCode.of(e);
          send(socket, RoomEvents.error(code.slug(), String.valueOf(e.getMessage())));
        }));
  }

  /** Whether {@code text} is over {@code max} bytes in UTF-8, as it came on the wire (counted only when it may be). */
  static boolean overBytes(String text, int max) {
    if (text.length() > max) {
      return true;
    }
    if (text.length() <= max / 3) {
      return false;
    }
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      // each half of a surrogate pair counts 2: 4 bytes for the pair
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes > max;
  }

  /**
   * Replies to the client under the events' slow-socket policy: one that sends without reading its replies is closed
   * (1013, dropped 5 s later) instead of having them queued without bound.
   */
  private void send(RoomFanout.RoomSocket socket, JsonObject msg) {
    if (!socket.slow && !Fanout.offer(socket, Frame.of(msg.encode()), null)) {
      socket.slow = true;
      fanout.remove(socket);
    }
  }

  private static void refuse(ServerWebSocket ws, ErrorCode code, String message, short closeCode) {
    ws.writeTextMessage(RoomEvents.error(code.slug(), message).encode())
        .eventually(() -> ws.close(closeCode, code.slug()));
  }

  /**
   * Completes when the node's fan-out consumer and its consumers of ended sign-in sessions, disabled accounts and members'
   * leaves are registered.
   */
  public Future<Void> ready() {
    return Future.all(fanout.ready(), signedOut.completion(), disabled.completion(), revoked.completion()).mapEmpty();
  }

  public int socketCount() {
    return fanout.socketCount();
  }
}

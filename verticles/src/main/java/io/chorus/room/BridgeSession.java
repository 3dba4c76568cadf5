package io.chorus.room;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One bridge connection speaking the protocol of {@code @vertx/eventbus-bridge-client.js}: frames
 * {@code {type: ping|send|publish|register|unregister, address, headers, body, replyAddress}} in;
 * {@code {type: rec, address, body[, headers]}} and {@code {type: err, ...}} out. Error names are
 * vertx-web's bridge's, so clients written against it behave the same.
 *
 * <p>Frames are handled in the order they arrive: a frame waits until the one before it is done
 * (a REGISTER until its token and membership are checked and the room's subscription on this node is
 * in place), so a client can use any later request's reply as proof that its REGISTER took effect.
 * While more than {@link #MAX_QUEUED} frames wait, the socket is paused (back-pressure, not a growing
 * queue). Event-loop confined.
 */
final class BridgeSession implements io.chorus.realtime.Sink {
  /** Rooms one socket may listen to, and (separately) its requests awaiting a reply. */
  static final int MAX_HANDLERS = 16;
  static final int MAX_ADDRESS_LENGTH = 128;
  /** The client library's reply addresses are UUIDs (36 chars); longer ones are refused. */
  static final int MAX_REPLY_ADDRESS_LENGTH = 36;
  static final int MAX_QUEUED = 32;

  private final SockJSSocket sock;
  private final RoomBridge bridge;
  private final BridgeFanout fanout;
  private final EventBus bus;
  private final long replyTimeoutMs;
  private final Runnable dropLater;
  private final Vertx vertx;
  /** Registered room address -> who listens (the token's participant) and the timer ending it at the token's expiry. */
  private final Map<String, Listener> registered = new HashMap<>();
  private final ArrayDeque<Buffer> inbox = new ArrayDeque<>();
  /** The socket's room controls, chained: each is sent to its room once the one before it is settled. */
  private Future<?> controls = Future.succeededFuture();
  private int pendingReplies;
  /** The current one-second window of room controls: its start and the controls counted in it. */
  private long controlWindow;
  private int controlsInWindow;
  private boolean busy;
  private boolean paused;
  private boolean closed;
  long lastSeen = System.currentTimeMillis();

  BridgeSession(Vertx vertx, SockJSSocket sock, RoomBridge bridge, BridgeFanout fanout, EventBus bus, long replyTimeoutMs,
                Runnable dropLater) {
    this.vertx = vertx;
    this.sock = sock;
    this.dropLater = dropLater;
    this.bridge = bridge;
    this.fanout = fanout;
    this.bus = bus;
    this.replyTimeoutMs = replyTimeoutMs;
  }

  SockJSSocket socket() {
    return sock;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean writeQueueFull() {
    return sock.writeQueueFull();
  }

  @Override
  public void write(io.chorus.realtime.Frame frame) {
    sock.write(frame.buffer());
  }

  /** The socket broke under a write: forget it and make sure it is closed. */
  @Override
  public void abort() {
    bridge.failed(this, null);
  }

  /** Closes a socket that does not read its events (1013) and drops its connection if the close frame is stuck. */
  @Override
  public void closeSlow() {
    sock.close(1013, "too slow");
    dropLater.run();
  }

  /**
   * Closes a socket that has sent nothing for a while, and drops its connection if the close frame is stuck (a client
   * that stopped reading, and whose frames are no longer read because it does not take their answers).
   */
  void closeSilent() {
    sock.close();
    dropLater.run();
  }

  void onFrame(Buffer data) {
    if (data.length() > RoomBridge.MAX_SEND_BODY) {   // the polling transports' POST limit, for the WebSocket ones too
      sock.close(1009, "frame larger than " + RoomBridge.MAX_SEND_BODY + " bytes");
      return;
    }
    lastSeen = System.currentTimeMillis();
    inbox.add(data);
    if (inbox.size() > MAX_QUEUED && !paused) {
      paused = true;
      sock.pause();
    }
    drain();
  }

  /** Called once when the socket ends: drops the room subscriptions and anything still queued. */
  void onClose() {
    closed = true;
    inbox.clear();
    registered.forEach((address, l) -> {
      vertx.cancelTimer(l.expiryTimer());
      fanout.remove(address, this);
    });
    registered.clear();
  }

  /**
   * Ends this socket's registration to {@code address} if {@code participantId} (null: whoever) holds
   * it: the participant left the room or its token expired. The client's handler for the address gets
   * an err frame with the bus error code (4030 left, 4010 token expired); the socket stays open for its
   * other rooms and requests.
   */
  void revoke(String address, String participantId, ErrorCode code, String message) {
    Listener l = registered.get(address);
    if (closed || l == null || (participantId != null && !participantId.equals(l.participantId()))) {
      return;
    }
    end(address, l, code, message);
  }

  /** Ends this socket's registration to {@code address} if it was made with an access JWT of a session {@code ended} lists. */
  void revokeSessions(String address, io.chorus.web.SignedIn.SessionsEnded ended, ErrorCode code, String message) {
    Listener l = registered.get(address);
    if (closed || l == null || !ended.ends(l.sessionId())) {
      return;
    }
    end(address, l, code, message);
  }

  private void end(String address, Listener l, ErrorCode code, String message) {
    registered.remove(address);
    vertx.cancelTimer(l.expiryTimer());
    fanout.remove(address, this);
    write(new JsonObject().put("type", "err").put("address", address).put("failureCode", code.code())
        .put("failureType", "RECIPIENT_FAILURE").put("message", message));
  }

  private void drain() {
    while (!busy && !inbox.isEmpty() && !closed) {
      if (sock.writeQueueFull()) {
        // the client is not taking its answers: handle (and read) nothing more until it does, rather than queue
        // an answer per frame without bound; the socket is paused once the inbox is full
        sock.drainHandler(v -> {
          sock.drainHandler(null);
          drain();
        });
        return;
      }
      Future<Void> done = handle(inbox.poll());
      if (!done.isComplete()) {
        busy = true;
        done.onComplete(ar -> {
          busy = false;
          drain();
        });
        return;
      }
    }
    if (paused && inbox.isEmpty() && !closed) {
      paused = false;
      sock.resume();
    }
  }

  private Future<Void> handle(Buffer data) {
    JsonObject msg;
    try {
      msg = new JsonObject(data);
    } catch (DecodeException | ClassCastException e) {
      return error("invalid_json");
    }
    if (!(msg.getValue("type") instanceof String type)) {
      return error("missing_type");
    }
    if (type.equals("ping")) {
      return Future.succeededFuture();
    }
    if (!(msg.getValue("address") instanceof String address)) {
      return error("missing_address");
    }
    return switch (type) {
      case "send" -> send(address, msg);
      case "publish" -> error("rejected");
      case "register" -> register(address, msg);
      case "unregister" -> unregister(address);
      default -> error("invalid_type");
    };
  }

  private Future<Void> register(String address, JsonObject msg) {
    if (address.length() > MAX_ADDRESS_LENGTH) {
      return error("max_address_length_reached");
    }
    if (registered.containsKey(address)) {
      return error("address_already_registered");
    }
    if (registered.size() >= MAX_HANDLERS) {
      return error("max_handlers_reached");
    }
    String roomId = RoomBridge.roomOf(address);
    if (roomId == null) {
      String userId = RoomBridge.userOf(address);
      return userId == null ? error("access_denied") : registerUser(address, userId, msg);
    }
    String token = token(msg);
    // room ids are case-insensitive: a lower-case one names the same room (its events come under the address registered)
    return bridge.listener(RoomIds.normalize(roomId), token).compose(participant -> participant == null ? error("rejected")
        : listen(address, participant, null, bridge.expiresAt(token), "participant token expired"), e -> error("rejected"));
  }

  /** A signed-in user's own channel: headers {@code {access_token}} (or {@code token}) carrying that user's JWT. */
  private Future<Void> registerUser(String address, String userId, JsonObject msg) {
    String jwt = header(msg, "access_token");
    return bridge.userListener(userId, jwt != null ? jwt : token(msg)).compose(BEFORE_LISTEN::pass)
        .compose(who -> who == null ? error("rejected")
            : listen(address, who.userId(), who.sessionId(), who.expiresAtMillis(), "access token expired").onSuccess(v -> {
              // the account may have been disabled or the session ended after the verification and before this
              // registration listened for those events; the flags are set before the events are published
              bridge.ended(who).onSuccess(ended -> {
                if (ended == io.chorus.web.SignedIn.Ended.DISABLED) {
                  revoke(address, who.userId(), ErrorCode.FORBIDDEN, "account disabled");
                } else if (ended == io.chorus.web.SignedIn.Ended.SIGNED_OUT) {
                  revoke(address, who.userId(), ErrorCode.UNAUTHENTICATED, "signed out");
                }
              });
            }), e -> error("rejected"));
  }

  /** Tests only: between a user channel REGISTER's token check and its registration for the disable and sign-out events. */
  static final io.chorus.web.SignInGap<io.chorus.web.SignedIn> BEFORE_LISTEN = new io.chorus.web.SignInGap<>();

  /**
   * Subscribes this socket to {@code address} as {@code who} until {@code expiresAt} (the credential's end) or, for an
   * access JWT, until its sign-in session {@code sessionId} ends.
   */
  private Future<Void> listen(String address, String who, String sessionId, long expiresAt, String expiredMessage) {
    if (closed) {
      return Future.succeededFuture();
    }
    // credentials are checked only here: the registration ends when this one expires
    long ttl = Math.max(1, expiresAt - System.currentTimeMillis());
    long timer = vertx.setTimer(ttl, t -> revoke(address, who, ErrorCode.UNAUTHENTICATED, expiredMessage));
    registered.put(address, new Listener(who, sessionId, timer));
    return fanout.add(address, this).recover(e -> {
      registered.remove(address);
      vertx.cancelTimer(timer);
      fanout.remove(address, this);
      return error("registration_failure");
    });
  }

  private Future<Void> unregister(String address) {
    if (RoomBridge.roomOf(address) == null && RoomBridge.userOf(address) == null) {
      return error("access_denied");
    }
    Listener l = registered.remove(address);
    if (l != null) {
      vertx.cancelTimer(l.expiryTimer());
      fanout.remove(address, this);
    }
    return Future.succeededFuture();
  }

  private Future<Void> send(String address, JsonObject msg) {
    Object replyTo = msg.getValue("replyAddress");
    if (replyTo != null && (!(replyTo instanceof String r) || r.length() > MAX_REPLY_ADDRESS_LENGTH)) {
      return error("invalid_reply_address");
    }
    String replyAddress = (String) replyTo;
    if (!RoomBridge.mayReceive(address)) {
      return error("access_denied");
    }
    if (io.chorus.bus.Addresses.ROOM_CONTROL_IN.equals(address) && !controlAllowed()) {
      // each control is a room command and an event to every member: a flood is refused as /ws refuses one
      String message = "more than " + bridge.controlsPerSecond() + " room controls per second";
      return replyAddress == null ? error("rate_limited")
          : failReply(replyAddress, ErrorCode.RATE_LIMITED.code(), "RECIPIENT_FAILURE", message);
    }
    if (replyAddress != null && pendingReplies >= MAX_HANDLERS) {
      return error("max_handlers_reached");
    }
    Object body = msg.getValue("body");
    if (body != null && !(body instanceof JsonObject)) {
      // the inbound addresses take JSON objects only; say so to the caller's callback when it has one
      return replyAddress == null ? error("invalid_body")
          : failReply(replyAddress, ErrorCode.INVALID_ARGUMENT.code(), "RECIPIENT_FAILURE", "body must be a JSON object");
    }
    JsonObject headers = bridge.verifiedHeaders(address, (JsonObject) body, token(msg));
    if (headers == null) {
      return error("rejected");
    }
    if (io.chorus.bus.Addresses.ROOM_CONTROL_IN.equals(address)) {
      // one control at a time per socket, in the order of its frames, as /ws applies its messages: sent over the bus they
      // went to the node's consumers on every event loop in turn, and pooled Redis connections applied the commands in
      // flight in any order (a host's seek 1, seek 2 as seek 2, seek 1)
      String actor = headers.getString("actor");
      if (replyAddress != null) {
        pendingReplies++;
      }
      controls = controls.transform(ignored -> bridge.control(actor, (JsonObject) body).onComplete(ar -> {
        if (replyAddress == null) {
          return;
        }
        pendingReplies--;
        if (ar.succeeded()) {
          write(new JsonObject().put("type", "rec").put("address", replyAddress).put("body", ar.result()));
        } else {
          failReply(replyAddress, io.chorus.bus.ErrorCode.of(ar.cause()).code(), "RECIPIENT_FAILURE", String.valueOf(ar.cause().getMessage()));
        }
      }));
      return Future.succeededFuture();
    }
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(replyTimeoutMs);
    headers.forEach(h -> options.addHeader(h.getKey(), String.valueOf(h.getValue())));
    if (replyAddress == null) {
      bus.send(address, body, options);
      return Future.succeededFuture();
    }
    pendingReplies++;
    bus.<Object>request(address, body, options).onComplete(ar -> {
      pendingReplies--;
      if (ar.succeeded()) {
        write(new JsonObject().put("type", "rec").put("address", replyAddress).put("body", ar.result().body()));
      } else if (ar.cause() instanceof ReplyException re) {
        failReply(replyAddress, re.failureCode(), re.failureType().name(), re.getMessage());
      } else {
        failReply(replyAddress, ErrorCode.INTERNAL.code(), "RECIPIENT_FAILURE", String.valueOf(ar.cause().getMessage()));
      }
    });
    return Future.succeededFuture();
  }

  /** Counts a room control in the current one-second window; false when the window already holds the most it may (0: no limit). */
  private boolean controlAllowed() {
    int limit = bridge.controlsPerSecond();
    if (limit == 0) {
      return true;
    }
    long now = System.currentTimeMillis();
    if (now - controlWindow >= 1000) {
      controlWindow = now;
      controlsInWindow = 0;
    }
    return ++controlsInWindow <= limit;
  }

  private Future<Void> failReply(String replyAddress, int code, String type, String message) {
    write(new JsonObject().put("type", "err").put("address", replyAddress).put("failureCode", code)
        .put("failureType", type).put("message", message));
    return Future.succeededFuture();
  }

  /** vertx-web's error frame: {@code {type: err, body: <name>}}, no address. */
  private Future<Void> error(String name) {
    write(new JsonObject().put("type", "err").put("body", name));
    return Future.succeededFuture();
  }

  private void write(JsonObject frame) {
    if (!closed) {
      sock.write(Buffer.buffer(frame.encode()));
    }
  }

  private record Listener(String participantId, String sessionId, long expiryTimer) {
  }

  private static String token(JsonObject msg) {
    return header(msg, "token");
  }

  private static String header(JsonObject msg, String name) {
    return msg.getValue("headers") instanceof JsonObject h && h.getValue(name) instanceof String t ? t : null;
  }
}

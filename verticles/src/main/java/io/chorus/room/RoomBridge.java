package io.chorus.room;

import io.chorus.web.SignedIn;
import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, speaking the protocol of the official
 * {@code @vertx/eventbus-bridge-client.js} (see {@link BridgeSession}); deny by default. In (SEND):
 * clock sync and host controls; out (REGISTER): a room's events, to a current member with a valid
 * participant token (header {@code token}). A SEND to the control address carries only the verified
 * sender, in the {@code actor} header; whatever headers the client sent are dropped.
 *
 * <p>Chorus serves the protocol itself rather than through vertx-web's bridge so that a room costs
 * one cluster subscription per node and an event one encoding per node ({@link BridgeFanout}).
 */
public final class RoomBridge {
  private static final Logger LOG = LoggerFactory.getLogger(RoomBridge.class);
  private static final Pattern USER_ADDRESS = Pattern.compile(Pattern.quote(Addresses.USER_EVENTS_PREFIX) + "([A-Za-z0-9-]{1,64})");
  private static final Pattern ROOM_ADDRESS = Pattern.compile(
      "(?:" + Pattern.quote(Addresses.ROOM_EVENTS_PREFIX) + "|" + Pattern.quote(Addresses.CHAT_EVENTS_PREFIX) + ")([A-Za-z0-9]{4,32})");
  /** The client library pings every 5 s; a socket silent for this long is closed (vertx-web's default). */
  static final long PING_TIMEOUT_MS = 10_000;
  static final long REPLY_TIMEOUT_MS = 30_000;
  /** Largest POST body of the polling/streaming transports (a batch of frames); larger ones get 413. */
  public static final long MAX_SEND_BODY = 64 * 1024;

  private final Vertx vertx;
  private final RoomClient rooms;
  private final ParticipantTokens tokens;
  private final List<String> allowedOrigins;
  private final BridgeFanout fanout;
  private final SocketDrop drop;
  private final Set<BridgeSession> sessions = new HashSet<>();
  /** Open bridge sockets of the node (every event loop's). */
  private final java.util.concurrent.atomic.AtomicInteger nodeSessions;
  private final RecentRevocations recentlyRevoked = new RecentRevocations();

  /** SENDs to {@code client.room-control} one socket may make per second ({@code RATE_LIMIT_BRIDGE_CONTROLS}; 0: no limit). */
  private int controlsPerSecond = RoomSocketHandler.MAX_RATE;

  /** Verifies access JWTs for user channels (null: user channels are refused). */
  private final SignedIn.Verifier accounts;

  /** {@code registry} (may be null) gets {@code chorus_bridge_sockets}, {@code chorus_bridge_rooms} and the slow-socket count. */
  public RoomBridge(Vertx vertx, Hub hub, RoomClient rooms, ParticipantTokens tokens, List<String> allowedOrigins,
                    MeterRegistry registry, SocketDrop drop) {
    this(vertx, hub, rooms, tokens, allowedOrigins, registry, drop, null);
  }

  public RoomBridge(Vertx vertx, Hub hub, RoomClient rooms, ParticipantTokens tokens, List<String> allowedOrigins,
                    MeterRegistry registry, SocketDrop drop, SignedIn.Verifier accounts) {
    this.accounts = accounts;
    this.vertx = vertx;
    this.drop = drop;
    this.rooms = rooms;
    this.tokens = tokens;
    this.allowedOrigins = allowedOrigins;
    Counter slow = null;
    this.nodeSessions = hub.count("chorus.bridge.sockets");
    if (registry != null) {
      Gauge.builder("chorus.bridge.sockets", nodeSessions, java.util.concurrent.atomic.AtomicInteger::get)
          .description("open bridge sockets on this node").register(registry);
      slow = Counter.builder("chorus.bridge.slow.sockets.closed").description("bridge sockets closed because their write queue was full")
          .register(registry);
    }
    this.fanout = new BridgeFanout(vertx, hub, slow);
    if (registry != null) {
      Gauge.builder("chorus.bridge.rooms", hub, h -> h.topics(Addresses.ROOM_EVENTS_PREFIX))
          .description("rooms this node's bridge sockets listen to (one cluster subscription each)").register(registry);
    }
  }

  /** Sets how many room controls one socket may send per second (0: no limit); more are refused {@code rate_limited}. */
  public RoomBridge limitControls(int perSecond) {
    this.controlsPerSecond = perSecond;
    return this;
  }

  int controlsPerSecond() {
    return controlsPerSecond;
  }

  public Router router() {
    vertx.setPeriodic(PING_TIMEOUT_MS / 2, t -> closeSilent());
    return SockJSHandler.create(vertx, new SockJSHandlerOptions().setRegisterWriteHandler(false)).socketHandler(this::accept);
  }

  private void accept(SockJSSocket sock) {
    if (!originAllowed(sock.headers().get("origin"))) {
      LOG.debug("Bridge socket from {} refused: origin {}", sock.remoteAddress(), sock.headers().get("origin"));
      sock.close();
      return;
    }
    // the TCP connection, to drop a client that stops reading (WebSocket transports only: the others'
    // requests may share a keep-alive connection with anything)
    io.netty.channel.Channel connection = sock.uri().endsWith("/websocket") && sock.routingContext() != null
        ? SocketDrop.channelOf(sock.routingContext().request()) : null;
    // the raw WebSocket transport's upgrade (request, headers, routing context, HTTP connection) is not needed past
    // this point: 12.2 KB of heap per idle bridge socket with it (scripts/bench-connections -Dbench.transport=bridge)
    // closed with 1001 "server shutting down" when the node shuts down, as the gateway's own WebSockets are
    io.chorus.realtime.GoingAway.install(sock);
    io.chorus.realtime.QueueTrim.letGo(sock);
    // a WebSocket transport's outbound queues (its own and, while SockJS still holds it, its HTTP connection's,
    // ~4.7 KB each) are swapped for small ones before the first write from another thread; after letGo the raw
    // transport's HTTP connection is unreachable and is left alone
    io.chorus.realtime.QueueTrim.trim(sock);
    BridgeSession session = new BridgeSession(vertx, sock, this, fanout, vertx.eventBus(), REPLY_TIMEOUT_MS,
        () -> drop.dropLater(connection));
    sessions.add(session);
    nodeSessions.incrementAndGet();
    try {
      sock.handler(session::onFrame);
      sock.exceptionHandler(e -> LOG.debug("Bridge socket {} failed: {}", sock.remoteAddress(), e.getMessage()));
      sock.endHandler(v -> discard(session));
      // the raw WebSocket transport calls its end handler only for a close frame: a connection lost
      // without one (a killed tab, a network loss) is seen by the close handler alone. (On that transport
      // this replaces vertx-web's own close handler, which only unregisters the write handler this bridge
      // does not register: setRegisterWriteHandler(false).)
      sock.closeHandler(v -> discard(session));
    } catch (IllegalStateException closedAlready) {
      discard(session);
    }
  }

  /** Forgets a session whose socket ended or failed (once): its room subscriptions are released. */
  void discard(BridgeSession session) {
    if (sessions.remove(session)) {
      nodeSessions.decrementAndGet();
      session.onClose();
    }
  }

  /** A write to this session's socket threw: the socket is dead; forget it and make sure it is closed. */
  void failed(BridgeSession session, RuntimeException e) {
    LOG.debug("Bridge socket {} failed on write, dropping it: {}", session.socket().remoteAddress(), String.valueOf(e));
    discard(session);
    try {
      session.socket().close();
    } catch (RuntimeException alreadyClosed) {
      // nothing left to close
    }
  }

  private void closeSilent() {
    long now = System.currentTimeMillis();
    for (BridgeSession s : sessions.toArray(BridgeSession[]::new)) {
      if (now - s.lastSeen >= PING_TIMEOUT_MS) {
        try {
          s.closeSilent();
        } catch (RuntimeException e) {
          failed(s, e);
        }
      }
    }
  }

  /** Ends the registrations of a participant who left {@code roomId} (or was removed) on this node's sockets. */
  private void revoked(JsonObject body) {
    if (body == null || !(body.getValue("room_id") instanceof String roomId) || !(body.getValue("participant_id") instanceof String pid)) {
      return;
    }
    recentlyRevoked.add(roomId, pid);
    for (String canonical : List.of(Addresses.roomEvents(roomId), Addresses.chatEvents(roomId))) {
      for (String address : fanout.spellings(canonical)) {   // a registration made with a lower-case room id too
        for (BridgeSession s : fanout.listeners(address)) {
          s.revoke(address, pid, ErrorCode.FORBIDDEN, "no longer a participant of this room");
        }
      }
    }
  }

  /** The room of a {@code client.room.<ID>} or {@code client.chat.<ID>} address, or null for any other address. */
  static String roomOf(String address) {
    Matcher m = ROOM_ADDRESS.matcher(address);
    return m.matches() ? m.group(1) : null;
  }

  /**
   * The address with its room id or user id in the canonical spelling (room ids are case-insensitive, events are published
   * on the upper-case one; user ids are UUIDs, case-insensitive too, events are published on the lower-case one); any other
   * address as it is.
   */
  static String canonical(String address) {
    Matcher m = ROOM_ADDRESS.matcher(address);
    if (m.matches()) {
      return address.substring(0, m.start(1)) + RoomIds.normalize(m.group(1));
    }
    String user = userOf(address);
    return user != null ? Addresses.userEvents(user) : address;
  }

  /** The user of a {@code client.user.<uid>} address, in lower case (the spelling of account ids), or null for any other address. */
  static String userOf(String address) {
    Matcher m = USER_ADDRESS.matcher(address);
    return m.matches() ? m.group(1).toLowerCase(java.util.Locale.ROOT) : null;
  }

  /**
   * The user a REGISTER to {@code client.user.<userId>} may listen as: the access JWT's user when it is
   * that user; else null. The registration ends at the JWT's expiry ({@link SignedIn#expiresAtMillis}).
   */
  Future<SignedIn> userListener(String userId, String accessToken) {
    if (accounts == null || accessToken == null || accessToken.isBlank()) {
      return Future.succeededFuture(null);
    }
    return accounts.verify(accessToken).map(who -> who.userId().equals(userId) ? who : null)
        .recover(e -> Future.succeededFuture(null));
  }

  /** Whether a sign-in {@link #userListener} accepted has ended since (null: it holds or cannot be checked now). */
  Future<SignedIn.Ended> ended(SignedIn who) {
    return accounts == null ? Future.succeededFuture(null) : accounts.ended(who).recover(e -> {
      LOG.warn("Bridge registration of {}: revocation re-check failed: {}", who.userId(), e.getMessage());
      return Future.succeededFuture(null);
    });
  }

  /** An admin disabled a user: the user's channel registrations on this loop end now. */
  private void userDisabled(JsonObject body) {
    if (body == null || !(body.getValue("user_id") instanceof String uid)) {
      return;
    }
    for (String address : fanout.spellings(canonical(Addresses.userEvents(uid)))) {   // an upper-case user id too
      for (BridgeSession s : fanout.listeners(address)) {
        s.revoke(address, uid, ErrorCode.FORBIDDEN, "account disabled");
      }
    }
  }

  /** Sign-in sessions ended (sign-out, logout-all, …): the user channel registrations made with them on this loop end now. */
  private void signedOut(JsonObject body) {
    SignedIn.SessionsEnded ended = SignedIn.SessionsEnded.from(body);
    if (ended == null) {
      return;
    }
    for (String address : fanout.spellings(canonical(Addresses.userEvents(ended.userId())))) {   // an upper-case user id too
      for (BridgeSession s : fanout.listeners(address)) {
        s.revokeSessions(address, ended, ErrorCode.UNAUTHENTICATED, "signed out");
      }
    }
  }

  /** Inbound addresses a bridge client may SEND to. */
  static boolean mayReceive(String address) {
    return Addresses.CLOCK.equals(address) || Addresses.ROOM_CONTROL_IN.equals(address);
  }

  /** The token's participant when the token is valid for the room and that participant is a member now; else null. */
  Future<String> listener(String roomId, String token) {
    ParticipantTokens.Identity id;
    try {
      id = tokens.verify(token, roomId);
    } catch (ChorusException e) {
      LOG.debug("Bridge REGISTER to {} refused: {}", roomId, e.getMessage());
      return Future.succeededFuture(null);
    }
    long asked = System.currentTimeMillis();
    // a leave revoked while the check was under way wins over its answer
    return rooms.member(roomId, id.participantId()).map(room -> room.isMember(id.participantId())
        && !recentlyRevoked.since(roomId, id.participantId(), asked) ? id.participantId() : null);
  }

  /** When a token {@link #listener} accepted expires. */
  long expiresAt(String token) {
    return tokens.expiresAt(token);
  }

  /** The headers a SEND carries on the bus (the verified sender for controls), or null to refuse it. */
  JsonObject verifiedHeaders(String address, JsonObject body, String token) {
    if (!Addresses.ROOM_CONTROL_IN.equals(address)) {
      return new JsonObject();
    }
    if (body == null || !(body.getValue("room_id") instanceof String roomId)) {
      return null;
    }
    try {
      return new JsonObject().put("actor", tokens.verify(token, RoomIds.normalize(roomId)).participantId());
    } catch (ChorusException e) {
      return null;
    }
  }

  /**
   * The consumers behind the inbound addresses (local, so a reply comes from the node the client talks
   * to) and the node's consumer of {@link Addresses#ROOM_REVOKED} (clustered: a leave on any node).
   */
  public List<MessageConsumer<JsonObject>> consumers() {
    MessageConsumer<JsonObject> clock = vertx.eventBus().localConsumer(Addresses.CLOCK, msg -> {
      long t1 = System.currentTimeMillis();
      Object t0 = msg.body() == null ? null : msg.body().getValue("t0");
      if (!(t0 instanceof Number n) || !Double.isFinite(n.doubleValue())) {   // as /ws's time message
        msg.fail(ErrorCode.INVALID_ARGUMENT.code(), ClockSync.T0_REQUIRED);
        return;
      }
      msg.reply(ClockSync.reply(t0, t1));
    });
    MessageConsumer<JsonObject> control = vertx.eventBus().localConsumer(Addresses.ROOM_CONTROL_IN, msg -> {
      String actor = msg.headers().get("actor");
      if (actor == null || msg.body() == null) {
        msg.fail(ErrorCode.UNAUTHENTICATED.code(), "no verified sender");
        return;
      }
      control(actor, msg.body()).onSuccess(msg::reply).onFailure(e -> msg.fail(ErrorCode.of(e).code(), String.valueOf(e.getMessage())));
    });
    MessageConsumer<JsonObject> revoked = vertx.eventBus().consumer(Addresses.ROOM_REVOKED, msg -> revoked(msg.body()));
    MessageConsumer<JsonObject> disabled = vertx.eventBus().consumer(Addresses.USER_DISABLED, msg -> userDisabled(msg.body()));
    MessageConsumer<JsonObject> signedOut = vertx.eventBus().consumer(Addresses.USER_SESSIONS_REVOKED, msg -> signedOut(msg.body()));
    return List.of(clock, control, revoked, disabled, signedOut);
  }

  /**
   * A room control SENT to {@code client.room-control} by the verified participant {@code actor}: the room command of
   * the body's {@code type} ({@code control} when absent), answered {@code {ok, version}} ({@code queue_add} also
   * {@code item_id}, {@code queue_version}). A bridge socket calls this directly, one control after the other in the order
   * of its frames (as /ws applies its messages): over the bus, the node's consumers on every event loop took a socket's
   * SENDs in turn and applied them out of order.
   */
  Future<JsonObject> control(String actor, JsonObject body) {
    RoomCommand command;
    try {
      Object type = body.getValue("type", "control");
      if (!(type instanceof String t)) {   // as /ws: a type that is not a string is a wrong field type
        throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "field 'type' must be a string");
      }
      command = RoomCommand.fromClient(t, RoomIds.normalize(String.valueOf(body.getValue("room_id"))), actor, body);
      if (command == null) {   // as /ws: a type the room does not take
        throw new ChorusException(ErrorCode.UNKNOWN_TYPE,
            "unknown message type '" + t + "': type must be control, queue_add, queue_remove, queue_move, skip, ready or transfer_host");
      }
    } catch (ChorusException e) {
      return Future.failedFuture(e);
    }
    return rooms.send(command).map(room -> {
      JsonObject reply = new JsonObject().put("ok", true).put("version", room.version());
      if (command instanceof RoomCommand.QueueAdd) {
        reply.put("item_id", room.itemId()).put("queue_version", room.queueVersion());
      }
      return reply;
    });
  }

  private boolean originAllowed(String origin) {
    return io.chorus.web.Cors.allows(allowedOrigins, origin);
  }
}

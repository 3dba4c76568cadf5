package io.chorus.chat;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.realtime.Delivery;
import io.chorus.realtime.ErrorFrame;
import io.chorus.realtime.Frame;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.chorus.realtime.WsSink;
import io.chorus.room.ParticipantTokens;
import io.chorus.room.RecentRevocations;
import io.chorus.room.RoomIds;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code WS /ws/chat/:room_id?token=&after=}: a member's live chat. The room's chat events
 * ({@code client.chat.<ID>}) reach this event loop through the real-time core (one cluster
 * subscription per room and node, one hand-off per loop); each socket is a {@link ChatStream} that
 * replays what the client missed after {@code after} (a seq or message id; without it the newest
 * 50) and then streams events in seq order without gaps or duplicates. Frames from the client other
 * than {@code {"type":"ping"}} get an error frame. A socket ends (error frame, then close 4403) when
 * its participant leaves or is removed from the room — {@link Addresses#ROOM_REVOKED}, from any node —
 * and (4401) when its participant token expires (checked only when the socket opens) or the sign-in session of its access
 * JWT ends ({@link Addresses#USER_SESSIONS_REVOKED}).
 */
public final class ChatSocketHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatSocketHandler.class);
  static final int MAX_FRAME = 4096;

  private final Vertx vertx;
  private final ParticipantTokens tokens;
  private final ConferenceService conf;
  private final ChatService chat;
  private final SocketDrop drop;
  private final Hub hub;
  private final Map<String, Set<ChatStream>> streams = new HashMap<>();
  private final Map<String, Hub.Subscription> subscriptions = new HashMap<>();
  private final MessageConsumer<JsonObject> revocations;
  private final MessageConsumer<JsonObject> signedOut;
  private final MessageConsumer<JsonObject> disabled;
  private final RecentRevocations recentlyRevoked = new RecentRevocations();

  private final SignedInMembers signedIn;

  public ChatSocketHandler(Vertx vertx, Hub hub, ParticipantTokens tokens, ConferenceService conf, ChatService chat, SocketDrop drop) {
    this(vertx, hub, tokens, conf, chat, drop, null);
  }

  /** {@code signedIn} (may be null): resolves access JWTs to the account's participant in the room. */
  public ChatSocketHandler(Vertx vertx, Hub hub, ParticipantTokens tokens, ConferenceService conf, ChatService chat, SocketDrop drop,
                           SignedInMembers signedIn) {
    this.signedIn = signedIn;
    this.disabled = vertx.eventBus().consumer(Addresses.USER_DISABLED, m -> disabled(m.body()));
    this.signedOut = vertx.eventBus().consumer(Addresses.USER_SESSIONS_REVOKED, m -> signedOut(m.body()));
    this.vertx = vertx;
    this.hub = hub;
    this.drop = drop;
    this.tokens = tokens;
    this.conf = conf;
    this.chat = chat;
    this.revocations = vertx.eventBus().consumer(Addresses.ROOM_REVOKED, msg -> revoked(msg.body()));
  }

  /** Completes once this node hears of participants leaving, sessions ending and accounts disabled on any node. */
  public Future<Void> ready() {
    return Future.all(revocations.completion(), signedOut.completion(), disabled.completion()).mapEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    String roomId = RoomIds.normalize(ctx.pathParam("room_id"));
    String token = ctx.request().getParam("token");
    String auth = ctx.request().getHeader("Authorization");
    if ((token == null || token.isEmpty()) && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      token = auth.substring(7).trim();
    }
    String after = ctx.request().getParam("after", "");
    String t = token;
    io.netty.channel.Channel connection = SocketDrop.channelOf(ctx.request());
    io.chorus.realtime.QueueTrim.upgrade(ctx.request()).onSuccess(ws -> open(ws, roomId, t, after, connection))
        .onFailure(e -> LOG.debug("chat WebSocket upgrade failed: {}", e.getMessage()));
  }

  private void open(ServerWebSocket ws, String roomId, String token, String after, io.netty.channel.Channel connection) {
    if (!RoomIds.isValid(roomId)) {
      refuse(ws, ErrorCode.INVALID_ARGUMENT, "bad room id", (short) 4400);
      return;
    }
    if (signedIn != null && io.chorus.web.Bearer.isJwt(token)) {
      // an access JWT (three parts; participant tokens have two): the account's participant in the room
      ws.pause();
      signedIn.participantOf(token, roomId).onComplete(ar -> {
        if (ar.failed()) {
          ErrorCode code = ErrorCode.of(ar.cause());
          refuse(ws, code, String.valueOf(ar.cause().getMessage()), code == ErrorCode.FORBIDDEN ? (short) 4403 : (short) 4401);
          return;
        }
        // no expiry timer: a signed-in socket lasts until the member leaves, the session ends or the account is disabled
        Member m = ar.result();
        BEFORE_ATTACH.pass(m).onComplete(x -> attach(ws, roomId, m.participantId(), m.userId(), m.sessionId(), Long.MAX_VALUE, after, connection));
      });
      return;
    }
    ParticipantTokens.Identity id;
    try {
      id = tokens.verify(token, roomId);
    } catch (ChorusException e) {
      refuse(ws, e.code(), e.getMessage(), e.code() == ErrorCode.FORBIDDEN ? (short) 4403 : (short) 4401);
      return;
    }
    ws.pause();
    attach(ws, roomId, id.participantId(), null, null, tokens.expiresAt(token), after, connection);
  }

  /** Tests only: between a signed-in socket's token check and its registration for the disable and sign-out events. */
  static final io.chorus.web.SignInGap<Member> BEFORE_ATTACH = new io.chorus.web.SignInGap<>();

  /** A signed-in caller's participant in a room (the accounts feature records it on REST joins). */
  public interface SignedInMembers {
    Future<Member> participantOf(String accessToken, String roomId);

    /**
     * Null while the account behind {@code member} (found earlier) is enabled and its sign-in session holds, else which
     * of the two ended since.
     */
    Future<io.chorus.web.SignedIn.Ended> ended(Member member);
  }

  /** {@code sessionId}: the sign-in session of the access token. */
  public record Member(String participantId, String userId, String sessionId) {
  }

  /**
   * {@code userId}, {@code sessionId}: the account and sign-in session behind a signed-in socket (null for a participant
   * token); {@code expiresAt}: the credential's end.
   */
  private void attach(ServerWebSocket ws, String roomId, String participantId, String userId, String sessionId, long expiresAt, String after,
                      io.netty.channel.Channel connection) {
    long asked = System.currentTimeMillis();
    ParticipantTokens.Identity id = new ParticipantTokens.Identity(roomId, participantId, "participant");
    conf.member(roomId, id.participantId()).onComplete(ar -> {
      if (ar.failed()) {
        ErrorCode code = ErrorCode.of(ar.cause());
        refuse(ws, code, String.valueOf(ar.cause().getMessage()), (short) (4000 + code.httpStatus()));
        return;
      }
      if (recentlyRevoked.since(roomId, id.participantId(), asked)) {
        // the participant left while its membership was being checked
        refuse(ws, ErrorCode.FORBIDDEN, "not a participant of this room", (short) 4403);
        return;
      }
      ChatStream stream = new ChatStream(vertx, new WsSink(ws, connection, drop, "too slow: reconnect with after=<last seq>"),
          roomId, id.participantId(), chat);
      if (expiresAt != Long.MAX_VALUE) {
        long ttl = Math.max(1, expiresAt - System.currentTimeMillis());
        stream.timer(vertx.setTimer(ttl, t -> end(stream, ErrorCode.UNAUTHENTICATED, "participant token expired", (short) 4401)));
      }
      stream.userId = userId;
      stream.sessionId = sessionId;
      Set<ChatStream> set = streams.computeIfAbsent(roomId, r -> new LinkedHashSet<>());
      set.add(stream);
      if (userId != null) {
        recheck(stream, new Member(id.participantId(), userId, sessionId));
      }
      Hub.Subscription subscription = subscriptions.computeIfAbsent(roomId, r ->
          hub.subscribe(Addresses.chatEvents(r), d -> deliver(r, d)));
      ws.closeHandler(v -> remove(stream));
      ws.frameHandler(new ClientMessages(text -> {
        String type;
        try {
          type = new JsonObject(text).getString("type", "");
        } catch (RuntimeException e) {
          stream.sendError("malformed_json", "frames must be JSON objects");
          return;
        }
        if ("ping".equals(type)) {
          stream.sendPong();
        } else {
          stream.sendError(ErrorCode.UNKNOWN_TYPE.slug(), "send messages with POST /api/v1/rooms/:id/chat/messages; only ping here");
        }
      }, () -> stream.sendError("invalid_argument", "only small text frames are accepted"))::offer);
      ws.resume();
      // replay only once this node receives the room's events, so nothing falls between the two
      subscription.ready().onComplete(c -> stream.start(after));
    });
  }

  /**
   * The account may have been disabled or the session ended after the token check and before the registration above,
   * whose events this socket did not hear; the flags are set before those events are published.
   */
  private void recheck(ChatStream stream, Member member) {
    signedIn.ended(member).onSuccess(e -> {
      if (stream.isClosed()) {
        return;   // already ended (the event came after all) or closed by the client
      }
      if (e == io.chorus.web.SignedIn.Ended.DISABLED) {
        end(stream, ErrorCode.FORBIDDEN, "account disabled", (short) 4403);
      } else if (e == io.chorus.web.SignedIn.Ended.SIGNED_OUT) {
        end(stream, ErrorCode.UNAUTHENTICATED, "signed out", (short) 4401);
      }
    }).onFailure(e -> LOG.warn("chat socket of {}: revocation re-check failed: {}", member.userId(), e.getMessage()));
  }

  private void deliver(String roomId, Delivery d) {
    Set<ChatStream> set = streams.get(roomId);
    JsonObject event = d.json();
    if (set == null || event == null) {
      return;
    }
    // ChatService publishes message_created exactly as a stream sends it: encoded once per node
    Frame frame = "message_created".equals(event.getString("type")) ? d.jsonFrame() : null;
    for (ChatStream s : set.toArray(ChatStream[]::new)) {
      try {
        s.onEvent(event, frame);
      } catch (RuntimeException e) {
        // one broken socket must not stop the room's other streams
        LOG.debug("chat socket in {} failed on write, dropping it: {}", roomId, e.toString());
        remove(s);
        s.sink().abort();
      }
    }
  }

  /** An account was disabled: its signed-in chat sockets here end now (4403). */
  private void disabled(JsonObject body) {
    String uid = body == null ? null : body.getString("user_id");
    if (uid == null) {
      return;
    }
    for (Set<ChatStream> set : List.copyOf(streams.values())) {
      for (ChatStream s : set.toArray(ChatStream[]::new)) {
        if (uid.equals(s.userId)) {
          end(s, ErrorCode.FORBIDDEN, "account disabled", (short) 4403);
        }
      }
    }
  }

  /** Sign-in sessions ended (sign-out, logout-all, …): the signed-in chat sockets opened with them here end now (4401). */
  private void signedOut(JsonObject body) {
    io.chorus.web.SignedIn.SessionsEnded ended = io.chorus.web.SignedIn.SessionsEnded.from(body);
    if (ended == null) {
      return;
    }
    for (Set<ChatStream> set : List.copyOf(streams.values())) {
      for (ChatStream s : set.toArray(ChatStream[]::new)) {
        if (ended.userId().equals(s.userId) && ended.ends(s.sessionId)) {
          end(s, ErrorCode.UNAUTHENTICATED, "signed out", (short) 4401);
        }
      }
    }
  }

  /** A participant left or was removed: its chat sockets on this node end now. */
  private void revoked(JsonObject body) {
    if (body == null || !(body.getValue("room_id") instanceof String roomId) || !(body.getValue("participant_id") instanceof String pid)) {
      return;
    }
    recentlyRevoked.add(roomId, pid);
    Set<ChatStream> set = streams.get(roomId);
    if (set == null) {
      return;
    }
    for (ChatStream s : set.toArray(ChatStream[]::new)) {
      if (pid.equals(s.participantId())) {
        end(s, ErrorCode.FORBIDDEN, "no longer a participant of this room", (short) 4403);
      }
    }
  }

  /** Stops a stream at once (nothing more is written to it), then sends the error frame and the close. */
  private void end(ChatStream stream, ErrorCode code, String message, short closeCode) {
    remove(stream);
    ServerWebSocket ws = stream.sink().socket();
    if (!ws.isClosed()) {
      refuse(ws, code, message, closeCode);
    }
  }

  private void remove(ChatStream stream) {
    if (stream.isClosed()) {
      return;
    }
    stream.close();
    Set<ChatStream> set = streams.get(stream.roomId());
    if (set != null && set.remove(stream) && set.isEmpty()) {
      streams.remove(stream.roomId());
      Hub.Subscription sub = subscriptions.remove(stream.roomId());
      if (sub != null) {
        sub.close();
      }
    }
  }

  /**
   * A client's messages out of its frames, each of at most {@link #MAX_FRAME} characters: the protocol's control frames
   * (ping, pong, close: Vert.x answers a ping itself) are no client message, and a text message may come in fragments
   * (RFC 6455 5.4), held up to what {@code MAX_FRAME} characters can take in UTF-8. Event-loop confined.
   */
  static final class ClientMessages {
    private final java.util.function.Consumer<String> onText;
    private final Runnable onRefused;
    private io.vertx.core.buffer.Buffer parts = io.vertx.core.buffer.Buffer.buffer();
    private boolean refused;

    /** {@code onText}: a whole text message; {@code onRefused}: a binary or too long one (once per message). */
    ClientMessages(java.util.function.Consumer<String> onText, Runnable onRefused) {
      this.onText = onText;
      this.onRefused = onRefused;
    }

    void offer(io.vertx.core.http.WebSocketFrame frame) {
      if (!(frame.isText() || frame.isBinary() || frame.isContinuation())) {
        return;
      }
      if (!frame.isContinuation()) {
        parts = io.vertx.core.buffer.Buffer.buffer();
        refused = !frame.isText();
      }
      // UTF-8 takes at most 4 bytes a character: more bytes than that is too long whatever they hold
      if (!refused && parts.length() + frame.binaryData().length() <= 4 * MAX_FRAME) {
        parts.appendBuffer(frame.binaryData());
      } else {
        refused = true;
        parts = io.vertx.core.buffer.Buffer.buffer();
      }
      if (!frame.isFinal()) {
        return;
      }
      String text = refused ? null : parts.toString(java.nio.charset.StandardCharsets.UTF_8);
      parts = io.vertx.core.buffer.Buffer.buffer();
      if (text == null || text.length() > MAX_FRAME) {
        onRefused.run();
      } else {
        onText.accept(text);
      }
    }
  }

  private static void refuse(ServerWebSocket ws, ErrorCode code, String message, short closeCode) {
    ws.writeTextMessage(ErrorFrame.of(code.slug(), message).encode())
        .onComplete(v -> ws.close(closeCode, code.slug()));
  }
}

package io.chorus.accounts;

import io.chorus.bus.Addresses;
import io.chorus.bus.ErrorCode;
import io.chorus.realtime.ErrorFrame;
import io.chorus.realtime.Fanout;
import io.chorus.realtime.Frame;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.chorus.realtime.WsSink;
import io.chorus.web.Http;
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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /ws/user}: a signed-in user's channel ({@code Authorization: Bearer <JWT>} or {@code ?token=}).
 * The node holds one bus consumer on {@code client.user.<id>} per user with sockets here and writes each
 * event to all of them; the sockets count for presence. {@code chorus.user.disabled} closes a user's
 * sockets at once (close code 4403). A user holds at most {@code USER_SOCKETS_PER_NODE} sockets on a node
 * ({@link Quota}, shared by every gateway instance's handler): one more is closed at once (4429). Runs on the
 * gateway verticle's context only.
 */
public final class UserSocketHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(UserSocketHandler.class);
  public static final short CLOSE_DISABLED = 4403;
  public static final short CLOSE_SIGNED_OUT = 4401;
  public static final short CLOSE_TOO_MANY = 4429;
  static final String TOO_MANY = "too many connections for this user";

  private final Vertx vertx;
  private final AccessTokens tokens;
  private final Presence presence;
  private final Hub hub;
  private final SocketDrop drop;
  /** This loop's sockets of each user and the loop's subscription to the user's channel (real-time core). */
  private final Map<String, Channel> channels = new HashMap<>();
  private final MessageConsumer<JsonObject> disabled;
  private final MessageConsumer<JsonObject> signedOut;
  private final Quota quota;

  private static final class Channel {
    /** The sockets that got their hello: the user's events go to these. */
    final Fanout<WsSink> sockets = new Fanout<>(WsSink[]::new, null, s -> { });
    /** Every socket of the user here (greeted or not yet) and the session whose access token opened it. */
    final Map<WsSink, String> sessions = new HashMap<>();
    /** The sockets waiting for their hello, with the events that came for them meanwhile (sent right after it). */
    final Map<WsSink, java.util.ArrayDeque<Frame>> waiting = new HashMap<>();
    Hub.Subscription subscription;

    void deliver(Frame event) {
      sockets.write(event);
      for (Map.Entry<WsSink, java.util.ArrayDeque<Frame>> w : List.copyOf(waiting.entrySet())) {
        if (w.getValue().size() >= MAX_WAITING) {
          waiting.remove(w.getKey());
          w.getKey().closeSlow();   // as a socket that does not read its events
        } else {
          w.getValue().add(event);
        }
      }
    }
  }

  /** Events held for a socket until its hello (one Redis round trip): more is a flood, and the socket is closed. */
  private static final int MAX_WAITING = 1024;

  /**
   * The open sockets of each user on this node, over all its gateway instances (each has a handler of its own on
   * its own event loop): a place is taken when a socket opens and given back by its close handler, which also
   * runs when the connection drops without a Close.
   */
  public static final class Quota {
    private final int max;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    public Quota(int max) {
      this.max = max;
    }

    /** Takes one of the user's places; false (nothing taken) when the user already holds {@code max}. */
    boolean take(String uid) {
      boolean[] taken = {false};
      open.compute(uid, (k, n) -> {
        int held = n == null ? 0 : n;
        if (held >= max) {
          return n;
        }
        taken[0] = true;
        return held + 1;
      });
      return taken[0];
    }

    void giveBack(String uid) {
      open.computeIfPresent(uid, (k, n) -> n <= 1 ? null : n - 1);
    }

    int max() {
      return max;
    }
  }

  public UserSocketHandler(Vertx vertx, Hub hub, SocketDrop drop, AccessTokens tokens, Presence presence, Quota quota) {
    this.vertx = vertx;
    this.hub = hub;
    this.drop = drop;
    this.tokens = tokens;
    this.presence = presence;
    this.quota = quota;
    this.disabled = vertx.eventBus().consumer(Addresses.USER_DISABLED, m -> {
      Channel ch = channels.get(m.body().getString("user_id"));
      if (ch != null) {
        for (WsSink s : java.util.List.copyOf(ch.sessions.keySet())) {   // greeted or not yet
          s.socket().close(CLOSE_DISABLED, "account disabled");
        }
      }
    });
    this.signedOut = vertx.eventBus().consumer(Addresses.USER_SESSIONS_REVOKED, m -> {
      io.chorus.web.SignedIn.SessionsEnded ended = io.chorus.web.SignedIn.SessionsEnded.from(m.body());
      Channel ch = ended == null ? null : channels.get(ended.userId());
      if (ch == null) {
        return;
      }
      for (Map.Entry<WsSink, String> e : java.util.List.copyOf(ch.sessions.entrySet())) {
        WsSink s = e.getKey();
        if (ended.ends(e.getValue())) {
          s.socket().writeTextMessage(ErrorFrame.of(ErrorCode.UNAUTHENTICATED.slug(), "signed out").encode())
              .eventually(() -> s.socket().close(CLOSE_SIGNED_OUT, "signed out"));
        }
      }
    });
  }

  /** Tests only: between the token check and the socket's registration for the disable and sign-out events. */
  static final io.chorus.web.SignInGap<Principal> BEFORE_OPEN = new io.chorus.web.SignInGap<>();

  public Future<Void> ready() {
    return Future.all(disabled.completion(), signedOut.completion()).mapEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    Future<Principal> verified;
    if (header != null) {
      // the header in the Bearer scheme (RFC 6750), as on every route: a bare token or another scheme is refused
      String token = io.chorus.web.Bearer.token(header);
      verified = token == null ? Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("Authorization must be: Bearer <access token>"))
          : tokens.verifyToken(token);
    } else {
      verified = tokens.verify(ctx.request().getParam("token"));
    }
    ctx.request().pause();
    verified.onComplete(ar -> {
      ctx.request().resume();
      if (ar.failed()) {
        Http.fail(ctx, ar.cause());
        return;
      }
      if (Http.refuseWithoutUpgrade(ctx)) {
        return;
      }
      Principal p = ar.result();
      io.netty.channel.Channel connection = SocketDrop.channelOf(ctx.request());
      io.chorus.realtime.QueueTrim.upgrade(ctx.request()).onSuccess(ws -> {
        // nothing the client sends is read before its hello has gone out (open resumes the socket then)
        ws.pause();
        if (!BEFORE_OPEN.holding()) {
          open(ws, connection, p);
        } else {
          BEFORE_OPEN.pass(p).onComplete(x -> open(ws, connection, p));
        }
      })
          .onFailure(e -> LOG.debug("user WebSocket upgrade failed: {}", e.getMessage()));
    });
  }

  /** A JSON object whose {@code type} is {@code "ping"} (docs/api.md), not any frame that mentions the word. */
  static boolean isPing(String text) {
    try {
      return io.vertx.core.json.Json.decodeValue(text) instanceof JsonObject o && "ping".equals(o.getValue("type"));
    } catch (io.vertx.core.json.DecodeException e) {
      return false;
    }
  }

  private void open(ServerWebSocket ws, io.netty.channel.Channel connection, Principal p) {
    String uid = p.userId();
    if (!quota.take(uid)) {
      ws.resume();
      ws.writeTextMessage(ErrorFrame.of(ErrorCode.RATE_LIMITED.slug(), TOO_MANY + " (at most " + quota.max() + " on this node)").encode())
          .eventually(() -> ws.close(CLOSE_TOO_MANY, TOO_MANY));
      return;
    }
    String socketId = UUID.randomUUID().toString();
    WsSink sink = new WsSink(ws, connection, drop, "too slow: events are not being read");
    Channel ch = channels.computeIfAbsent(uid, k -> {
      Channel created = new Channel();
      // one cluster subscription per user and node; each event encoded once per node
      created.subscription = hub.subscribe(Addresses.userEvents(uid), d -> created.deliver(d.jsonFrame()));
      return created;
    });
    // registered for the disable and sign-out events now; the events and the answers to its frames come after its hello
    ch.sessions.put(sink, p.sessionId());
    ch.waiting.put(sink, new java.util.ArrayDeque<>());
    // replies go out under the events' slow-socket policy: a client that sends frames but does not read the answers
    // (an error frame is ~20 times a one-byte frame) is closed instead of growing the node's heap without bound
    ws.textMessageHandler(text -> Fanout.offer(sink, Frame.of(isPing(text)
        ? new JsonObject().put("type", "pong").encode()
        : ErrorFrame.of("invalid_argument", "this channel only sends events (and answers {\"type\":\"ping\"})").encode()), null));
    ws.binaryMessageHandler(b -> Fanout.offer(sink, Frame.of(
        ErrorFrame.of("invalid_argument", "this channel only sends events (and answers a ping)").encode()), null));
    // a socket may close before its connect reached Redis: its disconnect then waits for the connect
    io.vertx.core.Promise<Void> recorded = io.vertx.core.Promise.promise();
    ws.closeHandler(v -> {
      quota.giveBack(uid);
      ch.sockets.remove(sink);
      ch.waiting.remove(sink);
      if (ch.sessions.remove(sink) != null && ch.sessions.isEmpty() && channels.get(uid) == ch) {
        channels.remove(uid);
        ch.subscription.close();
      }
      recorded.future().onComplete(x -> presence.disconnected(uid, socketId)
          .onFailure(e -> LOG.warn("presence: disconnect of {} not recorded: {}", uid, e.getMessage())));
    });
    // the account may have been disabled or the session ended between the token check and the registration above,
    // whose events this socket did not hear; the flags are set before those events are published
    tokens.ended(uid, p.sessionId()).onSuccess(e -> {
      if (e == io.chorus.web.SignedIn.Ended.DISABLED) {
        ws.close(CLOSE_DISABLED, "account disabled");
      } else if (e == io.chorus.web.SignedIn.Ended.SIGNED_OUT) {
        ws.writeTextMessage(ErrorFrame.of(ErrorCode.UNAUTHENTICATED.slug(), "signed out").encode())
            .eventually(() -> ws.close(CLOSE_SIGNED_OUT, "signed out"));
      }
    }).onFailure(e -> LOG.warn("user socket of {}: revocation re-check failed: {}", uid, e.getMessage()));
    presence.connected(uid, socketId).onFailure(e -> LOG.warn("presence: connect of {} not recorded: {}", uid, e.getMessage()))
        .onComplete(x -> recorded.tryComplete());
    // the hello goes out once the channel is subscribed (no event published after it can be missed) and the
    // socket counts for presence (closing another socket of the user after it cannot look like going offline);
    // it is the socket's first frame: the user's events reach the socket from then on, and the frames the client
    // sent meanwhile (a ping) are read and answered only then
    Future.join(ch.subscription.ready(), recorded.future()).onComplete(r -> {
      java.util.ArrayDeque<Frame> held = ch.waiting.remove(sink);
      if (!ws.isClosed() && held != null) {
        // the hello and the held events on the events' own path, in this order
        Fanout.offer(sink, Frame.of(new JsonObject().put("type", "hello").put("user_id", uid).encode()), null);
        for (Frame event : held) {
          if (!Fanout.offer(sink, event, null)) {
            return;
          }
        }
        ch.sockets.add(sink);
        ws.resume();
      }
    });
  }
}

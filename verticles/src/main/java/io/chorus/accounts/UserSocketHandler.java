package io.chorus.accounts;

import io.chorus.bus.Addresses;
import io.chorus.gateway.Http;
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
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code GET /ws/user}: a signed-in user's channel ({@code Authorization: Bearer <JWT>} or {@code ?token=}).
 * The node holds one bus consumer on {@code client.user.<id>} per user with sockets here and writes each
 * event to all of them; the sockets count for presence. {@code chorus.user.disabled} closes a user's
 * sockets at once (close code 4403). Runs on the gateway verticle's context only.
 */
public final class UserSocketHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(UserSocketHandler.class);
  public static final short CLOSE_DISABLED = 4403;

  private final Vertx vertx;
  private final AccessTokens tokens;
  private final Presence presence;
  private final Map<String, Set<ServerWebSocket>> sockets = new HashMap<>();
  private final Map<String, MessageConsumer<JsonObject>> consumers = new HashMap<>();
  private final MessageConsumer<JsonObject> disabled;

  public UserSocketHandler(Vertx vertx, AccessTokens tokens, Presence presence) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.presence = presence;
    this.disabled = vertx.eventBus().consumer(Addresses.USER_DISABLED, m -> {
      Set<ServerWebSocket> set = sockets.get(m.body().getString("user_id"));
      if (set != null) {
        for (ServerWebSocket ws : Set.copyOf(set)) {
          ws.close(CLOSE_DISABLED, "account disabled");
        }
      }
    });
  }

  public Future<Void> ready() {
    return disabled.completion();
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String token = header != null ? header : ctx.request().getParam("token");
    ctx.request().pause();
    tokens.verify(token).onComplete(ar -> {
      ctx.request().resume();
      if (ar.failed()) {
        Http.fail(ctx, ar.cause());
        return;
      }
      Principal p = ar.result();
      ctx.request().toWebSocket().onSuccess(ws -> open(ws, p))
          .onFailure(e -> LOG.debug("user WebSocket upgrade failed: {}", e.getMessage()));
    });
  }

  private void open(ServerWebSocket ws, Principal p) {
    String uid = p.userId();
    String socketId = UUID.randomUUID().toString();
    sockets.computeIfAbsent(uid, k -> {
      consumers.put(uid, vertx.eventBus().<JsonObject>consumer(Addresses.clientUser(uid), m -> deliver(uid, m.body().encode())));
      return new LinkedHashSet<>();
    }).add(ws);
    ws.textMessageHandler(text -> ws.writeTextMessage(text.contains("\"ping\"")
        ? new JsonObject().put("type", "pong").encode()
        : new JsonObject().put("type", "error").put("code", "invalid_argument").put("message", "this channel only sends events").encode()));
    // a socket may close before its connect reached Redis: its disconnect then waits for the connect
    io.vertx.core.Promise<Void> recorded = io.vertx.core.Promise.promise();
    ws.closeHandler(v -> {
      Set<ServerWebSocket> set = sockets.get(uid);
      if (set != null && set.remove(ws) && set.isEmpty()) {
        sockets.remove(uid);
        MessageConsumer<JsonObject> c = consumers.remove(uid);
        if (c != null) {
          c.unregister();
        }
      }
      recorded.future().onComplete(x -> presence.disconnected(uid, socketId)
          .onFailure(e -> LOG.warn("presence: disconnect of {} not recorded: {}", uid, e.getMessage())));
    });
    // friends hear of this socket at once; the user's own channel is not needed for that
    presence.connected(uid, socketId).onFailure(e -> LOG.warn("presence: connect of {} not recorded: {}", uid, e.getMessage()))
        .onComplete(x -> recorded.tryComplete());
    // the hello goes out once the consumer is registered, so an event published after it cannot be missed
    consumers.get(uid).completion().onComplete(r -> {
      if (!ws.isClosed()) {
        ws.writeTextMessage(new JsonObject().put("type", "hello").put("user_id", uid).encode());
      }
    });
  }

  private void deliver(String uid, String text) {
    Set<ServerWebSocket> set = sockets.get(uid);
    if (set == null) {
      return;
    }
    for (ServerWebSocket ws : set) {
      if (ws.writeQueueFull()) {
        ws.close((short) 1008, "too slow: events are not being read");
      } else {
        ws.writeTextMessage(text);
      }
    }
  }
}

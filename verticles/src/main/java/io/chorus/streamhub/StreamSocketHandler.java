package io.chorus.streamhub;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.realtime.ErrorFrame;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Seed 001's {@code WS /ws/stream/:session_id/:user_id}: the source ({@code user_id == client_id}) must show the stream
 * key ({@code ?key=} or header {@code X-Stream-Key}) and publishes; anyone else is an operator and receives, through
 * {@link StreamRelay} on every node. A source that stays away for {@code STREAM_SOURCE_GRACE_SECONDS} finishes its
 * session.
 */
final class StreamSocketHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(StreamSocketHandler.class);
  /** Source presence key; refreshed while connected so a dead node's claim expires. */
  private static final int SOURCE_CLAIM_SECONDS = 15;

  private final Vertx vertx;
  private final StreamSessions sessions;
  private final RedisAPI redis;
  private final Redis redisClient;
  private final java.util.function.Function<String, Future<String>> users;
  private final StreamConfig stream;
  private final StreamRelay relay;
  private final String nodeId;
  private final SocketDrop drop;

  /** {@code users}: an access JWT to its account id (null where accounts are not served). */
  StreamSocketHandler(Vertx vertx, Hub hub, StreamSessions sessions, Redis redis, StreamConfig stream, String nodeId, MeterRegistry registry,
                      SocketDrop drop, java.util.function.Function<String, Future<String>> users) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.redisClient = redis;
    this.redis = RedisAPI.api(redis);
    this.users = users;
    this.stream = stream;
    this.nodeId = nodeId;
    this.drop = drop;
    this.relay = new StreamRelay(vertx, hub, stream.operatorQueueBytes(), this::loadInit, registry, drop);
  }

  /** The session was finished (ended, expired): its sockets close on every node. */
  void finished(String sessionId) {
    relay.publishControl(sessionId, "finished");
  }

  @Override
  public void handle(RoutingContext ctx) {
    String sessionId = ctx.pathParam("session_id");
    String userId = ctx.pathParam("user_id");
    String key = ctx.request().getParam("key");
    if (key == null) {
      key = ctx.request().getHeader("X-Stream-Key");
    }
    String streamKey = key;
    String jwt = io.chorus.web.Bearer.accessToken(ctx.request().getHeader("Authorization"), ctx.request().getParam("access_token"));
    ctx.request().pause();
    io.netty.channel.Channel connection = SocketDrop.channelOf(ctx.request());
    // a signed-in operator: the path's user_id must be their account id
    Future<String> signedIn = jwt == null || users == null ? Future.succeededFuture(null) : users.apply(jwt);
    signedIn.transform(who -> sessions.get(sessionId).transform(ar -> Future.succeededFuture(ar))).onComplete(done -> {
      io.vertx.core.AsyncResult<StreamSession> ar = done.result();
      ctx.request().resume();
      ctx.request().toWebSocket().map(io.chorus.realtime.GoingAway::install).onSuccess(ws -> {
        if (signedIn.failed()) {
          refuse(ws, ErrorCode.UNAUTHENTICATED, "access token refused: " + signedIn.cause().getMessage(), (short) 4401);
        } else if (signedIn.result() != null && !signedIn.result().equals(userId)) {
          refuse(ws, ErrorCode.FORBIDDEN, "user_id is not the signed-in user's id", (short) 4403);
        } else if (ar.failed()) {
          refuse(ws, ErrorCode.of(ar.cause()), ar.cause().getMessage(), (short) 4404);
        } else if (ar.result().finished()) {
          refuse(ws, ErrorCode.GONE, "session is finished", (short) 4410);
        } else if (userId.equals(ar.result().clientId())) {
          source(ws, ar.result(), streamKey, connection);
        } else {
          operator(ws, ar.result(), userId, connection);
        }
      }).onFailure(e -> LOG.debug("stream WebSocket upgrade failed: {}", e.getMessage()));
    });
  }

  private void source(ServerWebSocket ws, StreamSession s, String key, io.netty.channel.Channel connection) {
    if (!s.keyMatches(key)) {
      refuse(ws, ErrorCode.UNAUTHENTICATED, "the source must present the session's stream key", (short) 4401);
      return;
    }
    ws.pause();
    String claim = sourceKey(s.id());
    redis.set(List.of(claim, nodeId, "NX", "EX", Integer.toString(SOURCE_CLAIM_SECONDS)))
        .compose(r -> r == null ? Future.failedFuture(new ChorusException(ErrorCode.CONFLICT, "a source is already connected"))
            // finished (ended or expired) since the lookup: give the claim back, close as for a finished session
            : sessions.markActive(s.id()).onFailure(e -> redis.del(List.of(claim))))
        .onFailure(e -> refuse(ws, ErrorCode.of(e), e.getMessage(), (short) (ErrorCode.of(e) == ErrorCode.GONE ? 4410 : 4409)))
        .onSuccess(v -> {
          relay.addSource(s.id(), ws);
          relay.publishControl(s.id(), "source_joined");
          long refresh = vertx.setPeriodic(SOURCE_CLAIM_SECONDS * 1000L / 3,
              t -> redis.expire(List.of(claim, Integer.toString(SOURCE_CLAIM_SECONDS))));
          long liveness = watchLiveness(ws, s.id(), connection);
          boolean[] nextIsInit = {false};
          int limit = stream.wsMaxMessageSize();
          ws.binaryMessageHandler(b -> {
            if (b.length() > limit) {
              ws.close((short) 1009, "message larger than WS_MAX_MESSAGE_SIZE (" + limit + " bytes)");
              return;
            }
            if (!nextIsInit[0]) {
              relay.publish(s.id(), StreamRelay.BINARY, b);
              return;
            }
            // store the init segment before publishing it, and hold later frames meanwhile: a node
            // that starts listening after the publish finds it in Redis, one listening before gets it live
            nextIsInit[0] = false;
            ws.pause();
            redisClient.send(Request.cmd(Command.SET).arg(initKey(s.id())).arg(b).arg("EX").arg(86400))
                .onFailure(e -> LOG.warn("Init segment of {} not stored: {}", s.id(), e.getMessage()))
                .onComplete(r -> {
                  relay.publish(s.id(), StreamRelay.INIT, b);
                  ws.resume();
                });
          });
          ws.textMessageHandler(t -> {
            if (t.length() > limit) {
              ws.close((short) 1009, "message larger than WS_MAX_MESSAGE_SIZE (" + limit + " bytes)");
              return;
            }
            if (isInitMarker(t)) {
              nextIsInit[0] = true;
              return;
            }
            relay.publish(s.id(), StreamRelay.TEXT, Buffer.buffer(t));
          });
          ws.closeHandler(x -> {
            vertx.cancelTimer(refresh);
            vertx.cancelTimer(liveness);
            relay.remove(s.id(), ws);
            redis.del(List.of(claim));
            relay.publishControl(s.id(), "source_left");
            scheduleGrace(s.id());
          });
          ws.resume();
        });
  }

  /**
   * The server only reads from a source, so a source whose network vanished (no FIN, no reset) would hold the
   * session's one source place for good: its own reconnection refused (4409), the grace period never begun. The
   * source is pinged every third of {@code STREAM_SOURCE_GRACE_SECONDS} (every WebSocket client answers with a Pong);
   * one that has delivered no byte at all, Pong or data, for that long is away: closed (1001), dropped
   * {@link SocketDrop#GRACE_MS} later, and its grace period begins. Returns the timer (-1 without a channel to watch).
   */
  private long watchLiveness(ServerWebSocket ws, String sessionId, io.netty.channel.Channel connection) {
    io.chorus.realtime.ReadWatch watch = io.chorus.realtime.ReadWatch.install(connection);
    if (watch == null) {
      return -1;
    }
    long silentMs = stream.sourceGraceSeconds() * 1000L;
    long[] timer = {-1};
    timer[0] = vertx.setPeriodic(Math.max(100, silentMs / 3), t -> {
      if (ws.isClosed()) {
        vertx.cancelTimer(timer[0]);
      } else if (watch.silentMs() > silentMs) {
        vertx.cancelTimer(timer[0]);
        LOG.info("Source of session {} silent for {} ms (no Pong): closing it", sessionId, watch.silentMs());
        drop.close(ws, connection, (short) 1001, "source silent: no answer to pings");
      } else {
        ws.writePing(Buffer.buffer());
      }
    });
    return timer[0];
  }

  /** Finishes the session when no source came back within the grace period. */
  private void scheduleGrace(String sessionId) {
    vertx.setTimer(stream.sourceGraceSeconds() * 1000L, t -> redis.exists(List.of(sourceKey(sessionId))).onSuccess(r -> {
      if (r.toInteger() == 0) {
        sessions.finish(sessionId).onSuccess(s -> {
          LOG.info("Session {} finished: its source stayed away for {} s", sessionId, stream.sourceGraceSeconds());
          relay.publishControl(sessionId, "finished");
        });
      }
    }));
  }

  private void operator(ServerWebSocket ws, StreamSession s, String userId, io.netty.channel.Channel connection) {
    try {
      // the id rules of docs/api.md (the source's id is the client_id, checked at creation)
      Inputs.id("user_id", userId);
    } catch (ChorusException e) {
      refuse(ws, e.code(), e.getMessage(), (short) 4400);
      return;
    }
    ws.pause();
    // subscribed before being listed: whoever sees the operator in GET .../operators (a source about
    // to connect, a test) can count on its node receiving the frames published from then on
    relay.reserve(s.id())
        .compose(v -> sessions.addOperator(s.id(), userId, stream.maxOperators()))
        .onFailure(e -> {
          relay.cancel(s.id());
          refuse(ws, ErrorCode.of(e), e.getMessage(), (short) 4429);
        })
        .onSuccess(v -> relay.addOperator(s.id(), ws, connection).onComplete(x -> {
          if (ws.isClosed()) {
            return; // the operator left while being added: Vert.x refuses handlers on a closed socket
          }
          // operators only receive; what they send is dropped, but a message over WS_MAX_MESSAGE_SIZE (counted over
          // its frames, so a fragmented one too) closes the socket with 1009 as it does a source's
          int limit = stream.wsMaxMessageSize();
          long[] message = {0};
          ws.frameHandler(f -> {
            if (!(f.isText() || f.isBinary() || f.isContinuation())) {
              return;
            }
            message[0] += f.binaryData().length();
            if (message[0] > limit) {
              message[0] = Long.MIN_VALUE / 2;   // closed once
              ws.close((short) 1009, "message larger than WS_MAX_MESSAGE_SIZE (" + limit + " bytes)");
            } else if (f.isFinal()) {
              message[0] = 0;
            }
          });
          ws.resume();
        }));
  }

  /**
   * The source's {@code {"type":"init_segment"}}, however its JSON is spaced ({@code {"type": "init_segment"}} from
   * Python's json.dumps): a small JSON object whose type is init_segment.
   */
  static boolean isInitMarker(String text) {
    if (text.length() > 1024 || !text.contains("init_segment") || !text.stripLeading().startsWith("{")) {
      return false;
    }
    try {
      return "init_segment".equals(new JsonObject(text).getValue("type"));
    } catch (RuntimeException notJson) {
      return false;
    }
  }

  private Future<Buffer> loadInit(String sessionId) {
    // copied: the reply's buffer belongs to the client's connection and is reused after this callback
    return redis.get(initKey(sessionId)).map(r -> r == null ? null : r.toBuffer().copy());
  }

  private static String sourceKey(String id) {
    return "stream:{" + id + "}:source";
  }

  private static String initKey(String id) {
    return "stream:{" + id + "}:init";
  }

  private static void refuse(ServerWebSocket ws, ErrorCode code, String message, short closeCode) {
    ws.writeTextMessage(ErrorFrame.of(code.slug(), message).encode())
        .eventually(() -> ws.close(closeCode, code.slug()));
  }
}

package io.chorus.realtime;

import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Smaller outbound queues for Vert.x connections. Vert.x 5.0 gives every connection that is not in
 * strict thread mode — every WebSocket, and every HTTP connection of a server with several instances —
 * a multi-producer queue for writes from other threads: Netty's {@code MpscUnboundedArrayQueue}, a
 * padded object whose first chunk has a fixed 1024 slots (≈ 4.7 KB on the heap however idle the
 * connection; no option or property sets it). An idle room WebSocket kept two, half of its heap. Each
 * write passes through the queue and is taken out at once while the socket can take it; a slow socket
 * is closed long before many wait. So this swaps the empty queue for a {@link ConcurrentLinkedQueue}
 * (≈ 40 bytes empty, one small node per queued write; unbounded and safe for many producers, as
 * before): same order, ~4.6 KB less per connection.
 *
 * <p>It reaches into Vert.x's private fields; where they are not as expected (another Vert.x
 * version) it changes nothing and says so once in the log. {@code QueueTrimTest} fails on such a
 * version, so an upgrade cannot lose the saving unnoticed. Call it on the connection's event loop
 * before anything is written from another thread (at connection time, or when the upgrade completes).
 */
public final class QueueTrim {
  private static final Logger LOG = LoggerFactory.getLogger(QueueTrim.class);
  private static final Field WS_CONNECTION = field("io.vertx.core.http.impl.WebSocketImplBase", "conn");
  private static final Field OUTBOUND = field("io.vertx.core.net.impl.VertxConnection", "outboundMessageQueue");
  private static final Field MESSAGES = field("io.vertx.core.internal.concurrent.OutboundMessageQueue", "mqp");
  private static final Field QUEUE = field("io.vertx.core.streams.impl.MessagePassingQueue", "queue");
  /** vertx-web's router hands out its own wrapper of the socket (sub-router paths, forwarded addresses). */
  private static final Field WEB_DELEGATE = field("io.vertx.ext.web.impl.ServerWebSocketWrapper", "delegate");
  /** The connection factory of the WebSocket's channel handler: a lambda holding the whole upgrade (request, response, HTTP connection). */
  private static final Field HANDLER_FACTORY = field("io.vertx.core.net.impl.VertxHandler", "connectionFactory");
  /** The upgrade request's headers, kept by the socket for {@code headers()}. */
  private static final Field WS_HEADERS = field("io.vertx.core.http.impl.WebSocketImplBase", "headers");
  /** Shared by every released socket: nothing adds to a server socket's request headers. */
  private static final io.vertx.core.MultiMap NO_HEADERS = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
  /** vertx-web's SockJS sockets over a WebSocket: the raw transport's socket, or a session's WebSocket listener, holds it. */
  private static final Field RAW_SOCKJS_WS = field("io.vertx.ext.web.handler.sockjs.impl.RawWebSocketTransport$RawWSSockJSSocket", "ws");
  /** The raw transport's copy of the upgrade's headers, made by its first {@code headers()}. */
  private static final Field RAW_SOCKJS_HEADERS = field("io.vertx.ext.web.handler.sockjs.impl.RawWebSocketTransport$RawWSSockJSSocket", "headers");
  /** The upgrade's routing context, which every SockJS socket keeps for {@code routingContext()}, {@code webUser()}, {@code webSession()}. */
  private static final Field SOCKJS_ROUTING_CONTEXT = field("io.vertx.ext.web.handler.sockjs.impl.SockJSSocketBase", "routingContext");
  private static final Field SESSION_LISTENER = field("io.vertx.ext.web.handler.sockjs.impl.SockJSSession", "listener");
  private static final Field LISTENER_WS = field("io.vertx.ext.web.handler.sockjs.impl.WebSocketTransport$WebSocketListener", "ws");
  private static final boolean AVAILABLE = WS_CONNECTION != null && OUTBOUND != null && MESSAGES != null && QUEUE != null;
  private static final boolean ENABLED = AVAILABLE && !Frame.VERTX_DEFAULTS;

  static {
    if (!AVAILABLE) {
      LOG.warn("Vert.x's connection internals are not as expected: outbound queues keep their 1024-slot chunks (~4 KB per connection)");
    }
  }

  private QueueTrim() {
  }

  /**
   * {@code request.toWebSocket()}, the socket's queue trimmed before anything is written to it and the
   * upgrade let go: the socket's {@code headers()} are empty afterwards (read what you need from the
   * request before calling this).
   */
  public static Future<ServerWebSocket> upgrade(HttpServerRequest request) {
    HttpConnection http = request.connection();
    return request.toWebSocket().map(ws -> {
      GoingAway.install(ws);
      trim(ws);
      if (!release(ws)) {
        // still reachable from the socket and not written to any more. Only here, not on every
        // connection: trimmed from the server's connection handler, the SockJS raw WebSocket's slow
        // listener was never closed (BridgeProtocolTest), for a reason not found yet
        trim(http);
      }
      return ws;
    });
  }

  /**
   * Lets the socket forget its upgrade. Vert.x 5.0 keeps, for the socket's whole life, the factory that
   * made its channel handler — a lambda over the handshake, which holds the upgrade request, its Netty
   * request and headers, the response and the HTTP connection (with its outbound queue): ~2.4 KB per
   * idle socket, more with a browser's headers. The factory is used once, when the handler is added
   * (done by now), so it is dropped; the socket's copy of the request headers is swapped for an empty map,
   * and the HTTP pipeline's chunked writer is removed. True when the upgrade was let go.
   */
  static boolean release(ServerWebSocket socket) {
    ServerWebSocket ws = unwrap(socket);
    if (!ENABLED || HANDLER_FACTORY == null || WS_HEADERS == null || !WS_CONNECTION.getDeclaringClass().isInstance(ws)) {
      return false;
    }
    try {
      Object conn = WS_CONNECTION.get(ws);
      if (!(conn instanceof io.vertx.core.net.impl.VertxConnection vc)) {
        return false;
      }
      Object handler = vc.channelHandlerContext().handler();
      if (!HANDLER_FACTORY.getDeclaringClass().isInstance(handler)) {
        return false;
      }
      HANDLER_FACTORY.set(handler, null);
      WS_HEADERS.set(ws, NO_HEADERS);
      // the HTTP pipeline's chunked writer (for sendFile) stays after the upgrade and queues, then
      // flushes, every frame written: a tenth of a fan-out's write path. A WebSocket never writes
      // chunked input, so the handler has nothing to do here
      io.netty.channel.ChannelPipeline pipeline = vc.channelHandlerContext().pipeline();
      if (pipeline.get(io.netty.handler.stream.ChunkedWriteHandler.class) != null) {
        pipeline.remove(io.netty.handler.stream.ChunkedWriteHandler.class);
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Upgrade of a WebSocket not released: {}", e.toString());
      return false;
    }
  }

  /** Trims the WebSocket's own connection; true when its queue was swapped. */
  public static boolean trim(ServerWebSocket socket) {
    ServerWebSocket ws = unwrap(socket);
    if (!ENABLED || !WS_CONNECTION.getDeclaringClass().isInstance(ws)) {
      return false;
    }
    try {
      return trimConnection(WS_CONNECTION.get(ws));
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Outbound queue of a WebSocket not trimmed: {}", e.toString());
      return false;
    }
  }

  /**
   * Trims the WebSocket under a SockJS socket (the raw {@code /websocket} transport, or a session on SockJS's
   * WebSocket transport) and the HTTP connection it was upgraded from, which SockJS keeps for the socket's life
   * through the upgrade's routing context (so it cannot be let go as {@link #upgrade} does); true when the
   * WebSocket's queue was swapped. Call it from the SockJS socket handler. Polling and streaming transports have no
   * WebSocket; false for them.
   */
  /**
   * The WebSocket under a SockJS socket of a WebSocket transport (the raw one, or a session's WebSocket listener:
   * call it from the SockJS socket handler); null for the polling and streaming transports.
   */
  public static ServerWebSocket webSocketOf(io.vertx.ext.web.handler.sockjs.SockJSSocket sock) throws ReflectiveOperationException {
    Object ws = null;
    if (RAW_SOCKJS_WS != null && RAW_SOCKJS_WS.getDeclaringClass().isInstance(sock)) {
      ws = RAW_SOCKJS_WS.get(sock);
    } else if (SESSION_LISTENER != null && LISTENER_WS != null && SESSION_LISTENER.getDeclaringClass().isInstance(sock)) {
      Object listener = SESSION_LISTENER.get(sock);
      ws = LISTENER_WS.getDeclaringClass().isInstance(listener) ? LISTENER_WS.get(listener) : null;
    }
    return ws instanceof ServerWebSocket socket ? socket : null;
  }

  /** True for a socket of SockJS's raw WebSocket transport ({@code /eventbus/websocket}): no SockJS framing. */
  public static boolean raw(io.vertx.ext.web.handler.sockjs.SockJSSocket sock) {
    return RAW_SOCKJS_WS != null && RAW_SOCKJS_WS.getDeclaringClass().isInstance(sock);
  }

  public static boolean trim(io.vertx.ext.web.handler.sockjs.SockJSSocket sock) {
    if (!ENABLED || sock == null) {
      return false;
    }
    try {
      ServerWebSocket socket = webSocketOf(sock);
      if (socket == null || !trim(socket)) {
        return false;
      }
      // the HTTP connection it was upgraded from, which SockJS keeps (through the routing context) for the socket's
      // life and which is never written to again
      if (sock.routingContext() != null) {
        trim(sock.routingContext().request().connection());
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Outbound queue of a SockJS socket not trimmed: {}", e.toString());
      return false;
    }
  }

  /**
   * Lets a socket of SockJS's raw WebSocket transport ({@code /eventbus/websocket}) forget its upgrade, as
   * {@link #upgrade} does for the gateway's sockets: the WebSocket's handshake ({@link #release}), the transport's
   * copy of the headers and the routing context SockJS keeps for the socket's life (with the upgrade request, its
   * headers and response, and the HTTP connection). Afterwards the socket's {@code headers()} are empty and its
   * {@code routingContext()} is null ({@code webUser()} and {@code webSession()} throw): read what you need first.
   * Other transports are left as they are (a SockJS session outlives its requests). True when it was let go.
   */
  public static boolean letGo(io.vertx.ext.web.handler.sockjs.SockJSSocket sock) {
    if (!ENABLED || RAW_SOCKJS_WS == null || RAW_SOCKJS_HEADERS == null || SOCKJS_ROUTING_CONTEXT == null
        || !RAW_SOCKJS_WS.getDeclaringClass().isInstance(sock)) {
      return false;
    }
    try {
      if (!(RAW_SOCKJS_WS.get(sock) instanceof ServerWebSocket ws) || !release(ws)) {
        return false;
      }
      RAW_SOCKJS_HEADERS.set(sock, null);
      SOCKJS_ROUTING_CONTEXT.set(sock, null);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Upgrade of a SockJS WebSocket not let go: {}", e.toString());
      return false;
    }
  }

  /** Trims an HTTP connection (e.g. from the server's connection handler); true when its queue was swapped. */
  public static boolean trim(HttpConnection connection) {
    if (!ENABLED) {
      return false;
    }
    try {
      return trimConnection(connection);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Outbound queue of an HTTP connection not trimmed: {}", e.toString());
      return false;
    }
  }

  /** The connection's (or WebSocket's) outbound queue, null if it has none (strict thread mode); for tests. */
  static Queue<?> queueOf(Object connection) throws ReflectiveOperationException {
    Object target = connection instanceof ServerWebSocket socket ? unwrap(socket) : connection;
    Object conn = target instanceof ServerWebSocket && WS_CONNECTION.getDeclaringClass().isInstance(target) ? WS_CONNECTION.get(target) : target;
    if (!AVAILABLE || conn == null || !OUTBOUND.getDeclaringClass().isInstance(conn)) {
      return null;
    }
    Object outbound = OUTBOUND.get(conn);
    if (!MESSAGES.getDeclaringClass().isInstance(outbound)) {
      return null;
    }
    return (Queue<?>) QUEUE.get(MESSAGES.get(outbound));
  }

  private static boolean trimConnection(Object connection) throws ReflectiveOperationException {
    if (connection == null || !OUTBOUND.getDeclaringClass().isInstance(connection)) {
      return false;
    }
    Object outbound = OUTBOUND.get(connection);
    if (!MESSAGES.getDeclaringClass().isInstance(outbound)) {
      return false; // strict thread mode: written directly, no queue
    }
    Object messages = MESSAGES.get(outbound);
    if (!QUEUE.getDeclaringClass().isInstance(messages)) {
      return false;
    }
    Queue<?> queue = (Queue<?>) QUEUE.get(messages);
    if (queue instanceof ConcurrentLinkedQueue<?> || !queue.isEmpty()) {
      return false; // already trimmed, or something already waits: leave it where it is
    }
    Queue<Object> smaller = new ConcurrentLinkedQueue<>();
    QUEUE.set(messages, smaller);
    return true;
  }

  /** Vert.x's own socket under vertx-web's wrapper (the socket itself when it is not wrapped). */
  static ServerWebSocket unwrap(ServerWebSocket ws) {
    if (WEB_DELEGATE != null && WEB_DELEGATE.getDeclaringClass().isInstance(ws)) {
      try {
        return (ServerWebSocket) WEB_DELEGATE.get(ws);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return ws;
      }
    }
    return ws;
  }

  /** The connection's message-passing queue (the holder of its queue), null if it has none (strict thread mode). */
  static Object passingQueueOf(Object connection) throws ReflectiveOperationException {
    if (!AVAILABLE || connection == null || !OUTBOUND.getDeclaringClass().isInstance(connection)) {
      return null;
    }
    Object outbound = OUTBOUND.get(connection);
    return MESSAGES.getDeclaringClass().isInstance(outbound) ? MESSAGES.get(outbound) : null;
  }

  static Field field(String className, String name) {
    try {
      Field f = Class.forName(className, false, QueueTrim.class.getClassLoader()).getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}

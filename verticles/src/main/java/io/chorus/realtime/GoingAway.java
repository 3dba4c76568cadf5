package io.chorus.realtime;

import io.vertx.core.http.ServerWebSocket;

/**
 * The close of the server's WebSockets when the node shuts down: 1001 "server shutting down" (RFC 6455's going
 * away), so a client can tell a shutdown (reconnect, to another node) from the end of its room or session (1000).
 * Without it Vert.x closed every socket with 1000 and no reason when its server was shut down.
 */
public final class GoingAway {
  public static final short CODE = 1001;
  public static final String REASON = "server shutting down";

  private GoingAway() {
  }

  /** Has {@code ws} closed with 1001 when its server shuts down (the gateway's stop). Returns {@code ws}. */
  public static ServerWebSocket install(ServerWebSocket ws) {
    ws.shutdownHandler(v -> {
      if (!ws.isClosed()) {
        ws.close(CODE, REASON);
      }
    });
    return ws;
  }

  /**
   * The same for a SockJS socket of a WebSocket transport (the bridge): a raw one ({@code /eventbus/websocket}) is
   * closed with 1001; a SockJS session's WebSocket first gets SockJS's close frame {@code c[1001,"server shutting
   * down"]} (vertx-web's own session close always says {@code c[3000,"Go away!"]}). The polling and streaming
   * transports have no socket of their own: their requests are let finish as any other.
   */
  public static void install(io.vertx.ext.web.handler.sockjs.SockJSSocket sock) {
    ServerWebSocket ws;
    try {
      ws = QueueTrim.webSocketOf(sock);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return;
    }
    if (ws == null) {
      return;
    }
    boolean raw = QueueTrim.raw(sock);
    ws.shutdownHandler(v -> {
      if (ws.isClosed()) {
        return;
      }
      if (raw) {
        ws.close(CODE, REASON);
      } else {
        ws.writeTextMessage("c[" + CODE + ",\"" + REASON + "\"]").eventually(() -> ws.close(CODE, REASON));
      }
    });
  }
}

package io.chorus.room;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

import java.util.List;
import java.util.function.Supplier;

/**
 * The seed /ws sockets' liveness: every socket is pinged each {@code pingMs} (ROOM_WS_PING_SECONDS); one that has sent
 * nothing, not even the pong every WebSocket client answers a ping with, for twice that is gone (a closed laptop, a lost
 * network: no close, no reset) and is closed (1001, dropped 5 s later), so its member leaves. Event-loop confined.
 */
final class RoomSocketLiveness {
  private final long pingMs;
  private final Supplier<List<RoomFanout.RoomSocket>> sockets;

  private RoomSocketLiveness(long pingMs, Supplier<List<RoomFanout.RoomSocket>> sockets) {
    this.pingMs = pingMs;
    this.sockets = sockets;
  }

  /** Pings, on the caller's context and for the node's life, the sockets {@code sockets} gives at each round. */
  static void start(Vertx vertx, long pingMs, Supplier<List<RoomFanout.RoomSocket>> sockets) {
    RoomSocketLiveness liveness = new RoomSocketLiveness(pingMs, sockets);
    vertx.setPeriodic(pingMs, t -> liveness.round());
  }

  /** The socket has just given a sign of life (it joined), and each of its pongs is one; its messages are too (the handler's). */
  static void watch(ServerWebSocket ws, RoomFanout.RoomSocket socket) {
    socket.heard = System.currentTimeMillis();
    ws.pongHandler(b -> socket.heard = System.currentTimeMillis());
  }

  /** Whether a socket last heard from at {@code heardMs} is gone at {@code nowMs}: silent for two pings' time. */
  static boolean silent(long heardMs, long nowMs, long pingMs) {
    return nowMs - heardMs >= 2 * pingMs;
  }

  /** Pings every live socket; closes the silent ones. */
  private void round() {
    long now = System.currentTimeMillis();
    for (RoomFanout.RoomSocket s : sockets.get()) {
      if (s.ws.isClosed() || s.slow) {
        continue;
      }
      if (silent(s.heard, now, pingMs)) {
        s.slow = true;   // nothing more is written to it
        s.closeAndDrop((short) 1001, "no answer to pings");
      } else {
        s.ws.writePing(Buffer.buffer());
      }
    }
  }
}

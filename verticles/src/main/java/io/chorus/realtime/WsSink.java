package io.chorus.realtime;

import io.netty.channel.Channel;
import io.vertx.core.http.ServerWebSocket;

/** A server WebSocket as a {@link Sink}. */
public class WsSink implements Sink {
  private final ServerWebSocket ws;
  /** The socket under vertx-web's wrapper, asked {@link #isClosed} on every frame without the wrapper's hop. */
  private final ServerWebSocket inner;
  private final Channel connection;
  private final SocketDrop drop;
  private final String slowReason;
  /** Looked up once: the per-frame write goes straight to the connection ({@link Frame#send}, {@link DirectWrite}). */
  private final DirectWrite direct;

  /** {@code connection}: the TCP channel ({@link SocketDrop#channelOf}), null if unknown. */
  public WsSink(ServerWebSocket ws, Channel connection, SocketDrop drop, String slowReason) {
    this.ws = ws;
    this.inner = QueueTrim.unwrap(ws);
    this.connection = connection;
    this.drop = drop;
    this.slowReason = slowReason;
    io.vertx.core.net.impl.VertxConnection conn = Frame.connectionOf(ws);
    this.direct = conn == null ? null : DirectWrite.of(conn);
  }

  public ServerWebSocket socket() {
    return ws;
  }

  @Override
  public boolean isClosed() {
    return inner.isClosed();
  }

  @Override
  public boolean writeQueueFull() {
    // asked by the policy only after writeNow found the socket unable to take a frame at once
    return ws.writeQueueFull();
  }

  @Override
  public boolean writeNow(Frame frame) {
    return frame.sendNow(direct);
  }

  @Override
  public void write(Frame frame) {
    frame.send(ws, direct);
  }

  @Override
  public void closeSlow() {
    closeAndDrop((short) 1013, slowReason);
  }

  /** Closes the socket with {@code code}, and drops its connection if the close frame has not been taken 5 s later. */
  public void closeAndDrop(short code, String reason) {
    drop.close(ws, connection, code, reason);
  }

  @Override
  public void abort() {
    try {
      ws.close();
    } catch (RuntimeException alreadyClosed) {
      // nothing left to close
    }
  }
}

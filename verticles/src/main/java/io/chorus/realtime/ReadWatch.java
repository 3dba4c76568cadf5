package io.chorus.realtime;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * When a connection last delivered bytes, whatever they were: a frame's first bytes, the middle of a large message, a
 * Pong. A peer that a Ping gets no byte from is gone without having closed (its network vanished: no FIN, no reset
 * ever comes), which a socket the server only reads from would otherwise never notice.
 */
public final class ReadWatch extends ChannelInboundHandlerAdapter {
  private volatile long lastReadNanos = System.nanoTime();

  private ReadWatch() {
  }

  /** Watches {@code channel} from now on (its first handler, so every byte counts); null when there is no channel. */
  public static ReadWatch install(Channel channel) {
    if (channel == null) {
      return null;
    }
    ReadWatch watch = new ReadWatch();
    channel.pipeline().addFirst("chorus-read-watch", watch);
    return watch;
  }

  /** Milliseconds since the connection last delivered bytes (or since the watch began). */
  public long silentMs() {
    return (System.nanoTime() - lastReadNanos) / 1_000_000;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastReadNanos = System.nanoTime();
    ctx.fireChannelRead(msg);
  }
}

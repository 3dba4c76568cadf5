package io.chorus.web;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;

/**
 * A request head with both {@code Transfer-Encoding: chunked} and {@code Content-Length} (the request-smuggling shape:
 * a proxy in front may frame the body by the other header) is refused: RFC 9112 §6.3 lets a server reject it and
 * requires it to close the connection after answering. Netty's decoder would drop the {@code Content-Length} and read
 * the body as chunked, so no handler could tell; this decoder (Vert.x's own, otherwise unchanged) marks such a head
 * as undecodable instead, and the server hands it to its invalid-request handler ({@link Http#invalidRequest}: 400 with
 * the JSON error, {@code Connection: close}, the connection closed). Nothing after such a head is read: its body, and a
 * request a proxy would have framed into it, are dropped unanswered.
 */
public final class AmbiguousLength extends RuntimeException {
  static final String MESSAGE = "a request may not carry both Transfer-Encoding and Content-Length";

  private AmbiguousLength() {
    super(MESSAGE, null, false, false);
  }

  /**
   * The server's connection handler calls this first: the connection's HTTP/1.1 request decoder is swapped for one that
   * refuses the ambiguous head. Called when the connection is set up, before anything is read on it.
   */
  public static void install(HttpConnection conn, HttpServerOptions options) {
    if (!(conn instanceof ConnectionBase c)) {
      return;
    }
    ChannelPipeline pipeline = c.channel().pipeline();
    if (pipeline.get("httpDecoder") instanceof VertxHttpRequestDecoder && !(pipeline.get("httpDecoder") instanceof Decoder)) {
      pipeline.replace("httpDecoder", "httpDecoder", new Decoder(options));
    }
  }

  private static final class Decoder extends VertxHttpRequestDecoder {
    /** Set at a refused head: nothing after it on the connection is read (its body's framing is the ambiguity). */
    private boolean refused;

    Decoder(HttpServerOptions options) {
      super(options);
    }

    /** An HTTP/1.1 head with both: Netty would drop its Content-Length and read the body as chunked. */
    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      super.handleTransferEncodingChunkedWithContentLength(message);
      refuse(message);
    }

    private void refuse(HttpMessage message) {
      message.setDecoderResult(DecoderResult.failure(new AmbiguousLength()));
      refused = true;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
      if (refused) {
        buffer.skipBytes(buffer.readableBytes());
        return;
      }
      int before = out.size();
      super.decode(ctx, buffer, out);
      // an HTTP/1.0 head with both keeps them (Netty leaves it alone, and reads the body as chunked): refused the same way
      // (a chunked head is handed on alone, before its body is decoded)
      for (int i = before; i < out.size(); i++) {
        if (out.get(i) instanceof HttpMessage m && m.decoderResult().isSuccess() && m.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
            && HttpUtil.isTransferEncodingChunked(m)) {
          refuse(m);
        }
      }
    }
  }
}

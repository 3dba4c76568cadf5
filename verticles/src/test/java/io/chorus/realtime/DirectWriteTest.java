package io.chorus.realtime;

import io.chorus.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes past Vert.x's outbound queue keep the order of every write on the socket: frames from the
 * core ({@link WsSink}) interleaved with Vert.x's own writes, on a server with two instances (not in
 * strict thread mode, as the gateway) and a client that does not read at first, so the channel turns
 * unwritable part-way and later writes must queue behind the waiting ones.
 */
class DirectWriteTest {
  static Vertx vertx;
  static int port;
  static final List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();
  static final List<io.vertx.core.Context> loops = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    Promise<Integer> bound = Promise.promise();
    TestServices.await(vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer(new HttpServerOptions())
            .requestHandler(req -> QueueTrim.upgrade(req).onSuccess(ws -> {
              loops.add(Vertx.currentContext());
              sockets.add(ws);
            }))
            .listen(0, "127.0.0.1").onSuccess(s -> bound.tryComplete(s.actualPort()));
      }
    }, new DeploymentOptions().setInstances(2)));
    port = TestServices.await(bound.future());
  }

  @AfterAll
  static void stop() {
    TestServices.await(vertx.close());
  }

  /** Writes sent[from, from + batch) in one task, then the next batch in the next task; completes with whether the queue was ever full. */
  private static void writeBatches(io.vertx.core.Context loop, ServerWebSocket ws, WsSink sink, List<String> sent, int from, int batch,
                                   boolean sawFull, Promise<Boolean> done) {
    loop.runOnContext(v -> {
      int to = Math.min(sent.size(), from + batch);
      for (int i = from; i < to; i++) {
        if (i % 3 == 0) {
          ws.writeTextMessage(sent.get(i));
        } else {
          sink.write(Frame.of(sent.get(i)));
        }
      }
      boolean full = sawFull || ws.writeQueueFull();
      if (to == sent.size()) {
        done.complete(full);
      } else {
        writeBatches(loop, ws, sink, sent, to, batch, full, done);
      }
    });
  }

  @Test
  void directAndQueuedWritesArriveInTheOrderWritten() {
    Vertx clients = Vertx.vertx();
    try {
      List<String> got = new CopyOnWriteArrayList<>();
      // kept in a local: Vert.x closes the connections of a client that is garbage collected
      io.vertx.core.http.WebSocketClient wsClient = clients.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20));
      WebSocket client = TestServices.await(wsClient
          .connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/d")));
      client.pause();
      client.textMessageHandler(got::add);
      long deadline = System.currentTimeMillis() + 10_000;
      while (sockets.isEmpty()) {
        assertThat(System.currentTimeMillis()).as("server saw the socket").isLessThan(deadline);
        Thread.onSpinWait();
      }
      ServerWebSocket ws = sockets.get(0);
      WsSink sink = new WsSink(ws, null, null, "slow");
      // checked while the connection is open: closing it tears the pipeline down, encoder included
      assertThat(DirectWrite.of(Frame.connectionOf(ws)).bypasses()).as("this Vert.x lets writes skip its queue").isTrue();
      assertThat(DirectWrite.framesContext(Frame.connectionOf(ws).channelHandlerContext()))
          .as("frames are written from the encoder's context").isNotNull();
      int n = 3000;
      String pad = "x".repeat(10_000);   // 30 MB in all: far past the kernel's and Netty's buffers
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add((i % 3 == 0 ? "vertx " : "core ") + i + pad);
      }
      // on the socket's own event loop, as the fan-out writes: 30 tasks of 100, so that Vert.x sees the
      // channel turn unwritable between them and later writes wait in its queue
      Promise<Boolean> written = Promise.promise();
      writeBatches(loops.get(0), ws, sink, sent, 0, 100, false, written);
      assertThat(TestServices.await(written.future())).as("the channel turned unwritable part-way (the queued path was taken)").isTrue();
      client.resume();
      deadline = System.currentTimeMillis() + 30_000;
      while (got.size() < n) {
        assertThat(System.currentTimeMillis()).as("all %d messages arrive (got %d)", n, got.size()).isLessThan(deadline);
        Thread.onSpinWait();
      }
      assertThat(got).as("every message whole").allMatch(m -> m.endsWith(pad));
      assertThat(got.stream().map(m -> m.substring(0, m.length() - pad.length())).toList())
          .containsExactlyElementsOf(sent.stream().map(m -> m.substring(0, m.length() - pad.length())).toList());
      wsClient.close();
    } finally {
      TestServices.await(clients.close());
    }
  }

  /** Frames are written from the encoder's context only when no handler that sees writes sits between it and Vert.x's. */
  @Test
  void framesSkipOnlyTheEncoder() {
    io.netty.channel.ChannelInboundHandlerAdapter vertxHandler = new io.netty.channel.ChannelInboundHandlerAdapter();
    io.netty.channel.embedded.EmbeddedChannel plain = new io.netty.channel.embedded.EmbeddedChannel(
        new io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder(false, false, 65_536),
        new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(false), vertxHandler);
    assertThat(DirectWrite.framesContext(plain.pipeline().context(vertxHandler)))
        .isSameAs(plain.pipeline().context(io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder.class));

    io.netty.channel.ChannelInboundHandlerAdapter other = new io.netty.channel.ChannelInboundHandlerAdapter();
    io.netty.channel.embedded.EmbeddedChannel withCompression = new io.netty.channel.embedded.EmbeddedChannel(
        new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(false),
        new io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker()
            .handshakeExtension(new io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData("permessage-deflate",
                java.util.Map.of())).newExtensionEncoder(),
        other);
    assertThat(DirectWrite.framesContext(withCompression.pipeline().context(other)))
        .as("a deflate encoder after the frame encoder must see every frame").isNull();

    io.netty.channel.embedded.EmbeddedChannel noEncoder = new io.netty.channel.embedded.EmbeddedChannel(other = new io.netty.channel.ChannelInboundHandlerAdapter());
    assertThat(DirectWrite.framesContext(noEncoder.pipeline().context(other))).isNull();
  }
}

package io.chorus.room;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.RoomEvent;
import io.chorus.proto.room.RoomServiceGrpc;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.proto.room.WatchRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 8 with the official grpc-java client: a cancelled {@code WatchRoom} releases its bus
 * consumer at once (not at the room's next event), and a normal cancel logs no error.
 */
@ChorusCluster(config = "GRPC_API_KEY=test-key")
class WatchRoomCancelTest {
  static final int STREAMS = 40;
  /** Streams opened in a burst and cancelled at once (below the server's bound on resets per connection and 30 s). */
  static final int HASTY = 150;
  static ChorusNode node;
  static ManagedChannel channel;
  static Metadata key = new Metadata();

  @BeforeAll
  static void start(TestCluster cluster) {
    node = cluster.node();
    channel = cluster.channel();
    key.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), "test-key");
  }

  /** One client stream: its events, its end, and the handle to cancel it. */
  static class Watch implements ClientResponseObserver<WatchRoomRequest, RoomEvent> {
    final LinkedBlockingQueue<RoomEvent> events = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    ClientCallStreamObserver<WatchRoomRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRoomRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(RoomEvent value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }

    RoomEvent next(long timeoutMs) throws InterruptedException {
      RoomEvent e = events.poll(timeoutMs, TimeUnit.MILLISECONDS);
      assertThat(e).as("no WatchRoom event within %d ms", timeoutMs).isNotNull();
      return e;
    }
  }

  static Watch watch(String roomId) {
    return watch(channel, roomId);
  }

  static Watch watch(ManagedChannel on, String roomId) {
    Watch w = new Watch();
    RoomServiceGrpc.newStub(on).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key))
        .watchRoom(WatchRoomRequest.newBuilder().setRoomId(roomId).build(), w);
    return w;
  }

  /** The node's event-bus handlers, every series of the gauge summed. */
  static double handlers() {
    return metric("vertx_eventbus_handlers");
  }

  /** A meter of /metrics, every series summed. */
  static double metric(String name) {
    return TestServices.requiredMetricSum(NodePorts.http(node.vertx()), name);
  }

  static boolean mentionsCancel(ILoggingEvent e) {
    if (String.valueOf(e.getFormattedMessage()).contains("CANCELLED")) {
      return true;
    }
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("CANCELLED")) {
        return true;
      }
    }
    return false;
  }

  @Test
  void cancelledStreamsReleaseTheirConsumersAtOnceAndLogNoError() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      RoomServiceGrpc.RoomServiceBlockingStub rooms = RoomServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key)).withDeadlineAfter(60, TimeUnit.SECONDS);
      String id = rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("host").setTrackUrl("https://example.com/t.mp3").build())
          .getRoomId();
      double baseline = handlers();
      double listenersBefore = metric("chorus_realtime_listeners");

      List<Watch> watches = new ArrayList<>();
      for (int i = 0; i < STREAMS; i++) {
        watches.add(watch(id));
      }
      for (Watch w : watches) {
        assertThat(w.next(30_000).getType()).isEqualTo("room_info"); // sent once its consumer is registered
      }
      // each stream listens on the node's one subscription to the room (the real-time core)
      assertThat(metric("chorus_realtime_listeners")).isGreaterThanOrEqualTo(listenersBefore + STREAMS);
      assertThat(handlers()).isGreaterThanOrEqualTo(baseline + 1);

      for (Watch w : watches) {
        w.call.cancel("the client is done", null);
      }
      // and a burst of streams cancelled at once, many of them while the server still looks the room up
      // or registers their consumer (on a channel of their own: HTTP/2 servers bound the resets per connection)
      ManagedChannel hasty = ManagedChannelBuilder.forAddress("127.0.0.1", NodePorts.grpc(node.vertx())).usePlaintext().build();
      try {
        List<Watch> cancelled = new ArrayList<>();
        for (int i = 0; i < HASTY; i++) {
          cancelled.add(watch(hasty, id));
        }
        for (Watch w : cancelled) {
          w.call.cancel("changed its mind", null);
        }
        for (Watch w : cancelled) {
          assertThat(w.ended.get(30, TimeUnit.SECONDS)).isNotNull(); // the client saw its own CANCELLED
        }
      } finally {
        hasty.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      // released by the cancel itself: no room event happens meanwhile
      // 50 ms: a poll of the server's gauges
      TestServices.until("event-bus handlers and listeners back at " + baseline + " / " + listenersBefore, 15_000, 50,
          () -> handlers() <= baseline && metric("chorus_realtime_listeners") <= listenersBefore ? Boolean.TRUE : null,
          () -> "handlers " + handlers() + ", listeners " + metric("chorus_realtime_listeners"));

      // a room event now reaches a live watcher; the cancelled ones are gone and cause nothing
      Watch live = watch(id);
      assertThat(live.next(30_000).getType()).isEqualTo("room_info");
      rooms.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("play").build());
      assertThat(live.next(30_000).getType()).isEqualTo("play");
      live.call.cancel("done", null);
      TestServices.until("the live watcher's handler released", 30_000, 50, () -> handlers() <= baseline);

      List<String> errors = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .filter(WatchRoomCancelTest::mentionsCancel).map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
      assertThat(errors).as("log lines about the cancels").isEmpty();
    } finally {
      root.detachAppender(logs);
    }
  }

  /**
   * A cancelled stream is a finished request: {@code vertx_http_server_active_requests} comes back to
   * its baseline while the client's connection stays open (the HTTP/2 reset of a stream whose request
   * had ended was swallowed by {@code ActiveRequestsFix}, so every cancelled WatchRoom stayed counted).
   */
  @Test
  void cancelledStreamsAreNoLongerActiveRequests() throws Exception {
    RoomServiceGrpc.RoomServiceBlockingStub rooms = RoomServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key)).withDeadlineAfter(60, TimeUnit.SECONDS);
    String id = rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("host").setTrackUrl("https://example.com/t.mp3").build())
        .getRoomId();
    String gauge = "vertx_http_server_active_requests";
    double baseline = metric(gauge);
    List<Watch> watches = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      watches.add(watch(id));
    }
    for (Watch w : watches) {
      assertThat(w.next(30_000).getType()).isEqualTo("room_info");
    }
    assertThat(metric(gauge)).isGreaterThanOrEqualTo(baseline + 20);
    for (Watch w : watches) {
      w.call.cancel("the client is done", null);
    }
    // 50 ms: a poll of the server's gauge
    TestServices.until(gauge + " back at its baseline " + baseline + " (channel still open)", 15_000, 50,
        () -> metric(gauge) == baseline ? Boolean.TRUE : null, () -> gauge + " is " + metric(gauge));
  }

  /**
   * A watcher that stops reading while its room keeps changing: each event waited for the write before it, which
   * waited for the client's flow-control window, so the node kept every event for it (30,000 seeks grew the heap by
   * 66 MB, without bound). Past {@link RoomGrpcService#MAX_WAITING_EVENTS} waiting events the stream is ended with
   * RESOURCE_EXHAUSTED; the client reads what was sent before it, then the status.
   */
  @Test
  void aWatcherThatDoesNotReadIsEndedWithResourceExhausted() throws Exception {
    RoomServiceGrpc.RoomServiceBlockingStub rooms = RoomServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key)).withDeadlineAfter(60, TimeUnit.SECONDS);
    String id = rooms.createRoom(CreateRoomRequest.newBuilder().setHostId("host").setTrackUrl("https://example.com/t.mp3").build())
        .getRoomId();
    // a small, fixed window (no auto-tuning), so that a few hundred events fill it
    ManagedChannel slow = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", NodePorts.grpc(node.vertx()))
        .usePlaintext().flowControlWindow(65_535).build();
    try {
      Watch w = new Watch() {
        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRoomRequest> requestStream) {
          super.beforeStart(requestStream);
          requestStream.disableAutoRequestWithInitial(1);
        }
      };
      RoomServiceGrpc.newStub(slow).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key))
          .watchRoom(WatchRoomRequest.newBuilder().setRoomId(id).build(), w);
      assertThat(w.next(30_000).getType()).isEqualTo("room_info");
      RoomServiceGrpc.RoomServiceFutureStub async = RoomServiceGrpc.newFutureStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key)).withDeadlineAfter(60, TimeUnit.SECONDS);
      java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(32);
      for (int i = 0; i < 2_000; i++) {
        inFlight.acquire();
        async.setPlayback(SetPlaybackRequest.newBuilder().setRoomId(id).setAction("seek").setTimestamp(i).build())
            .addListener(inFlight::release, Runnable::run);
      }
      inFlight.acquire(32);
      w.call.request(Integer.MAX_VALUE);
      Throwable end = w.ended.get(30, TimeUnit.SECONDS);
      assertThat(io.grpc.Status.fromThrowable(end).getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
      assertThat(w.events.size()).as("events before the end").isLessThan(2_000);
    } finally {
      slow.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

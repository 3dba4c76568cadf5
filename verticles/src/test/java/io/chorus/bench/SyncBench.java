package io.chorus.bench;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomState;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * scripts/bench-sync: how closely 100 listeners on 3 nodes agree on the playback position.
 * Every listener gets its own clock, skewed by up to ±5 s from the real one (as real devices are),
 * and optionally 50 ms of added latency on every message it sends and receives (25 ms each way,
 * plus ±5 ms jitter). It estimates the server clock NTP-style over the WebSocket ({@code time}
 * messages, 8 samples, keep the lowest delay; each sample sent at once after the previous reply, or
 * after a pause as the browser client makes, {@code bench.sampleGaps}), then computes the position
 * for one common real instant from the room's playback state. Reported: the spread (max − min) of those positions,
 * with clock sync and, as the baseline in the same run, trusting the local clock (what a client
 * without clock sync does).
 */
public final class SyncBench {
  static final int LISTENERS = Integer.getInteger("bench.listeners", 100);
  static final int SAMPLES = 8;
  /** Pauses (ms) between a sample's reply and the next request, each measured; 20 is the browser client's (app.js). */
  static final int[] SAMPLE_GAPS = Arrays.stream(System.getProperty("bench.sampleGaps", "0,20").split(","))
      .map(String::trim).mapToInt(Integer::parseInt).toArray();

  public static void main(String[] args) throws Exception {
    TestCluster cluster = TestCluster.start(3, Map.of("MAX_ROOM_USERS", 1000));
    List<ChorusNode> nodes = cluster.nodes();
    Vertx client = Vertx.vertx();
    System.out.println();
    System.out.println("| added client latency | listeners | pause between samples (ms) | spread with clock sync (ms) | spread trusting the local clock (ms) | worst sync error vs true position (ms) |");
    System.out.println("|---|---|---|---|---|---|");
    try {
      for (int latency : new int[] {0, 50}) {
        for (int gap : SAMPLE_GAPS) {
          System.out.println(run(client, nodes, latency, gap));
        }
      }
    } finally {
      client.close();
      cluster.close();
      System.exit(0);
    }
  }

  static String run(Vertx client, List<ChorusNode> nodes, int addedLatencyMs, int sampleGapMs) throws Exception {
    ChorusNode n0 = nodes.get(0);
    RoomState room = TestServices.await(new RoomClient(n0.vertx().eventBus(), "bench")
        .create(io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId("host").setTrackUrl("https://example.com/t.mp3").build(), false));
    String id = room.roomId();
    // the host starts playing at 30 s
    RoomClient rooms = new RoomClient(n0.vertx().eventBus(), "bench");
    TestServices.await(rooms.control(io.chorus.proto.room.SetPlaybackRequest.newBuilder().setRoomId(id).setAction("seek").setPositionMs(30_000).build(), ""));
    RoomState playing = TestServices.await(rooms.control(io.chorus.proto.room.SetPlaybackRequest.newBuilder().setRoomId(id).setAction("play").build(), ""));
    Random random = new Random(addedLatencyMs);
    WebSocketClient ws = client.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(10_000));
    List<CompletableFuture<long[]>> results = new ArrayList<>();
    for (int i = 0; i < LISTENERS; i++) {
      long skew = (long) ((random.nextDouble() * 2 - 1) * 5_000);
      int port = NodePorts.http(nodes.get(i % nodes.size()).vertx());
      results.add(listener(client, ws, port, id, "l" + i, skew, addedLatencyMs, sampleGapMs, random.nextLong()));
    }
    List<long[]> r = new ArrayList<>();
    for (CompletableFuture<long[]> f : results) {
      r.add(f.get(60, TimeUnit.SECONDS));
    }
    // all listeners compute the position for the same real instant
    long instant = System.currentTimeMillis() + 1000;
    long truePos = playing.positionAt(instant);
    long minSync = Long.MAX_VALUE, maxSync = Long.MIN_VALUE, minLocal = Long.MAX_VALUE, maxLocal = Long.MIN_VALUE, worst = 0;
    for (long[] x : r) {
      long skew = x[0], offset = x[1], positionMs = x[2], updatedAt = x[3];
      long localClockAtInstant = instant + skew;
      long synced = positionMs + (localClockAtInstant + offset - updatedAt);
      long naive = positionMs + (localClockAtInstant - updatedAt);
      minSync = Math.min(minSync, synced);
      maxSync = Math.max(maxSync, synced);
      minLocal = Math.min(minLocal, naive);
      maxLocal = Math.max(maxLocal, naive);
      worst = Math.max(worst, Math.abs(synced - truePos));
    }
    ws.close();
    return String.format("| %d ms | %d | %d | %d | %d | %d |", addedLatencyMs, LISTENERS, sampleGapMs, maxSync - minSync, maxLocal - minLocal, worst);
  }

  /** Connects, syncs the clock, returns {skew, estimated offset, position_ms, updated_at}. */
  static CompletableFuture<long[]> listener(Vertx vertx, WebSocketClient client, int port, String roomId, String user, long skew,
                                            int latencyMs, int sampleGapMs, long seed) {
    CompletableFuture<long[]> out = new CompletableFuture<>();
    Random jitter = new Random(seed);
    ClientWebSocket ws = client.webSocket();
    long[] best = {Long.MAX_VALUE, 0};
    int[] samples = {0};
    JsonObject[] info = new JsonObject[1];
    Runnable[] sendTime = new Runnable[1];
    sendTime[0] = () -> {
      long t0 = System.currentTimeMillis() + skew;
      later(vertx, latencyMs / 2, jitter, () -> ws.writeTextMessage(new JsonObject().put("type", "time").put("t0", t0).encode()));
    };
    ws.textMessageHandler(text -> later(vertx, latencyMs / 2, jitter, () -> {
      JsonObject m = new JsonObject(text);
      String type = m.getString("type");
      if ("room_info".equals(type)) {
        info[0] = m;
        sendTime[0].run();
      } else if ("time".equals(type)) {
        long t3 = System.currentTimeMillis() + skew;
        long t0 = m.getLong("t0"), t1 = m.getLong("t1"), t2 = m.getLong("t2");
        long delay = (t3 - t0) - (t2 - t1);
        if (delay < best[0]) {
          best[0] = delay;
          best[1] = ((t1 - t0) + (t2 - t3)) / 2;
        }
        if (++samples[0] < SAMPLES) {
          if (sampleGapMs > 0) {
            vertx.setTimer(sampleGapMs, t -> sendTime[0].run());
          } else {
            sendTime[0].run();
          }
        } else {
          JsonObject pb = info[0].getJsonObject("playback");
          out.complete(new long[] {skew, best[1], pb.getLong("position_ms"), pb.getLong("updated_at")});
          ws.close();
        }
      }
    }));
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws?room_id=" + roomId + "&user_id=" + user))
        .onFailure(out::completeExceptionally);
    return out;
  }

  static void later(Vertx vertx, int ms, Random jitter, Runnable r) {
    if (ms <= 0) {
      r.run();
      return;
    }
    vertx.setTimer(Math.max(1, ms + jitter.nextInt(11) - 5), t -> r.run());
  }
}

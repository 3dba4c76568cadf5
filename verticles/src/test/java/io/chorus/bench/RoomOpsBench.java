package io.chorus.bench;

import io.chorus.room.RoomEvents;
import io.chorus.room.RoomState;
import io.chorus.room.RoomStore;
import io.chorus.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Cost of one room change on the critical path of fan-out (scripts/bench-room-ops): the Lua script in
 * the real embedded Redis, the reply's transfer and its decoding into a {@link RoomState}, and the
 * event built from it — for rooms of 50, 1000 and 2000 members. Sequential calls, one at a time, so
 * each figure is the latency of one operation, not a throughput under load.
 */
public final class RoomOpsBench {
  public static void main(String[] args) throws Exception {
    int ops = Integer.getInteger("bench.ops", 500);
    Vertx vertx = Vertx.vertx();
    RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, "redis://" + TestServices.services().redis().address()));
    RoomStore store = new RoomStore(redis, 24);
    System.out.println("| members | join (µs, mean of the joins that filled the room) | control p50 (µs) | control p99 (µs) | get p50 (µs) | member check p50 (µs) | reply size (bytes) |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int n : new int[] {50, 1000, 2000}) {
      String roomId = "BENCH" + n;
      await(redis.del(java.util.List.of(RoomStore.key(roomId), RoomStore.key(roomId) + ":members")));
      await(store.create(roomId, "host", "Host", "https://example.org/a.mp3", n + 10, "bench", "node-a", true));
      long t0 = System.nanoTime();
      for (int i = 1; i < n; i++) {
        await(store.join(roomId, "user-" + i, "Listener " + i, i % 3 == 0 ? "node-a" : i % 3 == 1 ? "node-b" : "node-c", true, false));
      }
      double joinUs = (System.nanoTime() - t0) / 1000.0 / Math.max(1, n - 1);
      long[] control = time(ops, () -> store.control(roomId, "host", "seek", 1000)
          .map(room -> RoomEvents.playback(room, "seek", "host", System.currentTimeMillis()).encode()));
      long[] get = time(ops, () -> store.get(roomId).map(RoomState::roomId));
      long[] member = time(ops, () -> store.member(roomId, "user-7").map(RoomState::roomId));
      int size = await(store.get(roomId)).json().encode().length();
      System.out.printf("| %d | %.0f | %d | %d | %d | %d | %d |%n", n, joinUs, pct(control, 50), pct(control, 99), pct(get, 50), pct(member, 50), size);
    }
    vertx.close();
    System.exit(0);
  }

  private static long[] time(int ops, Supplier<Future<?>> op) throws Exception {
    for (int i = 0; i < ops / 5; i++) {
      await(op.get()); // warm-up
    }
    long[] out = new long[ops];
    for (int i = 0; i < ops; i++) {
      long t = System.nanoTime();
      await(op.get());
      out[i] = (System.nanoTime() - t) / 1000;
    }
    Arrays.sort(out);
    return out;
  }

  private static long pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
  }
}

package io.chorus.bench;

import io.chorus.ChorusNode;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What the SockJS bridge pays per REGISTER (scripts/bench-bus-registration): vertx-web's bridge calls
 * {@code EventBus.consumer(address)} for every REGISTER, which in a clustered Vert.x is a write to
 * Hazelcast's subscription map (and its removal a second one at UNREGISTER/close). Measured on a
 * 3-node cluster (in this JVM, real Hazelcast over loopback TCP): K consumers of one room address
 * registered on node 0, at most 200 in flight, until each registration's completion future
 * succeeds; the same with {@code localConsumer} (no cluster write), which is how Chorus's own
 * WebSocket path and its per-node fan-out address work.
 */
public final class BusRegistrationBench {
  public static void main(String[] args) throws Exception {
    int k = Integer.getInteger("bench.registrations", 5000);
    TestCluster cluster = TestCluster.start(3, Map.of());
    List<ChorusNode> nodes = cluster.nodes();
    try {
      EventBus bus = nodes.get(0).vertx().eventBus();
      System.out.println("| consumers | kind | registered in (s) | registrations/s | unregistered in (s) |");
      System.out.println("|---|---|---|---|---|");
      for (int round = 0; round < 2; round++) {
        run(nodes.get(0), k, "clustered `consumer` (what the bridge does per REGISTER)", (b, a) -> b.consumer(a, m -> { }), round == 1);
        run(nodes.get(0), k, "`localConsumer` (no cluster write)", (b, a) -> b.localConsumer(a, m -> { }), round == 1);
      }
    } finally {
      cluster.close();
      System.exit(0);
    }
  }

  private static void run(ChorusNode node, int k, String kind, BiFunction<EventBus, String, MessageConsumer<Object>> register,
                          boolean print) throws Exception {
    EventBus bus = node.vertx().eventBus();
    List<MessageConsumer<Object>> consumers = new ArrayList<>(k);
    long t0 = System.nanoTime();
    TestServices.await(bounded(node, k, i -> {
      MessageConsumer<Object> c = register.apply(bus, "client.room.BENCH" + (i % 100));
      synchronized (consumers) {
        consumers.add(c);
      }
      return c.completion();
    }));
    double reg = (System.nanoTime() - t0) / 1e9;
    long t1 = System.nanoTime();
    TestServices.await(bounded(node, k, i -> consumers.get(i).unregister()));
    double unreg = (System.nanoTime() - t1) / 1e9;
    if (print) {
      System.out.printf("| %d | %s | %.2f | %.0f | %.2f |%n", k, kind, reg, k / reg, unreg);
    }
  }

  /** Runs {@code op(0..k-1)} with at most 200 in flight, on the node's event loop; fails if any failed. */
  private static Future<Void> bounded(ChorusNode node, int k, java.util.function.IntFunction<Future<?>> op) {
    return InFlight.run(node.vertx(), k, 200, op)
        .compose(failed -> failed == 0 ? Future.<Void>succeededFuture() : Future.failedFuture(failed + " of " + k + " operations failed"));
  }
}

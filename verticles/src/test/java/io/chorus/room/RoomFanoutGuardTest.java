package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.realtime.SocketDrop;
import io.chorus.testing.TestServices;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RoomFanout's per-socket loop: a socket whose write throws (here a WebSocket that says it is open
 * but fails on every call, as a connection torn down under it can) is dropped, and the sockets after
 * it still get the event. Sockets are stand-ins for ServerWebSocket (the interface), the fan-out and
 * its bus consumer are real.
 */
public class RoomFanoutGuardTest {
  @Test
  void aSocketThatThrowsDoesNotStopTheOthers() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> written = new CopyOnWriteArrayList<>();
      // the fan-out is event-loop confined: everything runs on one context
      Context ctx = vertx.getOrCreateContext();
      RoomFanout fanout = onLoop(ctx, () -> new RoomFanout(vertx, new io.chorus.realtime.Hub(vertx), "guard-node"));
      TestServices.await(fanout.ready());
      SocketDrop drop = new SocketDrop(vertx, null);
      RoomFanout.RoomSocket first = new RoomFanout.RoomSocket("ROOM1", socket("first", written, false), drop, null);
      RoomFanout.RoomSocket broken = new RoomFanout.RoomSocket("ROOM1", socket("broken", written, true), drop, null);
      RoomFanout.RoomSocket last = new RoomFanout.RoomSocket("ROOM1", socket("last", written, false), drop, null);
      onLoop(ctx, () -> {
        for (RoomFanout.RoomSocket s : List.of(first, broken, last)) {
          fanout.add(s);
          s.infoSent(0);
        }
        return null;
      });
      for (int version = 1; version <= 2; version++) {
        vertx.eventBus().send(Addresses.roomFanout("guard-node"),
            new JsonObject().put("type", "play").put("room_id", "ROOM1").put("version", version));
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (written.stream().filter("last"::equals).count() < 2 && System.currentTimeMillis() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
      }
      assertThat(written).as("writes per socket, in order").containsExactly("first", "last", "first", "last");
      assertThat(onLoop(ctx, fanout::socketCount)).as("the broken socket is dropped").isEqualTo(2);
    } finally {
      TestServices.await(vertx.close());
    }
  }

  private static <T> T onLoop(Context ctx, java.util.function.Supplier<T> action) {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    ctx.runOnContext(v -> p.complete(action.get()));
    return TestServices.await(p.future());
  }

  /** A ServerWebSocket stand-in: records text writes by name, or throws on every write (and close) when {@code broken}. */
  public static ServerWebSocket socket(String name, List<String> written, boolean broken) {
    return (ServerWebSocket) Proxy.newProxyInstance(ServerWebSocket.class.getClassLoader(), new Class<?>[] {ServerWebSocket.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "isClosed" -> {
              return false;
            }
            case "hashCode" -> {
              return System.identityHashCode(proxy);
            }
            case "equals" -> {
              return proxy == args[0];
            }
            case "toString" -> {
              return name;
            }
            default -> {
            }
          }
          if (broken && (method.getName().startsWith("write") || method.getName().equals("close"))) {
            throw new IllegalStateException("WebSocket is closed");
          }
          return switch (method.getName()) {
            case "writeQueueFull" -> false;
            case "writeTextMessage", "writeBinaryMessage", "writeFrame" -> {
              written.add(name);
              yield Future.succeededFuture();
            }
            default -> method.getReturnType() == boolean.class ? false : null;
          };
        });
  }
}

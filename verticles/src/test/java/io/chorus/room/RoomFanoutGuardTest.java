package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.realtime.SocketDrop;
import io.chorus.testing.TestServices;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.chorus.testing.FakeWebSocket.onContext;
import static io.chorus.testing.FakeWebSocket.recording;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RoomFanout's per-socket loop: a socket whose write throws (here a WebSocket that says it is open
 * but fails on every call, as a connection torn down under it can) is dropped, and the sockets after
 * it still get the event. Sockets are stand-ins for ServerWebSocket (the interface), the fan-out and
 * its bus consumer are real.
 */
class RoomFanoutGuardTest {
  @Test
  void aSocketThatThrowsDoesNotStopTheOthers() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> written = new CopyOnWriteArrayList<>();
      // the fan-out is event-loop confined: everything runs on one context
      Context ctx = vertx.getOrCreateContext();
      RoomFanout fanout = onContext(ctx, () -> new RoomFanout(vertx, new io.chorus.realtime.Hub(vertx), "guard-node"));
      TestServices.await(fanout.ready());
      SocketDrop drop = new SocketDrop(vertx, null);
      RoomFanout.RoomSocket first = new RoomFanout.RoomSocket("ROOM1", recording("first", written, false), drop, null);
      RoomFanout.RoomSocket broken = new RoomFanout.RoomSocket("ROOM1", recording("broken", written, true), drop, null);
      RoomFanout.RoomSocket last = new RoomFanout.RoomSocket("ROOM1", recording("last", written, false), drop, null);
      onContext(ctx, () -> {
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
      assertThat(onContext(ctx, fanout::socketCount)).as("the broken socket is dropped").isEqualTo(2);
    } finally {
      TestServices.await(vertx.close());
    }
  }
}

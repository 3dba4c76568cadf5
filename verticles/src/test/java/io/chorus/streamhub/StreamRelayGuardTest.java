package io.chorus.streamhub;

import io.chorus.realtime.SocketDrop;
import io.chorus.room.RoomFanoutGuardTest;
import io.chorus.testing.TestServices;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * StreamRelay's per-operator loop: an operator socket whose write throws is dropped and the
 * operators after it still get every frame (stand-in sockets, see RoomFanoutGuardTest; the relay
 * and its bus consumers are real).
 */
class StreamRelayGuardTest {
  @Test
  void anOperatorThatThrowsDoesNotStopTheOthers() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> written = new CopyOnWriteArrayList<>();
      Context ctx = vertx.getOrCreateContext();
      StreamRelay relay = onLoop(ctx, () -> new StreamRelay(vertx, new io.chorus.realtime.Hub(vertx), 1 << 20, id -> Future.succeededFuture(null), null,
          new SocketDrop(vertx, null)));
      List<ServerWebSocket> operators = List.of(RoomFanoutGuardTest.socket("first", written, false),
          RoomFanoutGuardTest.socket("broken", written, true), RoomFanoutGuardTest.socket("last", written, false));
      for (ServerWebSocket ws : operators) {
        TestServices.await(onLoop(ctx, () -> relay.reserve("s1")));
        TestServices.await(onLoop(ctx, () -> relay.addOperator("s1", ws, null)));
      }
      onLoop(ctx, () -> {
        relay.publish("s1", StreamRelay.BINARY, Buffer.buffer("one"));
        relay.publish("s1", StreamRelay.BINARY, Buffer.buffer("two"));
        return null;
      });
      long deadline = System.currentTimeMillis() + 10_000;
      while (written.stream().filter("last"::equals).count() < 2 && System.currentTimeMillis() < deadline) {
        LockSupport.parkNanos(5_000_000);
      }
      assertThat(written).as("frames per operator, in order").containsExactly("first", "last", "first", "last");
      assertThat(onLoop(ctx, relay::operatorCount)).as("the broken operator is dropped").isEqualTo(2);
    } finally {
      TestServices.await(vertx.close());
    }
  }

  private static <T> T onLoop(Context ctx, Supplier<T> action) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> p.complete(action.get()));
    return TestServices.await(p.future());
  }
}

package io.chorus.streamhub;

import io.chorus.realtime.SocketDrop;
import io.chorus.testing.TestServices;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import static io.chorus.testing.FakeWebSocket.onContext;
import static io.chorus.testing.FakeWebSocket.recording;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * StreamRelay's per-operator loop: an operator socket whose write throws is dropped and the
 * operators after it still get every frame (stand-in sockets, see FakeWebSocket; the relay
 * and its bus consumers are real).
 */
class StreamRelayGuardTest {
  @Test
  void anOperatorThatThrowsDoesNotStopTheOthers() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> written = new CopyOnWriteArrayList<>();
      Context ctx = vertx.getOrCreateContext();
      StreamRelay relay = onContext(ctx, () -> new StreamRelay(vertx, new io.chorus.realtime.Hub(vertx), 1 << 20, id -> Future.succeededFuture(null), null,
          new SocketDrop(vertx, null)));
      List<ServerWebSocket> operators = List.of(recording("first", written, false),
          recording("broken", written, true), recording("last", written, false));
      for (ServerWebSocket ws : operators) {
        TestServices.await(onContext(ctx, () -> relay.reserve("s1")));
        TestServices.await(onContext(ctx, () -> relay.addOperator("s1", ws, null)));
      }
      onContext(ctx, () -> {
        relay.publish("s1", StreamRelay.BINARY, Buffer.buffer("one"));
        relay.publish("s1", StreamRelay.BINARY, Buffer.buffer("two"));
        return null;
      });
      long deadline = System.currentTimeMillis() + 10_000;
      while (written.stream().filter("last"::equals).count() < 2 && System.currentTimeMillis() < deadline) {
        LockSupport.parkNanos(5_000_000);
      }
      assertThat(written).as("frames per operator, in order").containsExactly("first", "last", "first", "last");
      assertThat(onContext(ctx, relay::operatorCount)).as("the broken operator is dropped").isEqualTo(2);
    } finally {
      TestServices.await(vertx.close());
    }
  }
}

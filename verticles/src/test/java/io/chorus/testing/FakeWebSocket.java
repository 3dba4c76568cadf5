package io.chorus.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ServerWebSocket;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.Supplier;

/**
 * Stand-ins for a server WebSocket (the interface) for tests of a per-socket loop, where a real
 * connection cannot be made to fail on demand; and a way to run such a loop's calls on its context.
 */
public final class FakeWebSocket {
  private FakeWebSocket() {
  }

  /** A ServerWebSocket stand-in: records text writes by name, or throws on every write (and close) when {@code broken}. */
  public static ServerWebSocket recording(String name, List<String> written, boolean broken) {
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

  /** Runs {@code action} on {@code ctx} (event-loop confined code) and waits for its result. */
  public static <T> T onContext(Context ctx, Supplier<T> action) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> {
      try {
        p.complete(action.get());
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return TestServices.await(p.future());
  }
}

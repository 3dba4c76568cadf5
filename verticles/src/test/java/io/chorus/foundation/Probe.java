package io.chorus.foundation;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Blocking HTTP probes of a node's endpoints and a deadline-bounded poll, for the foundation tests. */
final class Probe {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Probe() {
  }

  record Response(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  static Response get(ChorusNode node, String path) {
    int port = NodePorts.http(node.vertx());
    if (port <= 0) {
      throw new AssertionError("node " + node.nodeId() + " published no HTTP port");
    }
    return get(port, path);
  }

  static Response get(int port, String path) {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(15)).GET().build();
    try {
      HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
      return new Response(res.statusCode(), res.body());
    } catch (IOException e) {
      throw new AssertionError("GET " + path + " on port " + port + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Calls {@code probe} until its result satisfies {@code done} or the deadline passes; returns the
   * satisfying result, or fails with the last one seen.
   */
  static <T> T until(Duration timeout, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    Throwable lastError = null;
    while (true) {
      try {
        last = probe.get();
        lastError = null;
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException | AssertionError e) {
        lastError = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError failure = new AssertionError("condition not met within " + timeout.toMillis() + " ms; last result: " + last);
        if (lastError != null) {
          failure.initCause(lastError);
        }
        throw failure;
      }
      pause(200);
    }
  }

  /** The poll interval between two checks of a condition (never a synchronisation point). */
  private static void pause(long ms) {
    java.util.concurrent.locks.LockSupport.parkNanos(ms * 1_000_000L);
    if (Thread.interrupted()) {
      throw new AssertionError("interrupted while polling");
    }
  }
}

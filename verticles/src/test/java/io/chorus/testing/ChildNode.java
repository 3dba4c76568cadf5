package io.chorus.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A Chorus node in its own JVM (the real main class), so a test can kill -9 it. */
public final class ChildNode implements AutoCloseable {
  public final Process process;
  public final int httpPort;
  public final Path log;

  private ChildNode(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  public static ChildNode start(Map<String, String> env, int httpPort, Path log) {
    return start(env, httpPort, log, "-Xmx512m");
  }

  public static ChildNode start(Map<String, String> env, int httpPort, Path log, String... jvmArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of(jvmArgs));
    cmd.add("-cp");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    cmd.add("io.chorus.Main");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("HTTP_PORT", Integer.toString(httpPort));
    try {
      return new ChildNode(pb.start(), httpPort, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls /ready until it answers 200 with the expected member count, or fails at the deadline. */
  public void awaitReady(int members, Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("child node exited with " + process.exitValue() + "; log " + log);
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
            .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.body();
        if (r.statusCode() == 200 && last.contains("\"members\":" + members)) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("child node not ready with " + members + " members within " + timeout + ": " + last);
  }

  /** SIGKILL: no shutdown hook, no graceful cluster leave. */
  public void kill9() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill9();
  }

  static String pathSeparator() {
    return File.pathSeparator;
  }
}

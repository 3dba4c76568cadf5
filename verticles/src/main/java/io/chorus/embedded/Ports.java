package io.chorus.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Port helpers for starting services on loopback. */
public final class Ports {
  private Ports() {
  }

  /** {@code port} itself, or a free ephemeral port when {@code port} is 0. */
  public static int orFree(int port) {
    if (port != 0) {
      return port;
    }
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  public static boolean isOpen(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Waits until a TCP connect to host:port succeeds, while the process that should open it is
   * alive. Polling is the only portable signal a child process gives that it accepts connections.
   */
  public static void awaitOpen(String what, String host, int port, Process process, Duration timeout) {
    awaitOpen(what, host, port, process, timeout, null);
  }

  /** As above; when the process dies, the exception carries the last lines of its log so CI output shows why. */
  public static void awaitOpen(String what, String host, int port, Process process, Duration timeout, java.nio.file.Path log) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (isOpen(host, port)) {
        return;
      }
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(what + " exited with code " + process.exitValue() + " before opening port " + port
            + tail(log));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what);
      }
    }
    throw new IllegalStateException(what + " did not open port " + port + " within " + timeout.toSeconds() + " s");
  }

  private static String tail(java.nio.file.Path log) {
    if (log == null || !java.nio.file.Files.isReadable(log)) {
      return "";
    }
    try {
      java.util.List<String> lines = java.nio.file.Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1);
      return "; last lines of " + log + ":\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 12), lines.size()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return "; log " + log + " unreadable: " + e.getMessage();
    }
  }
}

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
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (isOpen(host, port)) {
        return;
      }
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(what + " exited with code " + process.exitValue() + " before opening port " + port);
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
}

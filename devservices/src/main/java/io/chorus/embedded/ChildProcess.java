package io.chorus.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A service process started by Chorus: output goes to a log file under the data directory, and its
 * pid is recorded so a later start can stop an orphan left by a killed parent (kill -9 runs no hooks).
 */
final class ChildProcess {
  private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);

  private final String name;
  private Process process;
  private final Path pidFile;
  private final Path logFile;
  private final ProcessBuilder builder;

  private ChildProcess(String name, Process process, Path pidFile, Path logFile, ProcessBuilder builder) {
    this.name = name;
    this.process = process;
    this.pidFile = pidFile;
    this.logFile = logFile;
    this.builder = builder;
  }

  /** Exit code 126 (via setsid): the kernel would not run the binary, ETXTBSY ("text file busy"). */
  private static final int TEXT_FILE_BUSY = 126;

  static ChildProcess start(String name, List<String> command, Path workDir, Path logFile, Path pidFile) {
    killOrphan(name, pidFile);
    try {
      Files.createDirectories(logFile.getParent());
      // own session: a Ctrl-C on the terminal reaches only Chorus, which stops the node first
      // and then its services, in that order
      List<String> detached = new ArrayList<>();
      if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
        detached.add("/usr/bin/setsid");
      }
      detached.addAll(command);
      ProcessBuilder pb = new ProcessBuilder(detached)
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      Process p = pb.start();
      Files.writeString(pidFile, Long.toString(p.pid()));
      LOG.debug("Started {} (pid {}): {}", name, p.pid(), command);
      return new ChildProcess(name, p, pidFile, logFile, pb);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until the service accepts TCP connections on 127.0.0.1:{@code port}; if it dies first, the
   * failure carries the end of its log, so a CI run shows why without the data directory.
   */
  void awaitPort(int port, Duration timeout) {
    for (int attempt = 1; ; attempt++) {
      try {
        Ports.awaitOpen(name, "127.0.0.1", port, process, timeout);
        return;
      } catch (IllegalStateException e) {
        if (process.isAlive()) {
          throw e;
        }
        // a binary just extracted: a child another thread forked while the copy was open for writing holds that
        // descriptor until it execs, and the kernel refuses to run the file meanwhile (the services start in parallel)
        if (process.exitValue() == TEXT_FILE_BUSY && attempt < 5) {
          LOG.info("{} could not be run yet (text file busy); starting it again", name);
          restart(attempt);
          continue;
        }
        throw new IllegalStateException(e.getMessage() + "; last lines of " + logFile + ":\n" + tail(logFile), e);
      }
    }
  }

  private void restart(int attempt) {
    try {
      Thread.sleep(100L * attempt);   // back-off for the other child to exec
      process = builder.start();
      Files.writeString(pidFile, Long.toString(process.pid()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting " + name);
    }
  }

  /** Runs a command to completion (e.g. initdb, storage format); fails with its output on error. */
  static void run(String name, List<String> command, Path workDir, Path logFile, long timeoutSeconds) {
    try {
      Files.createDirectories(logFile.getParent());
      ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      Process p = null;
      for (int attempt = 1; p == null; attempt++) {
        try {
          p = pb.start();
        } catch (IOException e) {
          // error=26, ETXTBSY: a binary just extracted, held open for writing by another thread's fork (see awaitPort)
          if (attempt == 5 || e.getMessage() == null || !e.getMessage().contains("error=26")) {
            throw e;
          }
          Thread.sleep(100L * attempt);
        }
      }
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(name + " did not finish within " + timeoutSeconds + " s (log: " + logFile + ")");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(name + " failed with exit code " + p.exitValue() + ": " + tail(logFile));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + name + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + name);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  void stop(long graceSeconds) {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
          LOG.warn("{} did not stop within {} s, killing it", name, graceSeconds);
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException ignored) {
      // a stale pid file is checked against the live process list on the next start
    }
  }

  private static void killOrphan(String name, Path pidFile) {
    if (!Files.exists(pidFile)) {
      return;
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      Optional<ProcessHandle> handle = ProcessHandle.of(pid);
      if (handle.isPresent() && handle.get().isAlive()) {
        LOG.warn("Stopping orphaned {} (pid {}) left by an earlier run", name, pid);
        handle.get().destroy();
        handle.get().onExit().get(15, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.warn("Could not check the old {} pid file {}: {}", name, pidFile, e.getMessage());
    }
  }

  static String tail(Path logFile) {
    try {
      // any bytes: a service's log need not be UTF-8
      List<String> lines = Files.readAllLines(logFile, java.nio.charset.StandardCharsets.ISO_8859_1);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** The java binary and classpath of this JVM, for child JVMs that run bundled services. */
  static List<String> javaCommand(String... jvmArgs) {
    String javaBin = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    String classpath = java.util.Arrays.stream(
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator))
        .filter(e -> !e.isBlank())
        .map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(File.pathSeparator));
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin);
    cmd.addAll(List.of(jvmArgs));
    cmd.add("-cp");
    cmd.add(classpath);
    return cmd;
  }

  static String pathSeparator() {
    return File.pathSeparator;
  }
}

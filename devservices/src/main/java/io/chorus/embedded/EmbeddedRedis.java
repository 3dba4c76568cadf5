package io.chorus.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * A real redis-server (6.2, the linux-amd64 binary shipped in the embedded-redis artifact) on
 * loopback, with append-only persistence under {@code <data>/redis}.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final String BINARY_RESOURCE = "redis-server-6.2.6-v5-linux-amd64";

  private final Path dataDir;
  private final int port;
  private ChildProcess process;

  EmbeddedRedis(Path dataDir, int port) {
    this.dataDir = dataDir;
    this.port = port;
  }

  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    Path binary = extractBinary(dataDir.resolve("bin"));
    Path dir = dataDir.resolve("redis");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    process = ChildProcess.start("redis", List.of(binary.toString(),
            "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
            "--appendonly", "yes", "--save", "", "--protected-mode", "no", "--daemonize", "no"),
        dir, dataDir.resolve("logs/redis.log"), dataDir.resolve("redis.pid"));
    process.awaitPort(port, Duration.ofSeconds(20));
  }

  /** Stops the server (SIGTERM: Redis flushes the append-only file first). */
  public synchronized void stop() {
    if (process != null) {
      process.stop(10);
      process = null;
    }
  }

  public int port() {
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    stop();
  }

  private static Path extractBinary(Path binDir) {
    Path target = binDir.resolve("redis-server-6.2.6");
    if (Files.isExecutable(target)) {
      return target;
    }
    try (InputStream in = EmbeddedRedis.class.getClassLoader().getResourceAsStream(BINARY_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the redis-server binary " + BINARY_RESOURCE + " is not on the classpath");
      }
      Files.createDirectories(binDir);
      Path tmp = Files.createTempFile(binDir, "redis-server", ".tmp");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract redis-server: " + e.getMessage(), e);
    }
  }
}

package io.chorus.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real S3-protocol server (S3Proxy with its filesystem store, in a child JVM) on loopback, with
 * objects under {@code <data>/s3}. Requests are signature-checked (AWS v2 or v4) with the configured
 * access and secret keys, as MinIO would.
 */
public final class EmbeddedS3 implements AutoCloseable {
  private final Path dataDir;
  private final int port;
  private final String accessKey;
  private final String secretKey;
  private ChildProcess process;

  EmbeddedS3(Path dataDir, int port, String accessKey, String secretKey) {
    this.dataDir = dataDir;
    this.port = port;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    Path store = dataDir.resolve("s3");
    Path config = dataDir.resolve("s3proxy.properties");
    try {
      Files.createDirectories(store);
      Files.writeString(config, String.join("\n",
          "s3proxy.endpoint=http://127.0.0.1:" + port,
          "s3proxy.authorization=aws-v2-or-v4",
          "s3proxy.identity=" + accessKey,
          "s3proxy.credential=" + secretKey,
          "jclouds.provider=filesystem-nio2",
          "jclouds.identity=" + accessKey,
          "jclouds.credential=" + secretKey,
          "jclouds.filesystem.basedir=" + store,
          ""));
      Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>(ChildProcess.javaCommand("-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-Dlogback.configurationFile=conf/logback.xml"));
    cmd.addAll(List.of("org.gaul.s3proxy.Main", "--properties", config.toString()));
    process = ChildProcess.start("s3proxy", cmd, dataDir, dataDir.resolve("logs/s3proxy.log"), dataDir.resolve("s3proxy.pid"));
    process.awaitPort(port, Duration.ofSeconds(60));
  }

  public synchronized void stop() {
    if (process != null) {
      process.stop(10);
      process = null;
    }
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    stop();
  }
}

package io.chorus.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A real single-node Kafka (KRaft: combined broker and controller) in a child JVM built from the
 * kafka_2.13 artifact on this JVM's classpath, with its log under {@code <data>/kafka}.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Path dataDir;
  private final int port;
  private final int controllerPort;
  private ChildProcess process;

  EmbeddedKafka(Path dataDir, int port, int controllerPort) {
    this.dataDir = dataDir;
    this.port = port;
    this.controllerPort = controllerPort;
  }

  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    Path logDir = dataDir.resolve("kafka");
    Path config = dataDir.resolve("kafka.properties");
    Path log = dataDir.resolve("logs/kafka.log");
    try {
      Files.createDirectories(logDir);
      Files.writeString(config, properties(logDir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      List<String> format = new ArrayList<>(ChildProcess.javaCommand("-Xmx256m", "-XX:TieredStopAtLevel=1",
          "-Dlogback.configurationFile=conf/logback.xml"));
      format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", config.toString(), "--ignore-formatted"));
      ChildProcess.run("kafka storage format", format, dataDir, log, 120);
    }
    List<String> cmd = new ArrayList<>(ChildProcess.javaCommand("-Xms128m", "-Xmx768m", "-XX:+UseG1GC",
        "-Dlogback.configurationFile=conf/logback.xml"));
    cmd.addAll(List.of("kafka.Kafka", config.toString()));
    process = ChildProcess.start("kafka", cmd, dataDir, log, dataDir.resolve("kafka.pid"));
    process.awaitPort(port, Duration.ofSeconds(90));
  }

  private String properties(Path logDir) {
    return String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + logDir,
        "num.partitions=3",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        "") ;
  }

  /**
   * Kafka wants a base64 UUID (22 chars, url-safe, no padding). One starting with '-' would be read
   * as an option by the storage tool's argument parser, so those are drawn again.
   */
  private static String clusterId() {
    while (true) {
      UUID u = UUID.randomUUID();
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
      String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
      if (Character.isLetterOrDigit(id.charAt(0))) {
        return id;
      }
    }
  }

  public synchronized void stop() {
    if (process != null) {
      process.stop(30);
      process = null;
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    stop();
  }
}

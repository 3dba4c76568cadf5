package io.chorus.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real single-node OpenSearch 2.19 in a child JVM (module opensearch-node: the Maven Central server
 * artifacts and a main class that builds the node with its Netty and common-analysis plugins), on its
 * own classpath, which the build wrote into the resource {@code chorus-opensearch.classpath}: the
 * server's Lucene, Netty and Jackson never meet this JVM's. Data under {@code <data>/opensearch}.
 */
public final class EmbeddedOpenSearch implements AutoCloseable {
  static final String MAIN = "io.chorus.embedded.opensearch.OpenSearchNodeMain";
  private static final String CLASSPATH = "chorus-opensearch.classpath";
  private final Path dataDir;
  private final int port;
  private ChildProcess process;

  EmbeddedOpenSearch(Path dataDir, int port) {
    this.dataDir = dataDir;
    this.port = port;
  }

  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
    // small heap: a development node holds a few thousand documents
    cmd.addAll(List.of("-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
        "-Dlog4j2.disable.jmx=true", "-Dlog4j.shutdownHookEnabled=false", "-cp", classpath(), MAIN,
        Integer.toString(port), dataDir.resolve("opensearch").toString(), "chorus-dev-" + port));
    process = ChildProcess.start("opensearch", cmd, dataDir, dataDir.resolve("logs/opensearch.log"), dataDir.resolve("opensearch.pid"));
    // the first start on a cold machine loads and JITs a large server: minutes on 2 busy cores
    process.awaitPort(port, Duration.ofSeconds(240));
  }

  /** The server's jars (resolved by Maven at build time), then the main class's own jar or folder. */
  static String classpath() {
    ClassLoader loader = EmbeddedOpenSearch.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(CLASSPATH)) {
      if (in == null) {
        throw new IllegalStateException(CLASSPATH + " is not on the classpath: build the opensearch-node module");
      }
      String jars = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      URL main = loader.getResource(MAIN.replace('.', '/') + ".class");
      if (main == null) {
        throw new IllegalStateException(MAIN + " is not on the classpath");
      }
      return jars + ChildProcess.pathSeparator() + root(main, MAIN.replace('.', '/') + ".class");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The jar or folder a class file was loaded from. */
  private static String root(URL url, String entry) {
    try {
      String s = url.toString();
      if (s.startsWith("jar:")) {
        return Path.of(java.net.URI.create(s.substring(4, s.indexOf("!/")))).toString();
      }
      Path file = Path.of(url.toURI());
      Path root = file;
      for (int i = 0; i < entry.split("/").length; i++) {
        root = root.getParent();
      }
      return root.toString();
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("cannot locate " + url, e);
    }
  }

  public int port() {
    return port;
  }

  /** The node's REST endpoint, as {@code SEARCH_URL}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      process.stop(20);
    }
  }
}

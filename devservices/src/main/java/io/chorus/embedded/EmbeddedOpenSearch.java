package io.chorus.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * A real single-node OpenSearch 2.19 in a child JVM (module opensearch-node: the Maven Central server
 * artifacts and a main class that builds the node with its Netty, common-analysis and k-NN plugins), on
 * its own classpath, which the build wrote into the resource {@code chorus-opensearch.classpath}: the
 * server's Lucene, Netty and Jackson never meet this JVM's. Plugin jars that ship inside the module
 * ({@code plugins/*.jar}: k-NN) join that classpath, copied out under {@code <data>/opensearch-plugins}
 * when the module is a jar. Data under {@code <data>/opensearch}.
 */
public final class EmbeddedOpenSearch implements AutoCloseable {
  static final String MAIN = "io.chorus.embedded.opensearch.OpenSearchNodeMain";
  private static final String CLASSPATH = "chorus-opensearch.classpath";
  private static final String PLUGINS = "plugins";
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
        "-Dlog4j2.disable.jmx=true", "-Dlog4j.shutdownHookEnabled=false", "-cp", classpath(dataDir.resolve("opensearch-plugins")), MAIN,
        Integer.toString(port), dataDir.resolve("opensearch").toString(), "chorus-dev-" + port));
    process = ChildProcess.start("opensearch", cmd, dataDir, dataDir.resolve("logs/opensearch.log"), dataDir.resolve("opensearch.pid"));
    // the first start on a cold machine loads and JITs a large server: minutes on 2 busy cores
    process.awaitPort(port, Duration.ofSeconds(240));
  }

  /** The server's jars (resolved by Maven at build time), the main class's own jar or folder, then the plugin jars in it. */
  static String classpath(Path pluginDir) {
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
      Path root = Path.of(root(main, MAIN.replace('.', '/') + ".class"));
      StringBuilder cp = new StringBuilder(jars).append(ChildProcess.pathSeparator()).append(root);
      for (Path plugin : plugins(root, pluginDir)) {
        cp.append(ChildProcess.pathSeparator()).append(plugin);
      }
      return cp.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code plugins/*.jar} of the module: in its folder, or copied out of its jar into {@code pluginDir}. */
  static List<Path> plugins(Path root, Path pluginDir) throws IOException {
    List<Path> out = new ArrayList<>();
    if (Files.isDirectory(root)) {
      Path dir = root.resolve(PLUGINS);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> list = Files.list(dir)) {
          list.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().forEach(out::add);
        }
      }
      return out;
    }
    try (JarFile jar = new JarFile(root.toFile())) {
      for (JarEntry e : Collections.list(jar.entries())) {
        String name = e.getName();
        if (!e.isDirectory() && name.startsWith(PLUGINS + "/") && name.endsWith(".jar") && name.indexOf('/', PLUGINS.length() + 1) < 0) {
          Path target = pluginDir.resolve(name.substring(PLUGINS.length() + 1));
          // a jar of that name and size is the one copied before (the name carries the plugin's version)
          if (!Files.exists(target) || Files.size(target) != e.getSize()) {
            Files.createDirectories(pluginDir);
            Path tmp = Files.createTempFile(pluginDir, "plugin", ".tmp");
            try (InputStream in = jar.getInputStream(e)) {
              Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          }
          out.add(target);
        }
      }
    }
    out.sort(null);
    return out;
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

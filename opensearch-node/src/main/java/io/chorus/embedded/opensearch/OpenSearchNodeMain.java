package io.chorus.embedded.opensearch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A single-node OpenSearch server from the Maven Central artifacts, for development and tests only:
 * {@code OpenSearchNodeMain <http port> <home dir> <cluster name>}. The plugins a distribution loads from
 * its modules folder are given as classes instead (HTTP/transport over Netty, the common analysis
 * chain: stemmers, ascii folding, edge n-grams, mapping char filters). Runs until SIGTERM.
 */
public final class OpenSearchNodeMain {
  /**
   * The k-NN plugin (the {@code knn_vector} field, HNSW search): its jar is not a compile dependency (Maven
   * Central has it only inside the plugin zip), devservices puts it on the classpath.
   */
  static final String KNN_PLUGIN = "org.opensearch.knn.plugin.KNNPlugin";

  private OpenSearchNodeMain() {
  }

  /** Node's plugin constructor is protected: a subclass is the documented way to embed it with classpath plugins. */
  private static final class EmbeddedNode extends Node {
    EmbeddedNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
      super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "chorus-dev"), plugins, true);
    }
  }

  public static void main(String[] args) throws Exception {
    int httpPort = Integer.parseInt(args[0]);
    Path home = Path.of(args[1]).toAbsolutePath();
    Files.createDirectories(home.resolve("data"));
    Files.createDirectories(home.resolve("logs"));
    Settings settings = Settings.builder()
        .put("cluster.name", args[2])
        .put("node.name", "chorus-dev")
        .put("path.home", home.toString())
        .put("path.data", home.resolve("data").toString())
        .put("path.logs", home.resolve("logs").toString())
        .put("discovery.type", "single-node")
        .put("network.host", "127.0.0.1")
        .put("http.port", httpPort)
        .put("transport.port", "0")
        .put("http.type", "netty4")
        .put("transport.type", "netty4")
        // a developer's or CI's disk may be fuller than a production node's watermarks allow
        .put("cluster.routing.allocation.disk.threshold_enabled", false)
        .put("action.auto_create_index", false)
        .build();
    LogConfigurator.registerErrorListener();
    LogConfigurator.configureWithoutConfig(settings);
    List<Class<? extends Plugin>> plugins = new ArrayList<>(List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
    plugins.add(Class.forName(KNN_PLUGIN).asSubclass(Plugin.class));
    Node node = new EmbeddedNode(settings, plugins);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        System.err.println("closing the OpenSearch node failed: " + e);
      } finally {
        stopped.countDown();
      }
    }, "opensearch-stop"));
    node.start();
    System.out.println("OpenSearch node started, HTTP on 127.0.0.1:" + httpPort);
    stopped.await();
  }
}

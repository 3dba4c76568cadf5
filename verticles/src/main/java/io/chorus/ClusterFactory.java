package io.chorus;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.chorus.config.ChorusConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Builds the Hazelcast configuration from {@code conf/cluster.xml} plus the node's settings. */
final class ClusterFactory {
  static final String CLUSTER_XML = "conf/cluster.xml";

  private ClusterFactory() {
  }

  static Config hazelcastConfig(ChorusConfig.Cluster cluster) {
    Config config;
    try (InputStream in = ClusterFactory.class.getClassLoader().getResourceAsStream(CLUSTER_XML)) {
      if (in == null) {
        throw new IllegalStateException(CLUSTER_XML + " is missing from the classpath");
      }
      config = new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    config.setClusterName(cluster.name());
    config.getNetworkConfig().setPort(cluster.hazelcastPort()).setPortAutoIncrement(true);
    config.getNetworkConfig().getInterfaces().setEnabled(false);
    config.setProperty("hazelcast.local.localAddress", cluster.host());
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    if (cluster.kubernetes()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-name", cluster.kubernetesService());
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    }
    return config;
  }
}

package io.chorus.testing;

import io.chorus.ChorusNode;
import io.chorus.config.ChorusConfig;
import io.chorus.embedded.Ports;
import io.chorus.gateway.NodePorts;
import io.grpc.ManagedChannel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Chorus nodes forming one cluster of their own (unique cluster name, own member ports) on the
 * shared {@link TestServices}, with a client Vert.x for the test's own HTTP, WebSocket and Redis
 * clients. {@link #close} closes the client, then every node. {@link ChorusExtension} makes one per
 * {@link ChorusCluster} annotation; tests that start nodes in a loop or by hand use {@link #start}.
 */
public final class TestCluster implements AutoCloseable {
  private final List<ChorusNode> nodes;
  private final Map<String, ?> config;
  private final String name;
  private final String members;
  /** Member ports reserved for nodes in child JVMs ({@link #startChild}). */
  private final List<Integer> childPorts;
  private final Map<Integer, ManagedChannel> channels = new HashMap<>();
  private Vertx client;
  private Rest rest;
  private RedisAPI redis;
  private io.vertx.sqlclient.Pool pg;

  private TestCluster(List<ChorusNode> nodes, Map<String, ?> config, String name, String members, List<Integer> childPorts) {
    this.nodes = Collections.unmodifiableList(nodes);
    this.config = config;
    this.name = name;
    this.members = members;
    this.childPorts = childPorts;
  }

  /** {@code n} clustered nodes with the same configuration overrides (env names to values). */
  public static TestCluster start(int n, Map<String, ?> config) {
    return start(n, config, List.of());
  }

  /**
   * {@code n} clustered nodes; {@code roles}, if not empty, gives each node its {@code CHORUS_ROLES}
   * (one entry for all nodes, or one per node).
   */
  public static TestCluster start(int n, Map<String, ?> config, List<String> roles) {
    return start(n, config, roles, 0);
  }

  /**
   * {@code n} nodes in this JVM and {@code children} member slots for nodes a test starts in child JVMs
   * with {@link #startChild} (to kill them with -9); the in-process nodes start now, the children join later.
   */
  public static TestCluster start(int n, Map<String, ?> config, List<String> roles, int children) {
    if (n < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, got " + n);
    }
    if (!roles.isEmpty() && roles.size() != 1 && roles.size() != n) {
      throw new IllegalArgumentException("roles must name one role set for all nodes or one per node, got " + roles.size() + " for " + n);
    }
    String name = "test-" + UUID.randomUUID();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < n + children; i++) {
      ports.add(Ports.orFree(0));
    }
    String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<ChorusNode> started = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        JsonObject json = TestServices.nodeJson(config).put("HZ_CLUSTER_NAME", name).put("HZ_PORT", ports.get(i)).put("HZ_MEMBERS", members);
        if (!roles.isEmpty()) {
          json.put("CHORUS_ROLES", roles.get(roles.size() == 1 ? 0 : i));
        }
        started.add(TestServices.await(ChorusNode.start(ChorusConfig.parse(json))));
      }
    } catch (RuntimeException | AssertionError e) {
      // the nodes that did start must not outlive a failed start (they hold ports and cluster members)
      new TestCluster(started, config, name, members, List.of()).close();
      throw e;
    }
    return new TestCluster(started, config, name, members, List.copyOf(ports.subList(n, n + children)));
  }

  public List<ChorusNode> nodes() {
    return nodes;
  }

  public int size() {
    return nodes.size();
  }

  public ChorusNode node(int i) {
    return nodes.get(i);
  }

  /** The first node (the only one of a one-node cluster). */
  public ChorusNode node() {
    return node(0);
  }

  /** The HTTP port node {@code i} bound. */
  public int port(int i) {
    return NodePorts.http(node(i).vertx());
  }

  public int port() {
    return port(0);
  }

  public int grpcPort(int i) {
    return NodePorts.grpc(node(i).vertx());
  }

  /** The configuration the nodes run with (the same on every node but for ports and roles). */
  public ChorusConfig config() {
    return node().config();
  }

  /** A Vert.x instance of the test's own (not a node's), for its clients; closed with the cluster. */
  public synchronized Vertx client() {
    if (client == null) {
      client = Vertx.vertx();
    }
    return client;
  }

  /** A blocking JSON REST client on {@link #client()}. */
  public synchronized Rest rest() {
    if (rest == null) {
      rest = new Rest(client());
    }
    return rest;
  }

  /** A Redis client on {@link #client()} to the nodes' Redis (to read keys or clear counters). */
  public synchronized RedisAPI redis() {
    if (redis == null) {
      redis = RedisAPI.api(Redis.createClient(client(), config().redis().connectionStrings().get(0)));
    }
    return redis;
  }

  /** A PostgreSQL pool on {@link #client()} to the nodes' database, for plain classes under test; closed with the cluster. */
  public synchronized io.vertx.sqlclient.Pool pg() {
    if (pg == null) {
      ChorusConfig.Db db = config().db();
      pg = io.vertx.pgclient.PgBuilder.pool().connectingTo(new io.vertx.pgclient.PgConnectOptions().setHost(db.host()).setPort(db.port())
          .setUser(db.user()).setPassword(db.password()).setDatabase(db.database())).using(client()).build();
    }
    return pg;
  }

  /** A plaintext grpc-java channel to node {@code i}'s gRPC port (one per node); shut down with the cluster. */
  public synchronized ManagedChannel channel(int i) {
    return channels.computeIfAbsent(i, k -> GrpcClients.channel(node(k)));
  }

  public ManagedChannel channel() {
    return channel(0);
  }

  /** Rows of a parameterised query on the nodes' PostgreSQL. */
  public List<Map<String, Object>> sql(String query, Object... params) {
    return Sql.query(config().db(), query, params);
  }

  /**
   * Starts the child-JVM node of member slot {@code k} with the cluster's configuration (log under
   * target/, named after {@code logPrefix}); the caller closes (or kills) it.
   */
  public ChildNode startChild(int k, String logPrefix) {
    Map<String, String> env = new HashMap<>(TestServices.services().environment());
    config.forEach((key, v) -> env.put(key, String.valueOf(v)));
    env.put("HZ_CLUSTER_NAME", name);
    env.put("HZ_PORT", Integer.toString(childPorts.get(k)));
    env.put("HZ_MEMBERS", members);
    env.put("GRPC_PORT", Integer.toString(Ports.orFree(0)));
    return ChildNode.start(env, Ports.orFree(0), Path.of("target", logPrefix + "-" + UUID.randomUUID() + ".log"));
  }

  /** Closes the client, then every node; a node that fails to close does not keep the others open. */
  @Override
  public synchronized void close() {
    AssertionError failure = null;
    for (ManagedChannel channel : channels.values()) {
      try {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
    if (pg != null) {
      try {
        TestServices.await(pg.close());
      } catch (AssertionError e) {
        failure = e;
      }
      pg = null;
    }
    if (client != null) {
      try {
        TestServices.await(client.close());
      } catch (AssertionError e) {
        failure = e;
      }
      client = null;
    }
    for (ChorusNode node : nodes) {
      try {
        TestServices.await(node.close());
      } catch (AssertionError e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}

package io.chorus.platform;

import io.chorus.config.ChorusConfig;
import io.vertx.core.Future;
import io.vertx.grpc.server.Service;

import java.util.List;
import java.util.Set;

/**
 * One product feature (listen rooms, conference and chat, the stream hub, accounts, the library, ...) as a
 * module: it parses its own config record, brings its own migrations, verticles, routes, gRPC services
 * and readiness checks, and publishes the API other features may use. Only the composition root
 * ({@code io.chorus.ChorusNode}) knows every feature; a feature imports the platform and, where it must,
 * another feature's published API — never the composition root.
 */
public interface Feature {

  /** A short name for logs and errors, e.g. {@code "library"}. */
  String name();

  /**
   * The names of the features whose published API this one needs ({@link NodeContext#api}); a node's
   * {@code CHORUS_FEATURES} must list them too. Optional APIs ({@link NodeContext#apiOr}) are not needs.
   */
  default Set<String> needs() {
    return Set.of("accounts");
  }

  /** Parses the feature's typed config record from {@link ChorusConfig#source()}; throws naming the bad variable. */
  default void validate(ChorusConfig config) {
  }

  /**
   * Classpath folders holding this feature's Flyway migrations, e.g. {@code "db/library"}. Versions are
   * unique across all features (one schema history), so a new feature takes the next free number.
   */
  default List<String> migrations() {
    return List.of();
  }

  /**
   * Once per node, in the composition root's order (a feature after the ones whose API it uses):
   * builds its services, {@linkplain NodeContext#publish publishes} its API, {@linkplain NodeContext#deploy
   * queues} its verticles and {@linkplain NodeContext#check adds} its readiness checks.
   */
  default Future<Void> start(NodeContext node) {
    return Future.succeededFuture();
  }

  /** The gRPC services of a node with the gateway role, built once per gRPC verticle instance. */
  default List<Service> grpcServices(NodeContext node) {
    return List.of();
  }

  /**
   * The names of those of its gRPC services that also take a signed-in user's access JWT in place of the API
   * key (the call then acts as that user); every other service needs the key.
   */
  default java.util.Set<String> grpcUserServices() {
    return java.util.Set.of();
  }

  /**
   * Mounts the feature's HTTP and WebSocket routes on one gateway instance (called on that instance's
   * event loop); completes when the bus consumers those routes need are registered.
   */
  default Future<Void> mount(GatewayContext gateway) {
    return Future.succeededFuture();
  }
}

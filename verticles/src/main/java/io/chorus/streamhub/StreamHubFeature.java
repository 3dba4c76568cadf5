package io.chorus.streamhub;

import io.chorus.config.ChorusConfig;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;

import java.util.List;

/**
 * The stream hub (seed 001): REST {@code /sessions}, the source and operator WebSockets and the relay
 * between them. An operator may connect with their access JWT (the accounts feature's {@link SignedIn.Verifier}).
 */
public final class StreamHubFeature implements Feature {
  private SignedIn.Verifier users;

  @Override
  public String name() {
    return "streamhub";
  }

  @Override
  public void validate(ChorusConfig config) {
    StreamConfig.of(config);
  }

  @Override
  public List<String> migrations() {
    return List.of("db/streamhub");
  }

  @Override
  public Future<Void> start(NodeContext node) {
    users = node.api(SignedIn.Verifier.class);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    NodeContext node = gateway.node();
    new StreamRoutes(node.vertx(), node.hub(), new StreamSessions(node.infra().pg()), node.infra().redis(), node.config(), node.nodeId(),
        node.metrics(), gateway.drop(), jwt -> users.verify(jwt).map(SignedIn::userId)).mount(gateway.router());
    return Future.succeededFuture();
  }
}

package io.chorus.messaging;

import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;

import java.util.List;

/**
 * The messenger (seed 003): direct and group conversations with their message history in PostgreSQL, REST under
 * {@code /api/v1/conversations}, real-time events on each member's user channel {@code client.user.<uid>} (so
 * {@code /ws/user} and the bridge deliver them, on every node). Needs accounts (its token verifier and users table).
 * No verticle of its own: the routes run on the gateway instances and the services only use PostgreSQL and the bus.
 */
public final class MessagingFeature implements Feature {
  private Conversations conversations;
  private Messages messages;
  private Typing typing;
  private SignedIn.Verifier users;
  private io.chorus.web.RateLimiter limiter;
  private MessagingConfig config;

  @Override
  public String name() {
    return "messaging";
  }

  @Override
  public void validate(io.chorus.config.ChorusConfig config) {
    MessagingConfig.of(config);
  }

  @Override
  public List<String> migrations() {
    return List.of("db/messaging");
  }

  @Override
  public Future<Void> start(NodeContext node) {
    users = node.api(SignedIn.Verifier.class);
    config = MessagingConfig.of(node.config());
    limiter = new io.chorus.web.RateLimiter(node.infra().redisApi(), config.rateWindowSeconds());
    MessagingEvents events = new MessagingEvents(node.vertx().eventBus());
    conversations = new Conversations(node.infra().pg(), events);
    messages = new Messages(node.infra().pg(), events);
    typing = new Typing(node.infra().pg(), node.infra().redisApi(), events);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    new MessagingRoutes(users, conversations, messages, typing, limiter, config.rateWrites(), gateway.node().config().security().allowedOrigins()).mount(gateway.router());
    return Future.succeededFuture();
  }
}

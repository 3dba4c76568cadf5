package io.chorus.messaging;

import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;

import java.util.List;

/**
 * The messenger (seed 003): direct and group conversations with their message history in PostgreSQL, attachments
 * (photos, audio, video, files) in S3, REST under
 * {@code /api/v1/conversations}, real-time events on each member's user channel {@code client.user.<uid>} (so
 * {@code /ws/user} and the bridge deliver them, on every node). Needs accounts (its token verifier and users table).
 * No verticle of its own: the routes run on the gateway instances and the services use PostgreSQL, S3 and the bus.
 */
public final class MessagingFeature implements Feature {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MessagingFeature.class);
  private Conversations conversations;
  private Messages messages;
  private Typing typing;
  private MessageSearch search;
  private SignedIn.Verifier users;
  private io.chorus.web.RateLimiter limiter;
  private MessagingConfig config;
  private AttachmentUrls urls;
  private AttachmentStore store;
  private Attachments attachments;
  private java.nio.file.Path tmpDir;

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
    urls = new AttachmentUrls(node.config().security().tokenSecret(), config.attachmentUrlTtlSeconds());
    // attachments need S3: asking for the platform's client builds it and adds its readiness check. Not awaited:
    // text messaging works while S3 is down, attachments answer 503 meanwhile
    store = new AttachmentStore(node.vertx(), node.s3(), node.config().s3());
    attachments = new Attachments(node.infra().pg(), store, urls);
    MessagingEvents events = new MessagingEvents(node.vertx().eventBus(), urls);
    conversations = new Conversations(node.infra().pg(), events, attachments);
    messages = new Messages(node.infra().pg(), events, urls, attachments);
    typing = new Typing(node.infra().pg(), node.infra().redisApi(), events);
    search = new MessageSearch(node.infra().pg(), urls);
    tmpDir = node.config().dataDir().resolve("tmp").resolve("messaging").toAbsolutePath();
    sweep(node.vertx(), config);
    return node.vertx().fileSystem().mkdirs(tmpDir.toString());
  }

  /**
   * Uploads never sent (a closed tab, an abandoned draft) would hold S3 space for ever: each node deletes those older
   * than MESSENGER_ATTACHMENT_UNSENT_HOURS every MESSENGER_ATTACHMENT_SWEEP_SECONDS, one sweep at a time.
   */
  private void sweep(io.vertx.core.Vertx vertx, MessagingConfig config) {
    boolean[] running = {false};
    vertx.setPeriodic(config.attachmentSweepSeconds() * 1000L, t -> {
      if (running[0]) {
        return;
      }
      running[0] = true;
      attachments.sweepUnsent(config.attachmentUnsentHours())
          .onSuccess(n -> {
            if (n > 0) {
              LOG.info("deleted {} attachments never sent within {} h", n, config.attachmentUnsentHours());
            }
          })
          .onFailure(e -> LOG.warn("sweeping unsent attachments failed: {}", e.toString()))
          .onComplete(x -> running[0] = false);
    });
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    new MessagingRoutes(users, conversations, messages, typing, search, limiter, config.rateWrites(), gateway.node().config().security().allowedOrigins(),
        routes -> new AttachmentRoutes(gateway.node().vertx(), attachments, store, urls, routes::caller,
            me -> routes.write(me, () -> Future.<Void>succeededFuture()), config.attachmentMaxBytes(), tmpDir))
        .mount(gateway.router());
    return Future.succeededFuture();
  }
}

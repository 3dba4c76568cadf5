package io.chorus.accounts;

import io.chorus.config.ChorusConfig;
import io.chorus.infra.Infra;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.web.RateLimiter;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.List;
import java.util.Set;

/**
 * Accounts (issue 16): REST under {@code /api/v1/auth}, {@code /users}, {@code /friends}, {@code /ws/user}
 * presence, the gRPC {@code AuthService}, the admin ensured at start. Publishes {@link SignedIn.Verifier}:
 * every other feature that lets a user act as their account verifies access JWTs through it.
 */
public final class AccountsFeature implements Feature {
  private static final Logger LOG = LoggerFactory.getLogger(AccountsFeature.class);
  public static final String HASH_POOL = "chorus-password-hash";

  private AccountsConfig config;
  private AccessTokens tokens;
  private AccountsService accounts;
  private Presence presence;
  private FriendsService friends;
  private Avatars avatars;
  private UserRepo users;
  /** The node's open {@code /ws/user} sockets per user, shared by the handlers of all its gateway instances. */
  private UserSocketHandler.Quota userSockets;

  @Override
  public Set<String> needs() {
    return Set.of();
  }

  @Override
  public String name() {
    return "accounts";
  }

  @Override
  public void validate(ChorusConfig config) {
    AccountsConfig.of(config);
  }

  @Override
  public List<String> migrations() {
    return List.of("db/accounts");
  }

  /** The token verifier every transport uses (REST, WebSockets, the bridge, gRPC). */
  public static AccessTokens accessTokens(Vertx vertx, ChorusConfig config, Infra infra) {
    AccountsConfig a = AccountsConfig.of(config);
    return new AccessTokens(vertx, JwtKeys.resolve(a), a.accessTokenTtlSeconds(), new RevocationFlags(infra.redisApi(), a.accessTokenTtlSeconds()));
  }

  @Override
  public Future<Void> start(NodeContext node) {
    Vertx vertx = node.vertx();
    Infra infra = node.infra();
    config = AccountsConfig.of(node.config());
    userSockets = new UserSocketHandler.Quota(config.userSocketsPerNode());
    tokens = accessTokens(vertx, node.config(), infra);
    users = new UserRepo(infra.pg());
    node.publish(SignedIn.Verifier.class, new SignedIn.Verifier() {
      @Override
      public Future<SignedIn> verify(String jwt) {
        return tokens.verify(jwt).map(p -> new SignedIn(p.userId(), p.username(), p.expiresAtEpochSeconds() * 1000, p.roles(), p.sessionId()));
      }

      @Override
      public Future<SignedIn.Ended> ended(SignedIn who) {
        return who.sessionId() == null ? Future.succeededFuture(null) : tokens.ended(who.userId(), who.sessionId());
      }
    });
    node.publish(SignedIn.Directory.class, new SignedIn.Directory() {
      @Override
      public Future<SignedIn> byUsername(String name) {
        String key = Usernames.lookupKey(name);
        return key == null ? Future.succeededFuture(null) : users.byUsername(key).map(AccountsFeature::active);
      }

      @Override
      public Future<SignedIn> byId(String id) {
        try {
          java.util.UUID.fromString(id);
        } catch (IllegalArgumentException e) {
          return Future.succeededFuture(null);
        }
        return users.byId(id).map(AccountsFeature::active);
      }

      @Override
      public Future<Boolean> isAccount(String id) {
        return SignedIn.accountShaped(id) ? users.exists(id) : Future.succeededFuture(false);
      }
    });
    node.kafka();   // user events go to Kafka: its outage degrades /ready
    return node.s3().compose(s3 -> {
      start(node, s3);
      return config.adminUsername().isEmpty() ? Future.<Void>succeededFuture()
          : accounts.ensureAdmin(config.adminUsername(), config.adminPassword())
              .onSuccess(u -> LOG.info("Admin account '{}' ensured", u.username())).mapEmpty();
    });
  }

  private void start(NodeContext node, S3Client s3) {
    Vertx vertx = node.vertx();
    Infra infra = node.infra();
    PasswordHasher hasher = new PasswordHasher(vertx.createSharedWorkerExecutor(HASH_POOL, config.passwordHashPoolSize()),
        config.argon2MemoryKib(), config.argon2Iterations(), config.argon2Parallelism());
    accounts = new AccountsService(users, new SessionRepo(infra.pg(), config.refreshTokenTtlDays()), hasher,
        tokens, new RevocationFlags(infra.redisApi(), config.accessTokenTtlSeconds()),
        new RateLimiter(infra.redisApi(), config.rateWindowSeconds()),
        new UserEvents(vertx, node.config().kafka().bootstrapServers(), config.userEventsTopic()), vertx.eventBus(), config);
    FriendRepo friendRepo = new FriendRepo(infra.pg());
    presence = new Presence(vertx, infra.redisApi(), friendRepo, node.nodeId(), config.presenceNodeTtlSeconds());
    if (node.runs(ChorusConfig.Role.GATEWAY)) {
      presence.start(config.presenceHeartbeatSeconds());   // the node's heartbeat for the users connected to it
    }
    friends = new FriendsService(friendRepo, accounts.users(), presence, vertx.eventBus());
    avatars = new Avatars(vertx, s3, node.config().s3().bucket(), config.avatarMaxBytes(), accounts);
  }

  private static SignedIn active(User u) {
    return u == null || u.disabled() ? null : new SignedIn(u.id(), u.username(), 0, u.roles());
  }

  @Override
  public List<Service> grpcServices(NodeContext node) {
    return List.of(io.chorus.proto.auth.AuthServiceGrpcService.of(new AuthGrpcService(tokens, users)));
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    new AccountsRoutes(accounts, friends, avatars, gateway.node().config().security().allowedOrigins())
        .mount(gateway.router());
    UserSocketHandler sockets = new UserSocketHandler(gateway.node().vertx(), gateway.node().hub(), gateway.drop(), tokens, presence,
        userSockets);
    gateway.router().get("/ws/user").handler(sockets);
    return sockets.ready();
  }
}

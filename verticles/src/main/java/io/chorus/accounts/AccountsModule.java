package io.chorus.accounts;

import io.chorus.web.RateLimiter;
import io.chorus.config.ChorusConfig;
import io.chorus.infra.Infra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the accounts feature (issue 16) into a gateway: REST, {@code /ws/user}, presence, the admin ensured at start. */
public final class AccountsModule {
  private static final Logger LOG = LoggerFactory.getLogger(AccountsModule.class);
  public static final String HASH_POOL = "chorus-password-hash";

  private AccountsModule() {
  }

  /** The token verifier every transport uses (REST, WebSockets, the bridge, gRPC). */
  public static AccessTokens accessTokens(Vertx vertx, ChorusConfig config, Infra infra) {
    AccountsConfig a = AccountsConfig.of(config);
    return new AccessTokens(vertx, JwtKeys.resolve(a), a.accessTokenTtlSeconds(), new RevocationFlags(infra.redisApi(), a.accessTokenTtlSeconds()));
  }

  /** The gRPC {@code AuthService} of a node. */
  public static io.vertx.grpc.server.Service grpcService(Vertx vertx, ChorusConfig config, Infra infra) {
    return io.chorus.proto.auth.AuthServiceGrpcService.of(new AuthGrpcService(accessTokens(vertx, config, infra), new UserRepo(infra.pg())));
  }

  public static AccountsService service(Vertx vertx, ChorusConfig config, Infra infra) {
    AccountsConfig a = AccountsConfig.of(config);
    PasswordHasher hasher = new PasswordHasher(vertx.createSharedWorkerExecutor(HASH_POOL, a.passwordHashPoolSize()),
        a.argon2MemoryKib(), a.argon2Iterations(), a.argon2Parallelism());
    return new AccountsService(new UserRepo(infra.pg()), new SessionRepo(infra.pg(), a.refreshTokenTtlDays()), hasher,
        accessTokens(vertx, config, infra), new RevocationFlags(infra.redisApi(), a.accessTokenTtlSeconds()),
        new RateLimiter(infra.redisApi(), a.rateWindowSeconds()), new UserEvents(vertx, config.kafka().bootstrapServers(), a.userEventsTopic()),
        vertx.eventBus(), a);
  }

  /** Mounts the routes; completes when the socket consumers are registered and the configured admin exists. */
  public static Future<Void> mount(Vertx vertx, io.chorus.realtime.Hub hub, io.chorus.realtime.SocketDrop drop, Router router,
                                   ChorusConfig config, Infra infra, String node) {
    AccountsConfig a = AccountsConfig.of(config);
    // mounted once per gateway instance: the node-wide duties (presence heartbeat, the admin) run once
    boolean firstInstance = hub.count("accounts.instances").incrementAndGet() == 1;
    AccountsService accounts = service(vertx, config, infra);
    FriendRepo friendRepo = new FriendRepo(infra.pg());
    Presence presence = new Presence(vertx, infra.redisApi(), friendRepo, node, a.presenceNodeTtlSeconds());
    if (firstInstance) {
      presence.start(a.presenceHeartbeatSeconds());
    }
    FriendsService friends = new FriendsService(friendRepo, accounts.users(), presence, vertx.eventBus());
    Avatars avatars = new Avatars(vertx, infra.s3(), config.s3().bucket(), a.avatarMaxBytes(), accounts);
    new AccountsRoutes(accounts, friends, avatars, config.security().allowedOrigins(), a.refreshTokenTtlDays()).mount(router);
    UserSocketHandler sockets = new UserSocketHandler(vertx, hub, drop, accounts.tokens(), presence);
    router.get("/ws/user").handler(sockets);
    Future<Void> admin = a.adminUsername().isEmpty() || !firstInstance ? Future.succeededFuture()
        : accounts.ensureAdmin(a.adminUsername(), a.adminPassword())
            .onSuccess(u -> LOG.info("Admin account '{}' ensured", u.username())).mapEmpty();
    return Future.all(sockets.ready(), admin).mapEmpty();
  }
}

package io.chorus.chat;

import io.chorus.web.RateLimiter;
import io.chorus.config.ChorusConfig;
import io.chorus.realtime.Hub;
import io.chorus.realtime.SocketDrop;
import io.chorus.infra.Infra;
import io.chorus.room.ParticipantTokens;
import io.chorus.room.RoomClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/** Wires seed 002's rooms, chat, media tokens and cleanup for one node. */
public final class ChatModule {
  private ChatModule() {
  }

  public static ChatService chatService(Vertx vertx, Infra infra, ChorusConfig config) {
    return new ChatService(new ChatStore(infra.redisApi(), ChatConfig.of(config).ttlHours(), ChatConfig.of(config).historyMax()), vertx.eventBus(),
        ChatConfig.of(config));
  }

  /** REST under {@code /api/v1/rooms} and {@code WS /ws/chat/:room_id}; completes when the chat sockets' consumers are registered. */
  public static Future<Void> mount(Vertx vertx, Hub hub, Router router, ChorusConfig config, RoomClient rooms, ParticipantTokens tokens,
                                   Infra infra, SocketDrop drop) {
    ChatService chat = chatService(vertx, infra, config);
    ConferenceService conf = new ConferenceService(rooms, tokens, new ConferenceRepo(infra.pg()), chat, config);
    io.chorus.accounts.SignedInJoins signedIn = new io.chorus.accounts.SignedInJoins(
        io.chorus.accounts.AccountsModule.accessTokens(vertx, config, infra), infra.pg());
    new RoomsRestRoutes(conf, chat, new MediaTokens(ChatConfig.of(config)), new RateLimiter(infra.redisApi(), ChatConfig.of(config).rateWindowSeconds()),
        tokens, config, signedIn).mount(router);
    ChatSocketHandler sockets = new ChatSocketHandler(vertx, hub, tokens, conf, chat, drop,
        (jwt, roomId) -> signedIn.participantOf(jwt, roomId).map(m -> new ChatSocketHandler.Member(m[0], m[1])));
    router.get("/ws/chat/:room_id").handler(sockets);
    return sockets.ready();
  }

  public static ChatVerticle cleanupVerticle(Vertx vertx, Infra infra, ChorusConfig config, String node) {
    long interval = ChatConfig.of(config).cleanupIntervalSeconds() * 1000L;
    ChatService chat = chatService(vertx, infra, config);
    return new ChatVerticle(new RoomCleanup(new ConferenceRepo(infra.pg()), chat.store(), infra.redisApi(), vertx.eventBus(), interval),
        interval, node);
  }
}

package io.chorus.chat;

import io.chorus.bus.Addresses;
import io.chorus.config.ChorusConfig;
import io.chorus.infra.Infra;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.chorus.room.ParticipantTokens;
import io.chorus.room.RoomClient;
import io.chorus.room.RoomLifecycle;
import io.chorus.web.Http;
import io.chorus.web.RateLimiter;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * Conference rooms and chat (seed 002): REST under {@code /api/v1/rooms}, {@code WS /ws/chat/:room_id},
 * media tokens, and on nodes with the {@code room} role the cleanup of expired rooms. Uses the rooms
 * feature's {@link RoomClient} and {@link ParticipantTokens} and the accounts feature's {@link SignedIn.Verifier}.
 */
public final class ChatFeature implements Feature {
  private static final Logger LOG = LoggerFactory.getLogger(ChatFeature.class);
  private ChatConfig config;
  private ChatService chat;
  private ConferenceService conference;
  private SignedInJoins signedIn;
  private ParticipantTokens tokens;

  /** Room membership and lifecycle, and the participant tokens, come from the rooms feature. */
  @Override
  public Set<String> needs() {
    return Set.of("accounts", "rooms");
  }

  @Override
  public String name() {
    return "chat";
  }

  @Override
  public void validate(ChorusConfig config) {
    ChatConfig.of(config);
  }

  @Override
  public List<String> migrations() {
    return List.of("db/conference");
  }

  @Override
  public Future<Void> start(NodeContext node) {
    Infra infra = node.infra();
    config = ChatConfig.of(node.config());
    tokens = node.api(ParticipantTokens.class);
    chat = new ChatService(new ChatStore(infra.redisApi(), config.ttlHours(),
        io.chorus.room.RoomsConfig.of(node.config()).ttlHours(), config.historyMax()), node.vertx().eventBus(), config,
        node.api(RoomClient.class));
    conference = new ConferenceService(node.api(RoomClient.class), node.api(RoomLifecycle.class), tokens, new ConferenceRepo(infra.pg()), chat,
        node.config());
    signedIn = new SignedInJoins(node.api(SignedIn.Verifier.class), infra.pg(), infra.redisApi(), node.vertx());
    // every node hears it; the first to mark the account's participants left does the leaving
    node.vertx().eventBus().<JsonObject>consumer(Addresses.USER_DISABLED, m -> {
      String user = m.body() == null ? null : m.body().getString("user_id");
      if (user != null) {
        conference.accountDisabled(user)
            .onSuccess(n -> {
              if (n > 0) {
                LOG.info("Disabled account {} left {} room(s)", user, n);
              }
            })
            .onFailure(e -> LOG.warn("Disabled account {} could not be taken out of its rooms: {}", user, e.getMessage()));
      }
    });
    // a room's changes through any API (the seed /ws, gRPC, the bridge) keep it alive, as REST joins and chat do
    node.vertx().eventBus().<JsonObject>localConsumer(Addresses.ROOM_ACTIVITY, m -> {
      String room = m.body() == null ? null : m.body().getString("room_id");
      if (room != null) {
        conference.renew(room).onFailure(e -> LOG.warn("Room {}: renewing its lifetime after a change failed: {}", room, e.toString()));
      }
    });
    // a member's leave through any API, not only a REST leave, ends its membership row and its active-participant
    // entry (local: the room node that made the leave publishes it, so once per leave)
    // joins by any API are recorded too, batched off the join's path (local: once per join, on its node)
    JoinRecorder recorder = new JoinRecorder(node.vertx(), new ConferenceRepo(infra.pg()), chat.store(),
        io.chorus.room.RoomsConfig.of(node.config()).ttlHours(), conference::departed);
    node.vertx().eventBus().<JsonObject>localConsumer(Addresses.ROOM_JOINED, m -> {
      if (m.body() != null && m.body().getString("room_id") != null && m.body().getString("participant_id") != null) {
        recorder.joined(m.body());
      }
    });
    node.vertx().eventBus().<JsonObject>localConsumer(Addresses.ROOM_REVOKED, m -> {
      String room = m.body() == null ? null : m.body().getString("room_id");
      String participant = m.body() == null ? null : m.body().getString("participant_id");
      if (room != null && participant != null) {
        recorder.left(room, participant);
        conference.departed(room, participant)
            .onFailure(e -> LOG.warn("Room {}: recording that {} left failed: {}", room, participant, e.toString()));
      }
    });
    // a new host by any API is recorded in the durable row and the caches (local: once per change, on its node)
    node.vertx().eventBus().<JsonObject>localConsumer(Addresses.ROOM_HOST, m -> {
      String room = m.body() == null ? null : m.body().getString("room_id");
      String host = m.body() == null ? null : m.body().getString("host_id");
      if (room != null && host != null) {
        conference.hostChanged(room, host)
            .onFailure(e -> LOG.warn("Room {}: recording its new host {} failed: {}", room, host, e.toString()));
      }
    });
    if (node.runs(ChorusConfig.Role.ROOM)) {
      long interval = config.cleanupIntervalSeconds() * 1000L;
      node.deploy("ChatVerticle", () -> new ChatVerticle(new RoomCleanup(new ConferenceRepo(infra.pg()), chat.store(), node.api(RoomLifecycle.class), infra.redisApi(),
          node.vertx().eventBus(), interval), interval, node.nodeId()), 1);
    }
    return Future.succeededFuture();
  }

  /** REST under {@code /api/v1/rooms} and {@code WS /ws/chat/:room_id}; completes when the chat sockets' consumers are registered. */
  @Override
  public Future<Void> mount(GatewayContext gateway) {
    NodeContext node = gateway.node();
    new RoomsRestRoutes(conference, chat, new MediaTokens(config), new RateLimiter(node.infra().redisApi(), config.rateWindowSeconds()),
        tokens, node.config(), signedIn).mount(gateway.router());
    ChatSocketHandler sockets = new ChatSocketHandler(node.vertx(), node.hub(), tokens, conference, chat, gateway.drop(),
        new ChatSocketHandler.SignedInMembers() {
          @Override
          public Future<ChatSocketHandler.Member> participantOf(String jwt, String roomId) {
            return signedIn.participantOf(jwt, roomId).map(m -> new ChatSocketHandler.Member(m[0], m[1], m[2]));
          }

          @Override
          public Future<SignedIn.Ended> ended(ChatSocketHandler.Member member) {
            return signedIn.ended(member.userId(), member.sessionId());
          }
        });
    gateway.router().get("/ws/chat/:room_id").handler(Http::requireWebSocket).handler(sockets);
    return sockets.ready();
  }
}

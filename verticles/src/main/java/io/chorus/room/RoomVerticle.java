package io.chorus.room;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.chorus.bus.Addresses;
import io.chorus.bus.ErrorCode;
import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.GetStateRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.proto.room.TransferHostRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Serves room commands on the bus (local consumers, so a command never leaves its node; Redis
 * orders changes across nodes) and drops the users of a node that leaves the cluster.
 * Command bodies are the gRPC request messages; replies are the room state JSON.
 */
public final class RoomVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RoomVerticle.class);
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final RoomService rooms;
  private final HazelcastClusterManager clusterManager;
  private UUID membershipListener;

  public RoomVerticle(RoomService rooms, HazelcastClusterManager clusterManager) {
    this.rooms = rooms;
    this.clusterManager = clusterManager;
  }

  @Override
  public Future<?> start() {
    List<MessageConsumer<?>> consumers = new ArrayList<>();
    consumers.add(serve(Addresses.ROOM_CREATE, (Message<CreateRoomRequest> m) -> rooms.create(m.body().getHostId(),
        m.body().getHostName(), m.body().getTrackUrl(), m.body().getTitle(), m.body().getMaxUsers(), header(m, RoomClient.H_NODE), flag(m, RoomClient.H_CONNECT))));
    consumers.add(serve(Addresses.ROOM_JOIN, (Message<JoinRoomRequest> m) -> rooms.join(m.body().getRoomId(), m.body().getUserId(),
        m.body().getUserName(), header(m, RoomClient.H_NODE), flag(m, RoomClient.H_CONNECT), flag(m, RoomClient.H_STRICT))));
    consumers.add(serve(Addresses.ROOM_LEAVE, (Message<LeaveRoomRequest> m) -> rooms.leave(m.body().getRoomId(),
        m.body().getUserId(), header(m, RoomClient.H_NODE), flag(m, RoomClient.H_DISCONNECT))));
    consumers.add(serve(Addresses.ROOM_CONTROL, (Message<SetPlaybackRequest> m) -> rooms.control(m.body().getRoomId(),
        header(m, RoomClient.H_ACTOR), m.body().getAction(), RoomClient.positionOf(m.body()))));
    consumers.add(serve(Addresses.ROOM_TRANSFER, (Message<TransferHostRequest> m) -> rooms.transferHost(m.body().getRoomId(),
        header(m, RoomClient.H_ACTOR), m.body().getNewHostId())));
    consumers.add(serve(Addresses.ROOM_TRACK, (Message<ChangeTrackRequest> m) -> rooms.changeTrack(m.body().getRoomId(),
        header(m, RoomClient.H_ACTOR), m.body().getTrackUrl())));
    consumers.add(serve(Addresses.ROOM_GET, (Message<GetStateRequest> m) -> rooms.get(m.body().getRoomId())));
    consumers.add(serve(Addresses.ROOM_MEMBER, (Message<GetStateRequest> m) -> rooms.member(m.body().getRoomId(),
        header(m, RoomClient.H_USER))));

    membershipListener = clusterManager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        // nothing to do: a new node starts with no connections
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        // Vert.x keeps its node id in a member attribute; it is not the Hazelcast member uuid
        String node = event.getMember().getAttribute(VERTX_NODE_ID_ATTRIBUTE);
        if (node == null) {
          return;
        }
        vertx.runOnContext(v -> rooms.dropNode(node)
            .onSuccess(n -> LOG.info("Node {} left the cluster: {} of its users removed from their rooms", node, n))
            .onFailure(e -> LOG.warn("Could not drop the users of departed node {}: {}", node, e.getMessage())));
      }
    });
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    if (membershipListener != null && clusterManager.getHazelcastInstance() != null) {
      try {
        clusterManager.getHazelcastInstance().getCluster().removeMembershipListener(membershipListener);
      } catch (RuntimeException e) {
        LOG.debug("Hazelcast already stopped: {}", e.getMessage());
      }
    }
    return Future.succeededFuture();
  }

  private <T> MessageConsumer<T> serve(String address, Function<Message<T>, Future<RoomState>> handler) {
    return vertx.eventBus().<T>localConsumer(address, msg -> {
      Future<RoomState> result;
      try {
        result = handler.apply(msg);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onSuccess(room -> msg.reply(room.json())).onFailure(e -> {
        ErrorCode code = ErrorCode.of(e);
        if (code == ErrorCode.INTERNAL) {
          LOG.error("Room command on {} failed", address, e);
        }
        msg.fail(code.code(), code == ErrorCode.INTERNAL ? "internal error" : String.valueOf(e.getMessage()));
      });
    });
  }

  private static String header(Message<?> m, String name) {
    String v = m.headers().get(name);
    return v == null ? "" : v;
  }

  private static boolean flag(Message<?> m, String name) {
    return "1".equals(m.headers().get(name));
  }
}

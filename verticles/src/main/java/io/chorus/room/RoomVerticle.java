package io.chorus.room;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The room role: serves room commands on the clustered bus for nodes that run only the gateway role
 * (Redis orders changes across nodes, so any room node may serve any command) and drops the users of
 * a node that leaves the cluster. Command bodies are RoomCommands as JSON; replies are the room
 * state JSON. A node with both roles skips the bus and applies the same {@link RoomCommands} in place
 * (see {@link RoomClient}).
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
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.ROOM_COMMAND, this::serve));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.ROOM_COMMAND_REMOTE, this::serve));
    // every room node applies every library takedown; a room changes once (see Takedowns)
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.LIBRARY_TAKEDOWN, m -> rooms.takedown(m.body())
        .onFailure(e -> LOG.warn("Library takedown {} not applied to rooms: {}", m.body(), e.getMessage()))));

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
    // this node's timers of due rooms (ready deadlines, track ends) and its share of the sweep
    rooms.startTicks(vertx);
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void serve(io.vertx.core.eventbus.Message<JsonObject> msg) {
    RoomCommand command;
    try {
      command = RoomCommand.fromJson(msg.body());
    } catch (ChorusException e) {
      msg.fail(e.code().code(), e.getMessage());
      return;
    }
    RoomCommands.apply(rooms, command)
        .onSuccess(room -> msg.reply(room.json()))
        .onFailure(e -> {
          ChorusException failure = RoomCommands.failure(command, e);
          msg.fail(failure.code().code(), failure.getMessage());
        });
  }

  @Override
  public Future<?> stop() {
    rooms.stopTicks();
    if (membershipListener != null && clusterManager.getHazelcastInstance() != null) {
      try {
        clusterManager.getHazelcastInstance().getCluster().removeMembershipListener(membershipListener);
      } catch (RuntimeException e) {
        LOG.debug("Hazelcast already stopped: {}", e.getMessage());
      }
    }
    return Future.succeededFuture();
  }
}

package io.chorus.gateway;

import io.chorus.bus.Addresses;
import io.chorus.proto.bus.NodePing;
import io.chorus.proto.bus.NodePong;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * Answers {@link NodePing} probes with a {@link NodePong}, both on the shared address (any node
 * answers) and on this node's own address. Lets operators and tests check the bus end to end.
 */
public final class NodePingVerticle extends VerticleBase {
  private final String nodeId;

  public NodePingVerticle(String nodeId) {
    this.nodeId = nodeId;
  }

  @Override
  public Future<?> start() {
    return Future.all(
        vertx.eventBus().<NodePing>consumer(Addresses.NODE_PING, this::answer).completion(),
        vertx.eventBus().<NodePing>consumer(Addresses.nodePing(nodeId), this::answer).completion());
  }

  private void answer(Message<NodePing> msg) {
    NodePing ping = msg.body();
    msg.reply(NodePong.newBuilder()
        .setNodeId(nodeId)
        .setPingSentAtMs(ping.getSentAtMs())
        .setReceivedAtMs(System.currentTimeMillis())
        .setPayloadSize(ping.getPayload().size())
        .build());
  }
}

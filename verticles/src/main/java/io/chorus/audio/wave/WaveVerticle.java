package io.chorus.audio.wave;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.List;

/**
 * My Wave's background work on one node, as a verticle so that closing the node stops it: the sweep of
 * wave rooms and the consumer of plays and feedback.
 */
final class WaveVerticle extends VerticleBase {
  private final WaveRooms rooms;
  private final WaveConsumer consumer;
  private final String bootstrap;
  private final List<String> topics;
  private final String group;

  WaveVerticle(WaveRooms rooms, WaveConsumer consumer, String bootstrap, List<String> topics, String group) {
    this.rooms = rooms;
    this.consumer = consumer;
    this.bootstrap = bootstrap;
    this.topics = topics;
    this.group = group;
  }

  @Override
  public Future<?> start() {
    rooms.start();
    consumer.start(bootstrap, topics, group);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    rooms.stop();
    return consumer.close();
  }
}

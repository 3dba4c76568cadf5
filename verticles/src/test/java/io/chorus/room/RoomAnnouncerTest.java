package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a room's events, leaves and activity go on the (local) bus. */
class RoomAnnouncerTest {
  private static RoomState room(String id) {
    return new RoomState(new JsonObject().put("room_id", id).put("node_conns", new JsonObject().put("node-a", 2).put("node-b", 0)));
  }

  @Test
  void eventsGoToTheRoomAndItsSocketsNodesAndActivityOnceAMinute() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> heard = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> lastActivity = new CompletableFuture<>();
      List<MessageConsumer<JsonObject>> consumers = List.of(
          vertx.eventBus().<JsonObject>consumer(Addresses.roomEvents("ANN1"), m -> heard.add("room:" + m.body().getString("type"))),
          vertx.eventBus().<JsonObject>consumer(Addresses.roomFanout("node-a"), m -> heard.add("node-a:" + m.body().getString("type"))),
          vertx.eventBus().<JsonObject>consumer(Addresses.roomFanout("node-b"), m -> heard.add("node-b:" + m.body().getString("type"))),
          vertx.eventBus().<JsonObject>consumer(Addresses.ROOM_REVOKED, m -> heard.add("revoked:" + m.body().getString("participant_id")
              + "@" + m.body().getLong("version"))),
          vertx.eventBus().<JsonObject>consumer(Addresses.ROOM_ACTIVITY, m -> {
            heard.add("activity:" + m.body().getString("room_id"));
            if ("ANN2".equals(m.body().getString("room_id"))) {
              lastActivity.complete(null);
            }
          }));
      TestServices.await(Future.all(consumers.stream().map(MessageConsumer::completion).toList()));
      RoomAnnouncer announcer = new RoomAnnouncer(vertx.eventBus());
      announcer.publish(room("ANN1"), new JsonObject().put("type", "play"));
      announcer.publish(room("ANN1"), new JsonObject().put("type", "pause"));
      announcer.revoke("ANN1", "kim", 7);
      announcer.publish(room("ANN2"), new JsonObject().put("type", "seek"));
      // one consumer gets a sender's messages in order: ANN1's second activity, had there been one, came before ANN2's
      lastActivity.get(10, TimeUnit.SECONDS);
      TestServices.until("the other consumers' messages", 10_000, () -> heard.size() >= 8);
      // the second change of ANN1 within the minute announces no activity again; node-b holds no socket of the room
      assertThat(heard).filteredOn(h -> h.startsWith("activity:")).containsExactly("activity:ANN1", "activity:ANN2");
      assertThat(heard).filteredOn(h -> !h.startsWith("activity:"))
          .containsExactlyInAnyOrder("room:play", "node-a:play", "room:pause", "node-a:pause", "revoked:kim@7", "node-a:seek");
    } finally {
      TestServices.await(vertx.close());
    }
  }
}

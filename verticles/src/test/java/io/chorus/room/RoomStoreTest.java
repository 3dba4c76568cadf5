package io.chorus.room;

import io.chorus.testing.TestRedis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.chorus.testing.TestServices.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The room script's layout on real Redis: member records apart, per-node socket counts, compact replies. */
class RoomStoreTest {
  @RegisterExtension
  static final TestRedis REDIS = new TestRedis();
  private static RedisAPI redis;
  private static RoomStore store;

  @BeforeAll
  static void start() {
    redis = REDIS.api();
    store = new RoomStore(redis, 24);
  }

  @Test
  void playbackChangesReplyWithoutTheMemberListButNameTheActor() {
    RoomState created = await(store.create("STORE1", "host", "Hostname", "u", 10, "t", "node-a", true));
    assertThat(created.nameOf("host")).isEqualTo("Hostname");
    for (int i = 0; i < 5; i++) {
      await(store.join("STORE1", "u" + i, "User " + i, i % 2 == 0 ? "node-a" : "node-b", true, false));
    }
    RoomState played = await(store.control("STORE1", "host", "play", 0));
    assertThat(played.json().containsKey("members")).isFalse();
    assertThat(played.nameOf("host")).isEqualTo("Hostname");
    // lean: the count, not the ids (a big room's ids would be most of every control's reply)
    assertThat(played.json().containsKey("users")).isFalse();
    assertThat(played.userCount()).isEqualTo(6);
    assertThat(played.nodes()).containsExactlyInAnyOrder("node-a", "node-b");
    assertThat(played.version()).isEqualTo(7);
    RoomState withUsers = await(store.control("STORE1", "host", "seek", 1000, true));
    assertThat(withUsers.users()).containsExactly("host", "u0", "u1", "u2", "u3", "u4");
    assertThat(withUsers.userCount()).isEqualTo(6);
    assertThat(withUsers.version()).isEqualTo(8);
    // the lean reply is only the reply: the stored room keeps its ids and has no count of its own
    RoomState stored = new RoomState(new JsonObject(await(redis.get("room:{STORE1}")).toString()));
    assertThat(stored.users()).containsExactly("host", "u0", "u1", "u2", "u3", "u4");
    assertThat(stored.json().containsKey("user_count")).isFalse();

    RoomState full = await(store.get("STORE1"));
    assertThat(full.nameOf("u3")).isEqualTo("User 3");
    assertThat(full.isMember("u4")).isTrue();

    RoomState one = await(store.member("STORE1", "u2"));
    assertThat(one.isMember("u2")).isTrue();
    assertThat(one.nameOf("u2")).isEqualTo("User 2");
    assertThat(await(store.member("STORE1", "stranger")).isMember("stranger")).isFalse();
  }

  @Test
  void socketCountsPerNodeFollowJoinsDisconnectsAndDeadNodes() {
    await(store.create("STORE2", "host", "H", "u", 10, "t", "node-a", true));
    await(store.join("STORE2", "x", "X", "node-b", true, false));
    await(store.join("STORE2", "x", "X", "node-c", true, false)); // second socket, another node
    await(store.join("STORE2", "y", "Y", "node-b", true, false));
    assertThat(await(store.get("STORE2")).nodes()).containsExactlyInAnyOrder("node-a", "node-b", "node-c");

    RoomState still = await(store.leave("STORE2", "x", "node-c", true));
    assertThat(still.event()).isEqualTo("still_connected");
    assertThat(still.nodes()).containsExactlyInAnyOrder("node-a", "node-b");

    RoomState dropped = await(store.dropNode("STORE2", "node-b"));
    assertThat(dropped.left()).containsExactlyInAnyOrder("x", "y");
    assertThat(dropped.leftName("y")).isEqualTo("Y");
    assertThat(dropped.nodes()).containsExactly("node-a");
    assertThat(await(store.get("STORE2")).users()).containsExactly("host");
    assertThat(await(redis.hkeys(RoomStore.membersKey("STORE2")))).extracting(Object::toString).containsExactly("host");
  }

  @Test
  void aRoomStoredByThePreviousLayoutMovesItsMembersToTheHash() {
    JsonObject old = new JsonObject().put("room_id", "STORE3").put("host_id", "h").put("track_url", "u").put("status", "pause")
        .put("position_ms", 0).put("updated_at", 1).put("rate", 1.0).put("version", 4).put("max_users", 10).put("timestamp", 0)
        .put("order", new JsonArray().add("h").add("m")).put("users", new JsonArray().add("h").add("m"))
        .put("members", new JsonObject()
            .put("h", new JsonObject().put("name", "Host").put("joined_at", 1000).put("conns", new JsonObject().put("node-a", 1)))
            .put("m", new JsonObject().put("name", "Member").put("joined_at", 2000).put("conns", new JsonObject().put("node-b", 2))));
    await(redis.set(List.of(RoomStore.key("STORE3"), old.encode())));

    RoomState migrated = await(store.control("STORE3", "h", "seek", 5000));
    assertThat(migrated.version()).isEqualTo(5);
    assertThat(migrated.nodes()).containsExactlyInAnyOrder("node-a", "node-b");
    JsonObject stored = new JsonObject(await(redis.get(RoomStore.key("STORE3"))).toString());
    assertThat(stored.containsKey("members")).isFalse();
    assertThat(stored.getJsonArray("users").getList()).containsExactly("h", "m");
    RoomState full = await(store.get("STORE3"));
    assertThat(full.nameOf("m")).isEqualTo("Member");
    assertThat(full.joinedAtMs("m")).isEqualTo(2000);
    assertThat(await(redis.ttl(RoomStore.membersKey("STORE3"))).toLong()).isGreaterThan(24 * 3600L - 60);
  }

  @Test
  void bigRoomsJoinAndLeaveQuietlyWithoutVersionGapsAndHostChangesStayLoud() {
    RoomStore small = new RoomStore(redis, 24, 3);
    await(small.create("STORE4", "host", "H", "u", 10, "t", "node-a", true));
    RoomState second = await(small.join("STORE4", "a", "A", "node-a", true, false));
    RoomState third = await(small.join("STORE4", "b", "B", "node-a", true, false));
    assertThat(second.quiet()).isFalse();
    assertThat(third.quiet()).isFalse();
    assertThat(third.version()).isEqualTo(3);
    RoomState fourth = await(small.join("STORE4", "c", "C", "node-b", true, false));
    assertThat(fourth.quiet()).isTrue();
    assertThat(fourth.version()).isEqualTo(3);
    assertThat(fourth.users()).containsExactly("host", "a", "b", "c");
    assertThat(fourth.nodes()).containsExactlyInAnyOrder("node-a", "node-b");
    // room_info of a join into a big room: the first 3 members, the joiner and the host, not everyone
    RoomState fifth = await(small.join("STORE4", "d", "D", "node-b", true, false));
    assertThat(fifth.quiet()).isTrue();
    assertThat(RoomEvents.roomInfo(fifth, 0).getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("id")))
        .containsExactly("host", "a", "b", "d");
    assertThat(RoomEvents.roomInfo(fifth, 0).getInteger("user_count")).isEqualTo(5);
    assertThat(await(small.leave("STORE4", "d", "node-b", false)).quiet()).isTrue();
    // the next published change follows the last published version: no gap for the fan-out to wait on
    assertThat(await(small.control("STORE4", "host", "play", 0)).version()).isEqualTo(4);
    RoomState leftFromFour = await(small.leave("STORE4", "c", "node-b", false));
    assertThat(leftFromFour.quiet()).isTrue();
    assertThat(leftFromFour.version()).isEqualTo(4);
    await(small.join("STORE4", "c", "C", "node-b", true, false));
    RoomState hostGone = await(small.leave("STORE4", "host", "node-a", false));
    assertThat(hostGone.quiet()).isFalse();
    assertThat(hostGone.hostChanged()).isTrue();
    assertThat(hostGone.hostId()).isEqualTo("a");
    assertThat(hostGone.version()).isEqualTo(5);
  }

  @Test
  void theServiceAnnouncesOnlyLoudChangesAndEventsCarryTheUserCount() throws Exception {
    RoomService service = new RoomService(new RoomStore(redis, 24, 3), REDIS.vertx().eventBus(),
        new io.chorus.room.RoomsConfig(10, 6, 24, 3));
    java.util.List<JsonObject> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CompletableFuture<Void> played = new java.util.concurrent.CompletableFuture<>();
    var consumer = REDIS.vertx().eventBus().<JsonObject>consumer(io.chorus.bus.Addresses.roomFanout("svc-node"), m -> {
      events.add(m.body());
      if ("play".equals(m.body().getString("type"))) {
        played.complete(null);
      }
    });
    await(consumer.completion());
    String id = await(service.create(new RoomCommand.Create("host", "H", "https://example.com/u.mp3", "t", 10, "svc-node", true))).roomId();
    for (String u : List.of("a", "b", "c", "d")) {
      await(service.join(id, u, u.toUpperCase(), "svc-node", true, false));
    }
    await(service.control(id, "host", "play", -1));
    played.get(10, java.util.concurrent.TimeUnit.SECONDS);
    await(consumer.unregister());
    assertThat(events).extracting(e -> e.getString("type") + ":" + e.getString("user_id", "") + ":" + e.getLong("version"))
        .containsExactly("user_joined:a:2", "user_joined:b:3", "play:host:4");
    assertThat(events.get(2).getInteger("user_count")).isEqualTo(5);
  }
}

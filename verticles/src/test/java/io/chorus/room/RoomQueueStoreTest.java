package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.chorus.testing.TestServices.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The queue and the ready wait in room.lua, on real Redis: every transition and its conditions. */
class RoomQueueStoreTest {
  private static final AtomicInteger ROOMS = new AtomicInteger();
  @RegisterExtension
  static final TestRedis REDIS = new TestRedis(8, 500);
  private static RoomStore store;

  @BeforeAll
  static void start() {
    store = new RoomStore(REDIS.api(), 24);
  }

  /** A room with a host holding a socket on node-a. */
  private static String room() {
    String id = "QSTORE" + ROOMS.incrementAndGet();
    await(store.create(id, "host", "H", "https://example.com/0.mp3", 10, "t", "node-a", true));
    return id;
  }

  private static JsonObject item(String id, String url, long durationMs) {
    return new JsonObject().put("id", id).put("track_url", url).put("track_id", "").put("title", "").put("duration_ms", durationMs)
        .put("added_by", "host");
  }

  private static List<String> ids(RoomState room) {
    List<String> out = new ArrayList<>();
    room.queue().forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  /**
   * Ticks the room until the clock passes {@code deadline} and returns the changes those ticks made. The store
   * reads the clock when a tick is sent, after this loop's check, so the last tick may land on the deadline: a
   * change is allowed only from a tick that returned at or after it; any earlier change fails the test.
   */
  private static List<RoomState> tickUntil(String id, long deadline, long readyTimeoutMs) {
    List<RoomState> changed = new ArrayList<>();
    while (System.currentTimeMillis() < deadline) {
      RoomState room = await(store.tick(id, readyTimeoutMs));
      long returned = System.currentTimeMillis();
      if (!room.noop()) {
        assertThat(returned).as("a tick changed the room before its deadline").isGreaterThanOrEqualTo(deadline);
        changed.add(room);
      }
    }
    return changed;
  }

  private static ErrorCode codeOf(Future<?> f) {
    try {
      await(f);
    } catch (AssertionError e) {
      Throwable t = e;
      while (t != null && !(t instanceof ChorusException)) {
        t = t.getCause();
      }
      assertThat(t).as("a ChorusException, got %s", e).isNotNull();
      return ((ChorusException) t).code();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void addRemoveMoveKeepOneOrderAndBumpBothVersions() {
    String id = room();
    RoomState a = await(store.queueAdd(id, "host", item("a", "https://e.com/a", 0), -1, 10));
    assertThat(a.event()).isEqualTo("queue");
    assertThat(a.queueVersion()).isEqualTo(1);
    assertThat(a.version()).isEqualTo(2);
    await(store.queueAdd(id, "host", item("b", "https://e.com/b", 0), -1, 10));
    RoomState c = await(store.queueAdd(id, "host", item("c", "https://e.com/c", 0), 0, 10));
    assertThat(ids(c)).containsExactly("c", "a", "b");
    assertThat(c.queue().getJsonObject(0).getLong("added_at")).isPositive();
    RoomState moved = await(store.queueMove(id, "host", "c", 2));
    assertThat(ids(moved)).containsExactly("a", "b", "c");
    RoomState removed = await(store.queueRemove(id, "host", "b"));
    assertThat(ids(removed)).containsExactly("a", "c");
    assertThat(removed.queueVersion()).isEqualTo(5);
    assertThat(removed.version()).isEqualTo(6);
    // get and join show it; a playback change neither reads nor returns it
    assertThat(ids(await(store.get(id)))).containsExactly("a", "c");
    assertThat(await(store.control(id, "host", "seek", 1000)).hasQueue()).isFalse();
  }

  @Test
  void badQueueEditsAreRefusedAndChangeNothing() {
    String id = room();
    await(store.queueAdd(id, "host", item("a", "https://e.com/a", 0), -1, 2));
    assertThat(codeOf(store.queueAdd(id, "host", item("x", "https://e.com/x", 0), 5, 2))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    await(store.queueAdd(id, "host", item("b", "https://e.com/b", 0), -1, 2));
    assertThat(codeOf(store.queueAdd(id, "host", item("c", "https://e.com/c", 0), -1, 2))).isEqualTo(ErrorCode.QUEUE_FULL);
    assertThat(codeOf(store.queueRemove(id, "host", "nope"))).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(codeOf(store.queueMove(id, "host", "nope", 0))).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(codeOf(store.queueMove(id, "host", "a", 2))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(codeOf(store.queueAdd(id, "guest", item("d", "https://e.com/d", 0), -1, 9))).isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(codeOf(store.skip(id, "guest", 5000))).isEqualTo(ErrorCode.FORBIDDEN);
    RoomState after = await(store.get(id));
    assertThat(ids(after)).containsExactly("a", "b");
    assertThat(after.queueVersion()).isEqualTo(2);
  }

  @Test
  void skipWaitsForTheListenersWithSocketsAndTheLastReadyStartsIt() {
    String id = room();
    await(store.join(id, "l1", "L1", "node-b", true, false));
    await(store.join(id, "rest", "R", "", false, false)); // no socket: nobody waits for it
    await(store.queueAdd(id, "host", item("a", "https://e.com/a", 0), -1, 10));
    RoomState waiting = await(store.skip(id, "host", 60_000));
    assertThat(waiting.status()).isEqualTo("waiting");
    assertThat(waiting.trackUrl()).isEqualTo("https://e.com/a");
    assertThat(waiting.trackVersion()).isEqualTo(2);
    assertThat(waiting.queue()).isEmpty();
    assertThat(waiting.readyDeadline()).isGreaterThan(System.currentTimeMillis() + 50_000);
    assertThat(waiting.dueAt()).isEqualTo(waiting.readyDeadline());
    assertThat(waiting.dueChanged()).isTrue();
    // the old track's version, a stranger, then the host: nothing yet
    assertThat(await(store.ready(id, "l1", 1)).noop()).isTrue();
    assertThat(await(store.ready(id, "rest", 2)).noop()).isTrue();
    assertThat(await(store.ready(id, "host", 2)).noop()).isTrue();
    assertThat(await(store.tick(id, 60_000)).noop()).isTrue();
    RoomState started = await(store.ready(id, "l1", 2));
    assertThat(started.noop()).isFalse();
    assertThat(started.event()).isEqualTo("play");
    assertThat(started.cause()).isEqualTo("all_ready");
    assertThat(started.status()).isEqualTo("play");
    assertThat(started.positionMs()).isZero();
    assertThat(started.version()).isEqualTo(waiting.version() + 1);
    // a second report changes nothing
    assertThat(await(store.ready(id, "l1", 2)).noop()).isTrue();
  }

  @Test
  void aLeaverIsNotWaitedForAndAJoinerIsNot() {
    String id = room();
    await(store.join(id, "l1", "L1", "node-b", true, false));
    await(store.queueAdd(id, "host", item("a", "https://e.com/a", 0), -1, 10));
    RoomState waiting = await(store.skip(id, "host", 60_000));
    await(store.join(id, "late", "Late", "node-b", true, false));
    assertThat(await(store.ready(id, "host", waiting.trackVersion())).noop()).isTrue();
    RoomState left = await(store.leave(id, "l1", "node-b", true));
    assertThat(left.event()).isEqualTo("user_left");
    assertThat(left.readyCheck()).isTrue();
    RoomState started = await(store.tick(id, 60_000));
    assertThat(started.cause()).isEqualTo("all_ready");
    assertThat(started.status()).isEqualTo("play");
  }

  @Test
  void theDeadlineStartsTheTrackOnceHoweverManyTicksRace() {
    String id = room();
    await(store.join(id, "silent", "S", "node-b", true, false));
    await(store.queueAdd(id, "host", item("a", "https://e.com/a", 0), -1, 10));
    RoomState waiting = await(store.skip(id, "host", 300));
    // polled with a deadline, not slept: ticks before the deadline are no-ops
    List<RoomState> changed = new ArrayList<>(tickUntil(id, waiting.readyDeadline(), 300));
    List<Future<RoomState>> ticks = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ticks.add(store.tick(id, 300));
    }
    await(Future.all(ticks));
    ticks.stream().map(Future::result).filter(r -> !r.noop()).forEach(changed::add);
    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).cause()).isEqualTo("timeout");
    assertThat(changed.get(0).version()).isEqualTo(waiting.version() + 1);
    assertThat(await(store.get(id)).status()).isEqualTo("play");
  }

  @Test
  void aTrackOfKnownDurationMakesWayForTheNextOnceThenPausesAtTheEnd() {
    String id = room(); // the host alone: with nobody else connected the host is still waited for
    await(store.queueAdd(id, "host", item("a", "https://e.com/a", 200), -1, 10));
    await(store.queueAdd(id, "host", item("b", "https://e.com/b", 200), -1, 10));
    RoomState waiting = await(store.skip(id, "host", 60_000));
    RoomState playing = await(store.ready(id, "host", waiting.trackVersion()));
    assertThat(playing.durationMs()).isEqualTo(200);
    assertThat(playing.dueAt()).isEqualTo(playing.updatedAt() + 200);
    List<RoomState> changed = new ArrayList<>(tickUntil(id, playing.dueAt(), 60_000));
    List<Future<RoomState>> ticks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ticks.add(store.tick(id, 60_000));
    }
    await(Future.all(ticks));
    ticks.stream().map(Future::result).filter(r -> !r.noop()).forEach(changed::add);
    assertThat(changed).hasSize(1);
    RoomState next = changed.get(0);
    assertThat(next.event()).isEqualTo("track_changed");
    assertThat(next.cause()).isEqualTo("ended");
    assertThat(next.trackUrl()).isEqualTo("https://e.com/b");
    assertThat(next.status()).isEqualTo("waiting");
    assertThat(next.queue()).isEmpty();
    RoomState second = await(store.ready(id, "host", next.trackVersion()));
    List<RoomState> early = tickUntil(id, second.dueAt(), 60_000);
    assertThat(early).hasSizeLessThanOrEqualTo(1);
    RoomState ended = early.isEmpty() ? await(store.tick(id, 60_000)) : early.get(0);
    assertThat(ended.event()).isEqualTo("pause");
    assertThat(ended.cause()).isEqualTo("ended");
    assertThat(ended.positionMs()).isEqualTo(200);
    assertThat(ended.dueAt()).isZero();
    assertThat(await(store.tick(id, 60_000)).noop()).isTrue();
  }

  @Test
  void skipOnAnEmptyQueueIsNotFoundAndTheHostsPlayEndsAWait() {
    String id = room();
    assertThat(codeOf(store.skip(id, "host", 5000))).isEqualTo(ErrorCode.NOT_FOUND);
    await(store.join(id, "l1", "L1", "node-b", true, false));
    await(store.queueAdd(id, "host", item("a", "https://e.com/a", 0), -1, 10));
    await(store.skip(id, "host", 60_000));
    RoomState played = await(store.control(id, "host", "play", -1));
    assertThat(played.status()).isEqualTo("play");
    assertThat(played.readyDeadline()).isZero();
    assertThat(await(store.tick(id, 60_000)).noop()).isTrue();
  }

  @Test
  void concurrentAddsLoseNothing() {
    String id = room();
    List<Future<RoomState>> adds = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      adds.add(store.queueAdd(id, "host", item("i" + i, "https://e.com/" + i, 0), -1, 500));
    }
    await(Future.all(adds));
    RoomState room = await(store.get(id));
    assertThat(ids(room)).hasSize(100).doesNotHaveDuplicates();
    assertThat(room.queueVersion()).isEqualTo(100);
    JsonArray q = room.queue();
    assertThat(q.getJsonObject(0).getString("track_url")).startsWith("https://e.com/");
  }
}

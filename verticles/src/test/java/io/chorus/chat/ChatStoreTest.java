package io.chorus.chat;

import io.chorus.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.chorus.testing.TestServices.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chat script's keys on real Redis: the index is trimmed with the messages (CHAT_HISTORY_MAX). */
class ChatStoreTest {
  static final int MAX = 5;
  @RegisterExtension
  static final TestRedis REDIS = new TestRedis();
  private static RedisAPI redis;
  private static ChatStore store;

  @BeforeAll
  static void start() {
    redis = REDIS.api();
    store = new ChatStore(redis, 6, 24, MAX);
  }

  static JsonObject message(String author, String content) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("room_id", "r").put("participant_id", author)
        .put("message_type", "user").put("content", content).put("created_at", "2026-01-01T00:00:00Z").putNull("edited_at");
  }

  /** The index's message entries (its fields but "_seq" and "_ts"). */
  static List<String> indexed(String room) {
    List<String> out = new ArrayList<>();
    await(redis.hkeys(ChatStore.indexKey(room))).forEach(k -> {
      if (k.toString().startsWith("m:")) {
        out.add(k.toString().substring(2));
      }
    });
    return out;
  }

  static List<String> ids(ChatStore.Page page) {
    return page.messages().stream().map(m -> m.getString("id")).toList();
  }

  @Test
  void theIndexIsTrimmedWithTheMessagesAndKeptOnesStillWork() {
    String room = "TRIM" + UUID.randomUUID().toString().substring(0, 8);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 3 * MAX; i++) {
      JsonObject m = message("alice", "m" + i);
      sent.add(m.getString("id"));
      await(store.append(room, m));
    }
    List<String> kept = sent.subList(2 * MAX, 3 * MAX);
    assertThat(ids(await(store.list(room, "last", "", 50)))).containsExactlyElementsOf(kept);
    // only the kept messages' entries: the index no longer grows with every message ever posted
    assertThat(indexed(room)).containsExactlyInAnyOrderElementsOf(kept);
    assertThat(await(redis.hget(ChatStore.indexKey(room), "_seq")).toLong()).isEqualTo(3 * MAX);

    // kept messages can still be edited, deleted and paged after
    assertThat(await(store.edit(room, kept.get(1), "alice", "edited", "2026-01-01T00:01:00Z")).getString("content")).isEqualTo("edited");
    assertThat(ids(await(store.list(room, "id", kept.get(0), 50)))).containsExactlyElementsOf(kept.subList(1, MAX));
    assertThat(ids(await(store.list(room, "seq", Long.toString(2 * MAX + 2), 50)))).containsExactlyElementsOf(kept.subList(2, MAX));
    await(store.delete(room, kept.get(2), "alice", false));
    // a deleted message's id still works as a cursor while the history holds what follows it
    assertThat(ids(await(store.list(room, "id", kept.get(2), 50)))).containsExactlyElementsOf(kept.subList(3, MAX));
    // an id that fell out of the history is not found
    assertThatThrownBy(() -> await(store.list(room, "id", sent.get(0), 50))).hasMessageContaining("unknown message id");

    // the deleted message's cursor goes once the history is trimmed past it
    List<String> more = new ArrayList<>();
    for (int i = 0; i < MAX; i++) {
      JsonObject m = message("bob", "n" + i);
      more.add(m.getString("id"));
      await(store.append(room, m));
    }
    assertThat(indexed(room)).containsExactlyInAnyOrderElementsOf(more);
    assertThat(await(redis.zcard("chat:room:{" + room + "}:deleted")).toInteger()).isZero();
  }

  @Test
  void deletedMessagesCursorsAreBoundedToo() {
    String room = "DELS" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject first = message("alice", "stays");
    await(store.append(room, first));
    List<String> deleted = new ArrayList<>();
    for (int i = 0; i < 3 * MAX; i++) {
      JsonObject m = message("alice", "gone" + i);
      await(store.append(room, m));
      await(store.delete(room, m.getString("id"), "alice", false));
      deleted.add(m.getString("id"));
    }
    // the first message and the newest MAX deleted messages' cursors
    List<String> expected = new ArrayList<>(deleted.subList(2 * MAX, 3 * MAX));
    expected.add(first.getString("id"));
    assertThat(indexed(room)).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(await(store.list(room, "id", deleted.get(3 * MAX - 1), 50)).messages()).isEmpty();
  }

  @Test
  void entriesOfExpiredMessagesGoWithTheNextMessage() {
    String room = "EXPD" + UUID.randomUUID().toString().substring(0, 8);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonObject m = message("alice", "m" + i);
      sent.add(m.getString("id"));
      await(store.append(room, m));
    }
    // the chat TTL passes: the messages expire, the index (the room's lifetime) stays
    await(redis.del(List.of(ChatStore.messagesKey(room))));
    JsonObject next = message("alice", "later");
    JsonObject saved = await(store.append(room, next));
    assertThat(saved.getLong("seq")).isEqualTo(4);
    assertThat(indexed(room)).containsExactly(next.getString("id"));
  }
}

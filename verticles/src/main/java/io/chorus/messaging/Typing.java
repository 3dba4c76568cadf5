package io.chorus.messaging;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/**
 * Typing indicators (docs/api.md, Messenger): a member says it is typing, the conversation's other members hear
 * {@code typing} on their user channel. Nothing is stored. A client repeats the call while its user types (every
 * {@link #INTERVAL_MS} or so) and a reader shows the indicator until {@link #SHOWN_MS} after the last event or until
 * that member's message arrives. However often a client calls, its members hear at most one event per member and
 * conversation per {@link #INTERVAL_MS}, cluster-wide: a Redis key set only if absent ({@code SET NX PX}) decides
 * which call publishes, so a flood of calls costs the others nothing.
 */
final class Typing {
  /** The shortest time between two {@code typing} events of one member in one conversation. */
  static final long INTERVAL_MS = 2_000;
  /** How long a client shows the indicator after the last event (documented for clients; the server keeps nothing). */
  static final long SHOWN_MS = 5_000;

  private final Pool pg;
  private final RedisAPI redis;
  private final MessagingEvents events;

  Typing(Pool pg, RedisAPI redis, MessagingEvents events) {
    this.pg = pg;
    this.redis = redis;
    this.events = events;
  }

  /**
   * {@code me} is typing in conversation {@code id}: {@code NOT_FOUND} for a non-member (as every route); otherwise
   * the other members hear it unless an event of {@code me} in {@code id} went out less than {@link #INTERVAL_MS} ago.
   * Answers whether an event was published.
   */
  Future<Boolean> typing(String me, UUID id) {
    return Conversations.memberIds(pg, id).compose(members -> {
      if (!members.contains(me)) {
        return Future.failedFuture(Conversations.notFound());
      }
      // one hash tag per conversation: the key lives on one Redis cluster slot with nothing else to coordinate
      String key = "typing:{" + id + "}:" + me;
      return redis.set(List.of(key, "1", "NX", "PX", Long.toString(INTERVAL_MS))).map(r -> {
        if (r == null) {
          return false;
        }
        events.typing(members.stream().filter(uid -> !uid.equals(me)).toList(), id.toString(), me);
        return true;
      });
    });
  }
}

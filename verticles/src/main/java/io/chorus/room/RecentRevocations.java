package io.chorus.room;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The participants this node recently heard leave a room ({@code chorus.room.revoked}), so that a
 * subscription whose membership check was answered just before the leave, and completes just after
 * the revocation went by, is refused rather than left open. Entries older than {@link #KEEP_MS} are
 * dropped (a membership check takes one Redis round trip). Event-loop confined.
 */
public final class RecentRevocations {
  static final long KEEP_MS = 60_000;

  private final Map<String, Long> revoked = new LinkedHashMap<>();
  private final LongSupplier clock;

  public RecentRevocations() {
    this(System::currentTimeMillis);
  }

  /** With the clock given (tests). */
  RecentRevocations(LongSupplier clock) {
    this.clock = clock;
  }

  public void add(String roomId, String participantId) {
    long now = clock.getAsLong();
    String key = roomId + '\n' + participantId;
    revoked.remove(key);
    revoked.put(key, now);
    // insertion order is time order: the stale ones are at the head
    for (Iterator<Long> it = revoked.values().iterator(); it.hasNext(); ) {
      if (now - it.next() <= KEEP_MS) {
        break;
      }
      it.remove();
    }
  }

  /** True if the participant was revoked from the room at or after {@code sinceMs}. */
  public boolean since(String roomId, String participantId, long sinceMs) {
    Long at = revoked.get(roomId + '\n' + participantId);
    return at != null && at >= sinceMs;
  }
}

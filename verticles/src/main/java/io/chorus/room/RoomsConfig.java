package io.chorus.room;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;
import io.vertx.core.json.JsonObject;

/**
 * The rooms feature's settings. {@code presenceEventsMaxUsers}: in a room with more users than this,
 * joins and leaves are not announced one by one to every member (O(N²) frames for N joins) and do not
 * bump the version; events carry {@code user_count} instead. {@code queueMax}: items a room's shared
 * queue may hold; {@code readyTimeoutMs}: how long a new track from the queue waits for its listeners;
 * {@code wsPingSeconds}: how often a seed /ws socket is pinged (one silent for two of these is dropped).
 */
public record RoomsConfig(int maxUsers, int idLength, int ttlHours, int presenceEventsMaxUsers, int queueMax, int readyTimeoutMs,
                          int wsPingSeconds) {
  public static final int DEFAULT_QUEUE_MAX = 500;
  public static final int DEFAULT_READY_TIMEOUT_MS = 5000;
  public static final int DEFAULT_WS_PING_SECONDS = 15;

  public RoomsConfig(int maxUsers, int idLength, int ttlHours, int presenceEventsMaxUsers) {
    this(maxUsers, idLength, ttlHours, presenceEventsMaxUsers, DEFAULT_QUEUE_MAX, DEFAULT_READY_TIMEOUT_MS, DEFAULT_WS_PING_SECONDS);
  }

  public static RoomsConfig of(ChorusConfig config) {
    return from(config.source());
  }

  public static RoomsConfig from(JsonObject json) {
    Parse p = new Parse(json);
    return new RoomsConfig(p.intIn("MAX_ROOM_USERS", 1, 100_000), p.intIn("ROOM_ID_LENGTH", 4, 32), p.intIn("ROOM_TTL_HOURS", 1, 24 * 365),
        p.intIn("ROOM_PRESENCE_EVENTS_MAX_USERS", 1, 5000), p.intIn("ROOM_QUEUE_MAX", 1, 10_000),
        p.intIn("ROOM_READY_TIMEOUT_MS", 100, 120_000), p.intIn("ROOM_WS_PING_SECONDS", 1, 3600));
  }
}

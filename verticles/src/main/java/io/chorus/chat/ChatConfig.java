package io.chorus.chat;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.Parse;
import io.vertx.core.json.JsonObject;

/**
 * Conference rooms and chat (seed 002): text limits, chat TTL, cluster-wide rate limits per window
 * (0 disables one), cleanup period and the LiveKit credentials used to sign media tokens.
 */
public record ChatConfig(int maxMessageLength, int displayNameMin, int displayNameMax, String displayNamePattern, int ttlHours,
                         int historyMax, int pageMax, int rateWindowSeconds, int rateRoomCreate, int rateMessages,
                         int rateRoomRequests, int cleanupIntervalSeconds, String livekitUrl, String livekitApiKey,
                         String livekitApiSecret, int livekitTokenTtlSeconds) {

  public static ChatConfig of(ChorusConfig config) {
    return from(config.source());
  }

  public static ChatConfig from(JsonObject json) {
    Parse p = new Parse(json);
    String pattern = p.string("DISPLAY_NAME_PATTERN");
    try {
      java.util.regex.Pattern.compile(pattern);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new ConfigException("DISPLAY_NAME_PATTERN", "is not a valid regular expression: " + e.getDescription());
    }
    int nameMin = p.intIn("DISPLAY_NAME_MIN_LENGTH", 1, 255);
    int nameMax = p.intIn("DISPLAY_NAME_MAX_LENGTH", 1, 255);
    if (nameMin > nameMax) {
      throw new ConfigException("DISPLAY_NAME_MIN_LENGTH", "must not exceed DISPLAY_NAME_MAX_LENGTH (" + nameMax + ")");
    }
    String lkSecret = p.string("LIVEKIT_API_SECRET");
    if (lkSecret.length() < 32) {
      throw new ConfigException("LIVEKIT_API_SECRET", "must be at least 32 characters (LiveKit refuses shorter secrets)");
    }
    return new ChatConfig(p.intIn("CHAT_MAX_MESSAGE_LENGTH", 1, 100_000), nameMin, nameMax, pattern,
        p.intIn("CHAT_TTL_HOURS", 1, 24 * 30), p.intIn("CHAT_HISTORY_MAX", 10, 1_000_000), p.intIn("CHAT_PAGE_MAX", 1, 10_000),
        p.intIn("RATE_LIMIT_WINDOW_SECONDS", 1, 86_400), p.intIn("RATE_LIMIT_ROOM_CREATE", 0, 1_000_000),
        p.intIn("RATE_LIMIT_CHAT_MESSAGES", 0, 1_000_000), p.intIn("RATE_LIMIT_ROOM_REQUESTS", 0, 10_000_000),
        p.intIn("ROOM_CLEANUP_INTERVAL_SECONDS", 1, 86_400), p.urlOrEmpty("LIVEKIT_URL", "ws", "wss", "http", "https"), p.nonEmpty("LIVEKIT_API_KEY"), lkSecret,
        p.intIn("LIVEKIT_TOKEN_TTL_SECONDS", 60, 7 * 86_400));
  }
}

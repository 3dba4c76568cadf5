package io.chorus.streamhub;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.Parse;
import io.vertx.core.json.JsonObject;

/**
 * The stream hub's settings. {@code waitingTtlSeconds}: a session whose source never connected is
 * finished after this long; {@code rateSessionCreate}: sessions created per client IP and rate-limit
 * window (0: unlimited) of {@code rateWindowSeconds} (shared with the other REST limits).
 */
public record StreamConfig(int wsMaxMessageSize, int maxOperators, String wsBaseUrl, int operatorQueueBytes, int sourceGraceSeconds,
                           int waitingTtlSeconds, int rateSessionCreate, int rateWindowSeconds) {

  public static StreamConfig of(ChorusConfig config) {
    return from(config.source());
  }

  public static StreamConfig from(JsonObject json) {
    Parse p = new Parse(json);
    String wsBase = p.string("WS_BASE_URL");
    if (!wsBase.isEmpty() && !(wsBase.startsWith("ws://") || wsBase.startsWith("wss://"))) {
      throw new ConfigException("WS_BASE_URL", "must start with ws:// or wss://, got '" + wsBase + "'");
    }
    return new StreamConfig(p.intIn("WS_MAX_MESSAGE_SIZE", 1024, 256 * 1024 * 1024), p.intIn("SESSION_MAX_OPERATORS", 1, 100_000), wsBase,
        p.intIn("STREAM_OPERATOR_QUEUE_BYTES", 65_536, Integer.MAX_VALUE), p.intIn("STREAM_SOURCE_GRACE_SECONDS", 1, 86_400),
        p.intIn("STREAM_WAITING_TTL_SECONDS", 1, 30 * 86_400), p.intIn("RATE_LIMIT_SESSION_CREATE", 0, 1_000_000),
        p.intIn("RATE_LIMIT_WINDOW_SECONDS", 1, 86_400));
  }
}

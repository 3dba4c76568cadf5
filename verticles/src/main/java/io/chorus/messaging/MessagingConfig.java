package io.chorus.messaging;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;
import io.vertx.core.json.JsonObject;

/**
 * The messenger's settings: {@code RATE_LIMIT_MESSENGER_WRITES}, the changes (sends, edits, deletions, conversations
 * made, members added or removed, renames) one user makes per {@code RATE_LIMIT_WINDOW_SECONDS} window, counted in
 * Redis by every node (0: no limit).
 */
public record MessagingConfig(int rateWindowSeconds, int rateWrites) {

  public static MessagingConfig of(ChorusConfig config) {
    return from(config.source());
  }

  public static MessagingConfig from(JsonObject json) {
    Parse p = new Parse(json);
    return new MessagingConfig(p.intIn("RATE_LIMIT_WINDOW_SECONDS", 1, 86_400), p.intIn("RATE_LIMIT_MESSENGER_WRITES", 0, 1_000_000));
  }
}

package io.chorus.messaging;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;
import io.vertx.core.json.JsonObject;

/**
 * The messenger's settings: {@code RATE_LIMIT_MESSENGER_WRITES}, the changes (sends, edits, deletions, conversations
 * made, members added or removed, renames, attachments uploaded) one user makes per {@code RATE_LIMIT_WINDOW_SECONDS}
 * window, counted in Redis by every node (0: no limit); {@code MESSENGER_ATTACHMENT_MAX_BYTES}, the largest attachment
 * (413 beyond); {@code MESSENGER_ATTACHMENT_URL_TTL_SECONDS}, how long a signed attachment URL stays valid;
 * {@code MESSENGER_ATTACHMENT_UNSENT_HOURS}, how long an uploaded attachment waits to be sent before it is deleted,
 * looked for every {@code MESSENGER_ATTACHMENT_SWEEP_SECONDS}.
 */
public record MessagingConfig(int rateWindowSeconds, int rateWrites, long attachmentMaxBytes, int attachmentUrlTtlSeconds,
                              int attachmentUnsentHours, int attachmentSweepSeconds) {

  public static MessagingConfig of(ChorusConfig config) {
    return from(config.source());
  }

  public static MessagingConfig from(JsonObject json) {
    Parse p = new Parse(json);
    return new MessagingConfig(p.intIn("RATE_LIMIT_WINDOW_SECONDS", 1, 86_400), p.intIn("RATE_LIMIT_MESSENGER_WRITES", 0, 1_000_000),
        p.intIn("MESSENGER_ATTACHMENT_MAX_BYTES", 1, Integer.MAX_VALUE), p.intIn("MESSENGER_ATTACHMENT_URL_TTL_SECONDS", 60, 7 * 86_400),
        p.intIn("MESSENGER_ATTACHMENT_UNSENT_HOURS", 1, 8760), p.intIn("MESSENGER_ATTACHMENT_SWEEP_SECONDS", 1, 86_400));
  }
}

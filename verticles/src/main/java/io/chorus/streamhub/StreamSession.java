package io.chorus.streamhub;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;

/** A broadcast session (seed 001): waiting until its source connects, active, then finished. */
public record StreamSession(String id, String clientId, String streamKey, String status, OffsetDateTime createdAt,
                            OffsetDateTime startedAt, OffsetDateTime finishedAt) {
  public static final String WAITING = "waiting";
  public static final String ACTIVE = "active";
  public static final String FINISHED = "finished";

  public boolean finished() {
    return FINISHED.equals(status);
  }

  /** Whether {@code key} is this session's stream key; constant-time, so it cannot be guessed byte by byte from response times. */
  public boolean keyMatches(String key) {
    return key != null && MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), streamKey.getBytes(StandardCharsets.UTF_8));
  }

  /** The public view: the stream key is shown only to the creator, in the create response. */
  public JsonObject toJson() {
    return new JsonObject().put("session_id", id).put("client_id", clientId).put("status", status)
        .put("created_at", createdAt == null ? null : createdAt.toString())
        .put("started_at", startedAt == null ? null : startedAt.toString())
        .put("finished_at", finishedAt == null ? null : finishedAt.toString());
  }
}

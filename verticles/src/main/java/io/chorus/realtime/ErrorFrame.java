package io.chorus.realtime;

import io.vertx.core.json.JsonObject;

/**
 * The one WebSocket error frame of docs/api.md, on every socket (/ws, /ws/chat, /ws/stream, /ws/user):
 * {@code {"type":"error","code","message","timestamp"}}, the timestamp in Unix seconds.
 */
public final class ErrorFrame {
  private ErrorFrame() {
  }

  public static JsonObject of(String code, String message) {
    return new JsonObject().put("type", "error").put("code", code).put("message", message)
        .put("timestamp", System.currentTimeMillis() / 1000);
  }
}

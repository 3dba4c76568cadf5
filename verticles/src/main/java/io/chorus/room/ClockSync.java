package io.chorus.room;

import io.vertx.core.json.JsonObject;

/**
 * NTP-style clock sync: the client sends t0 (its clock), the server answers t1 (receive) and t2
 * (send) on its clock; with t3 (client receive) the client keeps the lowest-delay sample:
 * offset = ((t1 - t0) + (t2 - t3)) / 2, delay = (t3 - t0) - (t2 - t1).
 */
public final class ClockSync {
  private ClockSync() {
  }

  public static JsonObject reply(Object t0, long t1) {
    return new JsonObject().put("t0", t0).put("t1", t1).put("t2", System.currentTimeMillis());
  }
}

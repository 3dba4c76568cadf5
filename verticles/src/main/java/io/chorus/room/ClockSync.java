package io.chorus.room;

import io.vertx.core.json.JsonObject;

/**
 * NTP-style clock sync: the client sends t0 (its clock), the server answers t1 (receive) and t2
 * (send) on its clock; with t3 (client receive) the client keeps the lowest-delay sample:
 * offset = ((t1 - t0) + (t2 - t3)) / 2, delay = (t3 - t0) - (t2 - t1).
 */
public final class ClockSync {
  /** What a missing or unreadable {@code t0} is told, on every transport. */
  public static final String T0_REQUIRED = "t0 (the client's clock in ms, a number) is required";
  private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("-?\\d{1,18}(\\.\\d{1,9})?");

  private ClockSync() {
  }

  /** {@code GET /api/v1/time}'s {@code t0}: a decimal number of ms (integral: a long), else null. */
  public static Number parseT0(String v) {
    if (v == null || !NUMBER.matcher(v).matches()) {
      return null;
    }
    return v.indexOf('.') < 0 ? (Number) Long.parseLong(v) : (Number) Double.parseDouble(v);
  }

  public static JsonObject reply(Object t0, long t1) {
    return new JsonObject().put("t0", t0).put("t1", t1).put("t2", System.currentTimeMillis());
  }
}

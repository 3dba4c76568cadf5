package io.chorus.infra;

import io.vertx.redis.client.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reading Redis replies whose shape depends on the protocol the connection negotiated. */
public final class RedisReplies {
  private RedisReplies() {
  }

  /** HGETALL as a map, for RESP3 (a map reply) and RESP2 (a flat array) alike; empty for no reply. */
  public static Map<String, String> hash(Response r) {
    Map<String, String> out = new LinkedHashMap<>();
    if (r == null || r.size() == 0) {
      return out;
    }
    try {
      for (String k : r.getKeys()) {
        out.put(k, r.get(k).toString());
      }
      return out;
    } catch (RuntimeException notAMap) {
      out.clear();   // a RESP2 array has no keys: read it as pairs below
    }
    for (int i = 0; i + 1 < r.size(); i += 2) {
      out.put(r.get(i).toString(), r.get(i + 1).toString());
    }
    return out;
  }
}

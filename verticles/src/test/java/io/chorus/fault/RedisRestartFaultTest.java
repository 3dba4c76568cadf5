package io.chorus.fault;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault: Redis restarts while people chat. While it is down every send gets a clean JSON error (no
 * hang, no 500 page); once it is back, every message that was acknowledged (201) is in the history.
 * Run alone with {@code scripts/fault-redis-restart}; prints its figures.
 */
class RedisRestartFaultTest {

  @Test
  @ChorusCluster(nodes = 2, config = {"RATE_LIMIT_CHAT_MESSAGES=100000", "RATE_LIMIT_ROOM_REQUESTS=100000"})
  void acknowledgedMessagesSurviveARedisRestart(TestCluster cluster) {
    Rest rest = cluster.rest();
    WebClient web = rest.web;
    try {
      int[] ports = {cluster.port(0), cluster.port(1)};
      JsonObject room = rest.postOk(ports[0], "/api/v1/rooms", null, new JsonObject().put("title", "fault").put("display_name", "Host"));
      String id = room.getJsonObject("room").getString("id");
      String token = room.getString("token");
      Set<String> acknowledged = new HashSet<>();
      Map<Integer, Integer> statuses = new HashMap<>();
      int sent = 0;
      int phase = 0;
      long downSince = 0;
      long backAfterMs = -1;
      // three phases: Redis up (100 sends), Redis down (sends until 20 errors), Redis up again (100 sends)
      while (phase < 3) {
        String content = "m-" + sent;
        HttpResponse<Buffer> r = TestServices.await(web.post(ports[sent % 2], "127.0.0.1", "/api/v1/rooms/" + id + "/chat/messages")
            .putHeader("Authorization", "Bearer " + token).sendJsonObject(new JsonObject().put("content", content)));
        sent++;
        statuses.merge(r.statusCode(), 1, Integer::sum);
        if (r.statusCode() == 201) {
          acknowledged.add(content);
          if (phase == 2 && backAfterMs < 0) {
            backAfterMs = System.currentTimeMillis() - downSince;
          }
        } else {
          assertThat(r.statusCode()).as("status while Redis is down").isIn(503, 504);
          assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isIn("unavailable", "timeout");
        }
        if (phase == 0 && sent == 100) {
          TestServices.services().redis().stop();
          downSince = System.currentTimeMillis();
          phase = 1;
        } else if (phase == 1 && statuses.getOrDefault(503, 0) + statuses.getOrDefault(504, 0) >= 20) {
          TestServices.services().redis().start();
          phase = 2;
        } else if (phase == 2 && acknowledged.size() >= 200) {
          phase = 3;
        }
        if (sent > 5000) {
          throw new AssertionError("Redis never came back for chat: " + statuses);
        }
      }
      // read the whole history back (pages of 200)
      Set<String> stored = new HashSet<>();
      long after = 0;
      while (true) {
        Rest.Reply reply = rest.get(ports[1], "/api/v1/rooms/" + id + "/chat/messages?limit=200&after=" + after, token);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonObject page = reply.json();
        JsonArray msgs = page.getJsonArray("messages");
        if (msgs.isEmpty()) {
          break;
        }
        for (Object o : msgs) {
          JsonObject m = (JsonObject) o;
          if ("user".equals(m.getString("message_type"))) {
            stored.add(m.getString("content"));
          }
          after = m.getLong("seq");
        }
      }
      System.out.printf("fault-redis-restart: sent=%d acknowledged=%d refused=%s stored=%d lost=%d first-ack-after-restart=%d ms%n",
          sent, acknowledged.size(), statuses, stored.size(), acknowledged.stream().filter(c -> !stored.contains(c)).count(), backAfterMs);
      assertThat(stored).containsAll(acknowledged);
      assertThat(statuses.getOrDefault(500, 0)).isZero();
    } finally {
      if (!isUp()) {
        TestServices.services().redis().start();
      }
    }
  }

  private static boolean isUp() {
    return io.chorus.embedded.Ports.isOpen("127.0.0.1", TestServices.services().redis().port());
  }
}

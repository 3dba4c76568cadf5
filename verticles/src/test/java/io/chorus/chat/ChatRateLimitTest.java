package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Seed 002's rate limits hold across two nodes (the counters are in Redis): 429 with Retry-After. */
// a cluster of its own: the per-IP room limit counts every test's creates from 127.0.0.1
@ChorusCluster(nodes = 2, config = {
    "RATE_LIMIT_ROOM_CREATE=4",
    "RATE_LIMIT_CHAT_MESSAGES=5",
    "RATE_LIMIT_ROOM_REQUESTS=30",
    "RATE_LIMIT_WINDOW_SECONDS=3600"})
class ChatRateLimitTest {
  static List<ChorusNode> nodes;
  static Vertx client;
  static Rest rest;
  static io.vertx.redis.client.RedisAPI redis;

  @BeforeAll
  static void start(TestCluster cluster) {
    // counters of earlier runs in the same Redis (same ip, window) must not count here
    TestServices.await(redis.del(List.of("ratelimit:{create:127.0.0.1}", ANON_REQUESTS)));
  }

  /** The anonymous request counter of 127.0.0.1 (per IP, across rooms). */
  static final String ANON_REQUESTS = "ratelimit:{ip:127.0.0.1}:requests";

  @AfterAll
  static void stop() {
    // this test's hour-long windows on 127.0.0.1 must not count against later test classes
    TestServices.await(redis.del(List.of("ratelimit:{create:127.0.0.1}", ANON_REQUESTS)));
  }

  static int port(int i) {
    return NodePorts.http(nodes.get(i).vertx());
  }

  static void assertLimited(Rest.Reply r) {
    assertThat(r.errorCode(429)).isEqualTo("rate_limited");
    long retry = Long.parseLong(r.headers().get("Retry-After"));
    assertThat(retry).isBetween(1L, 3600L);
  }

  @Test
  void limitsAreSharedByTheNodes() {
    // room creation per IP: 4 in the window, alternating nodes; the 5th is refused on either node
    List<JsonObject> rooms = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Rest.Reply r = rest.post(port(i % 2), "/api/v1/rooms", null, new JsonObject().put("title", "r" + i));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      rooms.add(r.json());
    }
    assertLimited(rest.post(port(0), "/api/v1/rooms", null, new JsonObject().put("title", "r5")));
    assertLimited(rest.post(port(1), "/api/v1/rooms", null, new JsonObject().put("title", "r6")));

    // messages per participant: 5, alternating nodes; another participant still may send
    String id = rooms.get(0).getJsonObject("room").getString("id");
    String host = rooms.get(0).getString("token");
    String path = "/api/v1/rooms/" + id + "/chat/messages";
    for (int i = 0; i < 5; i++) {
      assertThat(rest.post(port(i % 2), path, host, new JsonObject().put("content", "m" + i)).status()).isEqualTo(201);
    }
    assertLimited(rest.post(port(1), path, host, new JsonObject().put("content", "too many")));
    Rest.Reply join = rest.call(HttpMethod.POST, port(0), "/api/v1/rooms/" + id + "/join", null, null,
        new JsonObject().put("display_name", "Other"));
    String other = join.json().getString("token");
    assertThat(rest.post(port(1), path, other, new JsonObject().put("content", "hi")).status()).isEqualTo(201);

    // requests per caller: without a token, 30 per client IP in the window counted on both nodes (1 used
    // above: the join; the sends count against their participants)
    int ok = 0;
    Rest.Reply last = null;
    for (int i = 0; i < 30; i++) {
      last = rest.get(port(i % 2), "/api/v1/rooms/" + id, null);
      if (last.status() == 200) {
        ok++;
      } else {
        break;
      }
    }
    assertThat(ok).isEqualTo(30 - 1);
    assertLimited(last);
    // a bad token is no participant: the address's limit answers first, before the token is looked at
    assertLimited(rest.post(port(0), path, "forged.token", new JsonObject().put("content", "hi")));
    // the address's limit holds for every room (it is the caller's, not a room's)
    String otherRoom = rooms.get(1).getJsonObject("room").getString("id");
    assertLimited(rest.get(port(0), "/api/v1/rooms/" + otherRoom, null));
    // the members' own requests have their own budgets: the other participant still sends
    assertThat(rest.post(port(1), path, other, new JsonObject().put("content", "hi again")).status()).isEqualTo(201);
    // ... until its own 30 are used up (2 sends so far), on either node
    for (int i = 0; i < 28; i++) {
      assertThat(rest.get(port(i % 2), "/api/v1/rooms/" + id + "/participants", other).status()).isEqualTo(200);
    }
    assertLimited(rest.get(port(0), "/api/v1/rooms/" + id + "/participants", other));
  }
}

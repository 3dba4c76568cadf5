package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 7: requests to a room are limited per caller, not per room. Outsiders hammering a
 * room's public GET from one address (here 127.0.0.21, a loopback address of their own) get 429, and
 * the room's members, authenticated by their tokens, go on reading and writing its chat.
 */
@ChorusCluster(nodes = 2, config = {
    "RATE_LIMIT_ROOM_REQUESTS=" + CallerRateLimitTest.LIMIT,
    "RATE_LIMIT_WINDOW_SECONDS=3600",
    "RATE_LIMIT_ROOM_CREATE=0",
    "RATE_LIMIT_CHAT_MESSAGES=0"})
class CallerRateLimitTest {
  static final int LIMIT = 20;
  static final String OUTSIDER = "127.0.0.21";
  static final String FORGER = "127.0.0.22";
  static final String NEWCOMER = "127.0.0.23";
  /** Where the members come from before they hold tokens (127.0.0.1's counter is shared with other test classes). */
  static final String MEMBERS = "127.0.0.24";
  static List<ChorusNode> nodes;
  static Vertx client;
  static RedisAPI redis;
  static Rest members;

  @BeforeAll
  static void start() {
    members = new Rest(client);
    TestServices.await(redis.del(List.of(anonKey(OUTSIDER), anonKey(FORGER), anonKey(NEWCOMER), anonKey(MEMBERS))));
  }

  @AfterAll
  static void stop() {
    TestServices.await(redis.del(List.of(anonKey(OUTSIDER), anonKey(FORGER), anonKey(NEWCOMER), anonKey(MEMBERS))));
  }

  static String anonKey(String ip) {
    return "ratelimit:{ip:" + ip + "}:requests";
  }

  static int port(int i) {
    return NodePorts.http(nodes.get(i).vertx());
  }

  static WebClient from(String localAddress) {
    return WebClient.create(client, new WebClientOptions().setLocalAddress(localAddress));
  }

  @Test
  void outsidersCannotUseUpAMembersBudget() {
    // a room with its host and a member, made from the members' address
    WebClient newMembers = from(MEMBERS);
    HttpResponse<Buffer> created = TestServices.await(newMembers.post(port(0), "127.0.0.1", "/api/v1/rooms")
        .sendJsonObject(new JsonObject().put("title", "mine").put("display_name", "Host")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getJsonObject("room").getString("id");
    String host = created.bodyAsJsonObject().getString("token");
    HttpResponse<Buffer> joined = TestServices.await(newMembers.post(port(1), "127.0.0.1", "/api/v1/rooms/" + id + "/join")
        .sendJsonObject(new JsonObject().put("display_name", "Bob")));
    assertThat(joined.statusCode()).as(joined.bodyAsString()).isEqualTo(200);
    String bob = joined.bodyAsJsonObject().getString("token");

    // an outsider hammers the room's public GET, alternating nodes, well past the limit
    WebClient outsider = from(OUTSIDER);
    int ok = 0;
    int limited = 0;
    for (int i = 0; i < LIMIT * 3; i++) {
      HttpResponse<Buffer> r = TestServices.await(outsider.get(port(i % 2), "127.0.0.1", "/api/v1/rooms/" + id).send());
      if (r.statusCode() == 200) {
        ok++;
      } else {
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(429);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("rate_limited");
        assertThat(Long.parseLong(r.getHeader("Retry-After"))).isBetween(1L, 3600L);
        limited++;
      }
    }
    assertThat(limited).as("429s for the outsider").isPositive();
    // tokens that do not verify are no participant's: they count against their address too
    WebClient forger = from(FORGER);
    for (int i = 0; i < LIMIT; i++) {
      TestServices.await(forger.get(port(i % 2), "127.0.0.1", "/api/v1/rooms/" + id + "/chat/messages")
          .putHeader("Authorization", "Bearer forged." + i).send());
    }
    HttpResponse<Buffer> forged = TestServices.await(forger.post(port(0), "127.0.0.1", "/api/v1/rooms/" + id + "/chat/messages")
        .putHeader("Authorization", "Bearer forged.x").sendJsonObject(new JsonObject().put("content", "spam")));
    assertThat(forged.statusCode()).as(forged.bodyAsString()).isEqualTo(429);

    // the members' own requests still succeed, on both nodes
    for (int n = 0; n < 2; n++) {
      Rest.Reply read = members.get(port(n), "/api/v1/rooms/" + id + "/chat/messages", host);
      assertThat(read.status()).as(read.body()).isEqualTo(200);
      Rest.Reply sent = members.post(port(n), "/api/v1/rooms/" + id + "/chat/messages", bob, new JsonObject().put("content", "still here " + n));
      assertThat(sent.status()).as(sent.body()).isEqualTo(201);
      Rest.Reply room = members.get(port(n), "/api/v1/rooms/" + id, host);
      assertThat(room.status()).as(room.body()).isEqualTo(200);
    }
    assertThat(members.get(port(0), "/api/v1/rooms/" + id + "/chat/messages", bob).json().getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getString("content")).toList()).contains("still here 0", "still here 1");
    // the outsider had exactly its own budget, whatever the members did meanwhile
    assertThat(ok).isEqualTo(LIMIT);
    assertThat(limited).isEqualTo(LIMIT * 2);
    // and an anonymous newcomer from another address may still look at the room
    assertThat(TestServices.await(from(NEWCOMER).get(port(1), "127.0.0.1", "/api/v1/rooms/" + id).send()).statusCode()).isEqualTo(200);
  }
}

package io.chorus.chat;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official bridge client (web/test/chat-bridge-client.mjs) receives chat events only for rooms
 * its token's participant joined: a token for room B cannot listen to room A.
 */
class ChatBridgeClientTest {
  @Test
  @ChorusCluster
  void chatEventsReachOnlyMembersOverTheBridge(TestCluster cluster) {
    NodeScripts.requireInstalled("@vertx/eventbus-bridge-client.js");
    Rest rest = cluster.rest();
    int port = cluster.port();
    JsonObject a = rest.post(port, "/api/v1/rooms", null, new JsonObject().put("title", "A")).json();
    JsonObject b = rest.post(port, "/api/v1/rooms", null, new JsonObject().put("title", "B")).json();
    String roomA = a.getJsonObject("room").getString("id");
    String roomB = b.getJsonObject("room").getString("id");
    JsonObject cfg = new JsonObject().put("url", "http://127.0.0.1:" + port + "/eventbus").put("api", "http://127.0.0.1:" + port)
        .put("roomA", roomA).put("roomB", roomB).put("memberA", a.getString("token")).put("memberB", b.getString("token"));

    JsonObject r = NodeScripts.run("test/chat-bridge-client.mjs", Duration.ofSeconds(60), cfg.encode());
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as(dump).isTrue();
    assertThat(r.getInteger("postA")).isEqualTo(201);
    assertThat(r.getInteger("postB")).isEqualTo(201);

    JsonArray evA = r.getJsonObject("memberA").getJsonArray("events");
    assertThat(evA).as(dump).hasSize(1);
    JsonObject body = evA.getJsonObject(0).getJsonObject("body");
    assertThat(body.getString("type")).isEqualTo("message_created");
    assertThat(body.getString("room_id")).isEqualTo(roomA);
    assertThat(body.getJsonObject("message").getString("content")).isEqualTo("hello A");
    JsonArray evB = r.getJsonObject("memberB").getJsonArray("events");
    assertThat(evB).as(dump).hasSize(1);
    assertThat(evB.getJsonObject(0).getJsonObject("body").getJsonObject("message").getString("content")).isEqualTo("hello B");
    // the room-B token on room A: refused, nothing received
    assertThat(r.getJsonObject("intruder").getJsonArray("events")).as(dump).isEmpty();
    assertThat(r.getJsonObject("intruder").getJsonArray("errors").encode()).as(dump).containsAnyOf("rejected", "access_denied");
    System.out.printf("ChatBridgeClientTest: REST post -> bridge event %d ms%n", r.getLong("latencyMs"));
  }
}

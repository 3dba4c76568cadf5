package io.chorus.chat;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The official bridge client (web/test/chat-bridge-client.mjs) receives chat events only for rooms
 * its token's participant joined: a token for room B cannot listen to room A.
 */
class ChatBridgeClientTest {
  static final Path WEB = Path.of(System.getProperty("chorus.web.dir", "../web")).toAbsolutePath().normalize();

  @Test
  void chatEventsReachOnlyMembersOverTheBridge() throws Exception {
    if (!Files.isDirectory(WEB.resolve("node_modules/@vertx/eventbus-bridge-client.js"))) {
      fail("@vertx/eventbus-bridge-client.js is not installed under " + WEB + "/node_modules (npm ci in web/)");
    }
    ChorusNode node = TestServices.startNode(Map.of());
    Vertx client = Vertx.vertx();
    try {
      Rest rest = new Rest(client);
      int port = NodePorts.http(node.vertx());
      JsonObject a = rest.post(port, "/api/v1/rooms", null, new JsonObject().put("title", "A")).json();
      JsonObject b = rest.post(port, "/api/v1/rooms", null, new JsonObject().put("title", "B")).json();
      String roomA = a.getJsonObject("room").getString("id");
      String roomB = b.getJsonObject("room").getString("id");
      JsonObject cfg = new JsonObject().put("url", "http://127.0.0.1:" + port + "/eventbus").put("api", "http://127.0.0.1:" + port)
          .put("roomA", roomA).put("roomB", roomB).put("memberA", a.getString("token")).put("memberB", b.getString("token"));

      Process p = new ProcessBuilder(List.of("node", "test/chat-bridge-client.mjs", cfg.encode())).directory(WEB.toFile())
          .redirectErrorStream(true).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("node script did not finish");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String last = out.lines().filter(l -> l.startsWith("{")).reduce((x, y) -> y).orElseThrow(() -> new AssertionError(out));
      JsonObject r = new JsonObject(last);
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
    } catch (IOException e) {
      fail("cannot start `node`: " + e.getMessage());
    } finally {
      TestServices.await(client.close());
      TestServices.closeAll(List.of(node));
    }
  }
}

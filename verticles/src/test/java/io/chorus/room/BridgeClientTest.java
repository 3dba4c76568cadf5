package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SockJS bridge with the official {@code @vertx/eventbus-bridge-client.js} in Node (see
 * web/test/bridge-client.mjs): a member's REGISTER gets room events; non-members, tokens for
 * another room, tampered or missing tokens are refused and get nothing; a non-host's control fails
 * and changes nothing, also with a forged {@code actor} header; the host's control succeeds; clock
 * sync over {@code client.clock} works.
 */
class BridgeClientTest {

  @Test
  @ChorusCluster
  void officialClientAgainstTheBridge(ChorusNode node) {
    NodeScripts.requireInstalled("@vertx/eventbus-bridge-client.js");
    RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
    ParticipantTokens tokens = TestTokens.tokens();
    RoomState room = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("host-1").setHostName("Hanna")
        .setTrackUrl("https://example.com/t.mp3").build(), false));
    String id = room.roomId();
    RoomState joined = TestServices.await(rooms.join(JoinRoomRequest.newBuilder().setRoomId(id).setUserId("member-1")
        .setUserName("Max").build(), false, true));
    RoomState otherRoom = TestServices.await(rooms.create(CreateRoomRequest.newBuilder().setHostId("member-1")
        .setTrackUrl("https://example.com/o.mp3").build(), false));
    String hostToken = tokens.issue(id, "host-1", "host");
    JsonObject cfg = new JsonObject()
        .put("url", "http://127.0.0.1:" + NodePorts.http(node.vertx()) + "/eventbus")
        .put("roomId", id)
        .put("hostId", "host-1")
        .put("hostToken", hostToken)
        .put("memberId", "member-1")
        .put("memberToken", tokens.issue(id, "member-1", "participant"))
        .put("ghostToken", tokens.issue(id, "ghost-1", "participant"))
        .put("otherRoomToken", tokens.issue(otherRoom.roomId(), "member-1", "host"))
        .put("badToken", hostToken.substring(0, hostToken.length() - 3) + "AAA");
    long versionBefore = joined.version();

    JsonObject r = NodeScripts.run("test/bridge-client.mjs", Duration.ofMinutes(2), cfg.encode());
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("bridge client run failed:\n%s", dump).isTrue();

    // clock sync: t0 echoed, server times ordered, same machine so the offset is small
    JsonObject best = r.getJsonObject("clock").getJsonObject("best");
    assertThat(best).as(dump).isNotNull();
    for (Object o : r.getJsonObject("clock").getJsonArray("samples")) {
      JsonObject s = (JsonObject) o;
      assertThat(s.getBoolean("echoed")).as(dump).isTrue();
      assertThat(s.getLong("t2")).isGreaterThanOrEqualTo(s.getLong("t1"));
    }
    assertThat(best.getDouble("delay")).as(dump).isBetween(0.0, 500.0);
    assertThat(Math.abs(best.getDouble("offset"))).as(dump).isLessThan(50.0);

    // a non-host member's control fails (forbidden) — also when it forges the host's actor header
    assertThat(r.getJsonObject("memberControl").getJsonObject("err")).as(dump).isNotNull();
    assertThat(r.getJsonObject("memberControl").getJsonObject("err").getInteger("failureCode")).isEqualTo(4030);
    assertThat(r.getJsonObject("forgedActor").getJsonObject("err")).as(dump).isNotNull();
    assertThat(r.getJsonObject("forgedActor").getJsonObject("err").getInteger("failureCode")).isEqualTo(4030);
    assertThat(r.getJsonObject("ghostControl").getJsonObject("err")).as(dump).isNotNull();
    // no token at all: the bridge refuses the SEND before it reaches the room
    JsonObject noToken = r.getJsonObject("actorWithoutToken");
    assertThat(noToken.containsKey("reply")).as(dump).isFalse();
    assertThat(r.getJsonObject("noToken").getJsonArray("errors")).as(dump).hasSize(2);
    assertThat(r.getInteger("eventsBeforeHost")).as("refused controls publish nothing:\n%s", dump).isZero();

    // the host's control succeeds with the next version, and the member receives it
    JsonObject hostReply = r.getJsonObject("hostControl").getJsonObject("reply");
    assertThat(hostReply).as(dump).isNotNull();
    assertThat(hostReply.getBoolean("ok")).isTrue();
    assertThat(hostReply.getLong("version")).as("refused controls changed nothing:\n%s", dump).isEqualTo(versionBefore + 1);
    JsonArray memberEvents = r.getJsonObject("member").getJsonArray("events");
    assertThat(memberEvents).as(dump).hasSize(1);
    JsonObject play = memberEvents.getJsonObject(0);
    assertThat(play.getString("type")).isEqualTo("play");
    assertThat(play.getString("room_id")).isEqualTo(id);
    assertThat(play.getString("user_id")).isEqualTo("host-1");
    assertThat(play.getLong("version")).isEqualTo(versionBefore + 1);
    assertThat(play.getJsonObject("playback").getString("status")).isEqualTo("play");
    assertThat(r.getJsonObject("member").getJsonArray("errors")).as(dump).isEmpty();

    // refused REGISTERs: an err frame ('rejected': the token/membership hook said no), and nothing received
    for (String who : List.of("ghost", "otherRoom", "badToken", "noToken")) {
      JsonObject rec = r.getJsonObject(who);
      assertThat(rec.getInteger("events")).as("%s received room events:\n%s", who, dump).isZero();
      assertThat(rec.getJsonArray("errors").encode()).as("%s REGISTER not refused:\n%s", who, dump).containsAnyOf("\"rejected\"", "\"access_denied\"");
    }

    RoomState after = TestServices.await(rooms.get(id));
    assertThat(after.version()).isEqualTo(versionBefore + 1);
    assertThat(after.status()).isEqualTo("play");
    assertThat(after.users()).containsExactly("host-1", "member-1");
    System.out.printf("BridgeClientTest: host control -> member event %d ms, clock rtt %.0f ms offset %.1f ms, script %d ms%n",
        r.getLong("memberPlayLatencyMs"), best.getDouble("delay"), best.getDouble("offset"), r.getLong("totalMs"));
  }
}

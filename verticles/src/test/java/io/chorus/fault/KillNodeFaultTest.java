package io.chorus.fault;

import io.chorus.testing.ChildNode;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault: kill -9 one of three nodes while the host plays and people chat. Listeners on the survivors
 * lose no event; the dead node's clients reconnect to a survivor with their tokens and get the current
 * room state and every chat message they missed. Run with {@code scripts/fault-kill-node}; prints
 * its figures.
 */
class KillNodeFaultTest {

  @Test
  void survivorsLoseNothingAndTheDeadNodesClientsRecover() throws Exception {
    // two survivors here, the victim in a child JVM to kill -9
    try (TestCluster cluster = TestCluster.start(2, Map.of("RATE_LIMIT_CHAT_MESSAGES", 100_000, "RATE_LIMIT_ROOM_REQUESTS", 100_000,
        "MAX_ROOM_USERS", 500), List.of(), 1);
         ChildNode victim = cluster.startChild(0, "kill-node")) {
      List<WsProbe> probes = new ArrayList<>();
      try {
        Rest rest = cluster.rest();
        victim.awaitReady(3, Duration.ofSeconds(90));
        int a = cluster.port(0);
        int b = cluster.port(1);
        int c = victim.httpPort;
        JsonObject created = rest.postOk(a, "/api/v1/rooms", null, new JsonObject().put("title", "kill").put("display_name", "Host"));
        String id = created.getJsonObject("room").getString("id");
        String hostId = created.getJsonObject("participant").getString("participant_id");
        String hostToken = created.getString("token");
        WsProbe host = WsProbe.connect(a, "/ws?room_id=" + id + "&user_id=" + hostId + "&token=" + hostToken);
        probes.add(host);
        host.awaitType("room_info");
        List<WsProbe> onSurvivors = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          WsProbe l = WsProbe.connect(i % 2 == 0 ? a : b, "/ws?room_id=" + id + "&user_id=s" + i);
          l.awaitType("room_info");
          onSurvivors.add(l);
          probes.add(l);
        }
        List<WsProbe> onVictim = new ArrayList<>();
        List<String> victimTokens = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
          WsProbe l = WsProbe.connect(c, "/ws?room_id=" + id + "&user_id=v" + i);
          victimTokens.add(l.awaitType("room_info").getString("token"));
          onVictim.add(l);
          probes.add(l);
        }
        // chat readers on the victim, and a writer on a survivor
        List<String> readerTokens = new ArrayList<>();
        List<WsProbe> readers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          String t = rest.postOk(a, "/api/v1/rooms/" + id + "/join", null, new JsonObject().put("display_name", "r" + i)).getString("token");
          readerTokens.add(t);
          WsProbe r = WsProbe.connect(c, "/ws/chat/" + id + "?token=" + t);
          r.awaitType("synced");
          readers.add(r);
          probes.add(r);
        }
        int controls = 80;
        int chats = 80;
        long killedAt = 0;
        long start = System.nanoTime();
        for (int i = 1; i <= controls; i++) {
          // pace the host at 20 controls/s: the socket's own limit is 50 messages/s
          java.util.concurrent.locks.LockSupport.parkNanos(start + i * 50_000_000L - System.nanoTime());
          host.send(new JsonObject().put("type", "control").put("action", "seek").put("position", i));
          rest.postOk(i % 2 == 0 ? a : b, "/api/v1/rooms/" + id + "/chat/messages", hostToken, new JsonObject().put("content", "c" + i));
          if (i == 30) {
            killedAt = System.currentTimeMillis();
            victim.kill9();
          }
        }
        // survivors: every control, in order
        for (WsProbe l : onSurvivors) {
          for (int i = 1; i <= controls; i++) {
            assertThat(l.awaitType("seek").getDouble("position")).as("listener events: %s", l.history()).isEqualTo((double) i);
          }
        }
        // the victim's listeners reconnect to a survivor with their tokens and get the current state
        long recovered = 0;
        for (int i = 0; i < onVictim.size(); i++) {
          onVictim.get(i).awaitClose(15_000);
          WsProbe again = WsProbe.connect(i % 2 == 0 ? a : b, "/ws?room_id=" + id + "&user_id=v" + i + "&token=" + victimTokens.get(i));
          probes.add(again);
          JsonObject info = again.awaitType("room_info");
          recovered = Math.max(recovered, System.currentTimeMillis() - killedAt);
          assertThat(info.getJsonObject("playback").getLong("position_ms")).isEqualTo(controls * 1000L);
        }
        // the victim's chat readers reconnect with the last seq they saw and get exactly what they missed
        long chatRecovered = 0;
        for (int i = 0; i < readers.size(); i++) {
          WsProbe r = readers.get(i);
          long lastSeq = 0;
          while (true) {
            JsonObject m = r.texts.isEmpty() && r.isClosed() ? null : poll(r);
            if (m == null) {
              break;
            }
            if ("message_created".equals(m.getString("type"))) {
              lastSeq = m.getLong("seq");
            }
          }
          WsProbe again = WsProbe.connect(a, "/ws/chat/" + id + "?token=" + readerTokens.get(i) + "&after=" + lastSeq);
          probes.add(again);
          long expect = lastSeq + 1;
          while (true) {
            JsonObject m = again.await(x -> "message_created".equals(x.getString("type")), 15_000);
            assertThat(m.getLong("seq")).isEqualTo(expect);
            if (("c" + chats).equals(m.getJsonObject("message").getString("content"))) {
              break;
            }
            expect++;
          }
          chatRecovered = Math.max(chatRecovered, System.currentTimeMillis() - killedAt);
        }
        System.out.printf("fault-kill-node: 3 nodes, killed 1 (kill -9) after 30 of %d controls; %d survivor listeners got all %d in order; "
                + "%d listeners of the dead node back with the current state within %d ms; %d chat readers recovered every missed message within %d ms%n",
            controls, onSurvivors.size(), controls, onVictim.size(), recovered, readers.size(), chatRecovered);
      } finally {
        probes.forEach(WsProbe::close);
      }
    }
  }

  /** Drains one already-received message, or null once the dead socket has nothing left. */
  private static JsonObject poll(WsProbe r) {
    String t = r.texts.poll();
    return t == null ? null : new JsonObject(t);
  }
}

package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.TestTokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listen-together page in headless Chromium (driven by playwright-core from Node, see
 * web/test/browser-sync.mjs) against a real node: a host page creates a room, a listener page
 * joins; the host presses play and the listener's {@code <audio>} plays; seek and pause follow
 * too. How closely and how fast it follows (within 1 s, ±100 ms) is {@link BrowserTimingTest}'s,
 * run apart from the functional suite. Chromium missing is a failure, not a skip.
 */
// listen rooms count on the per-IP room creation limit, which other test classes' rooms from 127.0.0.1 may have used up
@ChorusCluster(config = "RATE_LIMIT_ROOM_CREATE=0")
class BrowserSyncTest {
  static ChorusNode node;
  static int port;

  @BeforeAll
  static void start(TestCluster cluster) {
    node = cluster.node();
    port = cluster.port();
  }

  /** The page's REST create: 201 with a host token that verifies; bad bodies get the JSON error shape. */
  @Test
  void createRoomOverRest() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/listen/rooms");
    java.util.function.Function<String, HttpResponse<String>> post = body -> {
      try {
        return http.send(HttpRequest.newBuilder(uri).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    HttpResponse<String> ok = post.apply("{\"host_id\":\"h-1\",\"host_name\":\"Hanna\",\"track_url\":\"/media/test-tone.wav\"}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    JsonObject created = new JsonObject(ok.body());
    ParticipantTokens.Identity id = TestTokens.tokens(60_000)
        .verify(created.getString("token"), created.getString("room_id"));
    assertThat(id.participantId()).isEqualTo("h-1");
    assertThat(id.role()).isEqualTo("host");
    RoomState room = TestServices.await(new RoomClient(node.vertx().eventBus(), "test").get(created.getString("room_id")));
    assertThat(room.hostId()).isEqualTo("h-1");
    assertThat(room.trackUrl()).isEqualTo("/media/test-tone.wav");

    HttpResponse<String> anonymous = post.apply("{\"track_url\":\"/media/test-tone.wav\"}");
    assertThat(anonymous.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(anonymous.body()).getString("host_id")).startsWith("u-");

    for (String[] bad : new String[][] {
        {"{not json", "malformed_json"}, {"[1,2]", "malformed_json"}, {"", "malformed_json"},
        {"{\"host_id\":\"h\"}", "invalid_argument"}, {"{\"track_url\":42}", "invalid_argument"},
        {"{\"host_id\":\"" + "x".repeat(200) + "\",\"track_url\":\"/t.wav\"}", "invalid_argument"},
        {"{\"track_url\":\"" + "x".repeat(20_000) + "\"}", "payload_too_large"}}) {
      HttpResponse<String> res = post.apply(bad[0]);
      assertThat(res.statusCode()).as(bad[0]).isBetween(400, 499);
      assertThat(new JsonObject(res.body()).getJsonObject("error").getString("code")).as(res.body()).isEqualTo(bad[1]);
    }
  }

  @Test
  void listenerFollowsHostPlaySeekPause() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    JsonObject r = NodeScripts.run("test/browser-sync.mjs", Duration.ofMinutes(3), "http://127.0.0.1:" + port);
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();

    assertThat(r.getBoolean("hostIsHost")).as(dump).isTrue();
    assertThat(r.getBoolean("listenerIsHost")).as(dump).isFalse();
    assertThat(r.getBoolean("listenerControlsHidden")).as(dump).isTrue();
    assertThat(r.getBoolean("hostControlsVisible")).as(dump).isTrue();
    // user-provided names are shown as text, never as markup
    assertThat(r.getJsonArray("hostSeesNames").getList()).as(dump)
        .containsExactlyInAnyOrder("Host Hanna", "<img src=x onerror=\"window.__xss=1\">Lis");
    assertThat(r.getBoolean("xssSafe")).as(dump).isTrue();

    JsonObject play = r.getJsonObject("play");
    assertThat(play.getLong("startLatencyMs")).as("listener playing after the host's play:\n%s", dump).isNotNull();
    assertThat(play.getJsonObject("at1s").getJsonObject("listener").getBoolean("paused")).isFalse();

    JsonObject seek = r.getJsonObject("seek");
    assertThat(seek.getJsonObject("at1s").getJsonObject("listener").getDouble("pos")).as(dump).isBetween(30.0, 32.0);

    JsonObject pause = r.getJsonObject("pause");
    assertThat(pause.getJsonObject("after").getJsonObject("listener").getBoolean("paused")).isTrue();
    assertThat(r.getString("listenerStatusText")).isEqualTo("paused");

    // the listener acted on the playback events received through the SockJS bridge (not the WebSocket fallback)
    JsonObject events = r.getJsonObject("listenerEvents");
    for (String type : List.of("play", "seek", "pause")) {
      assertThat(events.getInteger("bridge:" + type, 0)).as("%s through the bridge:\n%s", type, dump).isEqualTo(1);
      assertThat(events.getInteger("ws:" + type, 0)).as(dump).isZero();
    }
  }

  /**
   * The room page for a room made through the REST API (issue 14): no track is a note, the host sets
   * the track from the page, a guest joins by code, playback follows, chat goes both ways with edit and
   * delete, and messages missed while the guest's chat socket was down appear exactly once (and an
   * edit made meanwhile shows in its current form).
   */
  @Test
  void restRoomPageWithTrackAndChat() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    JsonObject r = NodeScripts.run("test/browser-room.mjs", Duration.ofMinutes(3), "http://127.0.0.1:" + port);
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
    assertThat(r.getBoolean("hostIsHost")).as(dump).isTrue();
    assertThat(r.getBoolean("hostUrlHasToken")).as("the token leaves the address bar:\n%s", dump).isFalse();
    assertThat(r.getString("noTrackNote")).as(dump).startsWith("No track yet.");
    assertThat(r.getString("noTrackError")).as(dump).isEmpty();
    assertThat(r.getBoolean("hostTrackFormVisible")).as(dump).isTrue();
    assertThat(r.getString("trackUrl")).as(dump).isEqualTo("http://127.0.0.1:" + port + "/media/test-tone.wav");
    assertThat(r.getBoolean("guestIsHost")).as(dump).isFalse();
    assertThat(r.getBoolean("guestTrackFormVisible")).as(dump).isFalse();
    assertThat(r.getString("guestTrackUrl")).as(dump).isEqualTo(r.getString("trackUrl"));
    assertThat(r.getBoolean("guestPlayed")).as(dump).isTrue();
    assertThat(r.getBoolean("guestPaused")).as(dump).isTrue();
    assertThat(r.getBoolean("xssSafe")).as(dump).isTrue();
    assertThat(r.getInteger("guestButtonsOnHostMessage")).as("no edit/delete on others' messages:\n%s", dump).isZero();
    assertThat(r.getBoolean("guestSeesEditedMark")).as(dump).isTrue();
    List<Object> expected = List.of("hello, edited");
    assertThat(r.getJsonObject("afterEdits").getJsonArray("host").getList()).as(dump).isEqualTo(expected);
    assertThat(r.getJsonObject("afterEdits").getJsonArray("guest").getList()).as(dump).isEqualTo(expected);

    JsonObject fin = r.getJsonObject("final");
    List<Object> all = List.of("hello while away", "missed 1", "missed 2", "missed 3", "after reconnect");
    assertThat(fin.getJsonArray("host").getList()).as(dump).isEqualTo(all);
    assertThat(fin.getJsonArray("guest").getList()).as("missed messages exactly once, in order:\n%s", dump).isEqualTo(all);
    assertThat(fin.getJsonArray("guestIds").getList()).as(dump).doesNotHaveDuplicates()
        .isEqualTo(fin.getJsonArray("hostIds").getList());
    JsonObject reconnect = r.getJsonObject("reconnect");
    assertThat(reconnect.getInteger("connectsAfter")).as(dump).isEqualTo(reconnect.getInteger("connectsBefore") + 1);
    assertThat(r.getJsonArray("console").getList()).as(dump).isEmpty();
  }
}

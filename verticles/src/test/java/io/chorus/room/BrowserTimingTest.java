package io.chorus.room;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How closely and how fast listeners' {@code <audio>} follows the host in headless Chromium: bounds
 * in milliseconds that a loaded machine can break while nothing is wrong. Tagged {@value #TAG}: the
 * default (functional) test run leaves this class out and CI runs it in a step of its own
 * ({@code ./mvnw -B -o -pl verticles surefire:test -Dgroups=browser-audio-sync}); what the pages do
 * is asserted in {@link BrowserSyncTest}, in the functional suite.
 */
@Tag(BrowserTimingTest.TAG)
// listen rooms count on the per-IP room creation limit, which other test classes' rooms from 127.0.0.1 may have used up
@ChorusCluster(config = "RATE_LIMIT_ROOM_CREATE=0")
class BrowserTimingTest {
  /** The group of timing-sensitive browser checks (surefire {@code groups}/{@code excludedGroups}). */
  static final String TAG = "browser-audio-sync";
  static int port;

  @BeforeAll
  static void start(TestCluster cluster) {
    port = cluster.port();
  }

  /**
   * The run of {@link BrowserSyncTest#listenerFollowsHostPlaySeekPause} timed: the listener plays within
   * 1 s of the host's play at the host's position ±100 ms (1 s and 3 s after), and seek and pause reach
   * it within 1 s, also ±100 ms.
   */
  @Test
  void listenerFollowsHostWithin100Ms() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    JsonObject r = NodeScripts.run("test/browser-sync.mjs", Duration.ofMinutes(3), "http://127.0.0.1:" + port);
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();

    JsonObject play = r.getJsonObject("play");
    assertThat(play.getLong("startLatencyMs")).as("listener playing within 1 s of the host's play:\n%s", dump)
        .isNotNull().isBetween(0L, 1000L);
    assertThat(Math.abs(play.getJsonObject("at1s").getLong("diffMs")))
        .as("listener at the host's position ±100 ms, 1 s after play:\n%s", dump).isLessThanOrEqualTo(100);
    assertThat(Math.abs(play.getJsonObject("at3s").getLong("diffMs")))
        .as("still within ±100 ms 3 s after play:\n%s", dump).isLessThanOrEqualTo(100);
    assertThat(play.getJsonObject("at1s").getJsonObject("listener").getBoolean("paused")).isFalse();

    JsonObject seek = r.getJsonObject("seek");
    assertThat(seek.getLong("latencyMs")).as(dump).isLessThanOrEqualTo(1000L);
    assertThat(Math.abs(seek.getJsonObject("at1s").getLong("diffMs"))).as(dump).isLessThanOrEqualTo(100);
    assertThat(seek.getJsonObject("at1s").getJsonObject("listener").getDouble("pos")).as(dump).isBetween(30.0, 32.0);

    JsonObject pause = r.getJsonObject("pause");
    assertThat(pause.getLong("latencyMs")).as(dump).isLessThanOrEqualTo(1000L);
    assertThat(pause.getJsonObject("after").getJsonObject("listener").getBoolean("paused")).isTrue();
    assertThat(Math.abs(pause.getJsonObject("after").getLong("diffMs"))).as(dump).isLessThanOrEqualTo(100);
    assertThat(r.getString("listenerStatusText")).isEqualTo("paused");
    System.out.printf("BrowserTimingTest: play start %d ms, diff at 1 s %d ms, at 3 s %d ms; seek %d ms (diff %d ms); pause %d ms; run %d ms; %s%n",
        play.getLong("startLatencyMs"), play.getJsonObject("at1s").getLong("diffMs"), play.getJsonObject("at3s").getLong("diffMs"),
        seek.getLong("latencyMs"), seek.getJsonObject("at1s").getLong("diffMs"), pause.getLong("latencyMs"), r.getLong("totalMs"),
        r.getString("browserVersion"));
  }

  /**
   * Issue 20, what listeners hear: a host and two listener pages (web/test/browser-sync-bench.mjs, the
   * engine of scripts/bench-browser-sync, here on one node) through play, seek, pause and resume, every
   * page's {@code <audio>.currentTime} sampled every 250 ms, the first 2 s after each action left out.
   * Keeps the client's start-up compensation (starts aimed ahead by a latency each page measures, > 0)
   * and its drift hysteresis (a few nudge episodes, no sawtooth) from regressing. Bounds are tolerant
   * (60 ms from the host, 15 ms median from the room's timeline, where this client measures ~2 ms and the
   * previous one, without start-up compensation, 25-30 ms) for a loaded CI machine; the benchmark reports
   * the real figures.
   */
  @Test
  void startupCompensationAndHysteresis() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    JsonObject r = NodeScripts.run("test/browser-sync-bench.mjs", Duration.ofMinutes(3),
        "--urls", "http://127.0.0.1:" + port, "--pages", "0,0,0", "--hold", "6", "--skip", "2000", "--label", "test");
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
    JsonObject summary = r.getJsonObject("summary");
    for (Object o : r.getJsonArray("listeners")) {
      JsonObject l = (JsonObject) o;
      assertThat(l.getInteger("n")).as("readings counted:\n%s", dump).isGreaterThan(20);
      assertThat(l.getDouble("maxAbsMs")).as("%s within 60 ms of the host after settling:\n%s", l.getString("name"), dump)
          .isLessThanOrEqualTo(60.0);
    }
    // the old client sat 25-30 ms behind the room's timeline on every page (its starts were not compensated)
    assertThat(summary.getDouble("worstPageRoomMedianAbsMs")).as("every page on the room's timeline:\n%s", dump)
        .isLessThanOrEqualTo(15.0);
    assertThat(summary.getInteger("reactionsMissing")).as(dump).isZero();
    JsonObject sync = r.getJsonObject("sync");
    for (String page : sync.fieldNames()) {
      JsonObject s = sync.getJsonObject(page);
      assertThat(s).as("window.chorus.sync of %s:\n%s", page, dump).isNotNull();
      // start-up compensation: measured from this page's own starts, and used to aim them
      assertThat(s.getJsonObject("measured").getInteger("play")).as("%s measured its starts:\n%s", page, dump).isGreaterThanOrEqualTo(1);
      assertThat(s.getJsonObject("startLatencyMs").getInteger("play")).as("%s start-up latency:\n%s", page, dump).isPositive();
      assertThat(s.getJsonArray("history").stream().map(JsonObject.class::cast).allMatch(h -> h.getInteger("aimedMs") > 0))
          .as("%s aims every start ahead:\n%s", page, dump).isTrue();
      // hysteresis: a handful of correction episodes (starts' leftovers), not one every couple of seconds
      assertThat(s.getInteger("nudges")).as("%s nudge episodes:\n%s", page, dump).isLessThanOrEqualTo(10);
    }
    System.out.printf("BrowserTimingTest#startupCompensationAndHysteresis: listeners vs host median %s / max %s ms; pages vs room median %s / max %s ms; reaction %s ms%n",
        summary.getValue("worstListenerMedianMs"), summary.getValue("worstListenerMaxMs"), summary.getValue("worstPageRoomMedianAbsMs"),
        summary.getValue("worstPageRoomMaxAbsMs"), summary.getValue("reactionMedianMs"));
  }
}

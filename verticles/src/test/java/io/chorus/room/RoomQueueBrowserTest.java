package io.chorus.room;

import io.chorus.testing.NodeScripts;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The room page's shared queue and ready wait (issue 17), and the host's hand-over, in headless Chromium. */
class RoomQueueBrowserTest {
  /** Long enough that a start before it can only be the pages' ready reports. */
  static final int READY_TIMEOUT_MS = 30_000;
  static TestCluster tc;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("ROOM_READY_TIMEOUT_MS", READY_TIMEOUT_MS, "RATE_LIMIT_ROOM_CREATE", 0));
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  @Test
  void theHostQueuesAndSkipsAndTheNextTrackStartsWhenBothPagesAreReady() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    JsonObject r = NodeScripts.run("test/browser-queue.mjs", Duration.ofMinutes(2), "http://127.0.0.1:" + tc.port());
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
    assertThat(r.getBoolean("hostQueueForm")).as(dump).isTrue();
    assertThat(r.getBoolean("guestQueueForm")).as("only the host edits the queue:\n%s", dump).isFalse();
    assertThat(r.getString("hostQueueText")).as(dump).isEqualTo("Second <i>song</i>");
    assertThat(r.getString("guestQueueText")).as(dump).isEqualTo("Second <i>song</i>");
    assertThat(r.getInteger("queueMarkup")).as("titles are text, not markup:\n%s", dump).isZero();
    assertThat(r.getInteger("hostReadySent")).as("the host reported the new track ready:\n%s", dump).isNotNull();
    assertThat(r.getInteger("guestReadySent")).as(dump).isEqualTo(r.getInteger("hostReadySent"));
    assertThat(r.getLong("guestStartedMs")).as("started by the ready reports, not the %d ms timeout:\n%s", READY_TIMEOUT_MS, dump)
        .isLessThan(READY_TIMEOUT_MS);
    assertThat(r.getInteger("queueAfterSkip")).as(dump).isZero();
    // the host's page hands over the host role (transfer_host); the guest's page shows no such button before
    assertThat(r.getInteger("guestMakeHostButtons")).as(dump).isZero();
    assertThat(r.getBoolean("guestQueueFormAfterHandOver")).as("the new host edits the queue:\n%s", dump).isTrue();
    assertThat(r.getJsonArray("console")).as(dump).isEmpty();
  }
}

package io.chorus.foundation;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node that runs only the listen rooms ({@code CHORUS_FEATURES=accounts,rooms}, a real-time node of a
 * deployment that scales fan-out apart from the library): rooms work end to end, the other features'
 * routes are not there.
 */
@ChorusCluster(config = {"CHORUS_FEATURES=accounts,rooms", "RATE_LIMIT_ROOM_CREATE=0"})
class FeatureSelectionTest {

  @Test
  void aRoomsOnlyNodeServesRoomsAndNothingElse(ChorusNode node) throws Exception {
    Probe.Response ready = Probe.until(Duration.ofSeconds(60), () -> Probe.get(node, "/ready"), r -> r.status() == 200);
    JsonObject checks = ready.json().getJsonObject("checks");
    assertThat(checks.fieldNames()).as("readiness of a rooms-only node (accounts use Kafka and S3)")
        .contains("redis", "postgres", "cluster", "kafka", "s3");

    int port = NodePorts.http(node.vertx());
    Rest rest = new Rest(node.vertx());
    JsonObject room = rest.postOk(port, "/api/v1/listen/rooms", null, new JsonObject().put("host_id", "h").put("host_name", "H")
        .put("track_url", "https://example.com/t.mp3"));
    assertThat(WsProbe.seekHeardByAListener(port, room, 42)).isEqualTo(42.0);

    for (String path : new String[] {"/api/v1/tracks", "/api/v1/search?q=x", "/api/v1/wave", "/api/v1/conversations"}) {
      assertThat(rest.get(port, path, null).status()).as(path + " of a feature this node does not run").isEqualTo(404);
    }
    assertThat(rest.post(port, "/api/v1/rooms", null, new JsonObject().put("name", "c")).status())
        .as("conference rooms: chat does not run here").isEqualTo(404);
  }
}

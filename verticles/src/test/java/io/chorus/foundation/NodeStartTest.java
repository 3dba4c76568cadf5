package io.chorus.foundation;

import io.chorus.ChorusNode;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** One node on the embedded Redis, PostgreSQL, Kafka and S3 becomes ready and serves its probes. */
@ChorusCluster
class NodeStartTest {
  private static ChorusNode node;

  @BeforeAll
  static void start(TestCluster cluster) {
    node = cluster.node();
  }

  @Test
  void readyWithEveryCheckUp() {
    Probe.Response ready = Probe.until(Duration.ofSeconds(30), () -> Probe.get(node, "/ready"), r -> r.status() == 200);
    JsonObject body = ready.json();
    assertThat(body.getString("status")).isEqualTo("ready");
    assertThat(body.getJsonArray("down")).isEmpty();
    JsonObject checks = body.getJsonObject("checks");
    assertThat(checks.fieldNames()).containsExactlyInAnyOrder("redis", "postgres", "kafka", "s3", "cluster");
    for (String name : checks.fieldNames()) {
      assertThat(checks.getJsonObject(name).getString("status")).as(name).isEqualTo("up");
    }
    assertThat(checks.getJsonObject("kafka").getInteger("brokers")).isEqualTo(1);
    assertThat(checks.getJsonObject("cluster").getInteger("members")).isEqualTo(1);
    assertThat(checks.getJsonObject("cluster").getString("node_id")).isEqualTo(node.nodeId());
  }

  @Test
  void healthAnswers() {
    Probe.Response health = Probe.get(node, "/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().getString("status")).isEqualTo("ok");
  }

  @Test
  void metricsExposeEventBusMetrics() {
    // the node's own bus traffic (the ping consumers registered at start) shows up in its registry
    Probe.Response metrics = Probe.until(Duration.ofSeconds(20), () -> Probe.get(node, "/metrics"),
        r -> r.status() == 200 && r.body().contains("vertx_eventbus_"));
    assertThat(metrics.body()).contains("vertx_eventbus_handlers");
    assertThat(metrics.body()).contains("# TYPE");
  }

  @Test
  void unknownRouteIsAJsonError() {
    Probe.Response missing = Probe.get(node, "/no-such-route");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().getJsonObject("error").getString("code")).isNotBlank();
  }
}

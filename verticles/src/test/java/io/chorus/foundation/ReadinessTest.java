package io.chorus.foundation;

import io.chorus.ChorusNode;
import io.chorus.embedded.EmbeddedRedis;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** /ready follows a dependency going away and coming back, and /health does not. */
class ReadinessTest {

  @Test
  @ChorusCluster
  void redisDownMakesTheNodeNotReadyUntilItIsBack(ChorusNode node) {
    EmbeddedRedis redis = TestServices.services().redis();
    try {
      Probe.until(Duration.ofSeconds(30), () -> Probe.get(node, "/ready"), r -> r.status() == 200);

      redis.stop();
      Probe.Response down = Probe.until(Duration.ofSeconds(30), () -> Probe.get(node, "/ready"),
          r -> r.status() == 503 && r.json().getJsonArray("down").contains("redis"));
      JsonObject body = down.json();
      assertThat(body.getString("status")).isEqualTo("not_ready");
      assertThat(body.getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("down");
      assertThat(body.getJsonObject("checks").getJsonObject("redis").getString("error")).isNotBlank();
      // the other dependencies are still reported (each check stands alone)
      assertThat(body.getJsonObject("checks").fieldNames()).contains("postgres", "kafka", "s3", "cluster");
      // liveness is not readiness: the process itself is fine
      assertThat(Probe.get(node, "/health").status()).isEqualTo(200);

      redis.start();
      Probe.Response up = Probe.until(Duration.ofSeconds(60), () -> Probe.get(node, "/ready"), r -> r.status() == 200);
      assertThat(up.json().getJsonArray("down")).isEmpty();
      assertThat(up.json().getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("up");
    } finally {
      redis.start(); // no-op when already running; other tests in this JVM need it
    }
  }

  @Test
  @ChorusCluster(config = {"KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1", "READY_TIMEOUT_MS=500"})
  void aKafkaOutageDegradesTheNodeWithoutMakingItUnready(ChorusNode node) {
    // nothing listens on port 1: Kafka is down from the start
    {
      Probe.Response r = Probe.until(Duration.ofSeconds(30), () -> Probe.get(node, "/ready"),
          x -> x.json().getJsonArray("degraded", new io.vertx.core.json.JsonArray()).contains("kafka"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getString("status")).isEqualTo("ready");
      assertThat(r.json().getJsonArray("down")).isEmpty();
      assertThat(r.json().getJsonObject("checks").getJsonObject("kafka").getString("status")).isEqualTo("down");
    }
  }
}

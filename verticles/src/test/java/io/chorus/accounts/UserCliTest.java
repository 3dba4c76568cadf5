package io.chorus.accounts;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chorus user add [--admin] NAME} through the real main class in its own JVM. */
class UserCliTest {

  record Run(int exit, String output) {
  }

  static Run chorus(Map<String, String> extraEnv, String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-cp",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), "io.chorus.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(TestServices.services().environment());
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try {
        p.getInputStream().transferTo(out);
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    reader.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chorus user did not exit; output: " + out);
    }
    reader.join(10_000);
    return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void addsAnAdminFromTheCommandLine() throws Exception {
    String name = "cli-" + UUID.randomUUID().toString().substring(0, 8);
    Run added = chorus(Map.of(UserCli.PASSWORD_ENV, "cli admin password"), "", "user", "add", "--admin", name);
    assertThat(added.exit()).as(added.output()).isZero();
    assertThat(added.output()).contains("created user " + name);
    // Vert.x was closed under the Kafka producer: "ERROR ... KafkaProducer ... Interrupted while joining ioThread" and a
    // RejectedExecutionException followed the success line
    assertThat(added.output()).doesNotContain("Interrupted while joining").doesNotContain("RejectedExecutionException");

    Run again = chorus(Map.of(), "another password here\n", "user", "add", name);
    assertThat(again.exit()).as(again.output()).isEqualTo(1);
    assertThat(again.output()).contains("taken");
    Run weak = chorus(Map.of(), "short\n", "user", "add", "weak-" + name);
    assertThat(weak.exit()).as(weak.output()).isEqualTo(1);
    assertThat(weak.output()).contains("at least 10");
    Run usage = chorus(Map.of(), "", "user", "remove", name);
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.output()).contains("usage: chorus user add");

    TestCluster tc = TestCluster.start(1, Map.of("RATE_LIMIT_LOGIN", 100_000));
    ChorusNode node = tc.node();
    try {
      Api api = new Api(NodePorts.http(node.vertx()));
      JsonObject s = api.login(name, "cli admin password").expect(200).json();
      assertThat(s.getJsonObject("user").getJsonArray("roles")).contains("admin", "user");
      // the refused command created nothing
      assertThat(api.login("weak-" + name, "short").status()).isEqualTo(401);
    } finally {
      tc.close();
    }
  }
}

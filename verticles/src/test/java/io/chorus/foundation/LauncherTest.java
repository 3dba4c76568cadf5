package io.chorus.foundation;

import io.chorus.Main;
import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production launcher ({@code io.chorus.Main}, what the image runs) has no embedded services: it
 * stops before starting anything when a backing service's endpoint is unset, naming exactly the unset
 * ones, and refuses the dev launcher's {@code services} command.
 */
class LauncherTest {

  @Test
  void unsetEndpointsAreListedInOrder() {
    JsonObject json = ConfigLoader.defaults().put("DB_HOST", "db.example").put("S3_ENDPOINT", "http://s3.example:9000");
    assertThat(Main.unsetEndpoints(ChorusConfig.parse(json))).containsExactly("REDIS_ADDR", "KAFKA_BOOTSTRAP_SERVERS");
    json.put("REDIS_ADDR", "redis.example:6379").put("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092");
    assertThat(Main.unsetEndpoints(ChorusConfig.parse(json))).isEmpty();
    assertThat(Main.unsetEndpoints(ChorusConfig.parse(ConfigLoader.defaults()))).containsExactlyElementsOf(Main.ENDPOINTS);
  }

  @Test
  void anUnsetEndpointStopsTheLaunchNamingIt(@TempDir Path dir) throws Exception {
    // the two set endpoints point nowhere: the launcher must stop before it connects to anything
    Launch launch = launch(dir, Map.of("REDIS_ADDR", "127.0.0.1:1", "DB_HOST", "127.0.0.1"), "run");
    assertThat(launch.exit).as("exit code; stderr: %s", launch.stderr).isEqualTo(2);
    assertThat(launch.stderr).contains("KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT are not set").contains("scripts/run")
        .doesNotContain("REDIS_ADDR").doesNotContain("DB_HOST");
    assertThat(dir.resolve("data")).as("nothing started, nothing written").doesNotExist();
  }

  @Test
  void theServicesCommandBelongsToTheDevLauncher(@TempDir Path dir) throws Exception {
    Launch launch = launch(dir, Map.of(), "services");
    assertThat(launch.exit).as("exit code; stderr: %s", launch.stderr).isEqualTo(2);
    assertThat(launch.stderr).contains("'services'").contains("dev launcher");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  /** Seed 001's command names: {@code api} serves (run), {@code migrate up} migrates. */
  @Test
  void seedCommandNamesAreAliases() {
    List<String> commands = List.of("run", "migrate", "seed", "user");
    assertThat(Main.parseArgs(new String[] {"api"}, commands).command()).isEqualTo("run");
    assertThat(Main.parseArgs(new String[] {"api", "--conf", "x.json"}, commands).confFile()).isEqualTo("x.json");
    assertThat(Main.parseArgs(new String[] {"migrate", "up"}, commands).command()).isEqualTo("migrate");
    assertThat(Main.parseArgs(new String[] {"seed"}, commands).command()).isEqualTo("seed");
  }

  /** {@code command migrate-create} is refused with the reason (migrations ship inside the jar), before anything starts. */
  @Test
  void migrateCreateIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
    Launch launch = launch(dir, Map.of(), "command", "migrate-create", "add_things");
    assertThat(launch.exit).as("exit code; stderr: %s", launch.stderr).isEqualTo(2);
    assertThat(launch.stderr).contains("migrate-create").contains("inside the jar");
    // and "up" only follows migrate
    Launch up = launch(dir, Map.of(), "up");
    assertThat(up.exit).isEqualTo(2);
    assertThat(up.stderr).contains("unknown argument 'up'");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  /**
   * A node that fails to start once its Vert.x runs (here: HTTP_PORT is taken) closes itself and the launcher exits 2
   * naming the cause. The failure used to be handed back through the closed Vert.x's event loop and was lost: the
   * process logged "Node failed to start" and then waited for ever.
   */
  @Test
  void aStartFailureAfterTheClusterJoinExitsNamingTheCause(@TempDir Path dir) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(io.chorus.testing.TestServices.services().environment());
    int hz = io.chorus.embedded.Ports.orFree(0);
    env.putAll(Map.of("HZ_CLUSTER_NAME", "launcher-" + java.util.UUID.randomUUID(), "HZ_PORT", Integer.toString(hz),
        "HZ_MEMBERS", "127.0.0.1:" + hz, "GRPC_PORT", "0", "GATEWAY_INSTANCES", "1"));
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("0.0.0.0"))) {
      env.put("HTTP_PORT", Integer.toString(taken.getLocalPort()));
      Launch launch = launch(dir, env, "run");
      assertThat(launch.exit).as("exit code; stderr: %s", launch.stderr).isEqualTo(2);
      assertThat(launch.stderr).contains("HTTP_PORT " + taken.getLocalPort());
    }
  }

  /**
   * {@code LOG_LEVEL} in a {@code --conf} file sets the root log level, as the environment's does: it was validated and
   * then not applied (logback's file reads the environment only), so {@code off} there still logged every line.
   */
  @Test
  void theLogLevelOfAConfFileIsApplied(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("chorus.json");
    Files.writeString(conf, new JsonObject().put("LOG_LEVEL", "off").encode());
    Launch quiet = launch(dir, Map.of(), "run", "--conf", conf.toString());
    assertThat(quiet.exit).as("exit code; stderr: %s", quiet.stderr).isEqualTo(2);
    assertThat(quiet.stderr).contains("are not set");
    assertThat(quiet.stdout).as("LOG_LEVEL off: the launcher's ERROR line is not logged").doesNotContain("are not set");
    Files.writeString(conf, new JsonObject().put("LOG_LEVEL", "error").encode());
    Launch errors = launch(dir, Map.of(), "run", "--conf", conf.toString());
    assertThat(errors.exit).isEqualTo(2);
    assertThat(errors.stdout).as("LOG_LEVEL error: the ERROR line is logged").contains("ERROR").contains("are not set");
  }

  private record Launch(int exit, String stderr, String stdout) {
  }

  /** {@code io.chorus.Main} in its own JVM on the test classpath, with only {@code env}'s endpoints set. */
  private static Launch launch(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", classpath, "io.chorus.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectOutput(dir.resolve("stdout.txt").toFile())
        .redirectError(dir.resolve("stderr.txt").toFile());
    Main.ENDPOINTS.forEach(pb.environment()::remove);
    pb.environment().remove("LOG_LEVEL");
    pb.environment().putAll(env);
    pb.environment().put("CHORUS_DATA_DIR", dir.resolve("data").toString());
    Process p = pb.start();
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("launcher exits").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Launch(p.exitValue(), Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8));
  }
}

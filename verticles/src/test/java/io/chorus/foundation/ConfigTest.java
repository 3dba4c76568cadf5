package io.chorus.foundation;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad configuration is rejected before anything starts, and the message names the variable. */
class ConfigTest {

  private static ChorusConfig parse(Map<String, Object> overrides) {
    JsonObject json = ConfigLoader.defaults();
    overrides.forEach(json::put);
    return io.chorus.ChorusNode.validate(json);
  }

  @Test
  void defaultsAreValid() {
    ChorusConfig config = parse(Map.of());
    assertThat(config.httpPort()).isEqualTo(8099);
    assertThat(config.grpcPort()).isEqualTo(8083);
    assertThat(config.production()).isFalse();
    assertThat(config.roles()).containsExactlyInAnyOrder(ChorusConfig.Role.values());
    assertThat(config.db().sslMode()).isEqualTo("disable");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "HTTP_PORT, abc",
      "HTTP_PORT, 70000",
      "GRPC_PORT, -1",
      "DB_SSLMODE, bogus",
      "CHORUS_ROLES, foo",
      "CHORUS_ROLES, 'gateway,foo'",
      "REDIS_ADDR, no-port-here",
      "DB_POOL_SIZE, 0",
      "HZ_KUBERNETES, maybe",
      "TOKEN_SECRET, short",
      "WS_BASE_URL, http://example.test",
      "KAFKA_BOOTSTRAP_SERVERS, kafka",
      "KAFKA_BOOTSTRAP_SERVERS, 'kafka:9092,kafka-2'",
      "KAFKA_BOOTSTRAP_SERVERS, kafka:99999",
      "S3_ENDPOINT, minio:9000",
      "S3_ENDPOINT, 'http://[bad'",
      "S3_ENDPOINT, ftp://minio:9000",
      "LIVEKIT_URL, livekit.example",
      "LIVEKIT_URL, 'ws://'",
      "LOG_LEVEL, verbose",
      "LIBRARY_TOPIC_UPLOADED, 'track uploaded'",
      "LIBRARY_TOPIC_CATALOG, library/catalog",
      "USER_EVENTS_TOPIC, 'user:events'",
      "WAVE_TOPIC_FEEDBACK, ..",
  })
  void badValueIsRejectedNamingTheVariable(String variable, String value) {
    assertThatThrownBy(() -> parse(Map.of(variable, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(variable + ":")
        .satisfies(e -> assertThat(((ConfigException) e).variable()).isEqualTo(variable));
  }

  /** Endpoints, URLs, log levels and topic names in their usual forms are taken as given. */
  @Test
  void endpointsUrlsLevelsAndTopicsInTheirUsualFormsAreAccepted() {
    ChorusConfig config = parse(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092, kafka-2.internal:9093,[::1]:9094",
        "S3_ENDPOINT", "https://s3.eu-west-1.amazonaws.com", "LIVEKIT_URL", "wss://livekit.example:7880/rtc", "LOG_LEVEL", "debug",
        "LIBRARY_TOPIC_UPLOADED", "prod.track_uploaded-v2"));
    assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka-1:9092, kafka-2.internal:9093,[::1]:9094");
    assertThat(config.s3().endpoint()).isEqualTo("https://s3.eu-west-1.amazonaws.com");
    assertThat(parse(Map.of("S3_ENDPOINT", "http://127.0.0.1:9000", "LOG_LEVEL", "WARN")).s3().endpoint()).isEqualTo("http://127.0.0.1:9000");
  }

  @Test
  void badValueMessageQuotesWhatWasGiven() {
    assertThatThrownBy(() -> parse(Map.of("HTTP_PORT", "abc"))).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> parse(Map.of("DB_SSLMODE", "bogus"))).hasMessageContaining("bogus").hasMessageContaining("require");
    assertThatThrownBy(() -> parse(Map.of("CHORUS_ROLES", "foo"))).hasMessageContaining("foo");
  }

  @Test
  void featuresAreAllByDefaultOrTheListedOnesWithWhatTheyNeed() {
    assertThat(parse(Map.of()).features()).as("empty = all").isEmpty();
    ChorusConfig some = parse(Map.of("CHORUS_FEATURES", " Accounts, rooms ,chat"));
    assertThat(some.features()).containsExactly("accounts", "rooms", "chat");
    assertThat(some.runsFeature("chat")).isTrue();
    assertThat(some.runsFeature("library")).isFalse();
    assertThat(parse(Map.of("CHORUS_FEATURES", "all")).runsFeature("search")).isTrue();
    assertThatThrownBy(() -> parse(Map.of("CHORUS_FEATURES", "accounts,rooms,radio")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("CHORUS_FEATURES:").hasMessageContaining("'radio'")
        .hasMessageContaining("streamhub");
    assertThatThrownBy(() -> parse(Map.of("CHORUS_FEATURES", "accounts,chat")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("CHORUS_FEATURES:").hasMessageContaining("chat feature needs rooms");
    assertThatThrownBy(() -> parse(Map.of("CHORUS_FEATURES", "rooms")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rooms feature needs accounts");
    assertThatThrownBy(() -> parse(Map.of("CHORUS_FEATURES", "accounts,audio")))
        .as("My Wave feeds rooms through the rooms' client").hasMessageContaining("audio feature needs rooms");
    assertThat(parse(Map.of("CHORUS_FEATURES", "accounts,rooms,audio,library,search")).features()).hasSize(5);
    assertThatThrownBy(() -> parse(Map.of("CHORUS_FEATURES", "search", "CHORUS_ROLES", "room")))
        .hasMessageContaining("search feature needs accounts");
    assertThatThrownBy(() -> parse(Map.of("CHORUS_FEATURES", "messaging", "CHORUS_ROLES", "room")))
        .hasMessageContaining("messaging feature needs accounts");
    assertThat(parse(Map.of("CHORUS_FEATURES", "accounts,messaging")).runsFeature("messaging")).isTrue();
  }

  @Test
  void productionNeedsADatabasePasswordAndARealTokenSecret() {
    assertThatThrownBy(() -> parse(Map.of("APP_ENV", "production")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("DB_PASSWORD:");
    assertThatThrownBy(() -> parse(Map.of("APP_ENV", "production", "DB_PASSWORD", "pw")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("TOKEN_SECRET:");
    // accounts (issue 16): production also needs its own JWT key
    assertThatThrownBy(() -> parse(Map.of("APP_ENV", "production", "DB_PASSWORD", "pw", "TOKEN_SECRET", "a-real-secret-of-enough-length")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("JWT_SECRET:");
    ChorusConfig ok = parse(Map.of("APP_ENV", "production", "DB_PASSWORD", "pw", "TOKEN_SECRET", "a-real-secret-of-enough-length",
        "JWT_SECRET", "a-real-jwt-secret-of-at-least-32-chars"));
    assertThat(ok.production()).isTrue();
    assertThatThrownBy(() -> parse(Map.of("APP_ENV", "staging"))).hasMessageStartingWith("APP_ENV:");
  }

  @Test
  void rolesAndMembersAreLists() {
    ChorusConfig config = parse(Map.of("CHORUS_ROLES", "gateway, room", "HZ_MEMBERS", "a:5701, b ,c:5702"));
    assertThat(config.roles()).containsExactlyInAnyOrder(ChorusConfig.Role.GATEWAY, ChorusConfig.Role.ROOM);
    assertThat(config.cluster().members()).containsExactly("a:5701", "b", "c:5702");
  }

  @Test
  void aBadValueInAConfFileIsRejectedByTheLoader(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chorus.json");
    Files.writeString(file, new JsonObject().put("DB_SSLMODE", "bogus").encode());
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<ChorusConfig> loaded = ConfigLoader.load(vertx, file.toString()).toCompletionStage().toCompletableFuture();
      assertThatThrownBy(() -> loaded.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ConfigException.class).hasMessageStartingWith("DB_SSLMODE:");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A --conf file that is not JSON was refused with vertx-config's "Failed to decode: …" alone: the error names the file. */
  @Test
  void aMalformedConfFileIsRejectedNamingIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chorus.json");
    Vertx vertx = Vertx.vertx();
    try {
      for (String text : List.of("{\"HTTP_PORT\": 9000,", "[1, 2]")) {
        Files.writeString(file, text);
        CompletableFuture<ChorusConfig> loaded = ConfigLoader.load(vertx, file.toString()).toCompletionStage().toCompletableFuture();
        assertThatThrownBy(() -> loaded.get(30, TimeUnit.SECONDS)).as(text)
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(ConfigException.class).hasMessageStartingWith("--conf " + file + ":");
      }
      CompletableFuture<ChorusConfig> missing = ConfigLoader.load(vertx, dir.resolve("absent.json").toString())
          .toCompletionStage().toCompletableFuture();
      assertThatThrownBy(() -> missing.get(30, TimeUnit.SECONDS))
          .cause().isInstanceOf(ConfigException.class).hasMessageStartingWith("--conf " + dir.resolve("absent.json") + ":");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A key of the --conf file that names no variable (a typo) is refused naming it, not ignored. */
  @Test
  void anUnknownKeyInAConfFileIsRejectedNamingIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chorus.json");
    Files.writeString(file, new JsonObject().put("HTTP_PORT", 9000).put("TOKEN_SECRE", "a-secret-of-enough-length").encode());
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<ChorusConfig> loaded = ConfigLoader.load(vertx, file.toString()).toCompletionStage().toCompletableFuture();
      assertThatThrownBy(() -> loaded.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ConfigException.class).hasMessageStartingWith("TOKEN_SECRE:").hasMessageContaining(file.toString());
      Files.writeString(file, new JsonObject().put("HTTP_PORT", 9000).encode());
      assertThat(ConfigLoader.load(vertx, file.toString()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).httpPort())
          .isEqualTo(9000);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** The real launcher in its own JVM: a bad environment variable stops it with a non-zero exit. */
  @Test
  void mainExitsNonZeroNamingTheBadVariable(@TempDir Path dir) throws Exception {
    String stderr = launchFailing(dir, Map.of("HTTP_PORT", "abc"));
    assertThat(stderr).contains("HTTP_PORT").contains("abc");
    // nothing was started: no embedded service wrote its data
    assertThat(dir.resolve("data")).doesNotExist();
  }

  /** Seed 001's APP_PORT is read as HTTP_PORT when HTTP_PORT is not set; HTTP_PORT wins when both are. */
  @Test
  void appPortIsAnAliasOfHttpPort(@TempDir Path dir) throws Exception {
    assertThat(launchFailing(dir.resolve("alias"), Map.of("APP_PORT", "bad-app-port"))).contains("HTTP_PORT").contains("'bad-app-port'");
    String both = launchFailing(dir.resolve("both"), Map.of("APP_PORT", "bad-app-port", "HTTP_PORT", "bad-http-port"));
    assertThat(both).contains("'bad-http-port'").doesNotContain("bad-app-port");
  }

  /** Runs {@code Main run} in its own JVM with {@code env} added; it must exit non-zero. Returns its stderr. */
  private static String launchFailing(Path dir, Map<String, String> env) throws Exception {
    Files.createDirectories(dir);
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(List.of(javaBin, "-cp", classpath, "io.chorus.Main", "run"))
        .directory(dir.toFile())
        .redirectOutput(dir.resolve("stdout.txt").toFile())
        .redirectError(dir.resolve("stderr.txt").toFile());
    pb.environment().remove("HTTP_PORT");
    pb.environment().remove("APP_PORT");
    pb.environment().putAll(env);
    pb.environment().put("CHORUS_DATA_DIR", dir.resolve("data").toString());
    Process p = pb.start();
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("launcher exits").isTrue();
    } finally {
      p.destroyForcibly();
    }
    String stderr = read(dir.resolve("stderr.txt"));
    assertThat(p.exitValue()).as("exit code; stderr: %s", stderr).isNotZero();
    return stderr;
  }

  private static String read(Path file) throws IOException {
    return file.toFile().exists() ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}

package io.chorus.foundation;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml (and the Dockerfile it builds) checked without Docker: it parses, the Chorus
 * services set only variables a node knows, their merged environment is a valid production
 * configuration, they name each other as Hazelcast members, and every service has a health check.
 */
class ComposeLintTest {
  private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::?-([^}]*))?}");
  private static Path root;
  private static Map<String, Object> services;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    root = projectRoot();
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    Map<String, Object> compose = yaml.load(Files.readString(root.resolve("docker-compose.yml")));
    assertThat(compose).containsKey("services");
    services = (Map<String, Object>) compose.get("services");
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("docker-compose.yml above " + Path.of("").toAbsolutePath()).isNotNull();
    return dir;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) {
    return (Map<String, Object>) services.get(name);
  }

  private static List<String> chorusServices() {
    return services.keySet().stream()
        .filter(name -> service(name).containsKey("build") || String.valueOf(service(name).get("image")).startsWith("chorus"))
        .toList();
  }

  /** A service's environment as a map, whichever of the two Compose forms (map or KEY=value list) it uses. */
  @SuppressWarnings("unchecked")
  private static Map<String, String> environment(String name) {
    Object env = service(name).get("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (env instanceof Map<?, ?> map) {
      map.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    } else if (env instanceof List<?> list) {
      for (Object item : list) {
        String s = String.valueOf(item);
        int eq = s.indexOf('=');
        out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
      }
    }
    return out;
  }

  /** Compose's {@code ${VAR:-default}} with no VAR set in the environment of {@code docker compose}. */
  private static String interpolate(String value) {
    Matcher m = INTERPOLATION.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(m.group(2) == null ? "" : m.group(2)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  @Test
  void threeChorusNodesAndTheBackingServices() {
    assertThat(chorusServices()).hasSize(3);
    List<String> images = services.values().stream()
        .map(s -> String.valueOf(((Map<?, ?>) s).get("image"))).toList();
    assertThat(images).anyMatch(i -> i.startsWith("redis:7"))
        .anyMatch(i -> i.startsWith("postgres:16"))
        .anyMatch(i -> i.startsWith("apache/kafka:"))
        .anyMatch(i -> i.startsWith("minio/minio"))
        .anyMatch(i -> i.startsWith("hazelcast/management-center"));
  }

  @Test
  void chorusServicesSetOnlyKnownVariables() {
    Set<String> known = ConfigLoader.knownVariables();
    for (String name : chorusServices()) {
      Map<String, String> env = environment(name);
      assertThat(env).as(name + " environment").isNotEmpty();
      assertThat(env.keySet()).as("variables of %s missing from conf/default.json", name).isSubsetOf(known);
      assertThat(env).as(name).containsKeys("REDIS_ADDR", "DB_HOST", "DB_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS", "S3_ENDPOINT",
          "HZ_MEMBERS", "TOKEN_SECRET", "GRPC_API_KEY", "APP_ENV");
    }
  }

  @Test
  void chorusEnvironmentIsAValidProductionConfiguration() {
    List<String> names = chorusServices();
    for (String name : names) {
      JsonObject json = ConfigLoader.defaults();
      environment(name).forEach((k, v) -> json.put(k, interpolate(v)));
      ChorusConfig config = ChorusConfig.parse(json);
      assertThat(config.production()).as(name).isTrue();
      // every backing service is external: nothing embedded starts in a container
      assertThat(config.redis().embedded() || config.db().embedded() || config.kafka().embedded() || config.s3().embedded())
          .as(name + " would start an embedded service").isFalse();
      // endpoints name services of this file
      assertThat(services).containsKeys(host(config.redis().addr()), config.db().host(), host(config.kafka().bootstrapServers()),
          host(config.s3().endpoint().replaceFirst("^https?://", "")));
      // every node lists every node as a Hazelcast member, and advertises a name the others resolve
      assertThat(config.cluster().members().stream().map(ComposeLintTest::host).toList())
          .as(name + " HZ_MEMBERS").containsExactlyInAnyOrderElementsOf(names);
      assertThat(config.cluster().host()).as(name + " CLUSTER_HOST").isEqualTo(name);
      assertThat(service(name).get("hostname")).as(name + " hostname").isEqualTo(name);
    }
  }

  @Test
  void secretsAgreeWithTheServicesThatCheckThem() {
    Map<String, String> node = environment(chorusServices().get(0));
    assertThat(interpolate(environment("postgres").get("POSTGRES_PASSWORD"))).isEqualTo(interpolate(node.get("DB_PASSWORD")));
    assertThat(environment("postgres").get("POSTGRES_USER")).isEqualTo(node.get("DB_USER"));
    assertThat(environment("postgres").get("POSTGRES_DB")).isEqualTo(node.get("DB_DATABASE"));
    assertThat(interpolate(environment("minio").get("MINIO_ROOT_USER"))).isEqualTo(interpolate(node.get("S3_ACCESS_KEY")));
    assertThat(interpolate(environment("minio").get("MINIO_ROOT_PASSWORD"))).isEqualTo(interpolate(node.get("S3_SECRET_KEY")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyServiceHasAHealthCheckAndNodesWaitForHealthyDependencies() {
    services.forEach((name, s) -> assertThat(((Map<String, Object>) s).get("healthcheck")).as(name + " healthcheck").isNotNull());
    for (String name : chorusServices()) {
      Map<String, Object> dependsOn = (Map<String, Object>) service(name).get("depends_on");
      assertThat(dependsOn).as(name + " depends_on").containsKeys("redis", "postgres", "kafka", "minio");
      dependsOn.values().forEach(d -> assertThat(((Map<String, Object>) d).get("condition")).isEqualTo("service_healthy"));
      assertThat(String.valueOf(((Map<String, Object>) service(name).get("healthcheck")).get("test"))).contains("/ready");
    }
  }

  @Test
  void dockerfileIsMultiStageFromMavenToTheJre() throws IOException {
    List<String> from = new ArrayList<>();
    for (String line : Files.readAllLines(root.resolve("Dockerfile"))) {
      if (line.startsWith("FROM ")) {
        from.add(line);
      }
    }
    assertThat(from).anyMatch(line -> line.startsWith("FROM maven:") && line.endsWith(" AS build"));
    assertThat(from.get(from.size() - 1)).as("the runtime stage").isEqualTo("FROM eclipse-temurin:17-jre");
  }

  /** The image carries the production jar, built without the dev launcher module, so no embedded service ships. */
  @Test
  void dockerfileShipsTheProductionJarOnly() throws IOException {
    List<String> lines = Files.readAllLines(root.resolve("Dockerfile"));
    assertThat(lines).anyMatch(line -> line.startsWith("COPY --from=build /src/verticles/target/chorus.jar "));
    assertThat(lines).filteredOn(line -> line.contains("mvn ") && line.contains(" package"))
        .singleElement().asString().contains("-pl verticles -am");
    assertThat(lines).noneMatch(line -> line.contains("chorus-dev.jar") || line.contains("COPY dev/src"));
  }

  private static String host(String hostPort) {
    String first = hostPort.split(",")[0].trim();
    int colon = first.lastIndexOf(':');
    return colon < 0 ? first : first.substring(0, colon);
  }
}

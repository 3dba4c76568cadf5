package io.chorus.dev;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production jar (verticles/target/chorus.jar, what the Dockerfile copies into the image) leaves the
 * development services out. Runs after the reactor packaged the verticles module.
 */
class ProductionJarTest {
  /** What the development services bring: their classes, the Kafka broker, S3Proxy, the Redis and PostgreSQL binaries. */
  private static final List<String> DEV_ONLY = List.of("io/chorus/embedded/", "kafka/Kafka.class", "org/gaul/s3proxy/",
      "redis-server-", "postgres-linux-");

  @Test
  void theProductionJarHasNoDevServices() throws IOException {
    Path jar = Path.of("..", "verticles", "target", "chorus.jar");
    assertThat(jar).as("the production jar; build the whole reactor (./mvnw -B verify)").exists();
    try (JarFile file = new JarFile(jar.toFile())) {
      List<String> names = file.stream().map(ZipEntry::getName).toList();
      assertThat(names).as("the launcher is there").contains("io/chorus/Main.class");
      for (String devOnly : DEV_ONLY) {
        assertThat(names).as("%s in the production jar", devOnly).noneMatch(n -> n.contains(devOnly));
      }
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("io.chorus.Main");
    }
  }
}

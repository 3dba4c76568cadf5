package io.chorus.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChildProcessTest {
  @Test
  void aServiceThatDiesBeforeOpeningItsPortReportsTheEndOfItsLog(@TempDir Path dir) {
    ChildProcess child = ChildProcess.start("dying", List.of("sh", "-c", "echo 'FATAL: socket path too long'; exit 3"),
        dir, dir.resolve("logs/dying.log"), dir.resolve("dying.pid"));
    assertThatThrownBy(() -> child.awaitPort(Ports.orFree(0), Duration.ofSeconds(30)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dying exited with code 3")
        .hasMessageContaining("FATAL: socket path too long");
  }
}

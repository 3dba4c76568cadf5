package io.chorus.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
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

  /**
   * The embedded services start in parallel, and redis-server, written into the test's data directory a moment
   * before, once exited 126 ("text file busy": the copy's write descriptor was still held by a child another thread
   * had forked meanwhile) and failed the test class's start. A service that exits 126 is started again; here a
   * stand-in exits 126 on its first run and listens on its second.
   */
  @Test
  void aServiceTheKernelWouldNotRunYetIsStartedAgain(@TempDir Path dir) {
    int port = Ports.orFree(0);
    String listen = "node -e \"require('net').createServer().listen(" + port + ", '127.0.0.1')\"";
    ChildProcess child = ChildProcess.start("busy", List.of("sh", "-c",
            "if [ -e ran-once ]; then exec " + listen + "; else touch ran-once; exit 126; fi"),
        dir, dir.resolve("logs/busy.log"), dir.resolve("busy.pid"));
    try {
      child.awaitPort(port, Duration.ofSeconds(30));
      assertThat(Ports.isOpen("127.0.0.1", port)).isTrue();
    } finally {
      child.stop(5);
    }
  }
}

package io.chorus.testing;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/** Runs the Node scripts under web/ (dependencies installed by the Maven build) and reads their JSON line. */
public final class NodeScripts {
  public static final Path WEB = Path.of(System.getProperty("chorus.web.dir", "../web")).toAbsolutePath().normalize();

  /** Where the browser tests expect Debian's Chromium ({@code CHROMIUM_PATH} overrides). */
  public static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));

  private NodeScripts() {
  }

  /** Fails (never skips) when headless Chromium is missing: the browser tests are part of the suite. */
  public static void requireChromium() {
    if (!Files.isExecutable(CHROMIUM)) {
      fail("Headless Chromium is required at " + CHROMIUM + " for this test: install it with "
          + "`apt-get update && apt-get install -y chromium` (CI's .ci/run must do so)");
    }
  }

  public static void requireInstalled(String module) {
    if (!Files.isDirectory(WEB.resolve("node_modules").resolve(module))) {
      fail(module + " is not installed under " + WEB + "/node_modules: the Maven build's generate-resources phase "
          + "installs it (node web/scripts/ensure-deps.mjs), or run `npm ci` in web/");
    }
  }

  /** Runs {@code node script args...} in web/ and returns the last JSON line it printed. */
  public static JsonObject run(String script, Duration timeout, String... args) {
    List<String> cmd = new ArrayList<>(List.of("node", script));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(WEB.toFile()).start();
    } catch (IOException e) {
      throw new AssertionError("cannot start `node` (Node.js must be on PATH): " + e.getMessage(), e);
    }
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail("node " + script + " did not finish within " + timeout + "; stderr:\n" + err.getNow(""));
      }
      String stdout = out.get(10, TimeUnit.SECONDS);
      String stderr = err.get(10, TimeUnit.SECONDS);
      if (!stderr.isBlank()) {
        System.err.println("[" + script + " stderr]\n" + stderr);
      }
      String last = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
      if (p.exitValue() != 0 || last == null) {
        fail("node " + script + " exited " + p.exitValue() + " without a result; stdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return new JsonObject(last);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (Exception e) {
      throw new AssertionError("node " + script + ": " + e.getMessage(), e);
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

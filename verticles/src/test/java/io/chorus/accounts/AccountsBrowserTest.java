package io.chorus.accounts;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The account pages in headless Chromium (web/test/browser-account.mjs, playwright-core) against a real
 * node: sign-up, profile, a reload keeps the session, friends with online dots, sign-out. Chromium
 * missing is a failure, not a skip.
 */
class AccountsBrowserTest {
  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
  static final Path WEB = Path.of(System.getProperty("chorus.web.dir", "../web")).toAbsolutePath().normalize();

  @Test
  void signUpProfileReloadFriendsPresenceSignOut() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      fail("Headless Chromium is required at " + CHROMIUM + " (apt-get install -y chromium)");
    }
    if (!Files.isDirectory(WEB.resolve("node_modules/playwright-core"))) {
      fail("playwright-core is not installed under " + WEB + "/node_modules (npm ci in web/)");
    }
    TestCluster tc = TestCluster.start(1, Map.of("RATE_LIMIT_LOGIN", 10_000, "RATE_LIMIT_REGISTER", 10_000));
    ChorusNode node = tc.node();
    try {
      JsonObject r = runNode("test/browser-account.mjs", "http://127.0.0.1:" + NodePorts.http(node.vertx()));
      String dump = r.encodePrettily();
      assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
      assertThat(r.getBoolean("startsSignedOut")).as(dump).isTrue();
      assertThat(r.getString("signedUpAs")).as(dump).startsWith("anna-");
      JsonObject cookie = r.getJsonObject("cookie");
      assertThat(cookie).as(dump).isNotNull();
      assertThat(cookie.getBoolean("httpOnly")).as(dump).isTrue();
      assertThat(cookie.getString("sameSite")).as(dump).isEqualTo("Strict");
      assertThat(r.getBoolean("scriptSeesCookie")).as(dump).isFalse();
      JsonObject reload = r.getJsonObject("afterReload");
      assertThat(reload.getBoolean("signedIn")).as("the session survives a reload:\n%s", dump).isTrue();
      assertThat(reload.getString("display")).isEqualTo("Anna A.");
      assertThat(reload.getString("bio")).isEqualTo("likes <b>music</b>");
      assertThat(r.getString("friendNameShown")).as(dump).isEqualTo("<img src=x onerror=\"window.__xss=1\">Ben");
      assertThat(r.getBoolean("xssSafe")).as(dump).isTrue();
      assertThat(r.getBoolean("benSeesAnna")).as(dump).isTrue();
      assertThat(r.getLong("onlineDotMs")).as(dump).isLessThan(10_000L);
      assertThat(r.getLong("offlineDotMs")).as(dump).isLessThan(10_000L);
      assertThat(r.getBoolean("lastSeenShown")).as(dump).isTrue();
      assertThat(r.getJsonObject("afterSignOutReload").getBoolean("signedOut")).as(dump).isTrue();
      assertThat(r.getString("wrongPasswordError")).as(dump).isEqualTo(AccountsService.BAD_CREDENTIALS);
      assertThat(r.getJsonArray("console").getList()).as(dump).isEmpty();
      System.out.printf("AccountsBrowserTest: online dot %d ms, offline dot %d ms, run %d ms, %s%n", r.getLong("onlineDotMs"),
          r.getLong("offlineDotMs"), r.getLong("totalMs"), r.getString("browserVersion"));
    } finally {
      tc.close();
    }
  }

  static JsonObject runNode(String script, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("node", script));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(WEB.toFile()).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail("node " + script + " did not finish in 3 minutes; stderr:\n" + err.getNow(""));
    }
    String stdout = out.get(10, TimeUnit.SECONDS);
    String last = stdout.lines().filter(l -> l.startsWith("{")).reduce((x, y) -> y).orElse(null);
    if (last == null) {
      fail("node " + script + " exited " + p.exitValue() + " without a result; stdout:\n" + stdout + "\nstderr:\n" + err.get(10, TimeUnit.SECONDS));
    }
    return new JsonObject(last);
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

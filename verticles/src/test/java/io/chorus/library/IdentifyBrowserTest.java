package io.chorus.library;

import io.chorus.config.ConfigLoader;
import io.chorus.testing.NodeScripts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Identify" on the library page (issue 18) in headless Chromium against one node with the whole pipeline:
 * a real track is uploaded, processed and fingerprinted (upload → track.processed → the audio index), then
 * the page records Chromium's fake microphone — a WAV cut from that track with the bundled ffmpeg — with
 * MediaRecorder, posts it to {@code POST /api/v1/identify} and names the track; pink noise gets "no match".
 */
class IdentifyBrowserTest {
  static final String PW = "a long enough password";
  static final MediaTools TOOLS = new MediaTools(LibraryConfig.from(ConfigLoader.defaults()));
  static TestCluster tc;
  static LibraryClient client;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000));
    client = new LibraryClient(tc.port());
  }

  @AfterAll
  static void stop() {
    if (tc != null) {
      tc.close();
    }
  }

  static Path ffmpeg(Path out, String... args) {
    List<String> all = new ArrayList<>(List.of("-hide_banner", "-nostdin", "-v", "error", "-y"));
    all.addAll(List.of(args));
    // Chromium's fake capture reads 16-bit PCM WAV
    all.addAll(List.of("-map_metadata", "-1", "-fflags", "+bitexact", "-ac", "1", "-ar", "48000", "-c:a", "pcm_s16le", out.toString()));
    MediaTools.Result r = TOOLS.ffmpeg(all, 120_000);
    assertThat(r.exitCode()).as("ffmpeg making %s: %s", out.getFileName(), r.stderr()).isZero();
    return out;
  }

  @Test
  void theMicrophoneClipNamesTheUploadedTrackAndNoiseMatchesNothing() throws Exception {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    String username = "ident-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject reg = client.json("POST", "/api/v1/auth/register", null, new JsonObject().put("username", username).put("password", PW))
        .expect(201).json();
    String token = reg.getString("access_token");
    String tag = UUID.randomUUID().toString().substring(0, 8);
    Path dir = TestMusic.tempDir();
    // bytes of its own (a unique comment tag): other tests upload the same Debian file
    Path song = TestMusic.make(TestMusic.opus(), dir.resolve("identify-" + tag + ".opus"), 60, List.of("-c:a", "libopus", "-b:a", "96k"));
    JsonObject uploaded = client.upload(token, song, "identify.opus", LibraryClient.fields("title", "Identify me " + tag,
        "artist", "Mic artist " + tag)).expect(202).json();
    String id = uploaded.getJsonObject("track").getString("id");
    long deadline = System.currentTimeMillis() + 300_000;
    while (tc.sql("SELECT 1 FROM track_fingerprints WHERE track_id = ?::uuid", id).isEmpty()) {
      String status = (String) tc.sql("SELECT status FROM tracks WHERE id = ?::uuid", id).get(0).get("status");
      assertThat(status).as("processing of the uploaded track").isNotEqualTo("failed");
      assertThat(System.currentTimeMillis()).as("the upload processed and fingerprinted within 300 s (status %s)", status).isLessThan(deadline);
      TestServices.await(tc.client().timer(250));
    }
    // the node's in-memory index holds it once the row is stored (same consumer, same node)
    Path clip = ffmpeg(dir.resolve("mic-" + tag + ".wav"), "-ss", "20", "-t", "12", "-i", song.toString());
    // the same noise every run (anoisesrc's seed), so an answer other than "none" can be replayed
    Path noise = ffmpeg(dir.resolve("noise-" + tag + ".wav"), "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.3:duration=12:seed=20261207");
    assertThat(Files.size(clip)).isGreaterThan(100_000);
    assertThat(Files.size(noise)).isGreaterThan(100_000);

    JsonObject r = NodeScripts.run("test/browser-identify.mjs", Duration.ofMinutes(3), "http://127.0.0.1:" + tc.port(), username, PW,
        clip.toString(), "6");
    String dump = r.encodePrettily();
    assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
    assertThat(r.getInteger("login")).as(dump).isEqualTo(200);
    assertThat(r.getString("identify")).as(dump).isEqualTo("done");
    assertThat(r.getInteger("clipBytes")).as("MediaRecorder produced a clip:\n%s", dump).isGreaterThan(1000);
    assertThat(r.getString("match")).as("the page names the track:\n%s", dump).isEqualTo(id);
    JsonArray results = r.getJsonArray("results");
    JsonObject top = results.getJsonObject(0);
    assertThat(top.getString("trackId")).as(dump).isEqualTo(id);
    assertThat(top.getString("title")).as(dump).isEqualTo("Identify me " + tag);
    assertThat(top.getString("artist")).as(dump).contains("Mic artist " + tag);
    assertThat(top.getString("score")).as(dump).matches(" score [1-9][0-9]*");
    assertThat(top.getBoolean("play")).as(dump).isTrue();
    assertThat(r.getString("playing")).as("its Play button plays it:\n%s", dump).isEqualTo(id);

    JsonObject n = NodeScripts.run("test/browser-identify.mjs", Duration.ofMinutes(3), "http://127.0.0.1:" + tc.port(), username, PW,
        noise.toString(), "5");
    String noiseDump = n.encodePrettily();
    assertThat(n.getBoolean("ok")).as("browser run failed:\n%s", noiseDump).isTrue();
    assertThat(n.getString("identify")).as(noiseDump).isEqualTo("done");
    assertThat(n.getString("match")).as(noiseDump).isEqualTo("none");
    assertThat(n.getString("status")).as(noiseDump).isEqualTo("no match");
    assertThat(n.getJsonArray("results")).as(noiseDump).isEmpty();
  }
}

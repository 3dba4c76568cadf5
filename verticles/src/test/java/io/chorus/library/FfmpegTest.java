package io.chorus.library;

import io.chorus.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The bundled ffmpeg as a child process, and each analysis step alone on a real track. */
class FfmpegTest {
  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final Ffmpeg FFMPEG = Ffmpeg.locate(LibraryConfig.from(ConfigLoader.defaults()));

  @Test
  void locatesTheBundledBuildOnceAndRunsIt() {
    Ffmpeg again = Ffmpeg.locate(LibraryConfig.from(ConfigLoader.defaults()));
    assertThat(again.ffmpeg()).isEqualTo(FFMPEG.ffmpeg()).contains("javacpp");
    assertThat(Files.isSymbolicLink(Path.of(FFMPEG.ffmpeg()).resolveSibling("libva.so.2"))
        || Files.exists(Path.of(FFMPEG.ffmpeg()).resolveSibling("libva.so.2"))).isTrue();
    Ffmpeg.Result v = FFMPEG.ffmpeg(List.of("-version"), TIMEOUT);
    assertThat(v.exitCode()).as(v.stderr()).isZero();
    assertThat(v.stdout()).startsWith("ffmpeg version");
    assertThat(FFMPEG.ffprobe(List.of("-version"), TIMEOUT).stdout()).startsWith("ffprobe version");
  }

  @Test
  void aMissingSystemBinaryIsNamed() {
    LibraryConfig c = LibraryConfig.from(ConfigLoader.defaults().put("FFMPEG_PATH", "/nonexistent/ffmpeg"));
    assertThatThrownBy(() -> Ffmpeg.locate(c)).hasMessageContaining("FFMPEG_PATH=/nonexistent/ffmpeg");
  }

  @Test
  void eachStepOnARealTrack(@TempDir Path dir) {
    Path track = ProcessingMusic.require(ProcessingMusic.TRACK3);
    AudioProbe.Info info = AudioProbe.run(FFMPEG, track, TIMEOUT);
    assertThat(info.codec()).isEqualTo("opus");
    assertThat(info.sampleRate()).isEqualTo(48_000);
    assertThat(info.channels()).isEqualTo(2);
    assertThat(info.durationMs()).isBetween(290_000L, 310_000L);

    Path pcm = dir.resolve("a.f32");
    Decode.toPcm(FFMPEG, track, pcm, TIMEOUT);
    double seconds = pcm.toFile().length() / 4.0 / Decode.SAMPLE_RATE;
    assertThat(seconds).isCloseTo(info.durationMs() / 1000.0, within(0.5));

    Loudness.Result loudness = Loudness.measure(FFMPEG, track, TIMEOUT);
    assertThat(loudness.integratedLufs()).isBetween(-40.0, -5.0);
    assertThat(loudness.truePeakDb()).isBetween(-30.0, 6.0);

    double[] peaks = Waveform.ofPcm(pcm, Waveform.BUCKETS);
    assertThat(peaks).hasSize(1000);
    assertThat(Arrays.stream(peaks).max().orElseThrow()).isBetween(0.1, 1.0);
    assertThat(Arrays.stream(peaks).allMatch(p -> p >= 0 && p <= 1)).isTrue();

    Path opus = dir.resolve("r.opus");
    Rendition.opus(FFMPEG, track, opus, info.channels(), TIMEOUT);
    AudioProbe.Info r = AudioProbe.run(FFMPEG, opus, TIMEOUT);
    assertThat(r.codec()).isEqualTo("opus");
    assertThat(r.durationMs()).isCloseTo(info.durationMs(), org.assertj.core.api.Assertions.within(500L));
  }

  @Test
  void aFileFfmpegRejectsFailsWithItsFirstErrorLine() {
    Path bad = ProcessingMusic.require(ProcessingMusic.REJECTED);
    assertThatThrownBy(() -> AudioProbe.run(FFMPEG, bad, TIMEOUT)).isInstanceOf(TrackFailure.class)
        .hasMessageStartingWith("ffmpeg could not decode the file: ")
        .hasMessageContaining("Invalid data found when processing input")
        .hasMessageNotContaining("0x");
  }

  @Test
  void aTimeoutKillsTheWholeProcessTree(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("child.pid");
    long start = System.nanoTime();
    assertThatThrownBy(() -> FFMPEG.run(List.of("sh", "-c", "sleep 120 & echo $! > " + pidFile + "; wait"), Duration.ofSeconds(1)))
        .isInstanceOf(Ffmpeg.Failure.class).hasMessageContaining("timed out after 1 s");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(15_000);
    long child = Long.parseLong(Files.readString(pidFile).trim());
    long deadline = System.currentTimeMillis() + 10_000;
    while (running(child)) {
      assertThat(System.currentTimeMillis()).as("the grandchild %d is still running", child).isLessThan(deadline);
      Thread.sleep(20);   // poll interval of the process table
    }
  }

  /** Alive and not a zombie (an orphan killed here may wait for a reaper that a container lacks). */
  private static boolean running(long pid) throws Exception {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return false;
    }
    String s = Files.readString(stat);
    return !s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
  }

  @Test
  void aCrashIsReportedAsACrashWithItsOutput() {
    Ffmpeg.Result r = FFMPEG.run(List.of("sh", "-c", "echo '[mp3 @ 0x5555aaaa] boom' >&2; kill -SEGV $$"), TIMEOUT);
    assertThat(r.ok()).isFalse();
    assertThat(r.describe()).isEqualTo("ffmpeg crashed on the file (signal 11): mp3: boom");
  }
}

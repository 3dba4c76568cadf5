package io.chorus.bench;

import io.chorus.config.ConfigLoader;
import io.chorus.library.Decode;
import io.chorus.library.Ffmpeg;
import io.chorus.library.LibraryConfig;
import io.chorus.library.Loudness;
import io.chorus.library.AudioProbe;
import io.chorus.library.Rendition;
import io.chorus.library.Waveform;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * scripts/bench-library-processing (issue 17): each processing step apart over the warzone2100 Opus files —
 * decode (ffmpeg to the 11025 Hz mono f32le analysis PCM), loudness (ffmpeg ebur128 over the original),
 * waveform (the Java scan of that PCM), rendition (ffmpeg libopus 128 kbit/s). Speed in × real time: audio
 * seconds per wall second, and per CPU second (the children's user+sys from /proc/self/stat for ffmpeg, the
 * thread's CPU for the Java scan) — "per core". {@code bench.files} limits how many files (sorted by path).
 * Prints Markdown rows.
 */
public final class LibraryProcessingBench {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  interface Step {
    void run(Path file, Path pcm, Path out);
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of("/usr/share/games/warzone2100/music/albums");
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException(root + " is missing: run scripts/install-test-deps");
    }
    int limit = Integer.getInteger("bench.files", 30);
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(p -> p.toString().endsWith(".opus")).sorted().limit(limit).toList();
    }
    Ffmpeg ffmpeg = Ffmpeg.locate(LibraryConfig.from(ConfigLoader.defaults()));
    double audio = 0;
    for (Path f : files) {
      audio += AudioProbe.run(ffmpeg, f, TIMEOUT).durationMs() / 1000.0;
    }
    Path tmp = Files.createTempDirectory("chorus-bench-");
    List<Path> pcms = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      pcms.add(tmp.resolve(i + ".f32"));
    }
    System.out.printf("%n%d files, %.1f min of audio, ffmpeg %s%n%n", files.size(), audio / 60, ffmpeg.ffmpeg());
    System.out.println("| step | wall s | CPU s | × real time | × real time per core |");
    System.out.println("|---|---|---|---|---|");
    row("decode (→ 11025 Hz mono f32le)", audio, files, pcms, tmp, (f, pcm, out) -> Decode.toPcm(ffmpeg, f, pcm, TIMEOUT));
    row("loudness (ebur128, true peak)", audio, files, pcms, tmp, (f, pcm, out) -> Loudness.measure(ffmpeg, f, TIMEOUT));
    row("waveform (Java scan of the PCM)", audio, files, pcms, tmp, (f, pcm, out) -> Waveform.ofPcm(pcm, Waveform.BUCKETS));
    row("rendition (libopus 128 kbit/s)", audio, files, pcms, tmp, (f, pcm, out) -> Rendition.opus(ffmpeg, f, out, 2, TIMEOUT));
    try (Stream<Path> s = Files.walk(tmp)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void row(String name, double audio, List<Path> files, List<Path> pcms, Path tmp, Step step) throws IOException {
    long cpu0 = childrenCpuNanos() + threadCpuNanos();
    long t0 = System.nanoTime();
    for (int i = 0; i < files.size(); i++) {
      step.run(files.get(i), pcms.get(i), tmp.resolve("out.opus"));
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (childrenCpuNanos() + threadCpuNanos() - cpu0) / 1e9;
    System.out.printf("| %s | %.1f | %.1f | %.0f× | %.0f× |%n", name, wall, cpu, audio / wall, audio / cpu);
  }

  private static long threadCpuNanos() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  /** cutime + cstime of this JVM: the CPU of the children it waited for (clock ticks, 100 per second). */
  private static long childrenCpuNanos() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields from the state (3rd): cutime is the 16th, cstime the 17th
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10_000_000L;
  }
}

package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where ffmpeg and ffprobe are, and how they run: always as child processes (a crash on a malformed file
 * ends that process, never the JVM), each bounded by a timeout after which the whole process tree is
 * killed, with stdout and stderr captured up to a bound. {@code FFMPEG_PATH}/{@code FFPROBE_PATH} select
 * system binaries; otherwise the LGPL build of {@code org.bytedeco:ffmpeg} is extracted once per JVM by
 * javacpp's Loader. Its jar ships only unversioned {@code libva.so}/{@code libva-drm.so}, which the
 * binaries link by soname, hence the symlinks and {@code LD_LIBRARY_PATH} on the extracted folder.
 * {@link #run} blocks: call it on a worker thread.
 */
public final class Ffmpeg {
  /** Bytes of stdout kept (ffprobe's JSON is a few KB; bulk output goes to files). */
  static final int STDOUT_MAX = 1 << 20;
  /** Bytes of stderr kept from its start and from its end (ebur128's summary is at the end). */
  static final int STDERR_HEAD = 8 << 10;
  static final int STDERR_TAIL = 32 << 10;

  private static Ffmpeg bundled;

  private final String ffmpeg;
  private final String ffprobe;
  /** The bundled build's folder (its libraries), or null: only its binaries get it as LD_LIBRARY_PATH. */
  private final Path libraries;

  public Ffmpeg(String ffmpeg, String ffprobe, Path libraries) {
    this.ffmpeg = ffmpeg;
    this.ffprobe = ffprobe;
    this.libraries = libraries;
  }

  /** Locates the binaries on a worker thread (the bundled build's extraction takes seconds the first time). */
  public static Future<Ffmpeg> locate(Vertx vertx, LibraryConfig config) {
    return vertx.executeBlocking(() -> locate(config), false);
  }

  /** Blocking: the system binaries when configured, else the bundled build (extracted once per JVM). */
  public static Ffmpeg locate(LibraryConfig config) {
    Ffmpeg b = config.ffmpegPath().isEmpty() || config.ffprobePath().isEmpty() ? bundled() : null;
    String mpeg = config.ffmpegPath().isEmpty() ? b.ffmpeg : executable("FFMPEG_PATH", config.ffmpegPath());
    String probe = config.ffprobePath().isEmpty() ? b.ffprobe : executable("FFPROBE_PATH", config.ffprobePath());
    return new Ffmpeg(mpeg, probe, b == null ? null : b.libraries);
  }

  private static String executable(String name, String path) {
    if (!Files.isExecutable(Path.of(path))) {
      throw new IllegalStateException(name + "=" + path + " is not an executable file");
    }
    return path;
  }

  private static synchronized Ffmpeg bundled() {
    if (bundled == null) {
      try {
        String mpeg = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        String probe = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffprobe.class);
        Path dir = Path.of(mpeg).getParent();
        link(dir, "libva.so.2", "libva.so");
        link(dir, "libva-drm.so.2", "libva-drm.so");
        bundled = new Ffmpeg(mpeg, probe, dir);
      } catch (RuntimeException | LinkageError e) {
        throw new IllegalStateException("the bundled ffmpeg (org.bytedeco:ffmpeg) could not be extracted: " + e.getMessage()
            + "; set FFMPEG_PATH and FFPROBE_PATH to system binaries", e);
      }
    }
    return bundled;
  }

  private static void link(Path dir, String name, String target) {
    Path link = dir.resolve(name);
    if (Files.exists(link) || !Files.exists(dir.resolve(target))) {
      return;
    }
    try {
      Files.createSymbolicLink(link, Path.of(target));
    } catch (FileAlreadyExistsException e) {
      // another JVM (node) made it meanwhile
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link " + link + " -> " + target, e);
    }
  }

  public String ffmpeg() {
    return ffmpeg;
  }

  public String ffprobe() {
    return ffprobe;
  }

  /** {@code ffmpeg -nostdin -hide_banner <args>}. */
  public Result ffmpeg(List<String> args, Duration timeout) {
    List<String> cmd = new ArrayList<>(List.of(ffmpeg, "-nostdin", "-hide_banner"));
    cmd.addAll(args);
    return run(cmd, timeout);
  }

  /** {@code ffprobe -hide_banner <args>}. */
  public Result ffprobe(List<String> args, Duration timeout) {
    List<String> cmd = new ArrayList<>(List.of(ffprobe, "-hide_banner"));
    cmd.addAll(args);
    return run(cmd, timeout);
  }

  /**
   * Runs {@code command} (the executable first) with the binaries' environment; returns its exit code and
   * bounded output. Throws {@link Failure} on a timeout (after killing the process and its descendants).
   */
  public Result run(List<String> command, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    if (libraries != null && Path.of(command.get(0)).startsWith(libraries)) {
      pb.environment().put("LD_LIBRARY_PATH", libraries.toString());   // never for a system binary: other libav* versions
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new Failure(name(command) + " could not be started: " + e.getMessage(), e);
    }
    Drain out = new Drain(p.getInputStream(), STDOUT_MAX, 0);
    Drain err = new Drain(p.getErrorStream(), STDERR_HEAD, STDERR_TAIL);
    Thread outThread = daemon(out, "ffmpeg-stdout");
    Thread errThread = daemon(err, "ffmpeg-stderr");
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        killTree(p);
        throw new Failure(name(command) + " timed out after " + timeout.toSeconds() + " s (process killed)");
      }
      outThread.join(5_000);
      errThread.join(5_000);
    } catch (InterruptedException e) {
      killTree(p);
      Thread.currentThread().interrupt();
      throw new Failure(name(command) + " interrupted (process killed)", e);
    }
    return new Result(p.exitValue(), out.text(), err.text());
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static String name(List<String> command) {
    return Path.of(command.get(0)).getFileName().toString();
  }

  /** Kills the process and everything it started; waits briefly for the kill to land. */
  static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A child's exit code and output (stderr: its first and last bytes when it was longer than the bound). */
  public record Result(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** The first error line of stderr without ffmpeg's {@code [ctx @ 0x...]} prefix; empty if none. */
    public String firstErrorLine() {
      for (String line : stderr.split("\n")) {
        String l = line.replaceAll("\\[(\\w+)(?:#\\d+)? @ 0x[0-9a-f]+\\] ", "$1: ").strip();
        if (!l.isEmpty()) {
          return l;
        }
      }
      return "";
    }

    /** Why it failed, for a track's failure reason: a crash (killed by a signal) or the first error line. */
    public String describe() {
      String line = firstErrorLine();
      if (exitCode > 128 && exitCode < 160) {
        return "ffmpeg crashed on the file (signal " + (exitCode - 128) + ")" + (line.isEmpty() ? "" : ": " + line);
      }
      return "ffmpeg could not decode the file" + (line.isEmpty() ? " (exit code " + exitCode + ")" : ": " + line);
    }
  }

  /** A run that could not complete (not started, timed out, interrupted). */
  public static final class Failure extends RuntimeException {
    public Failure(String message) {
      super(message);
    }

    public Failure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Reads a stream to its end, keeping its first {@code head} and last {@code tail} bytes. */
  private static final class Drain implements Runnable {
    private final InputStream in;
    private final int head;
    private final int tail;
    private final ByteArrayOutputStream first = new ByteArrayOutputStream();
    private final byte[] ring;
    private long total;

    Drain(InputStream in, int head, int tail) {
      this.in = in;
      this.head = head;
      this.tail = tail;
      this.ring = new byte[tail];
    }

    @Override
    public void run() {
      byte[] buf = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (this) {
            for (int i = 0; i < n; i++) {
              if (total < head) {
                first.write(buf[i]);
              } else if (tail > 0) {
                ring[(int) ((total - head) % tail)] = buf[i];
              }
              total++;
            }
          }
        }
      } catch (IOException e) {
        // the process was killed: what was read so far is kept
      }
    }

    synchronized String text() {
      String start = first.toString(StandardCharsets.UTF_8);
      long rest = total - head;
      if (rest <= 0 || tail == 0) {
        return start;
      }
      int kept = (int) Math.min(rest, tail);
      byte[] end = new byte[kept];
      long from = rest - kept;
      for (int i = 0; i < kept; i++) {
        end[i] = ring[(int) ((from + i) % tail)];
      }
      return start + (rest > kept ? "\n[...]\n" : "") + new String(end, StandardCharsets.UTF_8);
    }
  }
}

package io.chorus.library;

import io.chorus.bus.ErrorCode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The upload side's ffprobe/ffmpeg child processes (a crash on a malformed file cannot take the JVM
 * down). FFPROBE_PATH / FFMPEG_PATH (non-empty) select system binaries; otherwise the LGPL build in
 * {@code org.bytedeco:ffmpeg} is extracted once. Its folder must be on LD_LIBRARY_PATH, and the jar ships
 * only unversioned libva names, so the versioned links are made next to them. Blocking: call from a worker.
 * (Processing has its own locator; the lead unifies them.)
 */
final class MediaTools {
  private static Path bundledDir;

  private final String ffprobePath;
  private final String ffmpegPath;

  MediaTools(LibraryConfig config) {
    this.ffprobePath = config.ffprobePath();
    this.ffmpegPath = config.ffmpegPath();
  }

  record Result(int exitCode, String stdout, String stderr) {
  }

  Result ffprobe(List<String> args, long timeoutMs) {
    return run(ffprobePath.isEmpty() ? bundled(org.bytedeco.ffmpeg.ffprobe.class) : Path.of(ffprobePath), args, timeoutMs);
  }

  Result ffmpeg(List<String> args, long timeoutMs) {
    return run(ffmpegPath.isEmpty() ? bundled(org.bytedeco.ffmpeg.ffmpeg.class) : Path.of(ffmpegPath), args, timeoutMs);
  }

  private static synchronized Path bundled(Class<?> tool) {
    Path exe = Path.of(org.bytedeco.javacpp.Loader.load(tool));
    Path dir = exe.getParent();
    if (!dir.equals(bundledDir)) {
      for (String lib : List.of("libva.so", "libva-drm.so")) {
        Path link = dir.resolve(lib + ".2");
        if (!Files.exists(link) && Files.exists(dir.resolve(lib))) {
          try {
            Files.createSymbolicLink(link, Path.of(lib));
          } catch (java.nio.file.FileAlreadyExistsException e) {
            // another process made it first
          } catch (IOException e) {
            throw new IllegalStateException("cannot link " + link + ": " + e.getMessage(), e);
          }
        }
      }
      bundledDir = dir;
    }
    return exe;
  }

  private static Result run(Path exe, List<String> args, long timeoutMs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(exe.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (exe.getParent() != null) {
      String old = System.getenv("LD_LIBRARY_PATH");
      pb.environment().put("LD_LIBRARY_PATH", exe.getParent() + (old == null || old.isEmpty() ? "" : ":" + old));
    }
    Process p;
    try {
      p = pb.start();
      p.getOutputStream().close();   // no input: a child that reads stdin sees its end
    } catch (IOException e) {
      throw ErrorCode.UNAVAILABLE.exception("cannot run " + exe.getFileName() + ": " + e.getMessage());
    }
    // both pipes drained concurrently so a chatty child never blocks on a full pipe
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
    try {
      if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw ErrorCode.TIMEOUT.exception(exe.getFileName() + " took longer than " + timeoutMs + " ms");
      }
      return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw ErrorCode.UNAVAILABLE.exception("interrupted");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      throw ErrorCode.INTERNAL.exception("reading " + exe.getFileName() + " output failed: " + e.getMessage());
    }
  }

  private static String drain(java.io.InputStream in) {
    try (in) {
      // bounded: a probe's JSON is small; a runaway child's output is cut, not buffered whole
      byte[] data = in.readNBytes(4 * 1024 * 1024);
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return new String(data, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}

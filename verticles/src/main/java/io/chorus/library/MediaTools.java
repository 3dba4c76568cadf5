package io.chorus.library;

import io.chorus.bus.ErrorCode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The upload side's ffprobe/ffmpeg calls (probing uploads, MP3 transcodes), run as child processes by
 * the same {@link Ffmpeg} runner as processing: the binaries located once per JVM (FFMPEG_PATH /
 * FFPROBE_PATH, else the bundled LGPL build), the process tree killed on a timeout. A failure to run
 * becomes an API error (503; 504 on a timeout). Blocking: call from a worker.
 */
final class MediaTools {
  private final LibraryConfig config;
  private volatile Ffmpeg tools;

  MediaTools(LibraryConfig config) {
    this.config = config;
  }

  record Result(int exitCode, String stdout, String stderr) {
  }

  Result ffprobe(List<String> args, long timeoutMs) {
    return call(true, args, timeoutMs);
  }

  Result ffmpeg(List<String> args, long timeoutMs) {
    return call(false, args, timeoutMs);
  }

  /** The audio stream that is the track ({@link AudioStream#choose}), as processing chose it. */
  int audioStream(Path file, long timeoutMs) {
    try {
      return AudioStream.choose(tools(), file, Duration.ofMillis(timeoutMs));
    } catch (Ffmpeg.Failure e) {
      String message = e.getMessage() == null ? "ffmpeg failed" : e.getMessage();
      throw (message.contains("timed out") ? ErrorCode.TIMEOUT : ErrorCode.UNAVAILABLE).exception(message);
    }
  }

  private Result call(boolean probe, List<String> args, long timeoutMs) {
    try {
      Ffmpeg f = tools();
      Ffmpeg.Result r = probe ? f.ffprobe(args, Duration.ofMillis(timeoutMs)) : f.ffmpeg(args, Duration.ofMillis(timeoutMs));
      return new Result(r.exitCode(), r.stdout(), r.stderr());
    } catch (Ffmpeg.Failure e) {
      String message = e.getMessage() == null ? "ffmpeg failed" : e.getMessage();
      throw (message.contains("timed out") ? ErrorCode.TIMEOUT : ErrorCode.UNAVAILABLE).exception(message);
    }
  }

  private Ffmpeg tools() {
    Ffmpeg f = tools;
    if (f == null) {
      synchronized (this) {
        if (tools == null) {
          tools = Ffmpeg.locate(config);
        }
        f = tools;
      }
    }
    return f;
  }
}

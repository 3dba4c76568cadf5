package io.chorus.audio;

import io.chorus.library.AudioStream;
import io.chorus.library.Ffmpeg;
import io.chorus.library.LibraryConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes any audio ffmpeg reads to mono float PCM at {@link Fingerprinter#SAMPLE_RATE} Hz through the
 * library's {@link Ffmpeg} (a child process: a crash or a hostile file cannot take the JVM down; the same
 * binaries, {@code FFMPEG_PATH} or the bundled LGPL build). The samples go to a temp file, not stdout,
 * whose capture is bounded. Blocking: call it on a worker thread.
 */
final class ClipDecoder {
  private final LibraryConfig config;
  private Ffmpeg ffmpeg;

  /** Decoding failed because the input is not audio ffmpeg can read (its first error line as the message). */
  static final class NotAudioException extends IOException {
    NotAudioException(String message) {
      super(message);
    }
  }

  ClipDecoder(LibraryConfig config) {
    this.config = config;
  }

  /** Located on first use: extracting the bundled build takes seconds the first time. */
  private synchronized Ffmpeg tools() {
    if (ffmpeg == null) {
      ffmpeg = Ffmpeg.locate(config);
    }
    return ffmpeg;
  }

  /**
   * Decodes {@code input}, at most {@code maxSeconds} of it (0: all): its first audio stream, or when that is silent
   * the stream processing would take ({@link AudioStream#choose}: the first one that is not). Choosing first would cost
   * every clip an ffprobe (~50 ms, twice identify's matching); only a silent decode pays it.
   */
  float[] decode(Path input, double maxSeconds, long timeoutMs, String... filters) throws IOException {
    float[] first = decode(input, 0, maxSeconds, timeoutMs, filters);
    if (!silent(first)) {
      return first;
    }
    int stream = stream(input, timeoutMs);
    return stream == 0 ? first : decode(input, stream, maxSeconds, timeoutMs, filters);
  }

  /** At most {@link AudioStream#SILENT_DB} of RMS level, as ffmpeg's volumedetect measures a stream's mean volume. */
  static boolean silent(float[] pcm) {
    double sum = 0;
    for (float x : pcm) {
      sum += (double) x * x;
    }
    return pcm.length == 0 || 10 * Math.log10(sum / pcm.length) <= AudioStream.SILENT_DB;
  }

  private float[] decode(Path input, int stream, double maxSeconds, long timeoutMs, String... filters) throws IOException {
    Path out = Files.createTempFile("chorus-clip", ".f32");
    try {
      List<String> args = new ArrayList<>(List.of("-loglevel", "error", "-y", "-i", input.toString(), "-map", AudioStream.map(stream)));
      if (maxSeconds > 0) {
        args.addAll(List.of("-t", Double.toString(maxSeconds)));
      }
      if (filters.length > 0) {
        args.addAll(List.of("-af", String.join(",", filters)));
      }
      args.addAll(List.of("-vn", "-ac", "1", "-ar", Integer.toString(Fingerprinter.SAMPLE_RATE), "-f", "f32le", out.toString()));
      ffmpeg(args, timeoutMs);
      return pcm(Files.readAllBytes(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The audio stream processing would take ({@link AudioStream#choose}): a silent first stream is skipped. */
  private int stream(Path input, long timeoutMs) throws IOException {
    try {
      return AudioStream.choose(tools(), input, Duration.ofMillis(timeoutMs));
    } catch (Ffmpeg.Failure e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** Runs {@code ffmpeg -nostdin -hide_banner <args>}; fails with {@link NotAudioException} on a non-zero exit. */
  void ffmpeg(List<String> args, long timeoutMs) throws IOException {
    Ffmpeg.Result r;
    try {
      r = tools().ffmpeg(args, Duration.ofMillis(timeoutMs));
    } catch (Ffmpeg.Failure e) {
      throw new IOException(e.getMessage(), e);
    }
    if (!r.ok()) {
      String line = r.firstErrorLine();
      throw new NotAudioException(line.isEmpty() ? "ffmpeg exit " + r.exitCode() : line);
    }
  }

  /** Little-endian float32 bytes → samples. */
  static float[] pcm(byte[] bytes) {
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}

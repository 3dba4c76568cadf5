package io.chorus.library;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The analysis input: the track decoded by ffmpeg to mono 32-bit float PCM (little-endian, no header) at
 * 11025 Hz — the {@code analysis/<id>.f32} object of {@code track.processed}, and the waveform's source.
 */
public final class Decode {
  public static final int SAMPLE_RATE = 11025;
  public static final String FORMAT = "f32le";

  private Decode() {
  }

  public static void toPcm(Ffmpeg ffmpeg, Path in, Path out, Duration timeout) {
    toPcm(ffmpeg, in, 0, out, timeout);
  }

  /** Decodes the {@code stream}th audio stream ({@link AudioStream#choose}). */
  public static void toPcm(Ffmpeg ffmpeg, Path in, int stream, Path out, Duration timeout) {
    Ffmpeg.Result r = ffmpeg.ffmpeg(List.of("-v", "error", "-y", "-i", in.toString(), "-map", AudioStream.map(stream), "-vn",
        "-ac", "1", "-ar", Integer.toString(SAMPLE_RATE), "-f", FORMAT, out.toString()), timeout);
    if (!r.ok()) {
      throw TrackFailure.of(r);
    }
  }
}

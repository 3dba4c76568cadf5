package io.chorus.library;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The streaming rendition: Opus (libopus) in an Ogg container, 128 kbit/s for stereo, 96 kbit/s for mono;
 * more than two channels are downmixed to stereo. Tags and cover art are not copied (the API serves them).
 */
public final class Rendition {
  public static final String MIME = "audio/ogg";

  private Rendition() {
  }

  public static int bitrateKbps(int channels) {
    return channels == 1 ? 96 : 128;
  }

  public static void opus(Ffmpeg ffmpeg, Path in, Path out, int channels, Duration timeout) {
    opus(ffmpeg, in, 0, out, channels, timeout);
  }

  /** The rendition of the {@code stream}th audio stream ({@link AudioStream#choose}). */
  public static void opus(Ffmpeg ffmpeg, Path in, int stream, Path out, int channels, Duration timeout) {
    int ch = Math.min(2, Math.max(1, channels));
    Ffmpeg.Result r = ffmpeg.ffmpeg(List.of("-v", "error", "-y", "-i", in.toString(), "-map", AudioStream.map(stream), "-vn",
        "-map_metadata", "-1", "-ac", Integer.toString(ch), "-c:a", "libopus", "-b:a", bitrateKbps(ch) + "k",
        "-f", "ogg", out.toString()), timeout);
    if (!r.ok()) {
      throw TrackFailure.of(r);
    }
  }
}

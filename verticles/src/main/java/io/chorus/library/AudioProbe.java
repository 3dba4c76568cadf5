package io.chorus.library;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** ffprobe of a track's first audio stream: duration, sample rate, channels, bitrate. */
public final class AudioProbe {
  private AudioProbe() {
  }

  /** What ffprobe says of the first audio stream; {@code bitrate} in bit/s, 0 when unknown. */
  public record Info(long durationMs, int sampleRate, int channels, int bitrate, String codec) {
  }

  public static Info run(Ffmpeg ffmpeg, Path file, Duration timeout) {
    return run(ffmpeg, file, 0, timeout);
  }

  /** What ffprobe says of the {@code stream}th audio stream ({@link AudioStream#choose}). */
  public static Info run(Ffmpeg ffmpeg, Path file, int stream, Duration timeout) {
    Ffmpeg.Result r = ffmpeg.ffprobe(List.of("-v", "error", "-print_format", "json", "-show_format", "-show_streams",
        "-select_streams", "a:" + stream, file.toString()), timeout);
    if (!r.ok()) {
      throw TrackFailure.of(r);
    }
    return parse(r.stdout());
  }

  /** Parses {@code ffprobe -print_format json -show_format -show_streams -select_streams a:0}. */
  public static Info parse(String json) {
    JsonObject o;
    try {
      o = new JsonObject(json);
    } catch (DecodeException e) {
      throw new TrackFailure("ffprobe printed no readable description of the file");
    }
    JsonArray streams = o.getJsonArray("streams", new JsonArray());
    if (streams.isEmpty()) {
      throw new TrackFailure("the file has no audio stream");
    }
    JsonObject s = streams.getJsonObject(0);
    JsonObject format = o.getJsonObject("format", new JsonObject());
    double seconds = number(s.getValue("duration"), number(format.getValue("duration"), -1));
    int sampleRate = (int) number(s.getValue("sample_rate"), 0);
    int channels = (int) number(s.getValue("channels"), 0);
    int bitrate = (int) averageBitrate(format, seconds, number(s.getValue("bit_rate"), 0));
    if (sampleRate <= 0 || channels <= 0) {
      throw new TrackFailure("the audio stream has no sample rate or channel count");
    }
    return new Info(seconds < 0 ? -1 : Math.round(seconds * 1000), sampleRate, channels, bitrate, s.getString("codec_name", ""));
  }

  /**
   * The file's average bitrate (its size over its duration: the format's {@code bit_rate}, else size × 8 / duration)
   * when the file holds the audio stream alone: a VBR stream's own {@code bit_rate} is the encoder's nominal one
   * (a Vorbis file of about 317 kbit/s says 500 kbit/s). With other streams (an MP3's cover art) the size counts
   * them too, so the stream's figure, then the file's, stands.
   */
  private static double averageBitrate(JsonObject format, double seconds, double stream) {
    double average = number(format.getValue("bit_rate"), 0);
    double size = number(format.getValue("size"), 0);
    if (average <= 0 && size > 0 && seconds > 0) {
      average = size * 8 / seconds;
    }
    boolean audioOnly = number(format.getValue("nb_streams"), 1) <= 1;
    if (average > 0 && (audioOnly || stream <= 0)) {
      return average;
    }
    return Math.max(stream, 0);
  }

  /** ffprobe prints most numbers as strings ("48000", "299.09"), some as numbers, "N/A" when unknown. */
  private static double number(Object v, double fallback) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String str) {
      try {
        return Double.parseDouble(str);
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }
}

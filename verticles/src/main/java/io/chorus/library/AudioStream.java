package io.chorus.library;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which audio stream of a file is the track: the first one that is not silent (its mean volume above
 * {@link #SILENT_DB}), else the first. A file with one audio stream costs one ffprobe. ffmpeg's own default
 * (the first stream with the most channels) would take a silent first stream of an MP4/M4A or MKV whose second
 * carries the music, and the track would be processed, fingerprinted and identified from silence. Processing
 * (probe, decode, loudness, rendition), the MP3 transcode and identify all choose with this, so they hear the
 * same stream.
 */
public final class AudioStream {
  /** A stream whose mean volume is at most this (dBFS) is silence (encoded digital silence measures about -91). */
  public static final double SILENT_DB = -60.0;
  /** Streams past this many are not measured (they are not chosen). */
  static final int MAX_MEASURED = 8;
  private static final Pattern MEAN = Pattern.compile("mean_volume:\\s*(-?[0-9.]+|-inf)\\s*dB");

  private AudioStream() {
  }

  /** The chosen stream's number among the file's audio streams (0 when it has one, or none ffprobe can list). */
  public static int choose(Ffmpeg ffmpeg, Path file, Duration timeout) {
    Ffmpeg.Result r = ffmpeg.ffprobe(List.of("-v", "error", "-select_streams", "a", "-show_entries", "stream=index",
        "-of", "csv=p=0", file.toString()), timeout);
    if (!r.ok()) {
      return 0;
    }
    long count = r.stdout().lines().filter(l -> !l.isBlank()).count();
    for (int n = 0; n < Math.min(count, MAX_MEASURED) && count > 1; n++) {
      Double mean = meanVolume(ffmpeg, file, n, timeout);
      if (mean != null && mean > SILENT_DB) {
        return n;
      }
    }
    return 0;
  }

  /** ffmpeg's {@code -map} for the {@code n}th audio stream. */
  public static String map(int n) {
    return "0:a:" + n;
  }

  private static Double meanVolume(Ffmpeg ffmpeg, Path file, int n, Duration timeout) {
    Ffmpeg.Result r = ffmpeg.ffmpeg(List.of("-nostats", "-i", file.toString(), "-map", map(n), "-vn", "-af", "volumedetect",
        "-f", "null", "-"), timeout);
    if (!r.ok()) {
      return null;
    }
    Matcher m = MEAN.matcher(r.stderr());
    return !m.find() ? null : m.group(1).equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(m.group(1));
  }
}

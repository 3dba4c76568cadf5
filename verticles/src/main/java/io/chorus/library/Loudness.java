package io.chorus.library;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * EBU R128 loudness with ffmpeg's {@code ebur128} filter: integrated loudness (LUFS) and true peak (dBTP),
 * read from the summary it prints at the end. Replay gain follows ReplayGain 2.0: the gain that brings the
 * track to -18 LUFS, with the clip protection of common taggers (rsgain's default): a positive gain goes no
 * further than lifting the true peak to 0 dBTP. Silence (nothing above ebur128's -70 LUFS gate) has no
 * loudness to match, hence no gain (null) rather than +52 dB, which a player applying it would blast.
 */
public final class Loudness {
  public static final double REFERENCE_LUFS = -18.0;
  /** ebur128's absolute gate: the integrated loudness it reports when no block is louder (silence). */
  public static final double SILENCE_LUFS = -70.0;
  private static final Pattern INTEGRATED = Pattern.compile("Integrated loudness:\\s*\\n\\s*I:\\s*(-?[0-9.]+|-inf)\\s*LUFS");
  private static final Pattern PEAK = Pattern.compile("True peak:\\s*\\n\\s*Peak:\\s*(-?[0-9.]+|-inf)\\s*dBFS");

  private Loudness() {
  }

  /** Integrated loudness and true peak; -70 LUFS (ebur128's floor) for silence, true peak -inf as -200 dB. */
  public record Result(double integratedLufs, double truePeakDb) {
    /** The ReplayGain track gain in dB; null for silence. */
    public Double replayGainDb() {
      return replayGain(integratedLufs, truePeakDb);
    }
  }

  /** The gain to -18 LUFS, a positive one at most {@code -truePeakDb} (never below 0 for that); null for silence. */
  public static Double replayGain(double integratedLufs, double truePeakDb) {
    if (integratedLufs <= SILENCE_LUFS) {
      return null;
    }
    double gain = REFERENCE_LUFS - integratedLufs;
    if (gain > 0) {
      gain = Math.min(gain, Math.max(0, -truePeakDb));
    }
    return Math.round(gain * 100) / 100.0;
  }

  public static Result measure(Ffmpeg ffmpeg, Path file, Duration timeout) {
    return measure(ffmpeg, file, 0, timeout);
  }

  /** The loudness of the {@code stream}th audio stream ({@link AudioStream#choose}). */
  public static Result measure(Ffmpeg ffmpeg, Path file, int stream, Duration timeout) {
    Ffmpeg.Result r = ffmpeg.ffmpeg(List.of("-nostats", "-i", file.toString(), "-map", AudioStream.map(stream), "-vn",
        "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"), timeout);
    if (!r.ok()) {
      throw TrackFailure.of(r);
    }
    return parse(r.stderr());
  }

  /** Reads the ebur128 summary from ffmpeg's stderr; fails when it is not there. */
  public static Result parse(String stderr) {
    int summary = stderr.lastIndexOf("Summary:");
    String s = summary < 0 ? stderr : stderr.substring(summary);
    Matcher i = INTEGRATED.matcher(s);
    Matcher p = PEAK.matcher(s);
    if (!i.find() || !p.find()) {
      throw new TrackFailure("ffmpeg printed no loudness summary (ebur128)");
    }
    return new Result(value(i.group(1), SILENCE_LUFS), value(p.group(1), -200.0));
  }

  private static double value(String s, double forInfinity) {
    return s.equals("-inf") ? forInfinity : Double.parseDouble(s);
  }
}

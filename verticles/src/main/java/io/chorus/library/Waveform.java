package io.chorus.library;

import io.vertx.core.json.JsonArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Peaks for the player's waveform, computed here from mono f32le PCM (ffmpeg decodes, Java only scans):
 * the samples are split into {@code buckets} equal runs and each bucket is its largest absolute sample,
 * as a fraction of full scale (clipped to 1, rounded to 3 decimals). Fewer buckets than samples only for
 * very short input.
 */
public final class Waveform {
  public static final int BUCKETS = 1000;

  private final double[] peaks;
  private final long total;
  private long seen;

  /** An accumulator for {@code totalSamples} samples into {@code buckets} buckets. */
  public Waveform(long totalSamples, int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be positive");
    }
    this.total = Math.max(0, totalSamples);
    this.peaks = new double[(int) Math.min(buckets, this.total)];
  }

  /** Feeds the next sample (in [-1, 1] at full scale). */
  public void add(float sample) {
    if (seen >= total) {
      return;
    }
    int b = (int) (seen * peaks.length / total);
    double a = Math.abs(sample);
    if (Float.isNaN(sample)) {
      a = 0;
    }
    if (a > peaks[b]) {
      peaks[b] = a;
    }
    seen++;
  }

  /** The peaks, each in [0, 1]. */
  public double[] peaks() {
    double[] out = new double[peaks.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.round(Math.min(1.0, peaks[i]) * 1000) / 1000.0;
    }
    return out;
  }

  /** The peaks of a mono f32le PCM file. */
  public static double[] ofPcm(Path pcm, int buckets) {
    try (FileChannel ch = FileChannel.open(pcm, StandardOpenOption.READ)) {
      Waveform w = new Waveform(ch.size() / 4, buckets);
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      while (ch.read(buf) > 0 || buf.position() > 0) {
        buf.flip();
        while (buf.remaining() >= 4) {
          w.add(buf.getFloat());
        }
        if (buf.hasRemaining() && ch.position() >= ch.size()) {
          break;   // a trailing partial sample
        }
        buf.compact();
      }
      return w.peaks();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the decoded PCM " + pcm, e);
    }
  }

  public static JsonArray json(double[] peaks) {
    JsonArray a = new JsonArray();
    for (double p : peaks) {
      a.add(p);
    }
    return a;
  }
}

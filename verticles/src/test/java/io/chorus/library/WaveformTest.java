package io.chorus.library;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WaveformTest {

  @Test
  void eachBucketIsTheLargestAbsoluteSampleOfItsRun() {
    Waveform w = new Waveform(10, 5);
    float[] samples = {0.1f, -0.5f, 0.2f, 0.3f, -0.9f, 0.0f, 0f, 0f, 0.25f, -0.05f};
    for (float s : samples) {
      w.add(s);
    }
    assertThat(w.peaks()).containsExactly(0.5, 0.3, 0.9, 0.0, 0.25);
  }

  @Test
  void oversClipToOneAndNaNCountsAsSilence() {
    Waveform w = new Waveform(3, 3);
    w.add(1.7f);
    w.add(Float.NaN);
    w.add(-1.0f);
    assertThat(w.peaks()).containsExactly(1.0, 0.0, 1.0);
  }

  @Test
  void unevenSplitsCoverEverySampleAndShortInputGetsFewerBuckets() {
    Waveform w = new Waveform(7, 3);
    for (int i = 1; i <= 7; i++) {
      w.add(i / 10f);
    }
    assertThat(w.peaks()).containsExactly(0.3, 0.5, 0.7);
    assertThat(new Waveform(2, 1000).peaks()).hasSize(2);
    assertThat(new Waveform(0, 1000).peaks()).isEmpty();
  }

  @Test
  void readsLittleEndianFloatPcm(@TempDir Path dir) throws Exception {
    int n = 44_100;
    ByteBuffer b = ByteBuffer.allocate(n * 4 + 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      // a ramp of amplitude 0..1 over the file: bucket k's peak is its last sample
      b.putFloat((float) (i + 1) / n * (i % 2 == 0 ? 1 : -1));
    }
    b.put((byte) 1).put((byte) 2);   // a trailing partial sample is ignored
    Path pcm = dir.resolve("ramp.f32");
    Files.write(pcm, b.array());
    double[] peaks = Waveform.ofPcm(pcm, 100);
    assertThat(peaks).hasSize(100);
    for (int k = 0; k < 100; k++) {
      assertThat(peaks[k]).isCloseTo((k + 1) / 100.0, within(0.0011));
    }
  }
}

package io.chorus.audio;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The similarity features on signals whose answer is known: tones, noise, chords, click tracks, silence. */
class SoundFeaturesTest {
  static final int RATE = Fingerprinter.SAMPLE_RATE;
  final SoundFeatures features = new SoundFeatures();

  static float[] tone(double seconds, double amplitude, double... hz) {
    float[] out = new float[(int) (seconds * RATE)];
    for (int i = 0; i < out.length; i++) {
      double v = 0;
      for (double f : hz) {
        v += Math.sin(2 * Math.PI * f * i / RATE);
      }
      out[i] = (float) (amplitude * v / hz.length);
    }
    return out;
  }

  /** 10 ms decaying noise bursts at {@code bpm} (a click track). */
  static float[] clicks(double seconds, double bpm, long seed) {
    Random r = new Random(seed);
    float[] out = new float[(int) (seconds * RATE)];
    int period = (int) Math.round(60.0 / bpm * RATE);
    for (int start = 0; start < out.length; start += period) {
      for (int i = 0; i < RATE / 100 && start + i < out.length; i++) {
        out[start + i] = (float) (0.8 * Math.exp(-i / 30.0) * (r.nextDouble() * 2 - 1));
      }
    }
    return out;
  }

  @Test
  void aPureToneHasItsFrequencyAsCentroidAndRollOff() {
    float[] v = features.compute(tone(10, 0.5, 1000));
    assertThat((double) v[SoundFeatures.CENTROID_MEAN]).isCloseTo(1000, within(30.0));
    assertThat((double) v[SoundFeatures.ROLLOFF_MEAN]).isCloseTo(1000, within(30.0));
    float[] low = features.compute(tone(10, 0.5, 300));
    assertThat((double) low[SoundFeatures.CENTROID_MEAN]).isCloseTo(300, within(30.0));
    // a sine crosses zero twice per period: 2 f / rate per sample
    assertThat((double) v[SoundFeatures.ZCR_MEAN]).isCloseTo(2000.0 / RATE, within(0.005));
    // loudness: a sine of amplitude 0.5 has RMS 0.354, -9 dB
    assertThat((double) v[SoundFeatures.RMS_MEAN]).isCloseTo(-9.0, within(0.3));
  }

  @Test
  void noiseIsFlatAndAToneIsNot() {
    Random r = new Random(1);
    float[] noise = new float[10 * RATE];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (float) (0.2 * r.nextGaussian());
    }
    float[] n = features.compute(noise);
    float[] t = features.compute(tone(10, 0.5, 440));
    // log10 of the flatness: white noise near 0 (≈ -0.25 for a periodogram), a tone far below
    assertThat(n[SoundFeatures.FLATNESS_MEAN]).isGreaterThan(-0.5f);
    assertThat(t[SoundFeatures.FLATNESS_MEAN]).isLessThan(-2f);
    assertThat((double) n[SoundFeatures.CENTROID_MEAN]).isCloseTo(RATE / 4.0, within(150.0));
  }

  @Test
  void aMajorChordIsMoreMajorThanMinorAndTheOtherWayRound() {
    // A major (A4 C#5 E5) and A minor (A4 C5 E5)
    float[] major = features.compute(tone(10, 0.5, 440, 554.37, 659.26));
    float[] minor = features.compute(tone(10, 0.5, 440, 523.25, 659.26));
    int maj = SoundFeatures.TRIADS;
    int min = SoundFeatures.TRIADS + 1;
    assertThat(major[maj]).isGreaterThan(2 * major[min]);
    assertThat(minor[min]).isGreaterThan(2 * minor[maj]);
    // the same chord in another key has the same chroma features (they do not depend on the key)
    float[] majorUp = features.compute(tone(10, 0.5, 440 * Math.pow(2, 3 / 12.0), 554.37 * Math.pow(2, 3 / 12.0), 659.26 * Math.pow(2, 3 / 12.0)));
    assertThat((double) majorUp[maj]).isCloseTo(major[maj], within(0.05));
  }

  @Test
  void theTempoOfAClickTrackIsFound() {
    for (double bpm : new double[] {90, 120, 140}) {
      float[] v = features.compute(clicks(30, bpm, (long) bpm));
      double found = Math.pow(2, v[SoundFeatures.TEMPO]);
      assertThat(found).as("tempo of a %s BPM click track", bpm).isCloseTo(bpm, within(bpm * 0.03));
      assertThat((double) v[SoundFeatures.ONSET_RATE]).as("onsets per second").isCloseTo(bpm / 60, within(bpm / 60 * 0.1));
      assertThat(v[SoundFeatures.PULSE]).as("pulse clarity").isGreaterThan(0.3f);
    }
  }

  @Test
  void silenceAndTinyInputsGiveNeutralVectors() {
    assertThat(features.compute(new float[100])).containsOnly(0f);
    float[] silent = features.compute(new float[5 * RATE]);
    assertThat(silent[SoundFeatures.RMS_MEAN]).isZero();
    assertThat(silent[SoundFeatures.CENTROID_MEAN]).isZero();
    assertThat(silent).hasSize(SoundFeatures.DIMS);
    for (float x : silent) {
      assertThat(Float.isFinite(x)).isTrue();
    }
  }
}

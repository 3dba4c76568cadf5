package io.chorus.audio;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When a clip's first audio stream counts as silence, so that another stream is looked for (IdentifyRestTest end to end). */
class ClipDecoderTest {
  @Test
  void silenceIsAtMostMinus60DbfsOfRmsLevel() {
    assertThat(ClipDecoder.silent(new float[0])).as("nothing decoded").isTrue();
    assertThat(ClipDecoder.silent(new float[8000])).as("digital silence").isTrue();
    assertThat(ClipDecoder.silent(sine(0.0009f))).as("a sine at about -64 dBFS").isTrue();
    assertThat(ClipDecoder.silent(sine(0.0025f))).as("a sine at about -55 dBFS").isFalse();
    assertThat(ClipDecoder.silent(sine(0.5f))).as("music's level").isFalse();
  }

  private static float[] sine(float amplitude) {
    float[] x = new float[8000];
    for (int i = 0; i < x.length; i++) {
      x[i] = amplitude * (float) Math.sin(2 * Math.PI * 440 * i / 8000.0);
    }
    return x;
  }
}

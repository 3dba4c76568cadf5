package io.chorus.onnx;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Pooling and normalisation of model outputs, by hand-worked numbers. */
class VectorsTest {

  @Test
  void meanPoolingAveragesOnlyTheMaskedInTokens() {
    float[][][] states = {
        {{1, 2}, {3, 4}, {100, 100}},   // the third token is padding
        {{-1, 0}, {1, 0}, {0, 6}},
        {{9, 9}, {9, 9}, {9, 9}}};      // no token at all
    long[][] mask = {{1, 1, 0}, {1, 1, 1}, {0, 0, 0}};
    float[][] pooled = Vectors.meanPool(states, mask);
    assertThat(pooled[0]).containsExactly(2f, 3f);
    assertThat(pooled[1]).containsExactly(0f, 2f);
    assertThat(pooled[2]).containsExactly(0f, 0f);
  }

  @Test
  void normalisingGivesUnitLengthAndRefusesZero() {
    float[] v = Vectors.normalise(new float[] {3, 4});
    assertThat(v).containsExactly(0.6f, 0.8f);
    assertThat(Vectors.normalise(new float[] {0, 0})).isNull();
    assertThat(Vectors.normalise(new float[] {Float.NaN, 1})).isNull();
    float[] big = Vectors.normalise(new float[] {1e20f, 1e20f});
    assertThat((double) big[0]).isCloseTo(Math.sqrt(0.5), within(1e-6));
  }

  @Test
  void theMeanOfWindowsIsWeighted() {
    float[][] rows = {{1, 0}, {0, 1}};
    assertThat(Vectors.mean(rows, null)).containsExactly(0.5f, 0.5f);
    assertThat(Vectors.mean(rows, new float[] {3, 1})).containsExactly(0.75f, 0.25f);
  }
}

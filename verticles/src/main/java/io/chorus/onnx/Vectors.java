package io.chorus.onnx;

/**
 * What turns a model's output into one embedding: mean pooling of token states under the attention mask (as
 * sentence-transformers pools), the mean of several windows' embeddings, and L2 normalisation (so a dot
 * product is the cosine).
 */
public final class Vectors {
  private Vectors() {
  }

  /**
   * Per row of the batch: the mean of the token states {@code [batch][seq][dim]} whose mask is not 0; a zero
   * vector for a row without any.
   */
  public static float[][] meanPool(float[][][] states, long[][] mask) {
    float[][] out = new float[states.length][];
    for (int b = 0; b < states.length; b++) {
      int dim = states[b].length == 0 ? 0 : states[b][0].length;
      float[] sum = new float[dim];
      int n = 0;
      for (int t = 0; t < states[b].length; t++) {
        if (mask[b][t] != 0) {
          for (int i = 0; i < dim; i++) {
            sum[i] += states[b][t][i];
          }
          n++;
        }
      }
      if (n > 0) {
        for (int i = 0; i < dim; i++) {
          sum[i] /= n;
        }
      }
      out[b] = sum;
    }
    return out;
  }

  /** The element-wise mean of the rows, weighted by {@code weights} (null: equal weights). */
  public static float[] mean(float[][] rows, float[] weights) {
    float[] out = new float[rows[0].length];
    float total = 0;
    for (int r = 0; r < rows.length; r++) {
      float w = weights == null ? 1f : weights[r];
      total += w;
      for (int i = 0; i < out.length; i++) {
        out[i] += w * rows[r][i];
      }
    }
    for (int i = 0; i < out.length; i++) {
      out[i] /= total;
    }
    return out;
  }

  /** {@code v} scaled to unit length in place; null when it is zero (or not finite): nothing to compare. */
  public static float[] normalise(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    if (!(sum > 0) || Double.isInfinite(sum)) {
      return null;
    }
    float norm = (float) Math.sqrt(sum);
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
    return v;
  }
}

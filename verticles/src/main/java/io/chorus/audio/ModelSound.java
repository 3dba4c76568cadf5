package io.chorus.audio;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.chorus.onnx.OnnxModel;
import io.chorus.onnx.Vectors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * Similarity vectors from an ONNX audio-embedding model ({@code AUDIO_EMBEDDING_MODEL}): one input, mono float
 * PCM [batch, samples] at {@code AUDIO_EMBEDDING_SAMPLE_RATE} (the analysis PCM resampled linearly); one output
 * [batch, dim]. A track is cut into windows of the model's fixed length, or of
 * {@code AUDIO_EMBEDDING_WINDOW_SECONDS} when the length is free (the last one zero-padded and weighted by its
 * share of audio), run in batches (of one when the model's batch is fixed at 1), averaged and L2-normalised; the
 * index compares the unit vectors by cosine. The dimension is the model's, found by a probe at start.
 */
final class ModelSound implements SoundEmbedder {
  static final String MODEL = "AUDIO_EMBEDDING_MODEL";
  private static final int MAX_BATCH = 8;

  private final OnnxModel model;
  private final String input;
  private final int rate;
  private final int window;
  private final int batch;
  private int dims;

  private ModelSound(OnnxModel model, String input, int rate, int window, int batch) {
    this.model = model;
    this.input = input;
    this.rate = rate;
    this.window = window;
    this.batch = batch;
  }

  static Future<SoundEmbedder> open(Vertx vertx, AudioConfig config) {
    return OnnxModel.open(vertx, MODEL, config.embeddingModel(), config.embeddingThreads(), m -> fit(m, config));
  }

  /** Loads, checks and closes the configured model (configuration validation, before the node starts). */
  static void check(AudioConfig config) {
    OnnxModel.check(MODEL, config.embeddingModel(), m -> fit(m, config));
  }

  private static ModelSound fit(OnnxModel m, AudioConfig config) throws OrtException {
    String expected = "one input FLOAT [batch, samples] (mono PCM at " + config.embeddingSampleRate() + " Hz) and an output FLOAT [batch, dim]";
    if (m.inputs().size() != 1) {
      throw m.unfit(expected);
    }
    String input = m.inputs().keySet().iterator().next();
    TensorInfo in = m.input(input);
    String output = m.outputs().keySet().iterator().next();
    TensorInfo out = m.output(output);
    if (in == null || in.type != OnnxJavaType.FLOAT || in.getShape().length != 2 || (in.getShape()[0] > 1)
        || out == null || out.type != OnnxJavaType.FLOAT || out.getShape().length != 2) {
      throw m.unfit(expected);
    }
    int rate = config.embeddingSampleRate();
    long fixed = in.getShape()[1];
    int window = fixed > 0 ? (int) fixed : (int) Math.round(config.embeddingWindowSeconds() * rate);
    ModelSound sound = new ModelSound(m, input, rate, window, in.getShape()[0] == 1 ? 1 : MAX_BATCH);
    // a probe run: the dimension, and a model that cannot run stops the node now rather than at the first track
    float[] tone = new float[Fingerprinter.SAMPLE_RATE];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / Fingerprinter.SAMPLE_RATE));
    }
    float[] probe = m.await((env, session) -> sound.embed(env, session, tone));
    if (probe == null || probe.length < 1 || probe.length > 4096) {
      throw m.unfit("an embedding of 1..4096 values that is not all zero for a 440 Hz tone, got "
          + (probe == null ? "zero" : probe.length + " values"));
    }
    sound.dims = probe.length;
    return sound;
  }

  @Override
  public String id() {
    return model.id() + "-" + rate + "-" + window;
  }

  @Override
  public short version() {
    return 1;
  }

  @Override
  public Future<float[]> compute(float[] pcm) {
    return model.submit((env, session) -> {
      float[] v = embed(env, session, pcm);
      if (v == null) {
        throw new IllegalStateException("the model's embedding of the track is all zero");
      }
      return v;
    });
  }

  @Override
  public FeatureIndex newIndex() {
    return FeatureIndex.unit(dims);
  }

  /** The unit embedding of analysis PCM, or null when the model answers zero (on the model's pool). */
  private float[] embed(OrtEnvironment env, OrtSession session, float[] pcm) throws OrtException {
    float[] x = resample(pcm, Fingerprinter.SAMPLE_RATE, rate);
    int windows = Math.max(1, (x.length + window - 1) / window);
    float[][] rows = new float[windows][];
    float[] weights = new float[windows];
    for (int from = 0; from < windows; from += batch) {
      int n = Math.min(batch, windows - from);
      FloatBuffer buf = FloatBuffer.allocate(n * window);
      for (int w = 0; w < n; w++) {
        int start = (from + w) * window;
        int len = Math.max(0, Math.min(window, x.length - start));
        buf.put(x, start, len);
        buf.position((w + 1) * window);
        weights[from + w] = Math.max(len, 1) / (float) window;
      }
      buf.rewind();
      try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {n, window});
           OrtSession.Result r = session.run(Map.of(input, t))) {
        float[][] out = (float[][]) r.get(0).getValue();
        System.arraycopy(out, 0, rows, from, n);
      }
    }
    return Vectors.normalise(Vectors.mean(rows, weights));
  }

  /** Linear interpolation from {@code from} Hz to {@code to} Hz (the analysis PCM is band-limited to 5.5 kHz already). */
  static float[] resample(float[] pcm, int from, int to) {
    if (from == to) {
      return pcm;
    }
    int n = (int) ((long) pcm.length * to / from);
    float[] out = new float[n];
    double step = (double) from / to;
    for (int i = 0; i < n; i++) {
      double pos = i * step;
      int k = (int) pos;
      double frac = pos - k;
      float a = pcm[Math.min(k, pcm.length - 1)];
      float b = pcm[Math.min(k + 1, pcm.length - 1)];
      out[i] = (float) (a + frac * (b - a));
    }
    return n == 0 ? Arrays.copyOf(pcm, 0) : out;
  }
}

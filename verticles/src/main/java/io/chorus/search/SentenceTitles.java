package io.chorus.search;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.chorus.config.ConfigException;
import io.chorus.onnx.OnnxModel;
import io.chorus.onnx.Vectors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Title vectors from an ONNX sentence-embedding model ({@code SEARCH_EMBEDDING_MODEL}) in the signature
 * sentence-transformers exports: inputs {@code input_ids}, {@code attention_mask} (and optionally
 * {@code token_type_ids}) INT64 [batch, sequence], from the model's HuggingFace {@code tokenizer.json}; output
 * {@code sentence_embedding} (or the first output) either FLOAT [batch, dim], already pooled, or [batch,
 * sequence, dim] token states, mean-pooled under the attention mask. Every embedding is L2-normalised; a
 * document's is its title's plus half its subtitle's, normalised, as {@link TitleVector} weighs them. The
 * dimension is the model's, found by a probe at start.
 */
final class SentenceTitles implements TitleEmbedder {
  static final String MODEL = "SEARCH_EMBEDDING_MODEL";
  static final String TOKENIZER = "SEARCH_EMBEDDING_TOKENIZER";
  /** Lucene's largest vector dimension. */
  static final int MAX_DIMS = 1024;
  private static final Set<String> INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");

  private final OnnxModel model;
  private final HuggingFaceTokenizer tokenizer;
  private final String output;
  private final boolean tokenTypes;
  private final boolean tokenStates;
  private final String id;
  private int dims;

  private SentenceTitles(OnnxModel model, HuggingFaceTokenizer tokenizer, String output, boolean tokenTypes, boolean tokenStates,
                         String id) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.output = output;
    this.tokenTypes = tokenTypes;
    this.tokenStates = tokenStates;
    this.id = id;
  }

  /** Loads and checks the configured model and tokenizer; fails naming the setting when they do not fit. */
  static Future<TitleEmbedder> open(Vertx vertx, SearchEmbeddingConfig config) {
    return OnnxModel.open(vertx, MODEL, config.model(), config.threads(), m -> fit(m, config));
  }

  /** Loads, checks and closes the configured model and tokenizer (configuration validation, before the node starts). */
  static void check(SearchEmbeddingConfig config) {
    OnnxModel.check(MODEL, config.model(), m -> fit(m, config));
  }

  private static TitleEmbedder fit(OnnxModel m, SearchEmbeddingConfig config) throws OrtException {
    TensorInfo types = m.input("token_type_ids");
    if (!int64Matrix(m.input("input_ids")) || !int64Matrix(m.input("attention_mask")) || (types != null && !int64Matrix(types))) {
      throw m.unfit("inputs input_ids and attention_mask (and optionally token_type_ids), INT64 [batch, sequence]");
    }
    for (String name : m.inputs().keySet()) {
      if (!INPUTS.contains(name)) {
        throw m.unfit("no inputs besides input_ids, attention_mask and token_type_ids, but it asks for " + name);
      }
    }
    String output = m.outputs().containsKey("sentence_embedding") ? "sentence_embedding" : m.outputs().keySet().iterator().next();
    TensorInfo out = m.output(output);
    if (out == null || out.type != OnnxJavaType.FLOAT || out.getShape().length < 2 || out.getShape().length > 3) {
      throw m.unfit("output " + output + " FLOAT [batch, dim] (a sentence embedding) or [batch, sequence, dim] (token states)");
    }
    Path tokenizerFile = config.tokenizer();
    HuggingFaceTokenizer tokenizer;
    byte[] tokenizerBytes;
    try {
      tokenizerBytes = Files.readAllBytes(tokenizerFile);
      tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerFile).optAddSpecialTokens(true)
          .optTruncation(true).optMaxLength(config.maxTokens()).optPadding(false).build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(TOKENIZER, tokenizerFile + " is not a readable HuggingFace tokenizer.json: " + e.getMessage());
    }
    m.closeWith(tokenizer);
    SentenceTitles titles = new SentenceTitles(m, tokenizer, output, types != null, out.getShape().length == 3,
        m.id() + "-" + io.chorus.onnx.OnnxModel.digest(tokenizerBytes) + "-" + config.maxTokens());
    // a probe run: the dimension, and a model that cannot run stops the node now rather than at the first title
    // (not normalised: a model may well embed the word "probe" to zero, its length is what counts)
    float[][] probe = titles.pooled(List.of("probe"));
    titles.dims = probe[0].length;
    if (titles.dims < 1 || titles.dims > MAX_DIMS) {
      throw m.unfit("an embedding of 1.." + MAX_DIMS + " values (Lucene's limit), got " + titles.dims);
    }
    return titles;
  }

  private static boolean int64Matrix(TensorInfo t) {
    return t != null && t.type == OnnxJavaType.INT64 && t.getShape().length == 2;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int dims() {
    return dims;
  }

  @Override
  public float[] document(String title, String subtitle) {
    boolean hasTitle = title != null && !title.isBlank();
    boolean hasSubtitle = subtitle != null && !subtitle.isBlank();
    if (!hasTitle && !hasSubtitle) {
      return null;
    }
    if (!hasSubtitle || !hasTitle) {
      return embed(List.of(hasTitle ? title : subtitle))[0];
    }
    float[][] both = embed(List.of(title, subtitle));
    if (both[0] == null || both[1] == null) {
      return both[0] != null ? both[0] : both[1];   // a part the model embeds to nothing adds nothing
    }
    return Vectors.normalise(Vectors.mean(both, new float[] {1f, 0.5f}));
  }

  /**
   * Only the query as typed, not its rewrites (the other keyboard layout): to a sentence model a rewrite is
   * a gibberish word, which its tokenizer cuts into arbitrary sub-word pieces whose embedding may land near
   * any title, and a vector neighbour weighs as much as the text ranking in the fusion, so an unrelated title
   * would rank high. A model relates meanings, not spellings, which is what the rewrites repair; the text
   * ranking still tries them (a re-keyed query still finds its title by its words).
   */
  @Override
  public List<float[]> queries(List<String> forms) {
    List<float[]> out = new ArrayList<>();
    String typed = forms.isEmpty() ? null : forms.get(0);
    if (typed == null || typed.isBlank()) {
      return out;
    }
    float[] v = embed(List.of(typed))[0];
    if (v != null) {
      out.add(v);
    }
    return out;
  }

  /** Unit embeddings of {@code texts}, one batch on the model's pool (null for one that is all zero). */
  float[][] embed(List<String> texts) {
    float[][] pooled = pooled(texts);
    for (int i = 0; i < pooled.length; i++) {
      pooled[i] = Vectors.normalise(pooled[i]);
    }
    return pooled;
  }

  /** The model's sentence embeddings of {@code texts}, as it gives them (pooled, not normalised). */
  private float[][] pooled(List<String> texts) {
    int n = texts.size();
    Encoding[] enc = new Encoding[n];
    int len = 1;
    for (int i = 0; i < n; i++) {
      enc[i] = tokenizer.encode(texts.get(i));
      len = Math.max(len, enc[i].getIds().length);
    }
    long[][] ids = new long[n][len];
    long[][] mask = new long[n][len];
    long[][] typeIds = new long[n][len];
    for (int i = 0; i < n; i++) {
      System.arraycopy(enc[i].getIds(), 0, ids[i], 0, enc[i].getIds().length);
      System.arraycopy(enc[i].getAttentionMask(), 0, mask[i], 0, enc[i].getAttentionMask().length);
      System.arraycopy(enc[i].getTypeIds(), 0, typeIds[i], 0, enc[i].getTypeIds().length);
    }
    float[][] pooled = model.await((env, session) -> {
      Map<String, OnnxTensor> in = new HashMap<>();
      try {
        in.put("input_ids", OnnxTensor.createTensor(env, ids));
        in.put("attention_mask", OnnxTensor.createTensor(env, mask));
        if (tokenTypes) {
          in.put("token_type_ids", OnnxTensor.createTensor(env, typeIds));
        }
        try (OrtSession.Result r = session.run(in, Set.of(output))) {
          Object value = r.get(0).getValue();
          return tokenStates ? Vectors.meanPool((float[][][]) value, mask) : (float[][]) value;
        }
      } finally {
        in.values().forEach(OnnxTensor::close);
      }
    });
    return pooled;
  }
}

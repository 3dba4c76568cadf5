package io.chorus.search;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;

import java.nio.file.Path;

/**
 * The optional title-embedding model of the search index (Lucene or OpenSearch). {@code model}: an ONNX sentence-embedding model,
 * null for the default character-n-gram vectors; {@code tokenizer}: its HuggingFace {@code tokenizer.json}
 * ({@code SEARCH_EMBEDDING_TOKENIZER}, else the file of that name beside the model); {@code maxTokens}: a title
 * is cut to this many tokens; {@code threads}: the model's inference pool.
 */
public record SearchEmbeddingConfig(Path model, Path tokenizer, int maxTokens, int threads) {

  public static SearchEmbeddingConfig of(ChorusConfig config) {
    Parse p = new Parse(config.source());
    String model = p.string(SentenceTitles.MODEL).strip();
    String tokenizer = p.string(SentenceTitles.TOKENIZER).strip();
    int maxTokens = p.intIn("SEARCH_EMBEDDING_MAX_TOKENS", 8, 512);
    int threads = p.intIn("SEARCH_EMBEDDING_THREADS", 1, 64);
    if (model.isEmpty()) {
      return new SearchEmbeddingConfig(null, null, maxTokens, threads);
    }
    Path file = Path.of(model);
    return new SearchEmbeddingConfig(file, tokenizer.isEmpty() ? file.toAbsolutePath().resolveSibling("tokenizer.json") : Path.of(tokenizer),
        maxTokens, threads);
  }
}

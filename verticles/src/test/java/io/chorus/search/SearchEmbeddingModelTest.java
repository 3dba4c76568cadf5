package io.chorus.search;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigLoader;
import io.chorus.onnx.OnnxModels;
import io.chorus.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SearchEmbeddingModelCases} on the per-node Lucene index (which records its embedder in its commit and
 * is rebuilt in place for another); and what does not depend on the engine: which query forms a model embeds,
 * the OpenSearch index per embedder, the settings, a model that does not fit.
 */
class SearchEmbeddingModelTest extends SearchEmbeddingModelCases {
  @Override
  Map<String, Object> engine(Path dir) {
    return Map.of();
  }

  @Override
  List<String> builtBy(Path dir, String node) {
    String embedder = embedder(dir, node);
    return embedder == null ? null : List.of(embedder);
  }

  @Override
  boolean keepsOldIndex() {
    return false;
  }

  /** The embedder the index's last commit names (null before the first commit). */
  static String embedder(Path dir, String node) {
    try (FSDirectory d = FSDirectory.open(dir.resolve("search").resolve(node))) {
      return SegmentInfos.readLatestCommit(d).getUserData().get(SearchIndex.EMBEDDER);
    } catch (IOException e) {
      return null;
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }

  /**
   * A model embeds the query as typed only (see {@link SentenceTitles#queries}); the n-gram vector every form.
   * Each embedder has an OpenSearch index of its own; the n-gram vectors keep the name they always had.
   */
  @Test
  void aModelEmbedsTheQueryAsTypedAndEachEmbedderHasItsOwnOpenSearchIndex(@TempDir Path dir) {
    Path tokenizer = OnnxModels.tokenizer(dir.resolve("tokenizer.json"), WORDS);
    Path a = OnnxModels.text(dir.resolve("a.onnx"), modelA(), true);
    Path b = OnnxModels.text(dir.resolve("b.onnx"), modelB(), false);
    Vertx vertx = Vertx.vertx();
    try {
      SentenceTitles modelA = (SentenceTitles) TestServices.await(SentenceTitles.open(vertx, new SearchEmbeddingConfig(a, tokenizer, 128, 1)));
      TitleEmbedder modelB = TestServices.await(SentenceTitles.open(vertx, new SearchEmbeddingConfig(b, tokenizer, 128, 1)));
      assertThat(modelA.dims()).isEqualTo(4);
      // "sunny" and its re-keyed form, which model A places where «гроза» is: only "sunny" is looked up
      List<String> forms = QueryBuilder.forms("sunny");
      assertThat(forms).containsExactly("sunny", REKEYED);
      List<float[]> vectors = modelA.queries(forms);
      assertThat(vectors).hasSize(1);
      assertThat(vectors.get(0)).containsExactly(modelA.embed(List.of("sunny"))[0]);
      assertThat(modelA.embed(List.of(REKEYED))[0]).containsExactly(modelA.embed(List.of("гроза"))[0]);
      assertThat(TitleEmbedder.NGRAM.queries(forms)).hasSize(2);
      // an OpenSearch index per embedder, valid index names, n-grams' as before
      String ngram = OpenSearchEngine.docsIndex("chorus-search", TitleEmbedder.NGRAM);
      String byA = OpenSearchEngine.docsIndex("chorus-search", modelA);
      String byB = OpenSearchEngine.docsIndex("chorus-search", modelB);
      assertThat(ngram).isEqualTo("chorus-search-v" + SearchFields.SCHEMA + "." + OpenSearchMapping.REVISION);
      assertThat(byA).startsWith(ngram + "-onnx-").matches("[a-z0-9._-]+").isNotEqualTo(byB);
      assertThat(byB).startsWith(ngram + "-onnx-");
      assertThat(OpenSearchEngine.docsIndex("chorus-search", modelA)).isEqualTo(byA);
      assertThat(OpenSearchMapping.docs(100, modelA.dims()).getJsonObject("mappings").getJsonObject("properties")
          .getJsonObject(SearchFields.VECTOR).getInteger("dimension")).isEqualTo(4);
    } finally {
      TestServices.await(vertx.close());
    }
  }

  @Test
  void aModelWithOtherInputsStopsTheNodeNamingTheSetting(@TempDir Path dir) {
    Path audio = OnnxModels.audio(dir.resolve("audio.onnx"));
    Path tokenizer = OnnxModels.tokenizer(dir.resolve("tokenizer.json"), WORDS);
    OnnxModels.Launch launch = OnnxModels.launchNode(dir, Map.of("SEARCH_EMBEDDING_MODEL", audio.toString(),
        "SEARCH_EMBEDDING_TOKENIZER", tokenizer.toString()));
    assertThat(launch.exit()).as(launch.stderr()).isEqualTo(2);
    assertThat(launch.stderr()).contains("SEARCH_EMBEDDING_MODEL: " + audio + " does not fit: inputs input_ids and attention_mask")
        .contains("pcm: FLOAT[-1, -1]");
    assertThat(dir.resolve("data")).as("nothing started").doesNotExist();
  }

  @Test
  void settingsDefaultToTheNgramVector(@TempDir Path dir) {
    JsonObject json = ConfigLoader.defaults();
    SearchEmbeddingConfig none = SearchEmbeddingConfig.of(ChorusConfig.parse(json));
    assertThat(none.model()).isNull();
    assertThat(none.maxTokens()).isEqualTo(128);
    Path model = dir.resolve("m.onnx");
    SearchEmbeddingConfig beside = SearchEmbeddingConfig.of(ChorusConfig.parse(json.copy().put("SEARCH_EMBEDDING_MODEL", model.toString())));
    assertThat(beside.tokenizer()).isEqualTo(dir.resolve("tokenizer.json"));
  }
}

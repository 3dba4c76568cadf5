package io.chorus.search;

import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import io.chorus.onnx.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SEARCH_URL chooses the engine: empty is Lucene, an http(s) endpoint OpenSearch; anything else is refused by
 * name. A title-embedding model goes with either engine.
 */
class SearchConfigTest {
  static SearchConfig parse(String key, Object value) {
    JsonObject json = ConfigLoader.defaults();
    if (key != null) {
      json.put(key, value);
    }
    return SearchConfig.of(io.chorus.ChorusNode.validate(json));
  }

  @Test
  void defaultsToLucene() {
    SearchConfig c = parse(null, null);
    assertThat(c.url()).isEmpty();
    assertThat(c.index()).isEqualTo("chorus-search");
  }

  @Test
  void acceptsAnOpenSearchEndpoint() {
    assertThat(parse("SEARCH_URL", "http://opensearch:9200/").url()).isEqualTo("http://opensearch:9200");
    assertThat(parse("SEARCH_URL", "https://search.example.org").url()).isEqualTo("https://search.example.org");
  }

  @Test
  void acceptsATitleModelWithOpenSearch(@TempDir Path dir) {
    Path tokenizer = OnnxModels.tokenizer(dir.resolve("tokenizer.json"), SearchEmbeddingModelCases.WORDS);
    Path model = OnnxModels.text(dir.resolve("m.onnx"), SearchEmbeddingModelCases.modelA(), true);
    JsonObject json = ConfigLoader.defaults().put("SEARCH_URL", "http://opensearch:9200").put("SEARCH_EMBEDDING_MODEL", model.toString())
        .put("SEARCH_EMBEDDING_TOKENIZER", tokenizer.toString());
    // the whole validation, the model's check included (it loads and probes the model)
    io.chorus.config.ChorusConfig config = io.chorus.ChorusNode.validate(json);
    assertThat(SearchConfig.of(config).url()).isEqualTo("http://opensearch:9200");
    assertThat(SearchEmbeddingConfig.of(config).model()).isEqualTo(model);
    // and a model that does not fit is still refused by name with SEARCH_URL
    Path audio = OnnxModels.audio(dir.resolve("audio.onnx"));
    assertThatThrownBy(() -> io.chorus.ChorusNode.validate(json.copy().put("SEARCH_EMBEDDING_MODEL", audio.toString())))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("SEARCH_EMBEDDING_MODEL: ");
  }

  @Test
  void refusesWhatIsNotAnEndpoint() {
    for (String bad : new String[] {"opensearch:9200", "ftp://host", "http://host:9200/some/path", "embedded", "http://"}) {
      assertThatThrownBy(() -> parse("SEARCH_URL", bad)).as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("SEARCH_URL");
    }
    assertThatThrownBy(() -> parse("SEARCH_INDEX", "Chorus Search")).isInstanceOf(ConfigException.class).hasMessageContaining("SEARCH_INDEX");
  }
}

package io.chorus.search;

import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SEARCH_URL chooses the engine: empty is Lucene, an http(s) endpoint OpenSearch; anything else is refused by name. */
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
  void refusesWhatIsNotAnEndpoint() {
    for (String bad : new String[] {"opensearch:9200", "ftp://host", "http://host:9200/some/path", "embedded", "http://"}) {
      assertThatThrownBy(() -> parse("SEARCH_URL", bad)).as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("SEARCH_URL");
    }
    assertThatThrownBy(() -> parse("SEARCH_INDEX", "Chorus Search")).isInstanceOf(ConfigException.class).hasMessageContaining("SEARCH_INDEX");
  }
}

package io.chorus.search;

import io.chorus.onnx.OnnxModel;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SearchEmbeddingModelCases} with {@code SEARCH_URL} set: the documents and their model vectors in the
 * embedded OpenSearch node (devservices, shared with the other *OnOpenSearch classes), under an index prefix
 * of this run's own. Each model gets an index of its own, named after it and recording it in its progress.
 */
class SearchEmbeddingModelTestOnOpenSearch extends SearchEmbeddingModelCases {
  private final String url = TestServices.services().startOpenSearch().url();
  private final String prefix = "search-embedding-" + UUID.randomUUID();
  private final HttpClient http = HttpClient.newHttpClient();

  @Override
  Map<String, Object> engine(Path dir) {
    return Map.of("SEARCH_URL", url, "SEARCH_INDEX", prefix);
  }

  @Override
  boolean keepsOldIndex() {
    return true;
  }

  /** The documents' indexes under this run's prefix, oldest first, by the embedder each one's progress records. */
  @Override
  List<String> builtBy(Path dir, String node) {
    JsonArray indexes = new JsonArray(get("/_cat/indices/" + prefix + "-*?format=json&h=index,creation.date&s=creation.date"));
    List<String> out = new ArrayList<>();
    for (Object o : indexes) {
      String index = ((JsonObject) o).getString("index");
      if (index.endsWith("-meta")) {
        continue;
      }
      JsonObject doc = new JsonObject(get("/" + index + "-meta/_doc/" + SearchIndex.EMBEDDER));
      if (!doc.getBoolean("found", false)) {
        return null;
      }
      String embedder = doc.getJsonObject("_source").getString("value");
      assertThat(index).as("the name records the embedder").isEqualTo(prefix + "-v" + SearchFields.SCHEMA + "." + OpenSearchMapping.REVISION
          + "-onnx-" + OnnxModel.digest(embedder.getBytes(StandardCharsets.UTF_8)));
      out.add(embedder);
    }
    return out.isEmpty() ? null : out;
  }

  private String get(String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path + ": " + r.body()).isIn(200, 404);
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

package io.chorus.search;

import io.chorus.testing.TestServices;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@link SearchRestTest}'s cases with {@code SEARCH_URL} set: the documents in a real OpenSearch 2.19 node
 * (started once per test JVM in a child process by devservices), in an index of this run's own. The
 * restart case shows the index and the Kafka offsets kept in OpenSearch, not on the node.
 */
class SearchRestTestOnOpenSearch extends SearchRestTest {
  /** The base class's configuration on the embedded OpenSearch node (its {@code start} calls this for this class). */
  static Map<String, Object> config() {
    String url = TestServices.services().startOpenSearch().url();
    Map<String, Object> cfg = new HashMap<>(CONFIG);
    cfg.put("SEARCH_URL", url);
    cfg.put("SEARCH_INDEX", "search-test-" + UUID.randomUUID());
    return cfg;
  }
}

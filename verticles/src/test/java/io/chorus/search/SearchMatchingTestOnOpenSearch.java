package io.chorus.search;

import io.chorus.testing.TestServices;

import java.nio.file.Path;
import java.util.UUID;

/**
 * {@link SearchMatchingCases} on the OpenSearch engine: a real OpenSearch 2.19 node with the k-NN plugin
 * (the one devservices starts once per test JVM, shared with {@link SearchRestTestOnOpenSearch}), in an
 * index of this class's own.
 */
class SearchMatchingTestOnOpenSearch extends SearchMatchingCases {
  @Override
  SearchEngine open() {
    String url = TestServices.services().startOpenSearch().url();
    // only the url, the index and the refresh interval matter to the engine itself (no feed runs here)
    SearchConfig config = new SearchConfig(Path.of("unused"), "matching", 50, 1000, 1000, "search-", "t.uploaded", "t.processed",
        "t.users", "t.catalog", url, "search-matching-" + UUID.randomUUID());
    return OpenSearchEngine.open(config);
  }
}

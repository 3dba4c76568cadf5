package io.chorus.search;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.Parse;

import java.nio.file.Path;

/**
 * Search settings (issue 19). {@code dir}: where the node's index lives (its own folder per node name
 * inside); {@code refreshMs}: the most a write waits to become searchable; {@code commitMs}: how often
 * the index and the feed's progress are made durable; {@code sweepMs}: how often rows changed without a
 * Kafka event (moderation decisions, albums, playlists) are picked up from PostgreSQL. Topics are the
 * library's and accounts' own settings.
 */
public record SearchConfig(Path dir, String nodeName, int refreshMs, int commitMs, int sweepMs, String consumerGroupPrefix,
                           String topicUploaded, String topicProcessed, String topicUsers, String topicCatalog) {

  public static SearchConfig of(ChorusConfig config) {
    Parse p = new Parse(config.source());
    String url = p.string("SEARCH_URL");
    if (!url.isEmpty()) {
      throw new ConfigException("SEARCH_URL", "OpenSearch is not supported yet: leave it empty for the embedded Lucene index");
    }
    String dir = p.string("SEARCH_DIR");
    return new SearchConfig(dir.isEmpty() ? config.dataDir().resolve("search") : Path.of(dir), config.nodeName(),
        p.intIn("SEARCH_REFRESH_MS", 10, 10_000), p.intIn("SEARCH_COMMIT_MS", 100, 600_000), p.intIn("SEARCH_SWEEP_MS", 100, 600_000),
        p.nonEmpty("SEARCH_CONSUMER_GROUP_PREFIX"),
        p.nonEmpty("LIBRARY_TOPIC_UPLOADED"), p.nonEmpty("LIBRARY_TOPIC_PROCESSED"), p.nonEmpty("USER_EVENTS_TOPIC"),
        p.nonEmpty("LIBRARY_TOPIC_CATALOG"));
  }
}

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
 * library's and accounts' own settings. {@code url}: an OpenSearch endpoint, empty for the per-node Lucene
 * index; {@code index}: the OpenSearch index name prefix (schema version, a title model's digest and {@code -meta} appended).
 */
public record SearchConfig(Path dir, String nodeName, int refreshMs, int commitMs, int sweepMs, String consumerGroupPrefix,
                           String topicUploaded, String topicProcessed, String topicUsers, String topicCatalog, String url,
                           String index) {

  public static SearchConfig of(ChorusConfig config) {
    Parse p = new Parse(config.source());
    String url = url(p.string("SEARCH_URL").strip());
    String dir = p.string("SEARCH_DIR");
    return new SearchConfig(dir.isEmpty() ? config.dataDir().resolve("search") : Path.of(dir), config.nodeName(),
        p.intIn("SEARCH_REFRESH_MS", 10, 10_000), p.intIn("SEARCH_COMMIT_MS", 100, 600_000), p.intIn("SEARCH_SWEEP_MS", 100, 600_000),
        p.nonEmpty("SEARCH_CONSUMER_GROUP_PREFIX"),
        p.topic("LIBRARY_TOPIC_UPLOADED"), p.topic("LIBRARY_TOPIC_PROCESSED"), p.topic("USER_EVENTS_TOPIC"),
        p.topic("LIBRARY_TOPIC_CATALOG"), url, index(p));
  }

  /** Empty (Lucene) or an OpenSearch endpoint {@code http(s)://host[:port]}, without a trailing slash. */
  private static String url(String url) {
    if (url.isEmpty()) {
      return url;
    }
    if (url.equals("embedded")) {
      throw new ConfigException("SEARCH_URL", "'embedded' is for the development launcher (scripts/run): give an http(s) URL");
    }
    try {
      java.net.URI u = new java.net.URI(url);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
          || !(u.getPath() == null || u.getPath().isEmpty() || u.getPath().equals("/"))) {
        throw new java.net.URISyntaxException(url, "not http(s)://host[:port]");
      }
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("SEARCH_URL", "must be an OpenSearch endpoint http(s)://host[:port], got '" + url + "'");
    }
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** OpenSearch index names: lower case, no spaces or punctuation besides - _ . */
  private static String index(Parse p) {
    String index = p.nonEmpty("SEARCH_INDEX");
    if (!index.matches("[a-z0-9][a-z0-9._-]{0,200}")) {
      throw new ConfigException("SEARCH_INDEX", "must be lower-case letters, digits, '.', '_' or '-', got '" + index + "'");
    }
    return index;
  }
}

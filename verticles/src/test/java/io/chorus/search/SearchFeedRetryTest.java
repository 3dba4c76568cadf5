package io.chorus.search;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chorus.config.ChorusConfig;
import io.chorus.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The search feed does not skip a change it could not apply. A user event read while PostgreSQL refuses the feed's
 * reads (here its role has lost SELECT on users: a real error from the real server, as a botched grant or an outage
 * gives) is tried again until the reads work, then indexed; before, its offset was stored as done and the change was
 * lost for good (the sweep of changed rows does not see every change: a delete or a takedown announced on Kafka).
 */
class SearchFeedRetryTest {

  @Test
  void aChangeThatFailsIsAppliedOnceTheDatabaseAnswersAgain(@TempDir Path dir) throws Exception {
    ChorusConfig cfg = ChorusConfig.parse(TestServices.nodeJson(Map.of()));
    ChorusConfig.Db db = cfg.db();
    String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String role = "search_feed_" + suffix;   // identifiers cannot be bound parameters: made of hex digits only
    Vertx vertx = Vertx.vertx();
    Logger feederLog = (Logger) LoggerFactory.getLogger(Feeder.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    feederLog.addAppender(logs);
    Pool admin = pool(vertx, db, db.user(), db.password());
    Pool feed = null;
    Feeder feeder = null;
    SearchEngine index = null;
    boolean roleMade = false;
    try {
      sql(admin, "CREATE ROLE " + role + " LOGIN PASSWORD 'search-feed'");
      roleMade = true;
      sql(admin, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
      sql(admin, "REVOKE SELECT ON users FROM " + role);
      UUID user = UUID.randomUUID();
      String username = "feedretry" + suffix;
      TestServices.await(admin.preparedQuery("INSERT INTO users (id, username, display_name, password_hash) VALUES ($1, $2, $3, 'x')")
          .execute(Tuple.of(user, username, "Feed Retry")));

      String topic = "search-retry-users-" + suffix;
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", cfg.kafka().bootstrapServers(),
          "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
          "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"))) {
        producer.send(new ProducerRecord<>(topic, 0, user.toString(),
            new JsonObject().put("type", "user.created").put("user", new JsonObject().put("id", user.toString())).encode()))
            .get(30, TimeUnit.SECONDS);
      }
      feed = pool(vertx, db, role, "search-feed");
      SearchEngine engine = new LuceneEngine(SearchIndex.open(dir.resolve("index"), 0.05, TitleEmbedder.NGRAM));
      index = engine;
      WorkerExecutor writes = vertx.createSharedWorkerExecutor("search-feed-retry-test", 1);
      SearchConfig config = new SearchConfig(dir, "", 50, 60_000, 60_000, "search-retry-" + suffix, "search-retry-uploaded-" + suffix,
          "search-retry-processed-" + suffix, topic, "search-retry-catalog-" + suffix, "", "chorus");
      feeder = new Feeder(vertx, feed, engine, writes, config, LibraryDocs.all());
      TestServices.await(feeder.consume(cfg.kafka().bootstrapServers(), "feed-" + suffix));

      String failed = topic + " at 0:0 not applied";
      TestServices.until("the user event failed while SELECT on users is revoked", 60_000, 20,
          () -> messages(logs).stream().anyMatch(m -> m.contains(failed) && m.contains("permission denied")));
      sql(admin, "GRANT SELECT ON users TO " + role);

      TestServices.until("the user indexed once the feed may read users again", 30_000, 50, () -> {
        engine.refresh();
        return engine.count() == 1;
      });
      assertThat(engine.progress("kafka:" + topic + ":0")).as("the feed's progress past the record").isEqualTo("1");
    } finally {
      feederLog.detachAppender(logs);
      if (feeder != null) {
        TestServices.await(feeder.close());
      }
      if (index != null) {
        index.close();
      }
      if (feed != null) {
        TestServices.await(feed.close());
      }
      if (roleMade) {
        sql(admin, "DROP OWNED BY " + role);
        sql(admin, "DROP ROLE " + role);
      }
      TestServices.await(admin.close());
      TestServices.await(vertx.close());
    }
  }

  private static Pool pool(Vertx vertx, ChorusConfig.Db db, String user, String password) {
    return PgBuilder.pool().connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setUser(user).setPassword(password)
        .setDatabase(db.database())).using(vertx).build();
  }

  private static void sql(Pool pool, String statement) {
    TestServices.await(pool.query(statement).execute());
  }

  private static List<String> messages(ListAppender<ILoggingEvent> logs) {
    synchronized (logs) {
      return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}

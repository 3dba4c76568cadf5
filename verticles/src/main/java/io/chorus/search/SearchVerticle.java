package io.chorus.search;

import io.chorus.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The search engine's life on the node: takedowns from the bus, the periodic sweep and commit while deployed;
 * on undeploy (the node closing) the consumer stops and the index commits and closes, releasing its lock.
 */
final class SearchVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SearchVerticle.class);
  private final SearchConfig config;
  private final WorkerExecutor writes;
  private volatile SearchEngine index;
  private volatile Feeder feeder;
  private volatile SearchService service;

  SearchVerticle(SearchConfig config, WorkerExecutor writes) {
    this.config = config;
    this.writes = writes;
  }

  void attach(SearchEngine index, Feeder feeder, SearchService service) {
    this.index = index;
    this.feeder = feeder;
    this.service = service;
  }

  @Override
  public Future<?> start() {
    if (index == null) {
      return Future.failedFuture(new IllegalStateException("the search index did not open"));
    }
    vertx.setPeriodic(config.sweepMs(), t -> feeder.sweep());
    vertx.setPeriodic(config.commitMs(), t -> writes.executeBlocking(() -> {
      index.commit(false);
      return null;
    }, true).onFailure(e -> LOG.warn("Search index commit failed: {}", e.toString())));
    // a disabled account leaves every node's results at once (the row says so; the sweep would take seconds)
    vertx.eventBus().<JsonObject>consumer(Addresses.USER_DISABLED, m -> feeder.changed("users", m.body() == null ? null : m.body().getString("user_id")));
    return Future.all(vertx.eventBus().<JsonObject>consumer(Addresses.LIBRARY_TAKEDOWN, m -> feeder.takedown(m.body())).completion(),
        vertx.eventBus().<Object>consumer(Addresses.SEARCH_QUERY, new BusSearch(service)::handle).completion());
  }

  @Override
  public Future<?> stop() {
    return feeder.close().eventually(() -> writes.executeBlocking(() -> {
      index.close();
      return null;
    }, true));
  }
}

package io.chorus.library;

import io.chorus.config.ChorusConfig;
import io.chorus.platform.Feature;
import io.chorus.platform.GatewayContext;
import io.chorus.platform.NodeContext;
import io.vertx.core.Future;

import java.util.List;

/**
 * The music library (issue 17, seed 004): uploads to S3 and PostgreSQL, the outbox relay to Kafka,
 * processing workers (ffmpeg as a child process), albums, playlists, likes, streaming, moderation and
 * the OpenSubsonic API.
 */
public final class LibraryFeature implements Feature {
  private LibraryConfig config;
  private Catalog catalog;

  @Override
  public String name() {
    return "library";
  }

  @Override
  public void validate(ChorusConfig config) {
    LibraryConfig.of(config);
  }

  @Override
  public List<String> migrations() {
    return List.of("db/library");
  }

  @Override
  public Future<Void> start(NodeContext node) {
    config = LibraryConfig.of(node.config());
    Future<Void> started = Future.succeededFuture();
    started = started.compose(x -> Catalog.start(node, config).onSuccess(c -> catalog = c).<Void>mapEmpty());
    return started;
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    catalog.mount(gateway.router());
    return Future.succeededFuture();
  }
}

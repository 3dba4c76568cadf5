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
  private Access access;
  private io.chorus.web.SignedIn.Directory directory;
  private Future<software.amazon.awssdk.services.s3.S3Client> s3;
  private Tracks tracks;

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
    access = new Access(node.api(io.chorus.web.SignedIn.Verifier.class));
    directory = node.api(io.chorus.web.SignedIn.Directory.class);
    s3 = node.s3();
    return startTracks(node);
  }

  /** Upload, track REST and streaming (io.chorus.library.Tracks). */
  private Future<Void> startTracks(NodeContext node) {
    return Tracks.start(node, config).onSuccess(t -> tracks = t).mapEmpty();
  }

  @Override
  public Future<Void> mount(GatewayContext gateway) {
    tracks.mount(gateway);
    new ArtistRoutes(gateway.node().infra().pg(), access).mount(gateway.router());
    mountSubsonic(gateway);
    return Future.succeededFuture();
  }

  /** OpenSubsonic under /rest and the credentials its clients sign in with. */
  private void mountSubsonic(GatewayContext gateway) {
    NodeContext node = gateway.node();
    new io.chorus.library.subsonic.SubsonicCredentials(node.infra().pg(), access).mount(gateway.router());
    new io.chorus.library.subsonic.SubsonicRoutes(node.vertx(), node.infra().pg(), directory, s3, node.config().s3().bucket(),
        config.topicPlayed(), (ctx, user, id, format, max, download) ->
        io.chorus.web.Http.error(ctx, io.chorus.bus.ErrorCode.UNAVAILABLE, "streaming is not wired yet")).mount(gateway.router());
  }
}

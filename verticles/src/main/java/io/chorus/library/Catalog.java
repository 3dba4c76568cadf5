package io.chorus.library;

import io.chorus.platform.NodeContext;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.List;

/**
 * The catalog part of the library, built once per node and mounted on each gateway instance: albums
 * (with covers and ordered tracks), playlists, likes, reports and moderation.
 */
final class Catalog {
  private final AlbumRoutes albums;
  private final PlaylistRoutes playlists;
  private final Likes likes;
  private final ModerationRoutes moderation;
  private final List<String> allowedOrigins;
  private final PlaylistRepo playlistRepo;

  private Catalog(AlbumRoutes albums, PlaylistRepo playlistRepo, PlaylistRoutes playlists, Likes likes, ModerationRoutes moderation,
                  List<String> allowedOrigins) {
    this.albums = albums;
    this.playlistRepo = playlistRepo;
    this.playlists = playlists;
    this.likes = likes;
    this.moderation = moderation;
    this.allowedOrigins = allowedOrigins;
  }

  static Future<Catalog> start(NodeContext node, LibraryConfig config, java.util.function.Consumer<io.vertx.core.json.JsonObject> takedowns) {
    Access access = new Access(node.api(SignedIn.Verifier.class));
    var pg = node.infra().pg();
    CatalogEvents events = new CatalogEvents(node.vertx(), config.topicCatalog());
    PlaylistRepo playlists = new PlaylistRepo(pg, events);
    return node.s3().map(s3 -> new Catalog(
        new AlbumRoutes(access, new AlbumRepo(pg, events), new Covers(node.vertx(), s3, node.config().s3().bucket(), config.coverMaxBytes())),
        playlists, new PlaylistRoutes(access, playlists),
        new Likes(access, pg),
        new ModerationRoutes(access, new Moderation(pg, node.vertx().eventBus(), events).onTakedown(takedowns)),
        node.config().security().allowedOrigins()));
  }

  /** A playlist's deletion as {@code DELETE /api/v1/playlists/{id}} makes it (OpenSubsonic's deletePlaylist). */
  Future<Void> deletePlaylist(java.util.UUID id, SignedIn me) {
    return playlistRepo.delete(id, me);
  }

  void mount(Router router) {
    CorsHandler cors = io.chorus.web.Cors.handler(allowedOrigins);
    for (String prefix : List.of("/api/v1/albums*", "/api/v1/playlists*", "/api/v1/artists*", "/api/v1/me/likes*", "/api/v1/moderation*")) {
      router.route(prefix).handler(cors);
    }
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
    albums.mount(router, body);
    playlists.mount(router, body);
    likes.mount(router);
    moderation.mount(router, body);
  }
}

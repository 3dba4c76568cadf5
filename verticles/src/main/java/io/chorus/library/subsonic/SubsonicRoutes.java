package io.chorus.library.subsonic;

import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The OpenSubsonic API under {@code /rest/<method>} and {@code /rest/<method>.view}, by GET or by a
 * form POST (the formPost extension). Every method needs authentication ({@link SubsonicAuth}); answers
 * are JSON, JSONP or XML ({@link SubsonicResponse}); failures are Subsonic errors, never an HTTP error,
 * except media (stream, download, getCoverArt), which answer with HTTP statuses as media elements expect.
 */
public final class SubsonicRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(SubsonicRoutes.class);
  private static final List<String> EXTENSIONS = List.of("apiKeyAuthentication", "formPost", "songLyrics");

  /**
   * Streams a track's bytes to a media request ({@code format}: raw/original, opus, mp3; null: original); a refusal
   * (unknown, hidden, taken down, bad range, ...) is answered through {@code fail}, in the Subsonic error format.
   */
  public interface Media {
    void stream(RoutingContext ctx, SignedIn user, String trackId, String format, Integer maxBitRateKbps, boolean download,
                java.util.function.BiConsumer<RoutingContext, Throwable> fail);
  }

  private final Vertx vertx;
  private final SignedIn.Directory users;
  private final SubsonicAuth auth;
  private final SubsonicCatalog catalog;
  private final SubsonicPlaylists playlists;
  private final Future<S3Client> s3;
  private final String bucket;
  private final Media media;
  private final Map<String, BiFunction<RoutingContext, SignedIn, Future<JsonObject>>> methods = new java.util.HashMap<>();
  private java.util.function.Supplier<io.chorus.library.SoundAlike> sound = () -> null;
  private PlaylistDeletion deletion = (user, id) -> Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC,
      "Deleting playlists is not available"));

  /**
   * Deletes a playlist as {@code DELETE /api/v1/playlists/{id}} does: its owner, or a moderator for a public one (the
   * library's not_found and forbidden otherwise), the deletion announced to the catalog's other readers (search).
   */
  public interface PlaylistDeletion {
    Future<Void> delete(SignedIn user, java.util.UUID id);
  }

  public SubsonicRoutes(Vertx vertx, io.vertx.sqlclient.Pool pg, SignedIn.Directory users, Future<S3Client> s3, String bucket,
                        String playedTopic, Media media) {
    this.vertx = vertx;
    this.users = users;
    this.auth = new SubsonicAuth(pg, users);
    this.catalog = new SubsonicCatalog(pg);
    this.playlists = new SubsonicPlaylists(pg, catalog, playedTopic);
    this.s3 = s3;
    this.bucket = bucket;
    this.media = media;
    methods.put("ping", (ctx, u) -> Future.succeededFuture(new JsonObject()));
    methods.put("getLicense", (ctx, u) -> Future.succeededFuture(new JsonObject().put("license", new JsonObject().put("valid", true))));
    methods.put("getMusicFolders", (ctx, u) -> Future.succeededFuture(new JsonObject().put("musicFolders",
        new JsonObject().put("musicFolder", new JsonArray().add(new JsonObject().put("id", 1).put("name", "Chorus library"))))));
    SubsonicSimilar similar = new SubsonicSimilar(pg, catalog, () -> sound.get());
    methods.put("getOpenSubsonicExtensions", (ctx, u) -> {
      JsonArray list = new JsonArray();
      EXTENSIONS.forEach(e -> list.add(new JsonObject().put("name", e).put("versions", new JsonArray().add(1))));
      if (similar.available()) {
        list.add(new JsonObject().put("name", "sonicSimilarity").put("versions", new JsonArray().add(1)));
      }
      return Future.succeededFuture(new JsonObject().put("openSubsonicExtensions", list));
    });
    methods.put("getArtists", (ctx, u) -> catalog.artists(u));
    methods.put("getIndexes", (ctx, u) -> catalog.indexes(u));
    methods.put("getMusicDirectory", (ctx, u) -> catalog.directory(u, required(ctx, "id")));
    methods.put("getArtist", (ctx, u) -> catalog.artist(u, required(ctx, "id")));
    methods.put("getAlbum", (ctx, u) -> catalog.album(u, required(ctx, "id")));
    methods.put("getSong", (ctx, u) -> catalog.song(u, required(ctx, "id")));
    for (String list : List.of("getAlbumList2", "getAlbumList")) {
      methods.put(list, (ctx, u) -> catalog.albumList(u, required(ctx, "type"), intParam(ctx, "size", 10, 0, 500),
          intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE), optionalInt(ctx, "fromYear"), optionalInt(ctx, "toYear"), param(ctx, "genre"),
          list.equals("getAlbumList2")));
    }
    methods.put("getRandomSongs", (ctx, u) -> catalog.randomSongs(u, intParam(ctx, "size", 10, 0, 500), param(ctx, "genre"),
        optionalInt(ctx, "fromYear"), optionalInt(ctx, "toYear")));
    methods.put("getStarred2", (ctx, u) -> catalog.starred(u, true));
    methods.put("getStarred", (ctx, u) -> catalog.starred(u, false));
    methods.put("getGenres", (ctx, u) -> catalog.genres(u));
    methods.put("getSongsByGenre", (ctx, u) -> catalog.songsByGenre(u, required(ctx, "genre"), intParam(ctx, "count", 10, 0, 500),
        intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE)));
    methods.put("getScanStatus", (ctx, u) -> catalog.scanStatus(u));
    SubsonicLyrics lyrics = new SubsonicLyrics(pg, catalog);
    methods.put("getLyrics", (ctx, u) -> lyrics.byArtistAndTitle(u, param(ctx, "artist"), param(ctx, "title")));
    methods.put("getLyricsBySongId", (ctx, u) -> lyrics.bySongId(u, required(ctx, "id")));
    // what players ask for at start and while browsing, of things Chorus does not keep (no external artist or album
    // info, podcasts or radio stations): the empty answer a server
    // with none of them gives, rather than "not found" (an artist's or album's info still needs an id the caller sees)
    methods.put("getArtistInfo2", (ctx, u) -> catalog.artist(u, required(ctx, "id")).map(a -> new JsonObject().put("artistInfo2",
        new JsonObject().put("similarArtist", new JsonArray()))));
    methods.put("getArtistInfo", (ctx, u) -> catalog.artist(u, required(ctx, "id")).map(a -> new JsonObject().put("artistInfo",
        new JsonObject().put("similarArtist", new JsonArray()))));
    for (String info : List.of("getAlbumInfo2", "getAlbumInfo")) {
      methods.put(info, (ctx, u) -> catalog.album(u, required(ctx, "id")).map(a -> new JsonObject().put("albumInfo", new JsonObject())));
    }
    methods.put("getTopSongs", (ctx, u) -> catalog.topSongs(u, required(ctx, "artist"), intParam(ctx, "count", 50, 0, 500)));
    SubsonicNowPlaying nowPlaying = new SubsonicNowPlaying(pg, catalog);
    methods.put("getNowPlaying", (ctx, u) -> nowPlaying.list(u));
    methods.put("getPodcasts", (ctx, u) -> Future.succeededFuture(new JsonObject().put("podcasts",
        new JsonObject().put("channel", new JsonArray()))));
    methods.put("getNewestPodcasts", (ctx, u) -> Future.succeededFuture(new JsonObject().put("newestPodcasts",
        new JsonObject().put("episode", new JsonArray()))));
    methods.put("getInternetRadioStations", (ctx, u) -> Future.succeededFuture(new JsonObject().put("internetRadioStations",
        new JsonObject().put("internetRadioStation", new JsonArray()))));
    methods.put("startScan", (ctx, u) -> catalog.scanStatus(u));   // nothing to scan: the status, scanning false
    // apiKeyAuthentication: a client signed in with an API key learns its username from tokenInfo
    methods.put("tokenInfo", (ctx, u) -> playlists.user(u).map(user -> new JsonObject().put("tokenInfo",
        new JsonObject().put("username", user.getJsonObject("user").getString("username")))));
    methods.put("getUser", (ctx, u) -> {
      String username = required(ctx, "username");
      return users.byUsername(username).compose(who -> {
        if (who != null && who.userId().equals(u.userId())) {
          return playlists.user(who);
        }
        if (!u.roles().contains("admin")) {
          return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_AUTHORIZED, "only an admin may read another user"));
        }
        return who == null ? Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "User not found")) : playlists.user(who);
      });
    });
    for (String search : List.of("search3", "search2")) {
      methods.put(search, (ctx, u) -> catalog.search(u, param(ctx, "query"),
          intParam(ctx, "artistCount", 20, 0, 500), intParam(ctx, "artistOffset", 0, 0, Integer.MAX_VALUE),
          intParam(ctx, "albumCount", 20, 0, 500), intParam(ctx, "albumOffset", 0, 0, Integer.MAX_VALUE),
          intParam(ctx, "songCount", 20, 0, 500), intParam(ctx, "songOffset", 0, 0, Integer.MAX_VALUE), search.equals("search3")));
    }
    methods.put("getSimilarSongs2", (ctx, u) -> similar.similarSongs(u, required(ctx, "id"), intParam(ctx, "count", 50, 0, 500), "similarSongs2"));
    methods.put("getSimilarSongs", (ctx, u) -> similar.similarSongs(u, required(ctx, "id"), intParam(ctx, "count", 50, 0, 500), "similarSongs"));
    methods.put("getSonicSimilarTracks", (ctx, u) -> similar.sonicSimilarTracks(u, required(ctx, "id"), intParam(ctx, "count", 10, 0, 500)));
    methods.put("findSonicPath", (ctx, u) -> similar.sonicPath(u, required(ctx, "startSongId"), required(ctx, "endSongId"),
        intParam(ctx, "count", 25, 2, 500)));
    methods.put("getPlaylists", (ctx, u) -> {
      String username = param(ctx, "username");
      if (username == null || username.isEmpty()) {
        return playlists.playlists(u);
      }
      // Subsonic: username asks for that user's playlists, and needs the admin role unless it names the caller
      return users.byUsername(username).compose(who -> {
        if (who != null && who.userId().equals(u.userId())) {
          return playlists.playlists(u);
        }
        if (!u.roles().contains("admin")) {
          // whether the name exists or not: a user learns nothing of who exists
          return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_AUTHORIZED, "only an admin may list another user's playlists"));
        }
        if (who == null) {
          return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "User not found"));
        }
        return playlists.playlistsOf(u, who);
      });
    });
    methods.put("getPlaylist", (ctx, u) -> playlists.playlist(u, required(ctx, "id")));
    methods.put("createPlaylist", (ctx, u) -> playlists.create(u, param(ctx, "playlistId"), param(ctx, "name"), all(ctx, "songId")));
    methods.put("updatePlaylist", (ctx, u) -> playlists.update(u, required(ctx, "playlistId"), param(ctx, "name"), param(ctx, "comment"),
        param(ctx, "public"), all(ctx, "songIdToAdd"), ints(ctx, "songIndexToRemove")).map(new JsonObject()));
    methods.put("deletePlaylist", (ctx, u) -> deletion.delete(u, SubsonicCatalog.uuid(required(ctx, "id"))).map(new JsonObject()));
    methods.put("star", (ctx, u) -> playlists.star(u, true, all(ctx, "id"), all(ctx, "albumId"), all(ctx, "artistId")).map(new JsonObject()));
    methods.put("unstar", (ctx, u) -> playlists.star(u, false, all(ctx, "id"), all(ctx, "albumId"), all(ctx, "artistId")).map(new JsonObject()));
    SubsonicPlayQueue queue = new SubsonicPlayQueue(pg, catalog);
    methods.put("savePlayQueue", (ctx, u) -> queue.save(u, all(ctx, "id"), param(ctx, "current"), position(ctx), param(ctx, "c"))
        .map(new JsonObject()));
    methods.put("getPlayQueue", (ctx, u) -> queue.get(u));
    SubsonicBookmarks bookmarks = new SubsonicBookmarks(pg, catalog);
    methods.put("createBookmark", (ctx, u) -> {
      Long position = position(ctx);
      if (position == null) {
        throw SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: position");
      }
      return bookmarks.create(u, required(ctx, "id"), position, param(ctx, "comment")).map(new JsonObject());
    });
    methods.put("deleteBookmark", (ctx, u) -> bookmarks.delete(u, required(ctx, "id")).map(new JsonObject()));
    methods.put("getBookmarks", (ctx, u) -> bookmarks.list(u));
    methods.put("setRating", (ctx, u) -> {
      String id = required(ctx, "id");
      Integer rating = optionalInt(ctx, "rating");
      if (rating == null) {
        throw SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: rating");
      }
      return playlists.rate(u, id, rating).map(new JsonObject());
    });
    methods.put("scrobble", (ctx, u) -> !"false".equals(param(ctx, "submission"))
        ? playlists.scrobble(u, all(ctx, "id"), all(ctx, "time").stream().map(SubsonicRoutes::longOrNull).toList()).map(new JsonObject())
        : nowPlaying.started(u, all(ctx, "id"), param(ctx, "c")).map(new JsonObject()));   // "now playing": shown by getNowPlaying
  }

  /** Similar songs (getSimilarSongs2, sonicSimilarity) from the audio feature, looked up per call. */
  public SubsonicRoutes similarity(java.util.function.Supplier<io.chorus.library.SoundAlike> source) {
    this.sound = source;
    return this;
  }

  /** deletePlaylist through the library's own playlist deletion. */
  public SubsonicRoutes playlistDeletion(PlaylistDeletion deletion) {
    this.deletion = deletion;
    return this;
  }

  public void mount(Router router) {
    router.post("/rest/*").handler(BodyHandler.create(false).setBodyLimit(FORM_LIMIT));
    router.route("/rest/:method").handler(this::handle);
    // a Subsonic client reads only Subsonic answers: the form body's refusals (too large, not decodable)
    // are Subsonic errors too, not the /api/v1 JSON error of the router's own failure handler
    router.route("/rest/*").failureHandler(SubsonicRoutes::refused);
  }

  private static final int FORM_LIMIT = 64 * 1024;

  /** The methods that change data: HEAD (which must not) is refused for them. */
  private static final java.util.Set<String> CHANGES = java.util.Set.of("createPlaylist", "updatePlaylist", "deletePlaylist", "star",
      "unstar", "scrobble", "savePlayQueue", "createBookmark", "deleteBookmark", "setRating");

  private static void refused(RoutingContext ctx) {
    Throwable e = ctx.failure();
    int status = ctx.statusCode();
    if (status == 413) {
      SubsonicResponse.error(ctx, SubsonicResponse.GENERIC, "The form body is larger than " + FORM_LIMIT / 1024 + " KiB");
    } else if (status == 400 && !(e instanceof io.chorus.bus.ChorusException)) {
      // vertx-web's own refusal of a form body that does not decode: the exception's name is no message for a client
      LOG.debug("Subsonic {} refused with {}: {}", ctx.request().path(), status, String.valueOf(e));
      SubsonicResponse.error(ctx, SubsonicResponse.GENERIC,
          "The form body could not be read: it must be application/x-www-form-urlencoded with valid percent-encoding");
    } else if (status == 400 && e instanceof io.chorus.bus.ChorusException c && c.code() == io.chorus.bus.ErrorCode.INVALID_ARGUMENT) {
      // the gateway's refusal of a multipart Content-Type without a readable boundary or charset (Http), sent with
      // Connection: close: a form body that cannot be read, answered as the two above; and its refusal of a query
      // that is not valid percent-encoding
      SubsonicResponse.error(ctx, SubsonicResponse.GENERIC, c.getMessage());
    } else if (status == 403 && !(e instanceof io.chorus.bus.ChorusException)) {
      // the CORS policy's refusal of an origin outside CORS_ALLOWED_ORIGINS (vertx-web's CorsHandler, the only one
      // that fails a /rest request with 403): it keeps its HTTP status, as 405 does, with the Subsonic error in the body
      SubsonicResponse.error(ctx, 403, SubsonicResponse.NOT_AUTHORIZED,
          "This origin may not call the API: it is not in the server's CORS_ALLOWED_ORIGINS");
    } else {
      // the rest goes on to the router's handler
      ctx.next();
    }
  }

  private void handle(RoutingContext ctx) {
    String method = ctx.pathParam("method");
    if (method.endsWith(".view")) {
      method = method.substring(0, method.length() - 5);
    }
    String name = method;
    io.vertx.core.http.HttpMethod verb = ctx.request().method();
    if (verb != io.vertx.core.http.HttpMethod.GET && verb != io.vertx.core.http.HttpMethod.POST && verb != io.vertx.core.http.HttpMethod.HEAD) {
      ctx.response().putHeader("Allow", "GET, POST, HEAD");
      SubsonicResponse.error(ctx, 405, SubsonicResponse.GENERIC, "Method " + verb.name() + " is not allowed: use GET or POST");
      return;
    }
    if (verb == io.vertx.core.http.HttpMethod.HEAD && CHANGES.contains(name)) {
      // HEAD must not change anything, and these methods record what they are called with
      ctx.response().putHeader("Allow", "GET, POST");
      SubsonicResponse.error(ctx, 405, SubsonicResponse.GENERIC, "HEAD is not allowed for " + name + ": it changes data; use GET or POST");
      return;
    }
    if (io.chorus.web.Http.hasNul(ctx.request().params())) {   // a form POST's fields (merged in) pass no URI check
      SubsonicResponse.error(ctx, SubsonicResponse.GENERIC, "parameters must not contain NUL characters");
      return;
    }
    boolean mediaCall = name.equals("stream") || name.equals("download") || name.equals("getCoverArt");
    if (name.equals("getOpenSubsonicExtensions")) {
      // OpenSubsonic: this one must be reachable without authentication (a client asks for apiKeyAuthentication
      // before it has credentials); it answers the same to everyone, so credentials, if any, are not checked
      methods.get(name).apply(ctx, null).onSuccess(body -> SubsonicResponse.ok(ctx, body)).onFailure(e -> fail(ctx, e));
      return;
    }
    Future<SignedIn> user;
    try {
      user = auth.authenticate(param(ctx, "u"), param(ctx, "p"), param(ctx, "t"), param(ctx, "s"), param(ctx, "apiKey"));
    } catch (RuntimeException e) {
      user = Future.failedFuture(e);
    }
    if (!mediaCall && !methods.containsKey(name)) {
      // unknown methods still authenticate first: a client probing with bad credentials learns nothing
      user.onSuccess(u -> SubsonicResponse.error(ctx, SubsonicResponse.NOT_FOUND, "Unknown or unsupported method: " + name))
          .onFailure(e -> fail(ctx, e));
      return;
    }
    user.onSuccess(u -> {
      if (mediaCall) {
        media(ctx, u, name);
        return;
      }
      Future<JsonObject> answer;
      try {
        answer = methods.get(name).apply(ctx, u);
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      answer.onSuccess(body -> SubsonicResponse.ok(ctx, body)).onFailure(e -> fail(ctx, e));
    }).onFailure(e -> fail(ctx, e));
  }

  private void media(RoutingContext ctx, SignedIn user, String name) {
    try {
      String id = required(ctx, "id");
      if (name.equals("getCoverArt")) {
        coverArt(ctx, user, id);
      } else {
        SubsonicCatalog.uuid(id);
        Integer max = optionalInt(ctx, "maxBitRate");
        if (max != null && max < 0) {
          throw SubsonicResponse.failure(SubsonicResponse.GENERIC, "maxBitRate must be 0 (no limit) or a positive number of kbps");
        }
        media.stream(ctx, user, id, name.equals("download") ? "raw" : param(ctx, "format"), max == null || max <= 0 ? null : max,
            name.equals("download"), SubsonicRoutes::mediaFail);
      }
    } catch (RuntimeException e) {
      mediaFail(ctx, e);
    }
  }

  /**
   * A media method's failure, always in the Subsonic error format: "not found" (also a malformed id) is an HTTP 404,
   * as for hidden media; the library's other refusals (410 taken down, 416, 409, 503, ...) keep their HTTP status from
   * the error-code table, with Subsonic code 70 for a taken-down track and 0 for the rest; anything else as usual.
   */
  private static void mediaFail(RoutingContext ctx, Throwable e) {
    boolean notFound = e instanceof SubsonicResponse.Failure f && f.code == SubsonicResponse.NOT_FOUND
        || e instanceof io.chorus.bus.ChorusException c && c.code() == io.chorus.bus.ErrorCode.NOT_FOUND
        || e instanceof software.amazon.awssdk.services.s3.model.NoSuchKeyException;
    if (notFound) {
      SubsonicResponse.error(ctx, 404, SubsonicResponse.NOT_FOUND, e.getMessage());
    } else if (e instanceof io.chorus.bus.ChorusException c && c.code() != io.chorus.bus.ErrorCode.INTERNAL) {
      SubsonicResponse.error(ctx, c.code().httpStatus(), c.code() == io.chorus.bus.ErrorCode.GONE ? SubsonicResponse.NOT_FOUND
          : SubsonicResponse.GENERIC, c.getMessage());
    } else {
      fail(ctx, e);
    }
  }

  /** An album's cover (its thumbnail for {@code size} ≤ 300), else the track's embedded art. */
  private void coverArt(RoutingContext ctx, SignedIn user, String id) {
    Integer size = optionalInt(ctx, "size");
    catalog.coverKey(user, SubsonicCatalog.uuid(id), size != null && size <= 300)
        .compose(key -> key == null ? Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "No cover art for " + id))
            : s3.compose(client -> vertx.executeBlocking(() -> {
              ResponseBytes<GetObjectResponse> bytes = client.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build());
              return bytes;
            }, false)))
        .onSuccess(bytes -> SubsonicResponse.end(ctx.response().putHeader("Content-Type", bytes.response().contentType() == null ? "image/jpeg"
                : bytes.response().contentType()).putHeader("Cache-Control", "private, max-age=3600"), ctx.request().method(),
            io.vertx.core.buffer.Buffer.buffer(bytes.asByteArray())))
        .onFailure(e -> mediaFail(ctx, e));
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof SubsonicResponse.Failure f) {
      SubsonicResponse.error(ctx, f.code, f.getMessage());
      return;
    }
    if (e instanceof software.amazon.awssdk.services.s3.model.NoSuchKeyException) {
      SubsonicResponse.error(ctx, SubsonicResponse.NOT_FOUND, "Not found");
      return;
    }
    if (e instanceof io.chorus.bus.ChorusException c && c.code() != io.chorus.bus.ErrorCode.INTERNAL) {   // our own checks' words
      SubsonicResponse.error(ctx, c.code() == io.chorus.bus.ErrorCode.NOT_FOUND ? SubsonicResponse.NOT_FOUND
          : c.code() == io.chorus.bus.ErrorCode.FORBIDDEN ? SubsonicResponse.NOT_AUTHORIZED : SubsonicResponse.GENERIC, c.getMessage());
      return;
    }
    // a database's or library's words describe the server, not the request: they stay in the log
    LOG.warn("Subsonic {} failed: {}", ctx.request().path(), e.toString());
    SubsonicResponse.error(ctx, SubsonicResponse.GENERIC, "Server error");
  }

  static String param(RoutingContext ctx, String name) {
    return ctx.request().params().get(name);
  }

  /**
   * {@link #param}, or for a query that is not valid percent-encoding (refused with error 0) the first of its pairs
   * of that name that decodes: the error's {@code f} and {@code callback}.
   */
  static String readableParam(RoutingContext ctx, String name) {
    try {
      return param(ctx, name);
    } catch (IllegalArgumentException malformed) {
      String query = ctx.request().query();
      for (String pair : query == null ? new String[0] : query.split("&")) {
        int eq = pair.indexOf('=');
        try {
          if (io.netty.handler.codec.http.QueryStringDecoder.decodeComponent(eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
            return eq < 0 ? "" : io.netty.handler.codec.http.QueryStringDecoder.decodeComponent(pair.substring(eq + 1));
          }
        } catch (IllegalArgumentException skipped) {
          // a pair that does not decode names no parameter
        }
      }
      return null;
    }
  }

  private static List<String> all(RoutingContext ctx, String name) {
    return new ArrayList<>(ctx.request().params().getAll(name));
  }

  private static String required(RoutingContext ctx, String name) {
    String v = param(ctx, name);
    if (v == null || v.isEmpty()) {
      throw SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: " + name);
    }
    return v;
  }

  private static Integer optionalInt(RoutingContext ctx, String name) {
    String v = param(ctx, name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return io.chorus.input.Inputs.parseInt(v);
    } catch (NumberFormatException e) {
      throw SubsonicResponse.failure(SubsonicResponse.GENERIC, name + " must be an integer, got '" + v + "'");
    }
  }

  private static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
    Integer v = optionalInt(ctx, name);
    if (v == null) {
      return dflt;
    }
    if (v < min || v > max) {
      throw SubsonicResponse.failure(SubsonicResponse.GENERIC, name + " must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  private static List<Integer> ints(RoutingContext ctx, String name) {
    List<Integer> out = new ArrayList<>();
    for (String v : ctx.request().params().getAll(name)) {
      try {
        out.add(io.chorus.input.Inputs.parseInt(v.trim()));
      } catch (NumberFormatException e) {
        throw SubsonicResponse.failure(SubsonicResponse.GENERIC, name + " must be an integer, got '" + v + "'");
      }
    }
    return out;
  }

  /** A {@code position} in milliseconds (absent: null); not a number is error 0. */
  private static Long position(RoutingContext ctx) {
    String v = param(ctx, "position");
    try {
      return v == null || v.isEmpty() ? null : io.chorus.input.Inputs.parseLong(v);
    } catch (NumberFormatException e) {
      throw SubsonicResponse.failure(SubsonicResponse.GENERIC, "position must be milliseconds, got '" + v + "'");
    }
  }

  private static Long longOrNull(String v) {
    try {
      return v == null ? null : io.chorus.input.Inputs.parseLong(v);
    } catch (NumberFormatException e) {
      throw SubsonicResponse.failure(SubsonicResponse.GENERIC, "time must be milliseconds since the epoch, got '" + v + "'");
    }
  }
}

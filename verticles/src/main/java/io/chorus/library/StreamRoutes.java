package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;

/**
 * {@code GET|HEAD /api/v1/tracks/{id}/stream?format=original|opus|mp3&max_bitrate=} with HTTP Range
 * ({@code 206}, {@code Content-Range}, {@code ETag}, {@code If-Range}, {@code If-None-Match}, {@code 416}),
 * relayed from ranged S3 reads; {@code POST /api/v1/tracks/{id}/stream-url} hands out a signed URL for
 * media elements. The caller is a Bearer token, a valid signature or nobody (approved tracks only);
 * the row is the node's copy ({@link StreamRows}), dropped on every node by a takedown or deletion, so a
 * takedown stops new reads at once ({@code 410}).
 * <p>A play counts when a GET response that carried the file's last byte, and at least half the file or four minutes
 * of it, completed ({@link #isPlay}): one {@code plays} row, the play count and a {@code track.played} outbox row.
 */
final class StreamRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);
  private static final Set<String> FORMATS = Set.of("original", "opus", "mp3");

  /** The bytes to serve: an S3 object, its size, strong validator and type; {@code release} once served (a transcode's lease). */
  private record Source(String key, long size, String etag, String mime, Runnable release) {
    Source(String key, long size, String etag, String mime) {
      this(key, size, etag, mime, () -> { });
    }
  }

  private record Remembered(Source source, long until) {
  }

  private static final long SOURCE_TTL_NANOS = 60_000_000_000L;

  private final Vertx vertx;
  private final Access access;
  private final TrackRepo repo;
  private final MediaStore store;
  private final S3Relay relay;
  private final StreamUrls urls;
  private final Transcodes transcodes;
  private final MediaCache cache;
  private final StreamRows rows;
  private final int sendBufferBytes;
  private final java.util.Map<String, Remembered> sources = new java.util.concurrent.ConcurrentHashMap<>();

  StreamRoutes(Vertx vertx, Access access, TrackRepo repo, MediaStore store, S3Relay relay, StreamUrls urls, Transcodes transcodes,
               MediaCache cache, StreamRows rows, int sendBufferBytes) {
    this.cache = cache;
    this.sendBufferBytes = sendBufferBytes;
    this.rows = rows;
    this.vertx = vertx;
    this.access = access;
    this.repo = repo;
    this.store = store;
    this.relay = relay;
    this.urls = urls;
    this.transcodes = transcodes;
  }

  void mount(Router router) {
    router.get("/api/v1/tracks/:id/stream").handler(this::stream);
    router.head("/api/v1/tracks/:id/stream").handler(this::stream);
    router.post("/api/v1/tracks/:id/stream-url").handler(BodyHandler.create(false).setBodyLimit(4096)).handler(this::streamUrl);
    router.post("/api/v1/tracks/:id/plays").handler(BodyHandler.create(false).setBodyLimit(4096)).handler(this::reportPlay);
  }

  private void stream(RoutingContext ctx) {
    Context here = vertx.getOrCreateContext();
    String id = ctx.pathParam("id");
    String format = ctx.request().getParam("format", "original");
    String maxBitrate = ctx.request().getParam("max_bitrate");
    String sig = ctx.request().getParam("sig");
    // a presented token first, also beside a signature: a bad one is 401 whatever the query holds; then the
    // signature, when there is one, says who streams
    Future<SignedIn> viewer = access.optionalCaller(ctx).map(v -> {
      checkQuery(format, maxBitrate);
      return sig == null ? v : urls.verify(id, format, maxBitrate, ctx.request().getParam("exp"), ctx.request().getParam("u"),
          ctx.request().getParam("m"), sig, Instant.now().getEpochSecond()).viewer();
    });
    viewer.compose(v -> on(here, readable(id, format, v)).compose(t -> on(here, source(t, format, maxBitrate)).map(src -> {
          served(ctx, t, src, v, Http::fail);
          return null;
        })))
        .onFailure(e -> Http.fail(ctx, e));
  }

  /**
   * Streams track {@code id} to a caller another API authenticated (OpenSubsonic's stream and download), which
   * answers refusals in its own format ({@code fail}). Format {@code capped}: the original when its average bit rate is
   * within {@code maxBitrate} (kbps, any positive number), else the MP3 at that rate within 64–320 (a ceiling, as
   * Subsonic's {@code maxBitRate} and Navidrome's answer to it).
   */
  void serveTo(RoutingContext ctx, SignedIn viewer, String id, String format, String maxBitrate, boolean attachment,
               BiConsumer<RoutingContext, Throwable> fail) {
    boolean capped = "capped".equals(format);
    try {
      if (!capped) {
        checkFormat(format);
      }
    } catch (RuntimeException e) {
      fail.accept(ctx, e);
      return;
    }
    Context here = vertx.getOrCreateContext();
    on(here, readable(id, format, viewer)).compose(t -> {
      int ceiling = capped ? Integer.parseInt(maxBitrate) : 0;
      boolean original = capped && withinKbps(t, ceiling);
      // over the ceiling: the MP3 at the nearest rate the transcoder makes (64–320 kbps)
      return on(here, source(t, !capped ? format : original ? "original" : "mp3",
          !capped ? maxBitrate : original ? null : Integer.toString(Math.max(64, Math.min(320, ceiling))))).map(src -> {
            if (attachment) {
              ctx.response().putHeader("Content-Disposition", attachment(t.title(), t.format()));
            }
            served(ctx, t, src, viewer, fail);
            return null;
          });
    }).onFailure(e -> fail.accept(ctx, e));
  }

  /** The original's average bit rate (size over duration) is at most {@code kbps}; unknown (no duration): no. */
  private static boolean withinKbps(Track t, int kbps) {
    Long ms = t.durationMs();
    return ms != null && ms > 0 && t.size() * 8 <= (long) kbps * ms;
  }

  /**
   * A download's {@code Content-Disposition}: the file is saved as "title.format", named in UTF-8 (RFC 6266's
   * {@code filename*}) and, for older clients, in ASCII with every other character (and quotes, slashes) as '_'.
   */
  static String attachment(String title, String extension) {
    String name = title.replaceAll("[\\p{Cntrl}/\\\\]", "_") + "." + extension;
    StringBuilder ascii = new StringBuilder();
    name.codePoints().forEach(c -> ascii.append(c >= 0x20 && c < 0x7F && c != '"' ? (char) c : '_'));
    String utf8 = java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + utf8;
  }

  private void streamUrl(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Context here = vertx.getOrCreateContext();
    // a presented token first: a bad one is 401 whatever the body and the query hold
    access.optionalCaller(ctx).compose(v -> {
          JsonObject body = Http.jsonObject(ctx);
          if (body == null) {   // no body: every default
            body = new JsonObject();
          }
          Object f = body.getValue("format");
          if (f != null && !(f instanceof String)) {
            throw ErrorCode.INVALID_ARGUMENT.exception("format must be a string");
          }
          String format = f != null ? (String) f : ctx.request().getParam("format", "original");
          Object mb = body.getValue("max_bitrate", ctx.request().getParam("max_bitrate"));
          String maxBitrate = mb == null ? null : mb.toString();
          checkQuery(format, maxBitrate);
          // a track that failed processing streams in no format (409), so it gets no URL either
          return on(here, readable(id, format, v)).compose(t -> failed(t) == null ? Future.succeededFuture(t) : Future.<Track>failedFuture(failed(t))).map(t -> {
            long now = Instant.now().getEpochSecond();
            return new JsonObject().put("url", urls.sign(t.id(), format, maxBitrate, v, now))
                .put("expires_at", Instant.ofEpochSecond(now + urls.ttlSeconds()).toString());
          });
        })
        .onSuccess(j -> Http.json(ctx, 200, j))
        .onFailure(e -> Http.fail(ctx, e));
  }

  /**
   * {@code POST /api/v1/tracks/{id}/plays} (Bearer) {@code {event_id?, ms_played?}}: a player that streamed with
   * {@code count_play=false} reports a play it heard (a browser's media element reads the file out of order and from
   * its cache, so its responses cannot tell). The event id makes a retried report count once.
   */
  private void reportPlay(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Context here = vertx.getOrCreateContext();
    access.caller(ctx).compose(v -> {
          JsonObject body = Http.jsonObject(ctx);
          if (body == null) {
            body = new JsonObject();
          }
          Object e = body.getValue("event_id");
          UUID event = e == null ? UUID.randomUUID() : e instanceof String str ? TrackRepo.uuid(str) : null;
          if (event == null) {
            throw ErrorCode.INVALID_ARGUMENT.exception("event_id must be a UUID string");
          }
          Object ms = body.getValue("ms_played");
          if (ms != null && (!(ms instanceof Integer || ms instanceof Long) || ((Number) ms).longValue() < 0)) {
            throw ErrorCode.INVALID_ARGUMENT.exception("ms_played must be a non-negative integer (milliseconds)");
          }
          // a track that failed processing cannot be streamed in any format (409), so it cannot have been played either
          return on(here, readable(id, "original", v)).compose(t -> failed(t) != null ? Future.<Boolean>failedFuture(failed(t))
              : repo.recordPlay(event, t.id(), v.userId(), null, ms == null ? t.durationMs() : Long.valueOf(((Number) ms).longValue()),
                  Instant.now(), "player"));
        })
        .onSuccess(counted -> Http.json(ctx, counted ? 201 : 200, new JsonObject().put("counted", counted)))
        .onFailure(e -> Http.fail(ctx, e));
  }

  /**
   * The track when {@code viewer} may stream it in {@code format}: 404 when unknown or hidden, 410 when taken
   * down. The node's copy of the row serves when it grants the stream; a refusal is confirmed by a fresh read.
   */
  private Future<Track> readable(String id, String format, SignedIn viewer) {
    return rows.get(id, t -> refusal(t, viewer) == null && (!"opus".equals(format) || t.renditionKey() != null)).compose(t -> {
      RuntimeException no = refusal(t, viewer);
      return no == null ? Future.succeededFuture(t) : Future.failedFuture(no);
    });
  }

  /** Why {@code viewer} may not stream the track, or null when they may. */
  private static RuntimeException refusal(Track t, SignedIn viewer) {
    if (t == null) {
      return ErrorCode.NOT_FOUND.exception("no such track");
    }
    if ("removed".equals(t.moderation()) && (viewer == null || !viewer.moderator())) {
      return ErrorCode.GONE.exception("the track was taken down");
    }
    if (!Access.visible(t.moderation(), t.ownerId(), viewer)) {
      return ErrorCode.NOT_FOUND.exception("no such track");
    }
    return null;
  }

  /** 409 when the track failed processing (null otherwise): neither streamed in any format nor counted as played. */
  private static RuntimeException failed(Track t) {
    return "failed".equals(t.status()) ? ErrorCode.CONFLICT.exception("the track failed processing: " + t.failureReason()) : null;
  }

  private Future<Source> source(Track t, String format, String maxBitrate) {
    RuntimeException failed = failed(t);
    if (failed != null) {
      // in every format: the file is not audio processing could read, so no transcode of it is served either
      return Future.failedFuture(failed);
    }
    switch (format) {
      case "opus" -> {
        if (t.renditionKey() == null) {
          return Future.failedFuture(ErrorCode.CONFLICT.exception("the Opus rendition is not ready yet (status " + t.status() + ")"));
        }
        return remembered(t.renditionKey(), () -> store.head(t.renditionKey()).compose(h -> h == null
            ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("the Opus rendition is missing"))
            : Future.succeededFuture(new Source(t.renditionKey(), h.contentLength(), h.eTag(), "audio/ogg"))));
      }
      case "mp3" -> {
        int kbps = maxBitrate == null ? 192 : kbps(maxBitrate);
        // never remembered: each stream takes the transcode's lease, which keeps eviction off it
        return transcodes.mp3(t, kbps).map(c -> new Source(MediaStore.mp3Key(t.id(), kbps), c.head().contentLength(), c.head().eTag(),
            "audio/mpeg", c.release()));
      }
      default -> {
        return Future.succeededFuture(new Source(t.originalKey(), t.size(), t.etag(), t.mime()));
      }
    }
  }

  /**
   * A derived object's size and ETag (rendition, transcode) for {@link #SOURCE_TTL_NANOS} after a HEAD found
   * them: written once under their key, they need no S3 round trip (on the blocking client's few workers)
   * per listener. The track row is still read per request, so visibility is never remembered.
   */
  private Future<Source> remembered(String key, java.util.function.Supplier<Future<Source>> head) {
    long now = System.nanoTime();
    Remembered r = sources.get(key);
    if (r != null && r.until() - now > 0) {
      return Future.succeededFuture(r.source());
    }
    return head.get().onSuccess(s -> {
      if (sources.size() >= 10_000) {
        sources.values().removeIf(x -> x.until() - now <= 0);
      }
      sources.put(key, new Remembered(s, now + SOURCE_TTL_NANOS));
    });
  }

  /** Serves {@code src} and releases it once the response is done (sent, refused or broken off). */
  private void served(RoutingContext ctx, Track t, Source src, SignedIn viewer, BiConsumer<RoutingContext, Throwable> fail) {
    Future<Void> done;
    try {
      done = serve(ctx, t, src, viewer, fail);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
      fail.accept(ctx, e);
    }
    done.onComplete(x -> src.release().run());
  }

  private Future<Void> serve(RoutingContext ctx, Track t, Source src, SignedIn viewer, BiConsumer<RoutingContext, Throwable> fail) {
    HttpServerResponse out = ctx.response();
    if (out.closed()) {
      // the listener left while the row or the source was looked up: nothing to send (Vert.x's sendFile
      // on a closed connection fails with a NullPointerException inside, logged as a 500)
      return Future.succeededFuture();
    }
    String etag = src.etag() == null ? null : src.etag().startsWith("\"") ? src.etag() : "\"" + src.etag() + "\"";
    out.putHeader("Accept-Ranges", "bytes").putHeader("Content-Type", src.mime()).putHeader("Cache-Control", "private, max-age=0")
        .putHeader("X-Content-Type-Options", "nosniff");
    if (etag != null) {
      out.putHeader("ETag", etag);
      if (io.chorus.web.Http.noneMatch(ctx.request().getHeader("If-None-Match"), etag)) {
        return out.setStatusCode(304).end();
      }
    }
    Ranges.Range range = null;
    String ifRange = ctx.request().getHeader("If-Range");
    // If-Range compares strongly (RFC 9110 13.1.5): a weak tag never matches, the whole file is sent
    if (ifRange == null || (etag != null && ifRange.strip().equals(etag))) {
      try {
        range = Ranges.parse(ctx.request().getHeader("Range"), src.size());
      } catch (RuntimeException e) {
        out.putHeader("Content-Range", "bytes */" + src.size());
        fail.accept(ctx, e);
        return Future.succeededFuture();
      }
    }
    Ranges.Range r = range;
    Runnable head = () -> {
      out.setStatusCode(r == null ? 200 : 206).putHeader("Content-Length", Long.toString(r == null ? src.size() : r.length()));
      if (r != null) {
        out.putHeader("Content-Range", "bytes " + r.start() + "-" + r.end() + "/" + src.size());
      }
    };
    if (ctx.request().method() == HttpMethod.HEAD) {
      head.run();
      return out.end();
    }
    capSendBuffer(ctx);
    Path local = cache == null ? null : cache.get(src.key(), src.etag(), src.size());
    Future<Void> sent = local == null ? relay.send(out, src.key(), r, src.size(), head)
        : sendLocal(ctx, local, r, src.size(), head).recover(e -> out.headWritten() ? Future.failedFuture(e)
            : relay.send(out, src.key(), r, src.size(), head));   // evicted meanwhile
    return sent.onSuccess(v -> {
          // count_play=false: the player reports what it heard (POST …/plays), the bytes say nothing
          if (isPlay(r, src.size(), t.durationMs()) && !"false".equals(ctx.request().getParam("count_play"))) {
            played(t, viewer, ctx);
          }
        })
        .onFailure(e -> {
          if (!out.headWritten()) {
            fail.accept(ctx, e);
          }
        });
  }

  /**
   * A fixed send buffer for this connection instead of the kernel's autotuned one: a paused listener lets
   * it grow to megabytes, and thousands of them exhaust the machine's TCP memory (then the kernel drops
   * segments on every socket, the database's and new requests' included).
   */
  private void capSendBuffer(RoutingContext ctx) {
    if (sendBufferBytes > 0 && ctx.request().connection() instanceof io.vertx.core.net.impl.ConnectionBase c) {
      c.channel().config().setOption(io.netty.channel.ChannelOption.SO_SNDBUF, sendBufferBytes);
    }
  }

  /**
   * Lets {@code sendFile} use the kernel's zero-copy {@code sendfile}: Vert.x copies the file through the
   * event loop in 8 KiB chunks while the connection has the HTTP compressor (the gateway supports
   * compression), and media is never compressed anyway. The connection serves the rest of its requests
   * uncompressed. Under a loaded machine the event loops' CPU per byte was the time to first byte.
   */
  private static void withoutCompressor(RoutingContext ctx) {
    if (ctx.request().connection() instanceof io.vertx.core.net.impl.ConnectionBase c) {
      io.netty.channel.ChannelPipeline p = c.channel().pipeline();
      // Vert.x's own subclass (package-private) of Netty's compressor: with it in the pipeline no FileRegion
      if (p.get(io.netty.handler.codec.http.HttpContentCompressor.class) != null) {
        p.remove(io.netty.handler.codec.http.HttpContentCompressor.class);
      }
    }
  }

  /** The cached copy with {@code sendfile}: status and headers once the file is open (else the caller relays from S3). */
  private static Future<Void> sendLocal(RoutingContext ctx, Path file, Ranges.Range r, long size, Runnable head) {
    HttpServerResponse out = ctx.response();
    withoutCompressor(ctx);
    head.run();
    return out.sendFile(file.toString(), r == null ? 0 : r.start(), r == null ? size : r.length());
  }

  /**
   * A completed response is a play when it carried the file's last byte and at least half the file or four minutes of
   * it (Last.fm's scrobble rule, in bytes): a browser loading a media element reads the file's tail to find its
   * duration (Chromium: the last 8–72 KB of an Ogg file, twice), which is no listen.
   */
  static boolean isPlay(Ranges.Range r, long size, Long durationMs) {
    if (r == null) {
      return true;
    }
    if (r.end() != size - 1) {
      return false;
    }
    return r.length() * 2 >= size || (durationMs != null && durationMs > 0 && r.length() * durationMs >= 240_000L * size);
  }

  /** A stream without a user (no token, no signature) counts per client address, as {@link Plays} says. */
  private void played(Track t, SignedIn viewer, RoutingContext ctx) {
    String listener = viewer == null ? Plays.anonymousListener(io.chorus.web.RateLimiter.clientIp(ctx.request())) : null;
    repo.recordPlay(UUID.randomUUID(), t.id(), viewer == null ? null : viewer.userId(), listener, t.durationMs(), Instant.now(), "stream")
        .onFailure(e -> LOG.warn("recording a play of track {} failed: {}", t.id(), e.getMessage()));
  }

  /** Continues on {@code c}, the request's event loop (a shared future may complete on another request's loop). */
  private static <T> Future<T> on(Context c, Future<T> f) {
    if (f.isComplete() && Context.isOnEventLoopThread() && c == Vertx.currentContext()) {
      return f;
    }
    Promise<T> p = Promise.promise();
    f.onComplete(ar -> c.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  /** {@code format} and {@code max_bitrate} ({@code null}: absent), refused as POST …/stream-url refuses them, also where it has no effect. */
  private static void checkQuery(String format, String maxBitrate) {
    checkFormat(format);
    if (maxBitrate != null) {
      kbps(maxBitrate);
    }
  }

  private static void checkFormat(String format) {
    if (!FORMATS.contains(format)) {
      throw ErrorCode.INVALID_ARGUMENT.exception("format must be one of original, opus, mp3");
    }
  }

  /** {@code max_bitrate} in kbps (as Subsonic clients send it), clamped to 64..320 for MP3. */
  static int kbps(String maxBitrate) {
    try {
      int v = io.chorus.input.Inputs.parseInt(maxBitrate.strip());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v == 0 ? 320 : Math.max(64, Math.min(320, v));
    } catch (NumberFormatException e) {
      throw ErrorCode.INVALID_ARGUMENT.exception("max_bitrate must be a non-negative integer (kbps)");
    }
  }
}

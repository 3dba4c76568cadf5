package io.chorus.audio;

import io.chorus.bus.ErrorCode;
import io.chorus.library.Access;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /api/v1/identify}: the body is an audio clip in any format ffmpeg reads (≤ 5 MiB, ≤ 30 s);
 * the answer names the tracks it comes from, best first, among those the caller may see (anonymous:
 * approved only). {@code matches: []} when nothing matches with confidence.
 */
final class IdentifyRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(IdentifyRoutes.class);
  static final int MAX_BYTES = 5 * 1024 * 1024;
  static final String NOT_AUDIO = "the body is not audio ffmpeg can read (WAV, MP3, Ogg/Opus, WebM, M4A, ...)";
  static final double MAX_SECONDS = 30;
  private static final int LIMIT = 5;
  private static final long DECODE_TIMEOUT_MS = 20_000;

  private final Vertx vertx;
  private final Pool pg;
  private final Access access;
  private final Fingerprints fingerprints;
  private final ClipDecoder decoder;
  private final AtomicInteger inFlight;
  private final int maxInFlight;

  /**
   * {@code inFlight}: the node's identify requests between their headers and their answer, shared by every gateway
   * instance; over {@code maxInFlight} a request is refused at once (503 {@code unavailable}, {@code Retry-After: 1}),
   * before its body (up to 5 MiB), its decoder (an ffmpeg process) and its match take memory and CPU.
   */
  IdentifyRoutes(Vertx vertx, Pool pg, Access access, Fingerprints fingerprints, ClipDecoder decoder, AtomicInteger inFlight,
                 int maxInFlight) {
    this.vertx = vertx;
    this.pg = pg;
    this.access = access;
    this.fingerprints = fingerprints;
    this.decoder = decoder;
    this.inFlight = inFlight;
    this.maxInFlight = maxInFlight;
  }

  void mount(Router router) {
    router.post("/api/v1/identify").handler(this::identify);
  }

  private void identify(RoutingContext ctx) {
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      // the body is read and dropped, so that a client still sending reads the answer rather than a reset connection
      ctx.request().handler(chunk -> { }).exceptionHandler(e -> { }).resume();
      ctx.response().putHeader("Retry-After", "1");
      Http.error(ctx, ErrorCode.UNAVAILABLE, "this node is identifying " + maxInFlight + " clips already; retry shortly");
      return;
    }
    // a presented token is verified before the body is read: a bad one is 401 whatever the body holds
    ctx.request().pause();
    access.optionalCaller(ctx)
        .onFailure(e -> {
          if (!ctx.request().isEnded()) {
            ctx.request().handler(b -> { }).endHandler(v -> { }).resume();
          }
        })
        .compose(who -> ClipBody.read(vertx, ctx.request(), MAX_BYTES).compose(body -> answer(body, who)))
        .onComplete(answer -> {
          inFlight.decrementAndGet();   // before the answer: a client's next request finds the slot free
          if (answer.succeeded()) {
            Http.json(ctx, 200, new JsonObject().put("matches", answer.result()));
          } else {
            Http.fail(ctx, answer.cause());
          }
        });
  }

  private Future<JsonArray> answer(Buffer body, SignedIn who) {
    if (body.length() == 0) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("the body must be an audio clip (any format ffmpeg reads, at most 30 s)"));
    }
    return decode(body.getBytes())
        .compose(pcm -> fingerprints.match(pcm, LIMIT * 4)
            .onSuccess(matches -> LOG.debug("identify: {} bytes, {} ms of audio, {} match(es){}", body.length(),
                pcm.length * 1000L / Fingerprinter.SAMPLE_RATE, matches.size(),
                matches.isEmpty() ? "" : ", the best " + matches.get(0).trackId() + " at score " + matches.get(0).score())))
        .compose(matches -> visible(matches, who));
  }

  private Future<float[]> decode(byte[] clip) {
    return vertx.executeBlocking(() -> {
      Path file = Files.createTempFile("chorus-clip", ".bin");
      try {
        Files.write(file, clip);
        // a little over the limit, so a longer clip is told apart from one of exactly 30 s
        float[] pcm = decoder.decode(file, MAX_SECONDS + 1, DECODE_TIMEOUT_MS);
        if (pcm.length == 0) {
          throw ErrorCode.UNSUPPORTED_MEDIA_TYPE.exception("the body holds no audio");
        }
        if (pcm.length > (MAX_SECONDS + 0.2) * Fingerprinter.SAMPLE_RATE) {
          throw ErrorCode.PAYLOAD_TOO_LARGE.exception("the clip is longer than " + (int) MAX_SECONDS + " s");
        }
        return pcm;
      } catch (ClipDecoder.NotAudioException e) {
        // ffmpeg's own line names its muxers and memory addresses: the log has it, the client a plain answer
        LOG.debug("identify: ffmpeg refused the clip: {}", e.getMessage());
        throw ErrorCode.UNSUPPORTED_MEDIA_TYPE.exception(NOT_AUDIO);
      } finally {
        Files.deleteIfExists(file);
      }
    }, false);
  }

  /** The matches whose track rows the caller may see, with title and artist, in match order. */
  private Future<JsonArray> visible(List<FingerprintIndex.Match> matches, SignedIn who) {
    if (matches.isEmpty()) {
      return Future.succeededFuture(new JsonArray());
    }
    UUID[] ids = matches.stream().map(FingerprintIndex.Match::trackId).toArray(UUID[]::new);
    return pg.preparedQuery("SELECT t.id, t.title, t.moderation, t.owner_id, ar.name AS artist FROM tracks t"
            + " LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id = ANY($1)")
        .execute(Tuple.of(ids))
        .map(rows -> {
          Map<UUID, Row> byId = new HashMap<>();
          rows.forEach(r -> byId.put(r.getUUID("id"), r));
          List<JsonObject> out = new ArrayList<>();
          for (FingerprintIndex.Match m : matches) {
            Row r = byId.get(m.trackId());
            if (r == null || !Access.visible(r.getString("moderation"), String.valueOf(r.getUUID("owner_id")), who) || out.size() == LIMIT) {
              continue;
            }
            out.add(new JsonObject().put("track_id", m.trackId().toString()).put("title", r.getString("title"))
                .put("artist", r.getString("artist")).put("score", m.score()).put("offset_ms", m.offsetMs()));
          }
          return new JsonArray(out);
        });
  }
}

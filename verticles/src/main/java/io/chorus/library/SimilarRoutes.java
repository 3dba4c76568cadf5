package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/tracks/{id}/similar?limit=}: the tracks that sound like one the caller may see (else
 * 404), best first, as track JSON plus {@code score}; and the seed's own copies found by fingerprint
 * ({@code duplicate_of}: the oldest copy when the seed is a later upload of it, else null;
 * {@code duplicates}: every other copy the caller may see). The answer comes from {@link SoundAlike},
 * looked up per request (the audio feature starts after the library).
 */
final class SimilarRoutes {
  static final int LIMIT_DEFAULT = 20;
  static final int LIMIT_MAX = 100;

  private final Pool pg;
  private final Access access;
  private final Supplier<SoundAlike> similar;

  SimilarRoutes(Pool pg, Access access, Supplier<SoundAlike> similar) {
    this.pg = pg;
    this.access = access;
    this.similar = similar;
  }

  void mount(Router router) {
    router.get("/api/v1/tracks/:id/similar").handler(this::similar);
  }

  private void similar(RoutingContext ctx) {
    SoundAlike sound = similar.get();
    // the token (when one is presented) before the query and the path's id: a bad one is 401 whatever they hold
    access.optionalCaller(ctx)
        .compose(viewer -> {
          int limit = limit(ctx.request().getParam("limit"));
          UUID id;
          try {
            id = UUID.fromString(ctx.pathParam("id"));
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such track"));   // a malformed id names no track, as GET /tracks/{id}
          }
          return rows(List.of(id), viewer).compose(seed -> {
            Row r = seed.get(id);
            if (r == null || !Access.visible(r.getString("moderation"), r.getUUID("owner_id").toString(), viewer)) {
              return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such track"));
            }
            if (sound == null) {
              return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("similar songs are not available on this node (no audio feature)"));
            }
            return sound.similar(id, limit).compose(matches -> answer(id, r, matches, sound.sameRecording(id), viewer));
          });
        })
        .onSuccess(body -> Http.json(ctx, 200, body))
        .onFailure(e -> Http.fail(ctx, e));
  }

  private Future<JsonObject> answer(UUID seed, Row seedRow, List<SoundAlike.Match> matches, List<UUID> copies, SignedIn viewer) {
    List<UUID> ids = new ArrayList<>();
    matches.forEach(m -> ids.add(m.trackId()));
    ids.addAll(copies);
    return rows(ids, viewer).map(byId -> {
      JsonArray tracks = new JsonArray();
      for (SoundAlike.Match m : matches) {
        Row r = byId.get(m.trackId());
        if (r != null && "approved".equals(r.getString("moderation"))) {
          tracks.add(Track.of(r).json().put("score", Math.round(m.score() * 1e4) / 1e4));
        }
      }
      List<Row> group = new ArrayList<>();
      JsonArray duplicates = new JsonArray();
      for (UUID c : copies) {
        Row r = byId.get(c);
        if (r != null && Access.visible(r.getString("moderation"), r.getUUID("owner_id").toString(), viewer)) {
          group.add(r);
          duplicates.add(c.toString());
        }
      }
      group.add(seedRow);
      Row oldest = group.stream().min(Comparator.comparing((Row r) -> r.getOffsetDateTime("created_at"))
          .thenComparing(r -> r.getUUID("id"))).orElse(seedRow);
      UUID canonical = oldest.getUUID("id");
      return new JsonObject().put("tracks", tracks).put("duplicate_of", canonical.equals(seed) ? null : canonical.toString())
          .put("duplicates", duplicates);
    });
  }

  /** The track rows (as {@link Track#of} reads them) of {@code ids}, by id. */
  private Future<Map<UUID, Row>> rows(List<UUID> ids, SignedIn viewer) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return pg.preparedQuery("SELECT " + Track.COLUMNS + Track.FROM + " WHERE t.id = ANY($2)")
        .execute(Tuple.tuple().addUUID(viewer == null ? null : UUID.fromString(viewer.userId())).addArrayOfUUID(ids.toArray(UUID[]::new)))
        .map(rows -> {
          Map<UUID, Row> out = new HashMap<>();
          rows.forEach(r -> out.put(r.getUUID("id"), r));
          return out;
        });
  }

  static int limit(String v) {
    if (v == null) {
      return LIMIT_DEFAULT;
    }
    try {
      int n = io.chorus.input.Inputs.parseInt(v);
      if (n >= 1 && n <= LIMIT_MAX) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the error
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer in 1.." + LIMIT_MAX);
  }
}

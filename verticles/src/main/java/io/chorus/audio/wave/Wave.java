package io.chorus.audio.wave;

import io.chorus.audio.SimilarTracks;
import io.chorus.bus.ErrorCode;
import io.chorus.library.Access;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * My Wave for one listener: reads their taste (signals and likes) and their served window, gathers the
 * candidate pools and the tracks similar to their favourites ({@link SimilarTracks}, looked up when
 * first needed; without it, or when it fails, the wave goes on from artists, albums, popularity, newness
 * and exploration), picks, and remembers what it served. Feedback is stored before it is answered, so
 * the next answer already follows it on every node.
 */
public final class Wave {
  private static final Logger LOG = LoggerFactory.getLogger(Wave.class);
  public static final List<String> EVENTS = List.of("like", "dislike", "skip", "finished");
  static final int SEEDS = 20;
  static final int SIMILAR = 50;

  private final WaveRepo repo;
  private final WaveConfig config;
  private final Supplier<SimilarTracks> similar;
  private final WavePicker picker = new WavePicker(new Random());

  Wave(WaveRepo repo, WaveConfig config, Supplier<SimilarTracks> similar) {
    this.repo = repo;
    this.config = config;
    this.similar = similar;
  }

  /**
   * The next {@code limit} tracks for {@code user}, never one of {@code exclude}; served (the window moves). One
   * listener's answers are made one at a time ({@link WaveRepo#locked}): two at once both read the window before
   * either was served, and answered the same tracks.
   */
  Future<List<WavePicker.Pick>> next(UUID user, int limit, Set<UUID> exclude) {
    return repo.locked(user, r -> next(r, user, limit, exclude));
  }

  private Future<List<WavePicker.Pick>> next(WaveRepo repo, UUID user, int limit, Set<UUID> exclude) {
    return Future.all(repo.signals(user), repo.window(user, config.repeatWindow())).compose(both -> {
      Taste taste = new Taste(both.resultAt(0));
      List<UUID> window = both.resultAt(1);
      Set<UUID> never = new HashSet<>(exclude);
      never.addAll(taste.disliked());
      Set<UUID> excluded = new HashSet<>(never);
      excluded.addAll(window);
      return Future.all(repo.pools(excluded, taste.topArtists(10), taste.likedAlbums()), similar(taste, excluded)).compose(found -> {
        Map<UUID, WavePicker.Candidate> candidates = merge(found.resultAt(0), found.resultAt(1));
        List<WavePicker.Pick> picks = new ArrayList<>(picker.pick(taste, candidates.values(), limit, config.explorationPercent()));
        if (picks.size() >= limit) {
          return Future.succeededFuture(picks);
        }
        // a catalogue smaller than the window: the least recently served come back first
        picks.forEach(p -> never.add(p.track().id()));
        return repo.leastRecent(user, never, limit - picks.size()).map(again -> {
          picks.addAll(picker.pick(taste, again.values(), limit - picks.size(), 0));
          return picks;
        });
      }).compose(picks -> repo.served(user, picks.stream().map(p -> p.track().id()).toList(), config.repeatWindow()).map(picks));
    });
  }

  /** {@code GET /api/v1/wave}: the tracks and the approved albums they come from. */
  Future<JsonObject> answer(UUID user, int limit) {
    return next(user, limit, Set.of()).compose(picks -> repo.albums(picks.stream().map(p -> p.track().id()).toList()).map(albums -> {
      JsonArray tracks = new JsonArray();
      for (WavePicker.Pick p : picks) {
        tracks.add(json(p));
      }
      return new JsonObject().put("tracks", tracks).put("albums", new JsonArray(albums));
    }));
  }

  static JsonObject json(WavePicker.Pick p) {
    WavePicker.Candidate c = p.track();
    return new JsonObject().put("id", c.id().toString()).put("title", c.title())
        .put("artist", c.artistId() == null ? null : new JsonObject().put("id", c.artistId().toString()).put("name", c.artistName()))
        .put("album", c.albumTitle()).put("duration_ms", c.durationMs()).put("play_count", c.playCount()).put("reason", p.reason());
  }

  /**
   * Feedback from {@code who} on a track they may see (else NOT_FOUND): stored as a signal and announced on
   * the feedback topic (through the library's outbox, in the same transaction). Answers the event.
   */
  Future<JsonObject> feedback(SignedIn who, UUID track, String event) {
    if (!EVENTS.contains(event)) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("event must be one of " + String.join(", ", EVENTS)));
    }
    return repo.track(track).compose(row -> {
      if (row == null || !Access.visible(row.getString("moderation"), row.getUUID("owner_id").toString(), who)) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such track"));
      }
      UUID eventId = UUID.randomUUID();
      OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC);
      JsonObject announced = new JsonObject().put("event_id", eventId.toString()).put("user_id", who.userId())
          .put("track_id", track.toString()).put("event", event).put("at", at.toString());
      return repo.feedback(eventId, UUID.fromString(who.userId()), track, event, at, config.feedbackTopic(), announced).map(announced);
    });
  }

  /** Tracks near the listener's favourites, by similarity; empty without seeds, without an index, or on its failure. */
  private Future<Map<UUID, WavePicker.Candidate>> similar(Taste taste, Set<UUID> excluded) {
    List<UUID> seeds = taste.topTracks(SEEDS);
    if (seeds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Future<List<SimilarTracks.Neighbour>> near;
    try {
      near = similar.get().nearestTo(seeds, SIMILAR, excluded);
    } catch (RuntimeException e) {
      near = Future.failedFuture(e);
    }
    return near.recover(e -> {
      LOG.warn("Similar tracks unavailable for the wave: {}", e.toString());
      return Future.succeededFuture(List.of());
    }).compose(list -> {
      Map<UUID, Double> scores = new HashMap<>();
      for (SimilarTracks.Neighbour n : list == null ? List.<SimilarTracks.Neighbour>of() : list) {
        scores.merge(n.trackId(), Math.max(0, Math.min(1, n.score())), Math::max);
      }
      return repo.similar(scores, excluded);
    });
  }

  private static Map<UUID, WavePicker.Candidate> merge(Map<UUID, WavePicker.Candidate> pools, Map<UUID, WavePicker.Candidate> near) {
    Map<UUID, WavePicker.Candidate> out = new LinkedHashMap<>(pools);
    near.forEach((id, c) -> out.merge(id, c, (a, b) -> {
      Set<String> both = new HashSet<>(a.pools());
      both.addAll(b.pools());
      return new WavePicker.Candidate(a.id(), a.title(), a.artistId(), a.artistName(), a.albumTitle(), a.durationMs(), a.playCount(),
          a.newRank(), b.similarity(), both);
    }));
    return out;
  }

  /** What rooms need: the next tracks for their host. */
  public Future<List<UUID>> nextIds(UUID user, int limit, Set<UUID> exclude) {
    return next(user, limit, exclude).map(picks -> picks.stream().map(p -> p.track().id()).toList());
  }
}

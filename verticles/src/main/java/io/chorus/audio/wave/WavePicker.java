package io.chorus.audio.wave;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Chooses the next tracks from candidate pools (taste: the listener's artists and liked albums; similar:
 * nearest to their favourite tracks; popular; new; explore: a random slice of the catalogue). A track
 * scores by its artist's and album's affinity, its similarity, its popularity and newness (which lead for a
 * listener without signals) and a little noise; disliked tracks (the latest verdict), tracks skipped more often than
 * liked and tracks of an artist or album the listener leans against are never picked. Each pick of an artist lowers that artist's
 * next track by {@link #SAME_ARTIST_PENALTY} (variety), and {@code explorationPercent} of the answer comes
 * from artists the listener has no opinion of, spread through it.
 */
final class WavePicker {
  static final double SAME_ARTIST_PENALTY = 0.8;
  /** An artist or album whose affinity is at or below this is left out (one dislike of an unknown artist is -3). */
  static final double AVERSION = -2.5;

  /** A playable, approved track; {@code newRank} its rank among the newest (-1: not among them). */
  record Candidate(UUID id, String title, UUID artistId, String artistName, String albumTitle, long durationMs, long playCount,
                   int newRank, double similarity, Set<String> pools) {
    String albumKey() {
      return Taste.albumKey(artistId, albumTitle);
    }
  }

  record Pick(Candidate track, String reason, double score) {
  }

  private final Random random;

  WavePicker(Random random) {
    this.random = random;
  }

  List<Pick> pick(Taste taste, Collection<Candidate> candidates, int limit, int explorationPercent) {
    long maxPlays = candidates.stream().mapToLong(Candidate::playCount).max().orElse(0);
    int newPool = (int) candidates.stream().filter(c -> c.newRank() >= 0).count();
    Map<UUID, Pick> scored = new LinkedHashMap<>();
    for (Candidate c : candidates) {
      if (!eligible(taste, c)) {
        continue;
      }
      double artist = clamp(taste.artist(c.artistId()));
      double album = clamp(taste.album(c.albumKey()));
      double popular = maxPlays == 0 ? 0 : Math.log1p(c.playCount()) / Math.log1p(maxPlays);
      double fresh = c.newRank() < 0 || newPool == 0 ? 0 : 1 - (double) c.newRank() / newPool;
      double lead = taste.isEmpty() ? 2.0 : 0.6;
      double score = artist + album + 6 * c.similarity() + lead * (popular + fresh) + 0.5 * random.nextDouble();
      String reason = artist + album > 0 && artist + album >= 6 * c.similarity() ? "taste"
          : c.similarity() > 0 ? "similar" : popular >= fresh && popular > 0 ? "popular" : fresh > 0 ? "new" : "explore";
      scored.put(c.id(), new Pick(c, reason, score));
    }
    int explore = (int) Math.round(limit * explorationPercent / 100.0);
    List<Pick> explored = explore(taste, scored, explore);
    explored.forEach(p -> scored.remove(p.track().id()));
    List<Pick> main = greedy(new ArrayList<>(scored.values()), limit - explored.size());
    return interleave(main, explored);
  }

  private static boolean eligible(Taste taste, Candidate c) {
    return !taste.disliked(c.id()) && !taste.skippedMoreThanLiked(c.id()) && taste.artist(c.artistId()) > AVERSION
        && taste.album(c.albumKey()) > AVERSION;
  }

  /** Up to {@code n} random candidates of artists the listener has no opinion of (any candidate when none is left). */
  private List<Pick> explore(Taste taste, Map<UUID, Pick> scored, int n) {
    if (n <= 0) {
      return new ArrayList<>();
    }
    List<Pick> outside = new ArrayList<>(scored.values().stream()
        .filter(p -> p.track().pools().contains("explore") && taste.artist(p.track().artistId()) == 0).toList());
    Collections.shuffle(outside, random);
    List<Pick> out = new ArrayList<>();
    for (Pick p : outside) {
      if (out.size() == n) {
        break;
      }
      if (out.stream().noneMatch(o -> java.util.Objects.equals(o.track().artistId(), p.track().artistId()))) {
        out.add(new Pick(p.track(), "explore", p.score()));
      }
    }
    return out;
  }

  /** The best {@code n} by score, each pick of an artist lowering that artist's next one. */
  private static List<Pick> greedy(List<Pick> pool, int n) {
    List<Pick> out = new ArrayList<>();
    Map<UUID, Integer> perArtist = new HashMap<>();
    while (out.size() < n && !pool.isEmpty()) {
      Pick best = null;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (Pick p : pool) {
        double s = p.score() - SAME_ARTIST_PENALTY * perArtist.getOrDefault(p.track().artistId(), 0);
        if (s > bestScore) {
          bestScore = s;
          best = p;
        }
      }
      pool.remove(best);
      out.add(best);
      if (best.track().artistId() != null) {
        perArtist.merge(best.track().artistId(), 1, Integer::sum);
      }
    }
    return out;
  }

  /** The explored picks spread evenly through the main ones. */
  private static List<Pick> interleave(List<Pick> main, List<Pick> explored) {
    if (explored.isEmpty()) {
      return main;
    }
    List<Pick> out = new ArrayList<>(main);
    int total = main.size() + explored.size();
    for (int i = 0; i < explored.size(); i++) {
      int at = Math.min(out.size(), (int) ((i + 1) * (double) total / (explored.size() + 1)));
      out.add(at, explored.get(i));
    }
    return out;
  }

  private static double clamp(double v) {
    return Math.max(-10, Math.min(10, v));
  }
}

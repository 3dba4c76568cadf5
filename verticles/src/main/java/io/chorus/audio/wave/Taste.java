package io.chorus.audio.wave;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A listener's taste from what they did: each signal scores its track (a like +4, a finished play +1.5, a
 * play +1, a skip -1.5, a dislike -6; halved every {@link #HALF_LIFE_DAYS} days), and a track's score
 * spreads to its artist (x0.5) and its album (x0.7). Liked albums and artists count +4 directly. Plain
 * values, so the picker is testable without a database.
 */
public final class Taste {
  static final double HALF_LIFE_DAYS = 60;

  /** One thing the listener did; {@code kind}: play, like, dislike, skip, finished, like_album, like_artist. */
  public record Signal(String kind, UUID trackId, UUID artistId, String albumKey, UUID albumId, double ageDays) {
  }

  private final Map<UUID, Double> tracks = new HashMap<>();
  private final Map<UUID, Double> artists = new HashMap<>();
  private final Map<String, Double> albums = new HashMap<>();
  private final Set<UUID> likedAlbums = new HashSet<>();
  private final Set<UUID> disliked = new HashSet<>();
  /** Per track: its likes minus its skips, counted (not weighted, not decayed). */
  private final Map<UUID, Integer> likesOverSkips = new HashMap<>();

  public Taste(List<Signal> signals) {
    Map<UUID, Signal> lastVerdict = new HashMap<>();
    for (Signal s : signals) {
      double decay = Math.pow(0.5, Math.max(0, s.ageDays()) / HALF_LIFE_DAYS);
      switch (s.kind()) {
        case "like_artist" -> add(artists, s.artistId(), 4 * decay);
        case "like_album" -> {
          add(albums, s.albumKey(), 4 * decay);
          add(artists, s.artistId(), 1 * decay);
          if (s.albumId() != null) {
            likedAlbums.add(s.albumId());
          }
        }
        default -> {
          double w = weight(s.kind()) * decay;
          if (("dislike".equals(s.kind()) || "like".equals(s.kind())) && s.trackId() != null) {
            Signal last = lastVerdict.get(s.trackId());
            boolean newer = last == null || s.ageDays() < last.ageDays()
                || s.ageDays() == last.ageDays() && "dislike".equals(s.kind());   // a tie: the dislike, to be safe
            if (newer) {
              lastVerdict.put(s.trackId(), s);
            }
          }
          if (s.trackId() != null && ("like".equals(s.kind()) || "skip".equals(s.kind()))) {
            likesOverSkips.merge(s.trackId(), "like".equals(s.kind()) ? 1 : -1, Integer::sum);
          }
          add(tracks, s.trackId(), w);
          add(artists, s.artistId(), w * 0.5);
          add(albums, s.albumKey(), w * 0.7);
        }
      }
    }
    // the listener's latest verdict on a track stands: a like after a dislike forgives it, a dislike after any
    // number of likes excludes it
    lastVerdict.forEach((id, last) -> {
      if ("dislike".equals(last.kind())) {
        disliked.add(id);
      }
    });
  }

  static double weight(String kind) {
    return switch (kind) {
      case "like" -> 4;
      case "finished" -> 1.5;
      case "play" -> 1;
      case "skip" -> -1.5;
      case "dislike" -> -6;
      default -> 0;
    };
  }

  private static <K> void add(Map<K, Double> m, K key, double w) {
    if (key != null && w != 0) {
      m.merge(key, w, Double::sum);
    }
  }

  /** No signal at all: a new listener (the wave starts from popular and new tracks). */
  public boolean isEmpty() {
    return tracks.isEmpty() && artists.isEmpty() && albums.isEmpty();
  }

  public double track(UUID id) {
    return tracks.getOrDefault(id, 0.0);
  }

  public double artist(UUID id) {
    return id == null ? 0 : artists.getOrDefault(id, 0.0);
  }

  public double album(String key) {
    return key == null ? 0 : albums.getOrDefault(key, 0.0);
  }

  public boolean disliked(UUID track) {
    return disliked.contains(track);
  }

  /**
   * The listener skipped the track more often than they liked it (wave likes and library likes count alike): it is not
   * served. Counted, not scored: a track disliked and then liked again (forgiven) or played often is not held back by
   * its score, and two skips outweigh one like.
   */
  public boolean skippedMoreThanLiked(UUID track) {
    return likesOverSkips.getOrDefault(track, 0) < 0;
  }

  public Set<UUID> disliked() {
    return Set.copyOf(disliked);
  }

  /** Artists the listener leans towards (score > 0), best first, at most {@code n}. */
  public List<UUID> topArtists(int n) {
    return artists.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<UUID, Double>comparingByValue().reversed())
        .limit(n).map(Map.Entry::getKey).toList();
  }

  /** Tracks the listener liked or played through (score > 0), best first, at most {@code n}: seeds for similarity. */
  public List<UUID> topTracks(int n) {
    return tracks.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<UUID, Double>comparingByValue().reversed())
        .limit(n).map(Map.Entry::getKey).toList();
  }

  public Set<UUID> likedAlbums() {
    return Set.copyOf(likedAlbums);
  }

  /** The album a track belongs to for taste purposes: its artist and its album title (null without a title). */
  public static String albumKey(UUID artistId, String albumTitle) {
    return albumTitle == null || albumTitle.isBlank() ? null : artistId + "|" + albumTitle.trim().toLowerCase(java.util.Locale.ROOT);
  }
}

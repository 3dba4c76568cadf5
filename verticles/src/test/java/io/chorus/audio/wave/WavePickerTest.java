package io.chorus.audio.wave;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The wave's choice on hand-made candidates and tastes: properties, over many seeds of the noise. */
class WavePickerTest {
  /** 8 artists of 10 tracks, one album each; artist 0 is the most played; the last candidates are the newest. */
  static final int ARTISTS = 8;
  static final List<UUID> artists = new ArrayList<>();
  static final List<WavePicker.Candidate> catalogue = new ArrayList<>();

  static {
    for (int a = 0; a < ARTISTS; a++) {
      artists.add(UUID.randomUUID());
    }
    int n = 0;
    for (int a = 0; a < ARTISTS; a++) {
      for (int t = 0; t < 10; t++, n++) {
        long plays = a == 0 ? 1000 + t : t;
        int newRank = n >= 70 ? 79 - n : -1;
        catalogue.add(new WavePicker.Candidate(UUID.randomUUID(), "t" + n, artists.get(a), "Artist " + a, "Album " + a, 200_000, plays,
            newRank, 0, Set.of("taste", "popular", "new", "explore")));
      }
    }
  }

  static List<WavePicker.Pick> pick(Taste taste, int limit, int explore, long seed) {
    return new WavePicker(new Random(seed)).pick(taste, catalogue, limit, explore);
  }

  static long count(List<WavePicker.Pick> picks, int artist) {
    return picks.stream().filter(p -> p.track().artistId().equals(artists.get(artist))).count();
  }

  static WavePicker.Candidate track(int artist, int i) {
    return catalogue.get(artist * 10 + i);
  }

  static Taste.Signal signal(String kind, WavePicker.Candidate c) {
    return new Taste.Signal(kind, c.id(), c.artistId(), c.albumKey(), null, 0);
  }

  @Test
  void aNewListenerGetsThePopularAndTheNewWithoutRepeats() {
    for (long seed = 0; seed < 50; seed++) {
      List<WavePicker.Pick> picks = pick(new Taste(List.of()), 10, 20, seed);
      assertThat(picks).hasSize(10);
      assertThat(new HashSet<>(picks.stream().map(p -> p.track().id()).toList())).hasSize(10);
      assertThat(count(picks, 0)).as("the most played artist").isPositive();
      assertThat(picks.stream().map(p -> p.track().id())).containsAnyOf(catalogue.get(79).id(), catalogue.get(78).id(),
          catalogue.get(77).id());
      assertThat(picks.stream().filter(p -> !p.reason().equals("explore")).map(WavePicker.Pick::reason)).containsOnly("popular", "new");
      assertThat(picks.stream().filter(p -> p.reason().equals("explore")).count()).isEqualTo(2);
    }
  }

  @Test
  void aDislikedTrackAndItsArtistDrop() {
    Taste taste = new Taste(List.of(signal("dislike", track(0, 9))));
    for (long seed = 0; seed < 50; seed++) {
      List<WavePicker.Pick> picks = pick(taste, 30, 20, seed);
      assertThat(count(picks, 0)).as("no track of the disliked artist").isZero();
    }
    // an artist the listener otherwise loves survives one dislike, without the disliked track
    Taste mixed = new Taste(List.of(signal("like", track(2, 0)), signal("like", track(2, 1)), signal("dislike", track(2, 2))));
    List<WavePicker.Pick> picks = pick(mixed, 10, 0, 1);
    assertThat(count(picks, 2)).isPositive();
    assertThat(picks.stream().map(p -> p.track().id())).doesNotContain(track(2, 2).id());
  }

  /** The latest verdict on a track stands, however many likes came before a dislike. */
  @Test
  void theLatestLikeOrDislikeOfATrackDecides() {
    WavePicker.Candidate t = track(3, 4);
    Taste likedThenDisliked = new Taste(List.of(aged("like", t, 3), aged("like", t, 2), aged("finished", t, 2), aged("like", t, 1.5),
        aged("dislike", t, 1)));
    assertThat(likedThenDisliked.track(t.id())).as("the net score is still positive").isPositive();
    assertThat(likedThenDisliked.disliked(t.id())).isTrue();
    for (long seed = 0; seed < 20; seed++) {
      assertThat(pick(likedThenDisliked, 30, 20, seed).stream().map(p -> p.track().id())).doesNotContain(t.id());
    }
    assertThat(new Taste(List.of(aged("dislike", t, 2), aged("like", t, 1))).disliked(t.id())).as("a later like forgives").isFalse();
    assertThat(new Taste(List.of(aged("like", t, 1), aged("dislike", t, 1))).disliked(t.id())).as("a tie counts as a dislike").isTrue();
  }

  /**
   * api.md: a later like forgives a disliked track (it is served again), and a track skipped more often than liked is
   * never served, however its weighted score comes out (dislike then like: -6 + 4 < 0; like, skip, skip: 4 - 3 > 0).
   */
  @Test
  void aForgivenTrackIsServedAndOneSkippedMoreThanLikedIsNot() {
    WavePicker.Candidate forgiven = track(3, 4);
    WavePicker.Candidate skipped = track(4, 4);
    WavePicker.Candidate even = track(5, 4);
    Taste taste = new Taste(List.of(aged("dislike", forgiven, 2), aged("like", forgiven, 1),
        aged("like", skipped, 3), aged("skip", skipped, 2), aged("skip", skipped, 1),
        aged("like", even, 2), aged("skip", even, 1)));
    assertThat(taste.skippedMoreThanLiked(skipped.id())).isTrue();
    assertThat(taste.skippedMoreThanLiked(even.id())).as("one skip, one like").isFalse();
    assertThat(taste.skippedMoreThanLiked(forgiven.id())).isFalse();
    for (long seed = 0; seed < 20; seed++) {
      List<UUID> all = pick(taste, catalogue.size(), 20, seed).stream().map(p -> p.track().id()).toList();
      assertThat(all).as("seed %d", seed).contains(forgiven.id(), even.id()).doesNotContain(skipped.id());
    }
  }

  static Taste.Signal aged(String kind, WavePicker.Candidate c, double ageDays) {
    return new Taste.Signal(kind, c.id(), c.artistId(), c.albumKey(), null, ageDays);
  }

  @Test
  void aLikedTracksAlbumAndArtistRise() {
    Taste taste = new Taste(List.of(signal("like", track(5, 0))));
    for (long seed = 0; seed < 50; seed++) {
      List<WavePicker.Pick> picks = pick(taste, 10, 20, seed);
      assertThat(count(picks, 5)).as("seed %d: %s", seed, picks).isGreaterThanOrEqualTo(3);
      assertThat(picks.get(0).track().artistId()).isEqualTo(artists.get(5));
      assertThat(picks.get(0).reason()).isEqualTo("taste");
    }
  }

  @Test
  void explorationComesFromArtistsOutsideTheTaste() {
    Taste taste = new Taste(List.of(signal("like", track(5, 0)), signal("finished", track(6, 0))));
    for (long seed = 0; seed < 50; seed++) {
      List<WavePicker.Pick> picks = pick(taste, 10, 30, seed);
      List<WavePicker.Pick> explored = picks.stream().filter(p -> p.reason().equals("explore")).toList();
      assertThat(explored).hasSize(3);
      assertThat(explored).allSatisfy(p -> assertThat(taste.artist(p.track().artistId())).isZero());
    }
  }

  @Test
  void similarityLiftsTracksOfOtherArtists() {
    Taste taste = new Taste(List.of(signal("like", track(5, 0))));
    WavePicker.Candidate near = catalogue.get(33);
    List<WavePicker.Candidate> withSimilar = new ArrayList<>(catalogue);
    withSimilar.set(33, new WavePicker.Candidate(near.id(), near.title(), near.artistId(), near.artistName(), near.albumTitle(),
        near.durationMs(), near.playCount(), near.newRank(), 0.95, Set.of("similar")));
    List<WavePicker.Pick> picks = new WavePicker(new Random(3)).pick(taste, withSimilar, 5, 0);
    assertThat(picks.stream().map(p -> p.track().id())).contains(near.id());
    assertThat(picks.stream().filter(p -> p.track().id().equals(near.id())).findFirst().orElseThrow().reason()).isEqualTo("similar");
  }

  @Test
  void aSmallCatalogueAnswersWhatItHas() {
    List<WavePicker.Pick> picks = new WavePicker(new Random(1)).pick(new Taste(List.of()), catalogue.subList(0, 4), 10, 20);
    assertThat(picks).hasSize(4);
  }
}

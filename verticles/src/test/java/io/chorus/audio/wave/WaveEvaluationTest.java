package io.chorus.audio.wave;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18's offline evaluation of My Wave, short form: simulated listeners each like one album of a
 * 20-album catalogue (10 tracks each, play counts skewed towards a few albums) and skip everything else.
 * After 10 feedback events (the first answers, in order), the share of liked tracks in the next answer of
 * 10, against a random pick and against the 10 most played. The wave's picker and taste are the ones the
 * service runs (no similarity vectors, so this is the fallback's floor); the served window is simulated.
 */
class WaveEvaluationTest {
  static final int ALBUMS = 20;
  static final int PER_ALBUM = 10;
  static final int EVENTS = 10;
  static final int LIMIT = 10;

  record Result(double wave, double random, double mostPlayed) {
  }

  static Result evaluate(long seed, int explorationPercent) {
    Random random = new Random(seed);
    List<WavePicker.Candidate> catalogue = new ArrayList<>();
    List<UUID> artists = new ArrayList<>();
    for (int a = 0; a < ALBUMS; a++) {
      artists.add(UUID.randomUUID());
    }
    for (int a = 0; a < ALBUMS; a++) {
      for (int t = 0; t < PER_ALBUM; t++) {
        // a few albums hold most plays (Zipf-like)
        long plays = (long) (10_000 / Math.pow(a + 1, 1.2) * (0.5 + random.nextDouble()));
        int n = a * PER_ALBUM + t;
        int total = ALBUMS * PER_ALBUM;
        catalogue.add(new WavePicker.Candidate(UUID.randomUUID(), "t" + n, artists.get(a), "Artist " + a, "Album " + a, 200_000, plays,
            n >= total - 60 ? total - 1 - n : -1, 0, Set.of("explore")));
      }
    }
    List<WavePicker.Candidate> byPlays = catalogue.stream().sorted((x, y) -> Long.compare(y.playCount(), x.playCount())).toList();
    double wave = 0;
    double mostPlayed = 0;
    for (int liked = 0; liked < ALBUMS; liked++) {
      UUID likedArtist = artists.get(liked);
      List<Taste.Signal> signals = new ArrayList<>();
      Set<UUID> served = new HashSet<>();
      WavePicker picker = new WavePicker(new Random(seed * 31 + liked));
      int events = 0;
      while (events < EVENTS) {
        List<WavePicker.Pick> answer = picker.pick(new Taste(signals), unserved(catalogue, served), LIMIT, explorationPercent);
        for (WavePicker.Pick p : answer) {
          served.add(p.track().id());
          if (events < EVENTS) {
            String kind = p.track().artistId().equals(likedArtist) ? "like" : "skip";
            signals.add(new Taste.Signal(kind, p.track().id(), p.track().artistId(), p.track().albumKey(), null, 0));
            events++;
          }
        }
      }
      List<WavePicker.Pick> next = picker.pick(new Taste(signals), unserved(catalogue, served), LIMIT, explorationPercent);
      wave += next.stream().filter(p -> p.track().artistId().equals(likedArtist)).count() / (double) LIMIT;
      mostPlayed += byPlays.subList(0, LIMIT).stream().filter(c -> c.artistId().equals(likedArtist)).count() / (double) LIMIT;
    }
    return new Result(wave / ALBUMS, (double) PER_ALBUM / catalogue.size(), mostPlayed / ALBUMS);
  }

  static List<WavePicker.Candidate> unserved(List<WavePicker.Candidate> catalogue, Set<UUID> served) {
    return catalogue.stream().filter(c -> !served.contains(c.id())).collect(Collectors.toList());
  }

  @Test
  void afterTenFeedbackEventsTheWaveBeatsRandomAndMostPlayed() {
    double wave = 0;
    double rnd = 0;
    double most = 0;
    int runs = 5;
    for (long seed = 1; seed <= runs; seed++) {
      Result r = evaluate(seed, 20);
      wave += r.wave() / runs;
      rnd += r.random() / runs;
      most += r.mostPlayed() / runs;
    }
    System.out.printf("My Wave offline evaluation (%d albums x %d tracks, %d listeners x %d runs, after %d feedback events):"
        + " liked share of the next %d: wave %.3f, random %.3f, most played %.3f%n", ALBUMS, PER_ALBUM, ALBUMS, runs, EVENTS, LIMIT,
        wave, rnd, most);
    assertThat(wave).isGreaterThan(2 * rnd).isGreaterThan(2 * most);
  }
}

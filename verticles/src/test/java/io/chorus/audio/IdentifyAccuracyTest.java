package io.chorus.audio;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Identify by clip on real music (the Debian soundtracks): 24 tracks indexed (the first 90 s of each,
 * which keeps the run short), 5 s clips at seeded random offsets, clean, with white or pink noise at SNR 5 dB and
 * re-encoded to MP3 at 64 kbps, and 2 s clips with white noise at SNR 10 dB and white or pink noise at 5 dB, must
 * name their track; clips of held-out music must name none.
 */
class IdentifyAccuracyTest {
  static final int SECONDS = 90;
  static final int CLIPS = 20;
  static final List<Corpus.Song> indexed = new ArrayList<>();
  static final List<Corpus.Song> heldOut = new ArrayList<>();
  static final List<UUID> ids = new ArrayList<>();
  static final FingerprintIndex index = new FingerprintIndex();
  static final Corpus corpus = new Corpus();

  @BeforeAll
  static void build() throws Exception {
    List<Path> in = new ArrayList<>(Corpus.files(Corpus.WARZONE, ".opus").subList(0, 16));
    List<Path> singularity = Corpus.files(Corpus.SINGULARITY, ".ogg");
    in.addAll(singularity.subList(0, 8));
    List<Path> out = new ArrayList<>(Corpus.files(Corpus.HYPERROGUE, ".ogg").subList(0, 8));
    out.addAll(singularity.subList(8, singularity.size()));
    indexed.addAll(corpus.decode(in, 2, SECONDS));
    heldOut.addAll(corpus.decode(out, 2, SECONDS));
    assertThat(indexed).as("decoded indexed tracks").hasSize(24);
    assertThat(heldOut.size()).as("decoded held-out tracks").isGreaterThanOrEqualTo(8);
    Fingerprinter fp = new Fingerprinter();
    for (Corpus.Song s : indexed) {
      UUID id = UUID.randomUUID();
      ids.add(id);
      Fingerprinter.Print p = fp.print(s.pcm());
      index.add(id, p.landmarks(), p.sketch());
    }
  }

  /** Share of CLIPS 5 s clips (seeded) whose top match is their own track, after {@code condition}. */
  static double rate(String condition, long seed) throws Exception {
    Random r = new Random(seed);
    Fingerprinter fp = new Fingerprinter();
    int ok = 0;
    for (int k = 0; k < CLIPS; k++) {
      int s = r.nextInt(indexed.size());
      float[] clip = Corpus.clip(indexed.get(s).pcm(), condition.endsWith("-2s") ? 2 : condition.endsWith("-10s") ? 10 : 5, r);
      float[] q = switch (condition) {
        case "clean" -> clip;
        case "white10-2s" -> Corpus.noisy(clip, 10, false, r);
        case "pink-6-10s" -> Corpus.noisy(clip, -6, true, r);
        case "white5", "white5-2s" -> Corpus.noisy(clip, 5, false, r);
        case "pink5", "pink5-2s" -> Corpus.noisy(clip, 5, true, r);
        case "mp3" -> corpus.mp3(clip, 64);
        default -> throw new IllegalArgumentException(condition);
      };
      List<FingerprintIndex.Match> m = index.identify(fp.queryPrint(q), 3);
      if (!m.isEmpty() && m.get(0).trackId().equals(ids.get(s))) {
        ok++;
      }
    }
    System.out.printf("identify %s: %d/%d top-1%n", condition, ok, CLIPS);
    return ok / (double) CLIPS;
  }

  @Test
  void cleanClipsNameTheirTrack() throws Exception {
    assertThat(rate("clean", 11)).isGreaterThanOrEqualTo(0.95);
  }

  /**
   * The target is 99 %: these 20 seeded clips (the first 90 s of 24 tracks) all name their track since the
   * sketch stage (17 of 20 before it, with fingerprint version 3 and the widened second pass; 16 with version 2, 13
   * before level-ranked peaks and denser queries, docs/benchmarks.md). The clips and the noise are seeded, so these
   * bounds fail on a regression, not by chance.
   */
  @Test
  void clipsInWhiteNoiseAtSnr5NameTheirTrack() throws Exception {
    assertThat(rate("white5", 12)).isGreaterThanOrEqualTo(0.95);
  }

  /** 5 s clips in pink noise at SNR 5 dB (more of its power in the bass, where the landmarks are): measured 20 of 20. */
  @Test
  void clipsInPinkNoiseAtSnr5NameTheirTrack() throws Exception {
    assertThat(rate("pink5", 16)).isGreaterThanOrEqualTo(0.95);
  }

  /** 2 s clips with white noise at SNR 10 dB (the 2 s target is 95 %; measured 19 of these 20 seeded clips, 18 before the sketch stage). */
  @Test
  void twoSecondClipsInWhiteNoiseAtSnr10NameTheirTrack() throws Exception {
    assertThat(rate("white10-2s", 15)).isGreaterThanOrEqualTo(0.95);
  }

  /**
   * 2 s clips at SNR 5 dB, white and pink noise (measured 19 and 19 of 20; pink 18 before the sketch stage's landmark
   * confirmation).
   */
  @Test
  void twoSecondClipsAtSnr5NameTheirTrack() throws Exception {
    assertThat(rate("white5-2s", 17)).isGreaterThanOrEqualTo(0.95);
    assertThat(rate("pink5-2s", 18)).isGreaterThanOrEqualTo(0.95);
  }

  /**
   * 10 s clips in pink noise at SNR −6 dB, where the sketch stage decides most: a long clip's landmark confirmation is
   * scaled to its length (FingerprintIndex.confirmationScale), not skipped. Measured 28 of these 40 seeded clips; 16
   * when clips over 6.5 s had no confirmation (a 10 s clip then named fewer tracks in noise than a 5 s one).
   */
  @Test
  void tenSecondClipsInLoudPinkNoiseAreConfirmedByTheirLandmarks() throws Exception {
    assertThat((rate("pink-6-10s", 21) + rate("pink-6-10s", 22)) / 2).isGreaterThanOrEqualTo(0.6);
  }

  @Test
  void mp3ClipsNameTheirTrack() throws Exception {
    assertThat(rate("mp3", 13)).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void musicNotInTheIndexMatchesNothing() {
    Random r = new Random(14);
    Fingerprinter fp = new Fingerprinter();
    int falsePositives = 0;
    int n = 40;
    for (int k = 0; k < n; k++) {
      float[] clip = Corpus.clip(heldOut.get(k % heldOut.size()).pcm(), k % 2 == 0 ? 5 : 10, r);
      if (!index.identify(fp.queryPrint(clip), 3).isEmpty()) {
        falsePositives++;
      }
    }
    System.out.printf("identify held-out: %d/%d false positives%n", falsePositives, n);
    // measured 1 of these 40 since the widened second pass (0 before); the bench's 450 held-out clips: 1
    assertThat(falsePositives).isLessThanOrEqualTo(1);
  }
}

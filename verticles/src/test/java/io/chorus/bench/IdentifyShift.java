package io.chorus.bench;

import io.chorus.audio.Corpus;
import io.chorus.audio.FingerprintIndex;
import io.chorus.audio.Fingerprinter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The two-offset query experiment (docs/benchmarks-history.md): the IdentifyBench index (45 real + {@code extra}
 * synthetic tracks), {@code clips} seeded clips per noisy cell and 6 × {@code clips} held-out clips; per clip the
 * true track's score and the second track's ("x" + the top score when another track is first), for the query at
 * one frame offset and for the union of offsets 0 and half a hop. Replaying a floor against these lines tells
 * accuracy and false positives per floor without re-running the queries.
 * Usage: IdentifyShift extra clips (test classpath, -Xmx6g)
 */
public final class IdentifyShift {
  private IdentifyShift() {
  }

  public static void main(String[] args) throws Exception {
    int extra = Integer.parseInt(args[0]);
    int clips = Integer.parseInt(args[1]);
    Corpus corpus = new Corpus();
    List<Corpus.Song> songs = corpus.libraryTracks();
    List<Corpus.Song> others = corpus.heldOutTracks();
    Fingerprinter fp = new Fingerprinter();
    FingerprintIndex index = new FingerprintIndex(1, 1.0, 0);
    List<long[]> prints = new ArrayList<>();
    List<UUID> ids = new ArrayList<>();
    for (Corpus.Song s : songs) {
      long[] p = fp.fingerprint(s.pcm());
      prints.add(p);
      UUID id = UUID.randomUUID();
      ids.add(id);
      index.add(id, p);
    }
    Random random = new Random(18);
    for (int e = 0; e < extra; e++) {
      index.add(UUID.randomUUID(), IdentifyBench.scrambled(prints.get(random.nextInt(prints.size())), fp.params(), random));
    }
    index.compact();
    String[][] plan = {{"5", "white5"}, {"5", "pink5"}, {"2", "white10"}, {"2", "pink10"}, {"2", "white5"}, {"2", "clean"}};
    Random r = new Random(99);
    for (String[] c : plan) {
      StringBuilder a = new StringBuilder(c[0] + "s " + c[1] + " base:");
      StringBuilder b = new StringBuilder(c[0] + "s " + c[1] + " shift:");
      for (int k = 0; k < clips; k++) {
        int s = r.nextInt(songs.size());
        float[] q = IdentifyBench.transformPublic(corpus, Corpus.clip(songs.get(s).pcm(), Double.parseDouble(c[0]), r), c[1], r);
        a.append(' ').append(score(index, fp.query(q), ids.get(s)));
        b.append(' ').append(score(index, shifted(fp, q), ids.get(s)));
      }
      System.out.println(a);
      System.out.println(b);
    }
    StringBuilder a = new StringBuilder("neg base:");
    StringBuilder b = new StringBuilder("neg shift:");
    for (double len : new double[] {2, 5, 10}) {
      for (String c : new String[] {"clean", "white5"}) {
        for (int k = 0; k < clips; k++) {
          float[] q = IdentifyBench.transformPublic(corpus, Corpus.clip(others.get(r.nextInt(others.size())).pcm(), len, r), c, r);
          a.append(' ').append(score(index, fp.query(q), null));
          b.append(' ').append(score(index, shifted(fp, q), null));
        }
      }
    }
    System.out.println(a);
    System.out.println(b);
  }

  static long[] shifted(Fingerprinter fp, float[] q) {
    long[] x = fp.query(q);
    long[] y = fp.query(Arrays.copyOfRange(q, Fingerprinter.HOP / 2, q.length));
    long[] out = Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, out, x.length, y.length);
    return out;
  }

  /** "true/second" for a clip of a known track (true = 0 when it is not first), "top/second" for a negative. */
  static String score(FingerprintIndex index, long[] q, UUID truth) {
    List<FingerprintIndex.Match> m = index.candidates(q, 2);
    int top = m.isEmpty() ? 0 : m.get(0).score();
    int second = m.size() < 2 ? 0 : m.get(1).score();
    if (truth != null && (m.isEmpty() || !m.get(0).trackId().equals(truth))) {
      return "x" + top;
    }
    return top + "/" + second;
  }
}

package io.chorus.search;

import java.util.List;

/**
 * The title embedding of seed 004's vector search: hashed character 2-4-grams of the folded title and
 * subtitle (artist) in one script (Cyrillic transliterated to Latin, then the spellings transliteration
 * leaves ambiguous made one: kh = h, c = k, w = v, doubled letters single), L2-normalised. Two spellings
 * of a title share most of their n-grams whatever the typo, script or word order, so their vectors are
 * near ("Fog wiinter call" and "Fog winter call", «фог калл» and "Fog call"); n-grams across a space keep
 * some of the word order. The subtitle counts half, so a query naming only the title stays near it.
 */
public final class TitleVector {
  public static final int DIMS = 256;
  private static final float SUBTITLE_WEIGHT = 0.5f;

  private TitleVector() {
  }

  /** The document's vector; null when neither text has a letter or digit. */
  public static float[] of(String title, String subtitle) {
    float[] v = new float[DIMS];
    boolean any = add(v, title, 1f);
    if (subtitle != null) {
      any |= add(v, subtitle, SUBTITLE_WEIGHT);
    }
    return any ? normalise(v) : null;
  }

  /** A query's vector (all of it counts as title); null when it has no letter or digit. */
  public static float[] query(String q) {
    return of(q, null);
  }

  /** The text as the vector sees it: folded words in one script, one space apart. */
  static String fold(String text) {
    List<String> words = SearchAnalyzers.terms(SearchAnalyzers.WORDS, text);
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (String w : words) {
      if (!out.isEmpty()) {
        out.append(' ');
      }
      out.append(sound(Translit.toLatin(w)));
    }
    return out.toString();
  }

  /** Latin spellings that transliteration and typing leave ambiguous, made one. */
  static String sound(String w) {
    String s = w.replace("kh", "h").replace("ck", "k").replace("ph", "f").replace('c', 'k').replace('w', 'v')
        .replace('q', 'k').replace('j', 'y');
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (i == 0 || c != s.charAt(i - 1)) {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean add(float[] v, String text, float weight) {
    String f = fold(text);
    if (f.isEmpty()) {
      return false;
    }
    String s = " " + f + " ";
    for (int n = 2; n <= 4; n++) {
      for (int i = 0; i + n <= s.length(); i++) {
        v[Math.floorMod(hash(s, i, n), DIMS)] += weight;
      }
    }
    return true;
  }

  /** FNV-1a over the n-gram's chars, then a final mix so neighbouring n-grams spread over the dimensions. */
  private static int hash(String s, int from, int n) {
    int h = 0x811c9dc5;
    for (int i = from; i < from + n; i++) {
      h = (h ^ s.charAt(i)) * 0x01000193;
    }
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h;
  }

  private static float[] normalise(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x * x;
    }
    float norm = (float) Math.sqrt(sum);
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
    return v;
  }

  /** Cosine of two vectors of this class (both unit length). */
  public static float cosine(float[] a, float[] b) {
    float dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }
}

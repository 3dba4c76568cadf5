package io.chorus.search;

import java.util.Locale;
import java.util.Map;

/**
 * Transliteration between Russian Cyrillic and Latin the way people type it ("Gruppa Krovi",
 * "Nautilus Pompilius" <-> «Наутилус Помпилиус»): a practical scheme (zh, kh, ts, ch, sh, shch, yu, ya),
 * not a reversible standard, since the index holds both forms and fuzzy matching absorbs the rest.
 * Output is lower case.
 */
public final class Translit {
  private static final Map<Character, String> TO_LATIN = Map.ofEntries(
      Map.entry('а', "a"), Map.entry('б', "b"), Map.entry('в', "v"), Map.entry('г', "g"), Map.entry('д', "d"),
      Map.entry('е', "e"), Map.entry('ё', "e"), Map.entry('ж', "zh"), Map.entry('з', "z"), Map.entry('и', "i"),
      Map.entry('й', "y"), Map.entry('к', "k"), Map.entry('л', "l"), Map.entry('м', "m"), Map.entry('н', "n"),
      Map.entry('о', "o"), Map.entry('п', "p"), Map.entry('р', "r"), Map.entry('с', "s"), Map.entry('т', "t"),
      Map.entry('у', "u"), Map.entry('ф', "f"), Map.entry('х', "kh"), Map.entry('ц', "ts"), Map.entry('ч', "ch"),
      Map.entry('ш', "sh"), Map.entry('щ', "shch"), Map.entry('ъ', ""), Map.entry('ы', "y"), Map.entry('ь', ""),
      Map.entry('э', "e"), Map.entry('ю', "yu"), Map.entry('я', "ya"));
  /** Longest Latin sequences first. */
  private static final String[][] TO_CYRILLIC = {
      {"shch", "щ"}, {"sch", "щ"}, {"zh", "ж"}, {"kh", "х"}, {"ts", "ц"}, {"ch", "ч"}, {"sh", "ш"}, {"yu", "ю"},
      {"ya", "я"}, {"yo", "е"}, {"ju", "ю"}, {"ja", "я"}, {"ye", "е"}, {"ck", "к"}, {"ph", "ф"}, {"x", "кс"},
      {"a", "а"}, {"b", "б"}, {"c", "к"}, {"d", "д"}, {"e", "е"}, {"f", "ф"}, {"g", "г"}, {"h", "х"}, {"i", "и"},
      {"j", "й"}, {"k", "к"}, {"l", "л"}, {"m", "м"}, {"n", "н"}, {"o", "о"}, {"p", "п"}, {"q", "к"}, {"r", "р"},
      {"s", "с"}, {"t", "т"}, {"u", "у"}, {"v", "в"}, {"w", "в"}, {"z", "з"}};

  private Translit() {
  }

  /** Cyrillic letters to Latin; everything else unchanged. */
  public static String toLatin(String text) {
    String s = text.toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String m = TO_LATIN.get(c);
      out.append(m != null ? m : String.valueOf(c));
    }
    return out.toString();
  }

  /** Latin letters to Cyrillic; "y" is й after a vowel (or y) and ы elsewhere; everything else unchanged. */
  public static String toCyrillic(String text) {
    String s = text.toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    outer:
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == 'y' && !s.startsWith("yu", i) && !s.startsWith("ya", i) && !s.startsWith("yo", i) && !s.startsWith("ye", i)) {
        // after a vowel or another y: "tsoy" = цой, "krasnyy" = красный
        boolean afterVowel = i > 0 && "aeiouyаеиоуыэюяё".indexOf(s.charAt(i - 1)) >= 0;
        out.append(afterVowel ? 'й' : 'ы');
        i++;
        continue;
      }
      for (String[] pair : TO_CYRILLIC) {
        if (s.startsWith(pair[0], i)) {
          out.append(pair[1]);
          i += pair[0].length();
          continue outer;
        }
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  public static boolean hasCyrillic(String text) {
    return text.chars().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.CYRILLIC);
  }

  public static boolean hasLatin(String text) {
    return text.chars().anyMatch(c -> c < 0x250 && Character.isLetter(c));
  }

  /** The other script's form of {@code text}, or null when it has letters of neither. */
  public static String other(String text) {
    boolean cyr = hasCyrillic(text);
    boolean lat = hasLatin(text);
    if (cyr && lat) {
      return toCyrillic(toLatin(text)) + " " + toLatin(text);
    }
    return cyr ? toLatin(text) : lat ? toCyrillic(text) : null;
  }
}

package io.chorus.search;

import java.util.HashMap;
import java.util.Map;

/**
 * The same keys on the Russian ЙЦУКЕН and the US QWERTY layouts: text typed with the wrong layout
 * active ("rbyj" for «кино», "ghbdtn" for «привет», «Nfnf» typed as «Тфтф») mapped back.
 */
public final class KeyboardLayout {
  private static final String EN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,.~QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>";
  private static final String RU = "ёйцукенгшщзхъфывапролджэячсмитьбюЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ";
  private static final Map<Character, Character> SWAP = new HashMap<>();

  static {
    for (int i = 0; i < EN.length(); i++) {
      SWAP.put(EN.charAt(i), RU.charAt(i));
      SWAP.put(RU.charAt(i), EN.charAt(i));
    }
  }

  private KeyboardLayout() {
  }

  /**
   * Every letter typed on one layout as the other layout's letter on the same key. Punctuation keys
   * ({@code [ ] ; ' , . `}) count as Russian letters only next to letters, so "abc, def" keeps its comma.
   */
  public static String swap(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      Character m = SWAP.get(c);
      if (m != null && !Character.isLetter(c) && !insideWord(text, i)) {
        m = null;
      }
      out.append(m != null ? m : c);
    }
    return out.toString();
  }

  /**
   * A comma or full stop needs letters on both sides to be б/ю, or to start a word (",fkkflf" = «баллада»:
   * nobody types a comma before a word); the other punctuation keys one neighbouring letter.
   */
  private static boolean insideWord(String text, int i) {
    boolean before = i > 0 && Character.isLetter(text.charAt(i - 1));
    boolean after = i + 1 < text.length() && Character.isLetter(text.charAt(i + 1));
    char c = text.charAt(i);
    boolean wordStart = after && (i == 0 || Character.isWhitespace(text.charAt(i - 1)));
    return c == ',' || c == '.' || c == '<' || c == '>' ? before && after || wordStart : before || after;
  }
}

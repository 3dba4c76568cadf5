package io.chorus.messaging;

import io.chorus.input.SqlLower;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The words of a message as search sees them, the same in Java (queries, highlights) and in PostgreSQL (the function
 * {@code chorus_message_words} of migration V54, which fills {@code messages.search_words}): the text folded to lower
 * case one character for one ({@code chorus_lower}'s table, then ё = е), cut at every separator of {@link #SEPARATORS},
 * each word at most {@link #MAX_WORD} characters. The separators are explicit code point ranges (ASCII and Latin-1
 * punctuation, spaces, general punctuation, symbols, arrows, dingbats, CJK punctuation, variation selectors, emoji)
 * rather than a regex class such as {@code [[:alnum:]]}, because PostgreSQL's classes follow the database's locale
 * and under the C locale (the embedded database) they hold ASCII only: Cyrillic would be cut away. MessageSearchTest
 * checks that the migration's bracket expression is {@link #sqlSeparators()} and that both sides cut alike.
 */
final class MessageWords {
  /** A word longer than this is cut to it (a tsvector lexeme has at most 2047 bytes; a query word is cut alike). */
  static final int MAX_WORD = 64;

  /** The code points (inclusive ranges, after folding) that end a word: everything else is part of one. */
  static final int[][] SEPARATORS = {
      {0x0001, 0x002F}, {0x003A, 0x0040}, {0x005B, 0x0060}, {0x007B, 0x00BF}, {0x00D7, 0x00D7}, {0x00F7, 0x00F7},
      {0x2000, 0x2BFF}, {0x2E00, 0x2E7F}, {0x3000, 0x303F}, {0xFE00, 0xFE1F}, {0xFE30, 0xFE6F}, {0xFEFF, 0xFEFF},
      {0xFF00, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF},
      {0x1F000, 0x1FAFF}, {0xE0000, 0xE007F}};

  private MessageWords() {
  }

  static boolean separator(int cp) {
    for (int[] r : SEPARATORS) {
      if (cp >= r[0] && cp <= r[1]) {
        return true;
      }
    }
    return false;
  }

  /** One character folded as the SQL {@code translate(chorus_lower(t), 'ё', 'е')} folds it. */
  static int fold(int cp) {
    if (cp < 0x10000) {
      int at = SqlLower.UPPER.indexOf((char) cp);
      int lower = at < 0 ? cp : SqlLower.LOWER.charAt(at);
      return lower == 'ё' ? 'е' : lower;
    }
    return cp;
  }

  /** The distinct words of {@code text} (NFC, as stored messages are), in order. */
  static List<String> words(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (Span s : spans(Normalizer.normalize(text, Normalizer.Form.NFC))) {
      out.add(s.word());
    }
    return new ArrayList<>(out);
  }

  /** A word of a text: its folded form (cut to {@link #MAX_WORD}) and where it stands, in UTF-16 units. */
  record Span(String word, int start, int end) {
  }

  static List<Span> spans(String text) {
    List<Span> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int start = -1;
    int chars = 0;
    for (int i = 0; i <= text.length(); ) {
      int cp = i < text.length() ? text.codePointAt(i) : ' ';
      if (i < text.length() && !separator(fold(cp))) {
        if (start < 0) {
          start = i;
        }
        if (chars < MAX_WORD) {
          word.appendCodePoint(fold(cp));
          chars++;
        }
      } else if (start >= 0) {
        out.add(new Span(word.toString(), start, i));
        word.setLength(0);
        start = -1;
        chars = 0;
      }
      i += i < text.length() ? Character.charCount(cp) : 1;
    }
    return out;
  }

  /** The bracket expression of the separators for a PostgreSQL regex (ARE escapes, so no character needs quoting). */
  static String sqlSeparators() {
    StringBuilder b = new StringBuilder("[");
    for (int[] r : SEPARATORS) {
      b.append(escape(r[0]));
      if (r[1] != r[0]) {
        b.append('-').append(escape(r[1]));
      }
    }
    return b.append(']').toString();
  }

  private static String escape(int cp) {
    return cp < 0x10000 ? String.format("\\u%04X", cp) : String.format("\\U%08X", cp);
  }
}

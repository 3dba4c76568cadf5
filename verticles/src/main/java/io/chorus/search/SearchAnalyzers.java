package io.chorus.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.core.FlattenGraphFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.miscellaneous.WordDelimiterGraphFilter;
import org.apache.lucene.analysis.miscellaneous.WordDelimiterIterator;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceCharFilter;
import org.apache.lucene.analysis.ru.RussianLightStemFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The analysis chains. Every chain folds the way people do not care about: case, ё = е, Latin
 * diacritics (é = e, ß = ss), and punctuation inside a word: a punctuation mark or symbol between two
 * letters or digits ({@link #JOIN}: "AC/DC", "a-ha", "R.E.M.", "don't", "Bi-2") joins them into one word
 * that the index holds both whole without the marks ("acdc") and in its parts ("ac", "dc"), so
 * {@code acdc}, {@code ac/dc}, {@code ac-dc} and {@code ac dc} all find "AC/DC", and {@code a-ha} finds
 * "Aha" too. {@link #TEXT} then stems Russian (light stemmer, Cyrillic only) and English (Porter, Latin
 * only), so «крови» meets «кровь» and "dreams" meets "dream"; {@link #WORDS}, the query's words, stops
 * before stemming and keeps a joined word whole ("ac/dc" is the one word "acdc"); {@link #PREFIX} adds
 * every word's edge n-grams (1..20) for as-you-type suggestions.
 */
public final class SearchAnalyzers {
  public static final int MAX_PREFIX = 20;
  /**
   * A punctuation mark or symbol between two letters or digits: replaced by {@code _}, which the standard
   * tokenizer keeps inside a word, for the word delimiter filter to split and join (one character for one:
   * the offsets stay the text's).
   */
  public static final String JOIN = "(?<=[\\p{L}\\p{N}])[\\p{P}\\p{S}](?=[\\p{L}\\p{N}])";
  private static final Pattern JOIN_PATTERN = Pattern.compile(JOIN);
  /** The index's word delimiter flags: every part, and all the parts joined. */
  static final int PARTS = WordDelimiterGraphFilter.GENERATE_WORD_PARTS | WordDelimiterGraphFilter.GENERATE_NUMBER_PARTS
      | WordDelimiterGraphFilter.CATENATE_ALL;
  /** The query's: the parts joined only ("ac/dc" is one word, "acdc"). */
  static final int JOINED = WordDelimiterGraphFilter.CATENATE_ALL;
  private static final NormalizeCharMap YO;

  static {
    NormalizeCharMap.Builder b = new NormalizeCharMap.Builder();
    b.add("ё", "е");
    b.add("Ё", "Е");
    YO = b.build();
  }

  public static final Analyzer WORDS = new Chain(false, false, JOINED);
  public static final Analyzer TEXT = new Chain(true, false, PARTS);
  public static final Analyzer PREFIX = new Chain(false, true, PARTS);
  /** {@link #WORDS} of a title for highlighting: a joined word, then its parts (overlapping it). */
  private static final Analyzer HIGHLIGHT = new Chain(false, false, PARTS);

  /** The index analyzer: {@link #PREFIX} for the {@code prefix} field, {@link #TEXT} for the others. */
  public static Analyzer index() {
    return new PerFieldAnalyzerWrapper(TEXT, Map.of(SearchFields.PREFIX, PREFIX));
  }

  private SearchAnalyzers() {
  }

  /** The terms {@code analyzer} makes of {@code text}. */
  public static List<String> terms(Analyzer analyzer, String text) {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream("q", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** A word of {@code text} with its place: its folded form and its offsets. */
  public record Token(String term, int start, int end) {
  }

  /** The words of {@code text} in order: a word joined by punctuation ("AC/DC") first whole, then each part. */
  public static List<Token> tokens(String text) {
    List<Token> out = new ArrayList<>();
    try (TokenStream ts = HIGHLIGHT.tokenStream("q", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      OffsetAttribute offset = ts.addAttribute(OffsetAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(new Token(term.toString(), offset.startOffset(), offset.endOffset()));
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The stem {@link #TEXT} makes of one folded word (the word itself when it makes none). */
  public static String stem(String word) {
    List<String> t = terms(TEXT, word);
    return t.isEmpty() ? word : t.get(0);
  }

  private static final class Chain extends Analyzer {
    private final boolean stem;
    private final boolean edges;
    private final int delimiters;

    Chain(boolean stem, boolean edges, int delimiters) {
      this.stem = stem;
      this.edges = edges;
      this.delimiters = delimiters;
    }

    @Override
    protected Reader initReader(String fieldName, Reader reader) {
      return new PatternReplaceCharFilter(JOIN_PATTERN, "_", new MappingCharFilter(YO, reader));
    }

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
      Tokenizer source = new StandardTokenizer();
      TokenStream ts = new WordDelimiterGraphFilter(source, true, WordDelimiterIterator.DEFAULT_WORD_DELIM_TABLE, delimiters, null);
      if (delimiters == PARTS) {
        // a joined word and its parts overlap: the index takes one token per position
        ts = new FlattenGraphFilter(ts);
      }
      ts = new LowerCaseFilter(ts);
      ts = new ASCIIFoldingFilter(ts);
      if (stem) {
        ts = new RussianLightStemFilter(ts);
        ts = new PorterStemFilter(ts);
      }
      if (edges) {
        ts = new EdgeNGramTokenFilter(ts, 1, MAX_PREFIX, true);
      }
      return new TokenStreamComponents(source, ts);
    }

    @Override
    protected TokenStream normalize(String fieldName, TokenStream in) {
      return new ASCIIFoldingFilter(new LowerCaseFilter(in));
    }
  }
}

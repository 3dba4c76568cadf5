package io.chorus.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
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

/**
 * The analysis chains. Every chain folds the way people do not care about: case, ё = е, Latin
 * diacritics (é = e, ß = ss). {@link #TEXT} then stems Russian (light stemmer, Cyrillic only) and English
 * (Porter, Latin only), so «крови» meets «кровь» and "dreams" meets "dream"; {@link #WORDS} stops before
 * stemming (suggest queries, highlighting); {@link #PREFIX} adds every word's edge n-grams (1..20) for
 * as-you-type suggestions.
 */
public final class SearchAnalyzers {
  public static final int MAX_PREFIX = 20;
  private static final NormalizeCharMap YO;

  static {
    NormalizeCharMap.Builder b = new NormalizeCharMap.Builder();
    b.add("ё", "е");
    b.add("Ё", "Е");
    YO = b.build();
  }

  public static final Analyzer WORDS = new Chain(false, false);
  public static final Analyzer TEXT = new Chain(true, false);
  public static final Analyzer PREFIX = new Chain(false, true);

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

  public static List<Token> tokens(String text) {
    List<Token> out = new ArrayList<>();
    try (TokenStream ts = WORDS.tokenStream("q", text)) {
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

    Chain(boolean stem, boolean edges) {
      this.stem = stem;
      this.edges = edges;
    }

    @Override
    protected Reader initReader(String fieldName, Reader reader) {
      return new MappingCharFilter(YO, reader);
    }

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
      Tokenizer source = new StandardTokenizer();
      TokenStream ts = new LowerCaseFilter(source);
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

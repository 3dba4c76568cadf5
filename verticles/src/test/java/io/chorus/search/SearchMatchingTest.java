package io.chorus.search;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SearchMatchingCases} on the Lucene engine, an index on disk (no services); and the engine-neutral parts of matching. */
class SearchMatchingTest extends SearchMatchingCases {
  @TempDir
  static Path dir;

  static SearchDoc track(String id, String title, String artist, String moderation, String owner) {
    return new SearchDoc("tracks", id, owner, "approved".equals(moderation), "removed".equals(moderation), title, artist, List.of(),
        artist + " — " + title, new JsonObject().put("id", id).put("title", title));
  }

  @Override
  SearchEngine open() {
    return new LuceneEngine(SearchIndex.open(dir.resolve("idx"), 0.05));
  }

  /** The ids of the first page as {@code GET /api/v1/search?types=tracks} ranks them (text and title vectors fused). */
  static List<String> findIn(SearchIndex index, String q, SignedIn viewer) {
    String text = SearchService.query(q);
    return index.search(s -> {
      List<String> ids = new ArrayList<>();
      Query query = s.rewrite(QueryBuilder.text(text, s.getIndexReader()));
      for (ScoreDoc d : Hybrid.page(s, query, QueryBuilder.vectors(text), "tracks", viewer, 0, 10).hits()) {
        ids.add(s.storedFields().document(d.doc).get(SearchFields.ID));
      }
      return ids;
    });
  }

  @Test
  void highlight() {
    assertThat(new Highlight("крови").apply("Группа крови")).isEqualTo("Группа <em>крови</em>");
    assertThat(new Highlight("gruppa").apply("Группа <крови>")).isEqualTo("<em>Группа</em> &lt;крови&gt;");
    assertThat(new Highlight("rhapsodi").apply("Bohemian Rhapsody")).isEqualTo("Bohemian <em>Rhapsody</em>");
    // a word joined by punctuation: whole, or the parts the query named
    assertThat(new Highlight("acdc").apply("AC/DC Live")).isEqualTo("<em>AC/DC</em> Live");
    assertThat(new Highlight("ac/dc").apply("AC/DC Live")).isEqualTo("<em>AC/DC</em> Live");
    assertThat(new Highlight("dc live").apply("AC/DC Live")).isEqualTo("AC/<em>DC</em> <em>Live</em>");
  }

  @Test
  void editsGrowWithLength() {
    assertThat(QueryBuilder.edits("abc")).isZero();
    assertThat(QueryBuilder.edits("абвг")).isEqualTo(1);
    assertThat(QueryBuilder.edits("rhapsody")).isEqualTo(2);
    assertThat(QueryBuilder.variants("rbyj")).contains("rbyj", "кино");
  }

  @Test
  void cursorIsBoundToItsQuery() {
    String c = SearchService.cursor(20, "кино", List.of("tracks"), 20);
    assertThat(SearchService.offset(c, "кино", List.of("tracks"), 20)).isEqualTo(20);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SearchService.offset(c, "ария", List.of("tracks"), 20))
        .hasMessageContaining("cursor");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SearchService.offset("bm90IGEgY3Vyc29y", "кино", List.of("tracks"), 20))
        .hasMessageContaining("cursor");
  }
}

package io.chorus.search;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Query building and analysis against a real index on disk (no services): what a person types finds what they mean. */
class SearchMatchingTest {
  @TempDir
  static Path dir;
  static SearchIndex index;

  static SearchDoc track(String id, String title, String artist, String moderation, String owner) {
    return new SearchDoc("tracks", id, owner, "approved".equals(moderation), "removed".equals(moderation), title, artist, List.of(),
        artist + " — " + title, new JsonObject().put("id", id).put("title", title));
  }

  @BeforeAll
  static void build() {
    index = SearchIndex.open(dir.resolve("idx"), 0.05);
    index.put(track("1", "Группа крови", "Кино", "approved", "u1"));
    index.put(track("2", "Gruppa Krovi", "Cover Band", "approved", "u1"));
    index.put(track("3", "Беспечный ангел", "Ария", "approved", "u1"));
    index.put(track("4", "Крылья", "Nautilus Pompilius", "approved", "u1"));
    index.put(track("5", "Smells Like Teen Spirit", "Nirvana", "approved", "u1"));
    index.put(track("6", "Привет", "Ёлка", "approved", "u1"));
    index.put(track("7", "Café del Mar", "Energy 52", "approved", "u1"));
    index.put(track("8", "Bohemian Rhapsody", "Queen", "approved", "u1"));
    index.put(track("9", "Звезда по имени Солнце", "Кино", "pending", "u2"));
    index.put(track("10", "Кукушка", "Кино", "removed", "u2"));
    index.commit(true);
    index.refresh();
  }

  @AfterAll
  static void close() {
    index.close();
  }

  /** The ids of the first page as {@code GET /api/v1/search?types=tracks} ranks them (text and title vectors fused). */
  static List<String> find(String q, SignedIn viewer) {
    return findIn(index, q, viewer);
  }

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

  static List<String> find(String q) {
    return find(q, null);
  }

  static List<String> suggest(String q) {
    Query query = QueryBuilder.filtered(QueryBuilder.suggest(SearchService.query(q)), null, null);
    return index.search(s -> {
      List<String> ids = new ArrayList<>();
      for (ScoreDoc d : s.search(query, 10).scoreDocs) {
        ids.add(s.storedFields().document(d.doc).get(SearchFields.ID));
      }
      return ids;
    });
  }

  @Test
  void typos() {
    assertThat(find("nirvanna")).first().isEqualTo("5");
    assertThat(find("Bohemain Rapsody")).first().isEqualTo("8");
    assertThat(find("беспечны ангал")).first().isEqualTo("3");
    assertThat(find("smels lik ten spirit")).first().isEqualTo("5");
  }

  @Test
  void transliterationBothWays() {
    assertThat(find("kino")).contains("1").doesNotContain("3");
    assertThat(find("группа крови")).contains("1", "2");
    assertThat(find("gruppa krovi")).contains("1", "2");
    assertThat(find("наутилус")).first().isEqualTo("4");
    assertThat(find("krylya")).first().isEqualTo("4");
    assertThat(find("ariya")).first().isEqualTo("3");
  }

  @Test
  void wrongKeyboardLayout() {
    assertThat(find("rbyj")).contains("1");
    assertThat(find("ghbdtn")).first().isEqualTo("6");
    assertThat(find("Тшкмфтф")).first().isEqualTo("5");
  }

  @Test
  void yoAndDiacriticsFold() {
    assertThat(find("елка")).first().isEqualTo("6");
    assertThat(find("ёлка")).first().isEqualTo("6");
    assertThat(find("cafe del mar")).first().isEqualTo("7");
  }

  @Test
  void wordOrderAndArtistWithTitle() {
    assertThat(find("крови группа")).contains("1");
    assertThat(find("кино группа крови")).first().isEqualTo("1");
    assertThat(find("queen rhapsody")).first().isEqualTo("8");
    assertThat(find("spirit nirvana teen")).first().isEqualTo("5");
  }

  @Test
  void morphology() {
    assertThat(find("кровь")).contains("1");
    assertThat(find("angel беспечного")).contains("3");
    assertThat(find("smell")).contains("5");
  }

  @Test
  void prefixSuggestions() {
    assertThat(suggest("nautil")).containsExactly("4");
    assertThat(suggest("гру")).contains("1", "2");
    assertThat(suggest("ари")).contains("3");
    assertThat(suggest("fhb")).contains("3");
    assertThat(suggest("Бесп анг")).containsExactly("3");
  }

  @Test
  void permissions() {
    assertThat(find("звезда по имени солнце")).isEmpty();
    assertThat(find("звезда по имени солнце", new SignedIn("u2", "owner", 0))).containsExactly("9");
    assertThat(find("звезда по имени солнце", new SignedIn("u3", "other", 0))).isEmpty();
    assertThat(find("звезда по имени солнце", new SignedIn("u3", "mod", 0, List.of("moderator")))).containsExactly("9");
    assertThat(find("кукушка", new SignedIn("u2", "owner", 0))).isEmpty();
    assertThat(find("кукушка", new SignedIn("u3", "mod", 0, List.of("admin")))).containsExactly("10");
  }

  @Test
  void querySyntaxIsText() {
    for (String q : List.of("AC/DC OR *:(", "title:\"кино", "\\ ~ ^2 [a TO z] {}", "+-&&||!", "кино\u0000\u202e\u0007")) {
      assertThat(find(q)).isNotNull();
    }
    assertThat(find("кино\u0000")).contains("1");
  }

  @Test
  void highlight() {
    assertThat(new Highlight("крови").apply("Группа крови")).isEqualTo("Группа <em>крови</em>");
    assertThat(new Highlight("gruppa").apply("Группа <крови>")).isEqualTo("<em>Группа</em> &lt;крови&gt;");
    assertThat(new Highlight("rhapsodi").apply("Bohemian Rhapsody")).isEqualTo("Bohemian <em>Rhapsody</em>");
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

package io.chorus.search;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a person types finds what they mean: the matching expectations, against each {@link SearchEngine}
 * as {@code GET /api/v1/search?types=tracks} and {@code /suggest} query it (text and title vectors fused).
 * A subclass opens the engine; the fixture and every case are the same for both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SearchMatchingCases {
  private SearchEngine engine;

  /** An empty engine of the subclass's kind. */
  abstract SearchEngine open();

  @BeforeAll
  void build() {
    engine = open();
    engine.putAll(List.of(
        SearchMatchingTest.track("1", "Группа крови", "Кино", "approved", "u1"),
        SearchMatchingTest.track("2", "Gruppa Krovi", "Cover Band", "approved", "u1"),
        SearchMatchingTest.track("3", "Беспечный ангел", "Ария", "approved", "u1"),
        SearchMatchingTest.track("4", "Крылья", "Nautilus Pompilius", "approved", "u1"),
        SearchMatchingTest.track("5", "Smells Like Teen Spirit", "Nirvana", "approved", "u1"),
        SearchMatchingTest.track("6", "Привет", "Ёлка", "approved", "u1"),
        SearchMatchingTest.track("7", "Café del Mar", "Energy 52", "approved", "u1"),
        SearchMatchingTest.track("8", "Bohemian Rhapsody", "Queen", "approved", "u1"),
        SearchMatchingTest.track("9", "Звезда по имени Солнце", "Кино", "pending", "u2"),
        SearchMatchingTest.track("10", "Кукушка", "Кино", "removed", "u2"),
        SearchMatchingTest.track("11", "Fog winter call", "Bi-2", "approved", "u1"),
        // no letter or digit: a document without a title vector
        SearchMatchingTest.track("12", "?!", "…", "approved", "u1"),
        // punctuation inside a word
        SearchMatchingTest.track("13", "Highway to Hell", "AC/DC", "approved", "u1"),
        SearchMatchingTest.track("14", "Take On Me", "a-ha", "approved", "u1"),
        SearchMatchingTest.track("15", "Sweet Child O' Mine", "Guns N' Roses", "approved", "u1"),
        SearchMatchingTest.track("16", "Losing My Religion", "R.E.M.", "approved", "u1"),
        SearchMatchingTest.track("17", "Don't Speak", "No Doubt", "approved", "u1"),
        SearchMatchingTest.track("18", "Aha Moment", "Somebody", "approved", "u1"),
        SearchMatchingTest.track("19", "So What", "P!nk", "approved", "u1")));
    List<SearchDoc> pages = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      pages.add(SearchMatchingTest.track("p" + i, "Page " + i + " song", "Pager", "approved", "u1"));
    }
    engine.putAll(pages);
    engine.commit(true);
    engine.refresh();
  }

  @AfterAll
  void close() {
    if (engine != null) {
      engine.close();
    }
  }

  /** The ids of the first page of tracks, best first. */
  List<String> find(String q, SignedIn viewer) {
    return ids(engine.search(SearchService.query(q), List.of("tracks"), 10, 0, viewer));
  }

  static List<String> ids(SearchEngine.Page page) {
    List<String> ids = new ArrayList<>();
    page.results().getJsonArray("tracks").forEach(t -> ids.add(((JsonObject) t).getString("id")));
    return ids;
  }

  List<String> find(String q) {
    return find(q, null);
  }

  List<String> suggest(String q) {
    List<String> ids = new ArrayList<>();
    engine.suggest(SearchService.query(q), null, 10).forEach(s -> ids.add(((JsonObject) s).getString("id")));
    return ids;
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

  /** A punctuation mark inside a word does not matter, whether the name or the query has it. */
  @Test
  void punctuationInsideAWordDoesNotMatter() {
    for (String q : List.of("acdc", "AC/DC", "ac-dc", "ac dc", "acdc highway", "highway to hell ac/dc")) {
      assertThat(find(q)).as(q).first().isEqualTo("13");
    }
    assertThat(find("aha")).contains("14", "18");
    assertThat(find("a-ha")).contains("14", "18");
    assertThat(find("a-ha take on me")).first().isEqualTo("14");
    assertThat(find("guns n roses")).first().isEqualTo("15");
    assertThat(find("guns n' roses sweet child")).first().isEqualTo("15");
    assertThat(find("rem religion")).first().isEqualTo("16");
    assertThat(find("r.e.m.")).first().isEqualTo("16");
    assertThat(find("dont speak")).first().isEqualTo("17");
    assertThat(find("don't speak")).first().isEqualTo("17");
    assertThat(find("p!nk")).first().isEqualTo("19");
    assertThat(find("pnk")).first().isEqualTo("19");
    assertThat(suggest("acd")).contains("13");
    assertThat(suggest("ac/d")).contains("13");
    assertThat(suggest("dont")).contains("17");
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
    assertThat(find("?!")).isEmpty();
  }

  /** Typos in every word's first letter, which the text side never allows: only the title vectors find these. */
  @Test
  void theTitleVectorsFindWhatTheTextMisses() {
    assertThat(find("vog vinter kall")).first().isEqualTo("11");
    assertThat(find("лукушка", new SignedIn("u3", "mod", 0, List.of("admin")))).first().isEqualTo("10");
  }

  /** Past the fused head (text and vectors' windows of 50) the text ranking continues: pages neither repeat nor skip. */
  @Test
  void pagesOfTheFusedListNeitherRepeatNorSkip() {
    List<String> all = ids(engine.search("page song", List.of("tracks"), 100, 0, null));
    assertThat(all).hasSize(60).doesNotHaveDuplicates();
    List<String> paged = new ArrayList<>();
    boolean more = true;
    for (int offset = 0; more; offset += 7) {
      SearchEngine.Page page = engine.search("page song", List.of("tracks"), 7, offset, null);
      paged.addAll(ids(page));
      more = page.more();
    }
    assertThat(paged).isEqualTo(all);
  }

  @Test
  void permissionsApplyToTheTitleVectors() {
    String q = "dvezda bo imeni zolnce";
    assertThat(find(q, new SignedIn("u2", "owner", 0))).first().isEqualTo("9");
    assertThat(find(q, new SignedIn("u3", "mod", 0, List.of("moderator")))).first().isEqualTo("9");
    assertThat(find(q)).doesNotContain("9");
    assertThat(find(q, new SignedIn("u3", "other", 0))).doesNotContain("9");
    // a takedown: hidden from its owner on the vector side too
    assertThat(find("лукушка", new SignedIn("u2", "owner", 0))).doesNotContain("10");
  }
}

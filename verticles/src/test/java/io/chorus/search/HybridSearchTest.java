package io.chorus.search;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.ScoreDoc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The title vectors (seed 004) and their fusion with the text ranking, against a real index on disk. */
class HybridSearchTest {
  @TempDir
  static Path dir;
  static SearchIndex index;

  @BeforeAll
  static void build() {
    index = SearchIndex.open(dir.resolve("idx"), 0.05);
    index.put(SearchMatchingTest.track("1", "Fog winter call", "Bi-2", "approved", "u1"));
    index.put(SearchMatchingTest.track("2", "Winter fog", "Bi-2", "approved", "u1"));
    index.put(SearchMatchingTest.track("3", "Call me", "Blondie", "approved", "u1"));
    index.put(SearchMatchingTest.track("4", "Звезда по имени Солнце", "Кино", "pending", "u2"));
    index.put(SearchMatchingTest.track("5", "Кукушка", "Кино", "removed", "u2"));
    index.put(SearchMatchingTest.track("6", "Звёзды", "Земфира", "approved", "u1"));
    for (int i = 0; i < 60; i++) {
      index.put(SearchMatchingTest.track("p" + i, "Page " + i + " song", "Pager", "approved", "u1"));
    }
    index.commit(true);
    index.refresh();
  }

  @AfterAll
  static void close() {
    index.close();
  }

  static List<String> ids(List<ScoreDoc> docs) {
    return index.search(s -> {
      List<String> out = new ArrayList<>();
      for (ScoreDoc d : docs) {
        out.add(s.storedFields().document(d.doc).get(SearchFields.ID));
      }
      return out;
    });
  }

  /** Only the vector side: the documents nearest to the query's title vectors that {@code viewer} may see. */
  static List<String> nearest(String q, SignedIn viewer) {
    return ids(index.search(s -> Hybrid.nearest(Hybrid.lucene(s, new MatchNoDocsQuery(), "tracks", viewer), QueryBuilder.vectors(q))
        .stream().map(d -> new ScoreDoc(d.key(), d.score())).toList()));
  }

  @Test
  void aTypoedTitleIsNearTheOriginal() {
    float[] title = TitleVector.of("Fog winter call", "Bi-2");
    float[] typo = TitleVector.query("Fog wiinter call");
    float[] other = TitleVector.of("Call me", "Blondie");
    assertThat(TitleVector.cosine(title, typo)).isGreaterThan(0.7f).isGreaterThan(TitleVector.cosine(other, typo) + 0.3f);
    // the other script and its spellings: «фог калл» is "fog kall", and k = c
    assertThat(TitleVector.cosine(TitleVector.of("Fog call", null), TitleVector.query("фог калл"))).isGreaterThan(0.9f);
    assertThat(TitleVector.cosine(TitleVector.of("Кукушка", null), TitleVector.query("kukushka"))).isGreaterThan(0.99f);
    // unit length, and some word order: the typed order is nearer than the swapped one
    assertThat(TitleVector.cosine(title, title)).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
    float[] fogWinter = TitleVector.query("fog winter");
    assertThat(TitleVector.cosine(TitleVector.of("Fog winter", null), fogWinter))
        .isGreaterThan(TitleVector.cosine(TitleVector.of("Winter fog", null), fogWinter));
    assertThat(TitleVector.query("?! 、")).isNull();
  }

  @Test
  void theVectorSideFindsWhatTheTextMisses() {
    // "vog" has a typo in its first letter, which the text side's typo matching never allows
    assertThat(nearest("vog wiinter kall", null)).first().isEqualTo("1");
    assertThat(SearchMatchingTest.findIn(index, "vog wiinter kall", null)).first().isEqualTo("1");
  }

  @Test
  void reciprocalRankFusionOrder() {
    Hybrid.Ranked<Integer> a = new Hybrid.Ranked<>(1, 5f);
    Hybrid.Ranked<Integer> b = new Hybrid.Ranked<>(2, 5f);
    Hybrid.Ranked<Integer> c = new Hybrid.Ranked<>(3, 4f);
    Hybrid.Ranked<Integer> d = new Hybrid.Ranked<>(4, 0.9f);
    // text: a and b tie (shared rank 1), c is 3rd; vectors: b, then d, then c
    List<Hybrid.Ranked<Integer>> fused = Hybrid.fuse(List.of(a, b, c), List.of(new Hybrid.Ranked<>(2, 0.99f), d, new Hybrid.Ranked<>(3, 0.8f)));
    assertThat(fused).extracting(Hybrid.Ranked::key).containsExactly(2, 3, 1, 4);
    assertThat(fused.get(0).score()).isEqualTo(1f / 61 + 1f / 61);
    assertThat(fused.get(1).score()).isEqualTo(1f / 63 + 1f / 63);
    assertThat(fused.get(2).score()).isEqualTo(1f / 61);
    assertThat(fused.get(3).score()).isEqualTo(1f / 62);
    // only one side: its own order
    assertThat(Hybrid.fuse(List.of(c, a), List.<Hybrid.Ranked<Integer>>of())).extracting(Hybrid.Ranked::key).containsExactly(3, 1);
  }

  @Test
  void permissionsApplyToTheVectorSide() {
    assertThat(nearest("звезда по имени солнце", null)).doesNotContain("4");
    assertThat(nearest("звезда по имени солнце", new SignedIn("u3", "other", 0))).doesNotContain("4");
    assertThat(nearest("звезда по имени солнце", new SignedIn("u2", "owner", 0))).first().isEqualTo("4");
    assertThat(nearest("звезда по имени солнце", new SignedIn("u3", "mod", 0, List.of("moderator")))).first().isEqualTo("4");
    assertThat(nearest("кукушка", new SignedIn("u2", "owner", 0))).doesNotContain("5");
    assertThat(nearest("кукушка", new SignedIn("u3", "mod", 0, List.of("admin")))).containsExactly("5");
    assertThat(SearchMatchingTest.findIn(index, "звезда по имени солнце", null)).doesNotContain("4");
  }

  @Test
  void pagesOfTheFusedListNeitherRepeatNorSkip() {
    List<String> all = ids(index.search(s -> Hybrid.page(s, s.rewrite(QueryBuilder.text("page song", s.getIndexReader())),
        QueryBuilder.vectors("page song"), "tracks", null, 0, 100).hits()));
    assertThat(all).hasSize(60).doesNotHaveDuplicates();
    List<String> paged = new ArrayList<>();
    boolean more = true;
    for (int offset = 0; more; offset += 7) {
      int from = offset;
      Hybrid.Page page = index.search(s -> Hybrid.page(s, s.rewrite(QueryBuilder.text("page song", s.getIndexReader())),
          QueryBuilder.vectors("page song"), "tracks", null, from, 7));
      paged.addAll(ids(page.hits()));
      more = page.more();
    }
    assertThat(paged).isEqualTo(all);
  }
}

package io.chorus.messaging;

import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.chorus.messaging.MessagingTest.Reply;
import static io.chorus.messaging.MessagingTest.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Search over messages ({@code GET /api/v1/conversations/search}, docs/api.md, Messenger) on a node with the real
 * PostgreSQL (the embedded one runs under the C locale, where lower() folds ASCII only): matching, privacy
 * (membership now, tombstones, edits), keyset paging and bad input.
 */
class MessageSearchTest {
  static final String PW = "correct horse battery staple";
  static TestCluster tc;
  static int port;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_MESSENGER_WRITES", 100_000));
    port = NodePorts.http(tc.node(0).vertx());
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  record User(String id, String token) {
  }

  static User user(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject r = call(port, "POST", "/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", PW)).expect(201).json();
    return new User(r.getJsonObject("user").getString("id"), r.getString("access_token"));
  }

  static String direct(User me, User other) {
    return call(port, "POST", "/api/v1/conversations", me.token(), new JsonObject().put("type", "direct").put("user_id", other.id()))
        .json().getString("id");
  }

  static String group(User owner, String title, User... members) {
    JsonArray ids = new JsonArray();
    for (User m : members) {
      ids.add(m.id());
    }
    return call(port, "POST", "/api/v1/conversations", owner.token(), new JsonObject().put("type", "group").put("title", title).put("user_ids", ids))
        .expect(201).json().getString("id");
  }

  static JsonObject send(User me, String conversation, String text) {
    return call(port, "POST", "/api/v1/conversations/" + conversation + "/messages", me.token(), new JsonObject().put("text", text))
        .expect(201).json();
  }

  static Reply search(User me, String query) {
    return call(port, "GET", "/api/v1/conversations/search?" + query, me.token(), null);
  }

  static String q(String words) {
    return "q=" + URLEncoder.encode(words, StandardCharsets.UTF_8);
  }

  /** The ids of the messages {@code me} finds with {@code words} (one page of 50). */
  static List<String> found(User me, String words) {
    JsonArray results = search(me, q(words) + "&limit=50").expect(200).json().getJsonArray("results");
    List<String> ids = new ArrayList<>();
    results.forEach(r -> ids.add(((JsonObject) r).getJsonObject("message").getString("id")));
    return ids;
  }

  @Test
  void findsAcrossConversationsNewestFirstWithConversationSeqSenderAndHighlights() {
    User ann = user("ann");
    User ben = user("ben");
    User cid = user("cid");
    String d = direct(ann, ben);
    String g = group(ann, "Orchard", ben, cid);
    JsonObject first = send(ben, d, "Fresh APPLES today!");
    send(ann, d, "no match here");
    JsonObject second = send(cid, g, "who wants an apple-pie?");

    JsonObject page = search(ann, q("apple")).expect(200).json();
    JsonArray results = page.getJsonArray("results");
    assertThat(results).hasSize(2);
    assertThat(page.getString("next_before")).isNull();
    JsonObject newest = results.getJsonObject(0);
    assertThat(newest.getJsonObject("message").getString("id")).isEqualTo(second.getString("id"));
    assertThat(newest.getJsonObject("message").getLong("seq")).isEqualTo(second.getLong("seq"));
    assertThat(newest.getJsonObject("conversation").getString("id")).isEqualTo(g);
    assertThat(newest.getJsonObject("conversation").getString("title")).isEqualTo("Orchard");
    assertThat(newest.getJsonObject("conversation").getString("type")).isEqualTo("group");
    assertThat(newest.getJsonObject("sender").getString("id")).isEqualTo(cid.id());
    // "who wants an apple-pie?": "apple" at 13-18
    assertThat(newest.getJsonArray("highlights")).isEqualTo(new JsonArray().add(new JsonArray().add(13).add(18)));
    JsonObject older = results.getJsonObject(1);
    assertThat(older.getJsonObject("message").getString("id")).isEqualTo(first.getString("id"));
    assertThat(older.getJsonObject("message").getLong("seq")).isEqualTo(1L);
    assertThat(older.getJsonObject("conversation").getString("type")).isEqualTo("direct");
    assertThat(older.getJsonObject("conversation").getJsonObject("peer").getString("id")).isEqualTo(ben.id());
    assertThat(older.getJsonArray("highlights")).isEqualTo(new JsonArray().add(new JsonArray().add(6).add(12)));

    // only one conversation with conversation_id
    JsonArray inDirect = search(ann, q("apple") + "&conversation_id=" + d).expect(200).json().getJsonArray("results");
    assertThat(inDirect).hasSize(1);
    assertThat(inDirect.getJsonObject(0).getJsonObject("message").getString("id")).isEqualTo(first.getString("id"));
  }

  @Test
  void cyrillicAndLatinMatchWhateverTheCaseAndPunctuationAndYoIsYe() {
    User ann = user("ann");
    User ben = user("ben");
    String d = direct(ann, ben);
    String id = send(ben, d, "«Привет», МИР! Ёлка — Über café; СЛОН").getString("id");
    for (String query : List.of("привет", "ПРИВЕТ", "мир", "Мир!!!", "ёлка", "ЕЛКА", "über", "ÜBER", "CAFÉ", "слон", "«слон»")) {
      assertThat(found(ann, query)).as(query).containsExactly(id);
    }
    assertThat(found(ann, "прив")).containsExactly(id);
    assertThat(found(ann, "cafe")).as("diacritics are not folded").isEmpty();
  }

  @Test
  void aWordPrefixMatchesEveryWordIsRequiredAndOneCharacterMatchesAWholeWord() {
    User ann = user("ann");
    User ben = user("ben");
    String d = direct(ann, ben);
    String hello = send(ben, d, "hello, wonderful world").getString("id");
    String help = send(ben, d, "help me with the X file").getString("id");
    assertThat(found(ann, "hel")).containsExactly(help, hello);
    assertThat(found(ann, "hel wor")).containsExactly(hello);
    assertThat(found(ann, "WOR, hel.")).containsExactly(hello);
    assertThat(found(ann, "hel xyzzy")).isEmpty();
    assertThat(found(ann, "ello")).as("a prefix, not any substring").isEmpty();
    assertThat(found(ann, "x")).containsExactly(help);
    assertThat(found(ann, "w")).as("one character: the whole word only").isEmpty();
  }

  @Test
  void neverFindsAnotherUsersConversationsAndAForeignConversationIdIsNotFound() {
    User ann = user("ann");
    User ben = user("ben");
    User eve = user("eve");
    String d = direct(ann, ben);
    String g = group(ann, "secret", ben);
    send(ann, d, "zanzibar plans");
    send(ben, g, "zanzibar budget");
    String eves = direct(eve, user("fay"));
    String own = send(eve, eves, "zanzibar is mine").getString("id");
    assertThat(found(eve, "zanzibar")).containsExactly(own);
    assertThat(found(ann, "zanzibar")).hasSize(2).doesNotContain(own);
    assertThat(search(eve, q("zanzibar") + "&conversation_id=" + d).error(404)).isEqualTo("not_found");
    assertThat(search(eve, q("zanzibar") + "&conversation_id=" + UUID.randomUUID()).error(404)).isEqualTo("not_found");
    assertThat(search(ann, q("zanzibar") + "&conversation_id=" + eves).error(404)).isEqualTo("not_found");
  }

  @Test
  void membershipIsReadNowARemovedOrLeftMemberStopsFindingALateMemberFindsTheHistory() {
    User owner = user("own");
    User ben = user("ben");
    User cid = user("cid");
    User dan = user("dan");
    String g = group(owner, "club", ben, cid);
    String old = send(owner, g, "quokka sighting").getString("id");
    assertThat(found(ben, "quokka")).containsExactly(old);
    assertThat(found(cid, "quokka")).containsExactly(old);
    assertThat(found(dan, "quokka")).isEmpty();

    call(port, "DELETE", "/api/v1/conversations/" + g + "/members/" + ben.id(), owner.token(), null).expect(204);
    call(port, "DELETE", "/api/v1/conversations/" + g + "/members/" + cid.id(), cid.token(), null).expect(204);
    call(port, "POST", "/api/v1/conversations/" + g + "/members", owner.token(), new JsonObject().put("user_id", dan.id())).expect(200);

    assertThat(found(ben, "quokka")).as("removed").isEmpty();
    assertThat(found(cid, "quokka")).as("left").isEmpty();
    assertThat(search(ben, q("quokka") + "&conversation_id=" + g).error(404)).isEqualTo("not_found");
    assertThat(found(dan, "quokka")).as("added later: the whole history").containsExactly(old);
  }

  @Test
  void aDeletedMessageIsNotFoundAnEditedOneOnlyByItsNewText() {
    User ann = user("ann");
    User ben = user("ben");
    String d = direct(ann, ben);
    String gone = send(ann, d, "platypus secret").getString("id");
    String edited = send(ann, d, "wombat draft").getString("id");
    assertThat(found(ben, "platypus")).containsExactly(gone);
    assertThat(found(ben, "wombat")).containsExactly(edited);

    call(port, "DELETE", "/api/v1/conversations/" + d + "/messages/" + gone, ann.token(), null).expect(200);
    call(port, "PATCH", "/api/v1/conversations/" + d + "/messages/" + edited, ann.token(), new JsonObject().put("text", "echidna final"))
        .expect(200);

    assertThat(found(ben, "platypus")).isEmpty();
    assertThat(found(ben, "secret")).isEmpty();
    assertThat(found(ben, "wombat")).as("the old text").isEmpty();
    JsonObject hit = search(ben, q("echid")).expect(200).json().getJsonArray("results").getJsonObject(0);
    assertThat(hit.getJsonObject("message").getString("id")).isEqualTo(edited);
    assertThat(hit.getJsonObject("message").getString("text")).isEqualTo("echidna final");
    assertThat(hit.getJsonObject("message").getString("edited_at")).isNotNull();
  }

  @Test
  void pagesGoNewestFirstWithoutRepeatsOrGapsAcrossConversations() {
    User ann = user("ann");
    User ben = user("ben");
    User cid = user("cid");
    String d = direct(ann, ben);
    String g = group(ann, "pages", cid);
    Set<String> sent = new HashSet<>();
    for (int i = 0; i < 23; i++) {
      sent.add(send(i % 2 == 0 ? ben : cid, i % 2 == 0 ? d : g, "marmot number " + i).getString("id"));
      send(ann, i % 3 == 0 ? d : g, "filler " + i);
    }
    List<String> seen = new ArrayList<>();
    List<String> times = new ArrayList<>();
    String before = null;
    int pages = 0;
    do {
      JsonObject page = search(ann, q("marmot") + "&limit=5" + (before == null ? "" : "&before=" + before)).expect(200).json();
      page.getJsonArray("results").forEach(r -> {
        JsonObject m = ((JsonObject) r).getJsonObject("message");
        seen.add(m.getString("id"));
        times.add(m.getString("created_at"));
      });
      before = page.getString("next_before");
      pages++;
    } while (before != null && pages < 10);
    assertThat(pages).isEqualTo(5);
    assertThat(seen).hasSize(23).doesNotHaveDuplicates();
    assertThat(new HashSet<>(seen)).isEqualTo(sent);
    List<java.time.Instant> instants = times.stream().map(java.time.Instant::parse).toList();
    for (int i = 1; i < instants.size(); i++) {
      assertThat(instants.get(i)).isBeforeOrEqualTo(instants.get(i - 1));
    }
    assertThat(search(ann, q("marmot")).expect(200).json().getJsonArray("results")).hasSize(20);
  }

  @Test
  void aLongWordIsStoredAndFoundByItsStart() {
    User ann = user("ann");
    User ben = user("ben");
    String d = direct(ann, ben);
    String word = "x".repeat(3000) + "y".repeat(1000);
    String id = send(ann, d, word).getString("id");
    assertThat(found(ben, "x".repeat(70))).containsExactly(id);
    assertThat(found(ben, "x".repeat(10))).containsExactly(id);
  }

  @Test
  void badInputIsRefusedWithTheErrorShape() {
    User ann = user("ann");
    String d = direct(ann, user("ben"));
    for (String bad : List.of("", "q=", "q=%20%20%20", q("a".repeat(257)), q("bad\u0001word"), q("line\nbreak"), q("!!! ... ???"),
        q("one two three four five six seven eight nine"), q("hello") + "&limit=0", q("hello") + "&limit=51",
        q("hello") + "&limit=abc", q("hello") + "&before=not-a-cursor", q("hello") + "&conversation_id=nope",
        q("hello") + "&conversation_id=")) {
      assertThat(search(ann, bad).error(400)).as(bad).isEqualTo("invalid_argument");
    }
    assertThat(search(ann, q("a".repeat(256))).expect(200).json().getJsonArray("results")).isEmpty();
    assertThat(search(ann, q("hello") + "&limit=50&conversation_id=" + d).expect(200).json().getJsonArray("results")).isEmpty();
    assertThat(call(port, "GET", "/api/v1/conversations/search?" + q("hello"), null, null).error(401)).isEqualTo("unauthenticated");
    assertThat(call(port, "GET", "/api/v1/conversations/search?" + q("hello"), "not.a.jwt", null).error(401)).isEqualTo("unauthenticated");
  }

  @Test
  void aUserRunsAtMostTwoSearchesAtOnceTheThirdIs429() throws Exception {
    User ann = user("ann");
    String d = direct(ann, user("ben"));
    send(ann, d, "lemur facts");
    // a lock on messages holds the searches in PostgreSQL, so that two of them are surely running when the third comes
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(tc.config().db().jdbcUrl(), tc.config().db().user(),
        tc.config().db().password())) {
      c.setAutoCommit(false);
      c.createStatement().execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
      List<java.util.concurrent.CompletableFuture<Reply>> held = List.of(
          java.util.concurrent.CompletableFuture.supplyAsync(() -> search(ann, q("lemur"))),
          java.util.concurrent.CompletableFuture.supplyAsync(() -> search(ann, q("lemur"))));
      long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(4);
      while (waitingOnLocks() < 2) {
        assertThat(System.nanoTime()).as("two searches waiting on the lock").isLessThan(until);
        Thread.onSpinWait();
      }
      assertThat(search(ann, q("lemur")).error(429)).isEqualTo("rate_limited");
      c.commit();
      for (var f : held) {
        assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS).expect(200).json().getJsonArray("results")).hasSize(1);
      }
    }
    assertThat(found(ann, "lemur")).hasSize(1);
  }

  @Test
  void aSearchRunningOverFiveSecondsIsCancelledAnd504() throws Exception {
    User ann = user("ann");
    String d = direct(ann, user("ben"));
    send(ann, d, "tapir facts");
    // the lock keeps the search waiting in PostgreSQL past its statement_timeout
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(tc.config().db().jdbcUrl(), tc.config().db().user(),
        tc.config().db().password())) {
      c.setAutoCommit(false);
      c.createStatement().execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
      long start = System.nanoTime();
      assertThat(search(ann, q("tapir")).error(504)).isEqualTo("timeout");
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MessageSearch.STATEMENT_TIMEOUT_MS));
      c.rollback();
    }
    assertThat(found(ann, "tapir")).hasSize(1);
  }

  static long waitingOnLocks() {
    // the statements waiting on the test's table lock: nothing else of this test's node touches messages meanwhile
    // (pg_stat_activity cuts a query at 1 KB, before the search's WHERE: the column list is longer)
    return ((Number) tc.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'SELECT msg.id%'")
        .get(0).get("n")).longValue();
  }

  @Test
  void theDatabaseCutsAndFoldsWordsAsJavaDoes() throws Exception {
    String migration = Files.readString(Path.of("src/main/resources/db/messaging/V54__message_search.sql"));
    assertThat(migration).contains("'" + MessageWords.sqlSeparators() + "+'");
    List<String> samples = List.of("«Привет», МИР! Ёлка — Über café; СЛОН", "hello,world...x y-z_q", "ΑΘΗΝΑ Straße ǅemal ĲSSEL",
        "emoji😀inside 👍🏽 ok\uFE0Fthen", "tab\there\nline", "１２３ｆｕｌｌ　ｗｉｄｔｈ", "a".repeat(100) + " b", "don't stop—me «now»",
        "日本語のテキスト、句読点。", "price: 3.50€ × 2 ÷ 4 ≈ 1,75 ¶ § ©", "ЪЬЭЮЯ ѢѲѴ ҐЄЇІ ԀԮ");
    for (String s : samples) {
      String db = (String) tc.sql("SELECT chorus_message_words(?)::text AS w", s).get(0).get("w");
      List<String> lexemes = new ArrayList<>();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("'((?:[^']|'')*)'").matcher(db);
      while (m.find()) {
        lexemes.add(m.group(1).replace("''", "'"));
      }
      assertThat(new java.util.TreeSet<>(lexemes)).as(s).isEqualTo(new java.util.TreeSet<>(MessageWords.words(s)));
    }
  }
}

package io.chorus.messaging;

import io.chorus.gateway.NodePorts;
import io.chorus.testing.JdkHttp;
import io.chorus.testing.TestCluster;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The messenger (seed 003) on two clustered nodes with the real PostgreSQL and Redis: REST through the JDK's HTTP
 * client, real-time events through real {@code /ws/user} sockets on both nodes.
 */
class MessagingTest {
  static final String ADMIN = "msg-admin";
  static final String ADMIN_PASSWORD = "admin password for messaging tests";
  static final String PW = "correct horse battery staple";
  static TestCluster tc;
  static int portA;
  static int portB;
  static ExecutorService pool;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(2, Map.of("ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", ADMIN_PASSWORD,
        "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000, "RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_MESSENGER_WRITES", 100_000));
    portA = NodePorts.http(tc.node(0).vertx());
    portB = NodePorts.http(tc.node(1).vertx());
    pool = Executors.newFixedThreadPool(20);
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
    tc.close();
  }

  // ---- a small client

  record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    JsonObject json() {
      return body == null || body.isEmpty() ? new JsonObject() : new JsonObject(body);
    }

    /** Asserts the one error shape with the status and returns the code. */
    String error(int expected) {
      assertThat(status).as("status of %s", body).isEqualTo(expected);
      JsonObject err = json().getJsonObject("error");
      assertThat(err).as(body).isNotNull();
      assertThat(err.getString("message")).as(body).isNotBlank();
      return err.getString("code");
    }

    Reply expect(int expected) {
      assertThat(status).as("status of %s", body).isEqualTo(expected);
      return this;
    }
  }

  static Reply call(int port, String method, String path, String token, Object body) {
    HttpResponse<byte[]> r = JdkHttp.send(port, method, path, token, body, "application/json", Duration.ofSeconds(30));
    return new Reply(r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8), r.headers());
  }

  record User(String id, String token, String name) {
  }

  static User user(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject r = call(portA, "POST", "/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", PW)).expect(201).json();
    return new User(r.getJsonObject("user").getString("id"), r.getString("access_token"), r.getJsonObject("user").getString("username"));
  }

  static String adminToken() {
    return call(portA, "POST", "/api/v1/auth/login", null, new JsonObject().put("username", ADMIN).put("password", ADMIN_PASSWORD))
        .expect(200).json().getString("access_token");
  }

  static Reply direct(int port, User me, User other) {
    return call(port, "POST", "/api/v1/conversations", me.token(), new JsonObject().put("type", "direct").put("user_id", other.id()));
  }

  static JsonObject group(User owner, String title, User... members) {
    JsonArray ids = new JsonArray();
    for (User m : members) {
      ids.add(m.id());
    }
    return call(portA, "POST", "/api/v1/conversations", owner.token(), new JsonObject().put("type", "group").put("title", title).put("user_ids", ids))
        .expect(201).json();
  }

  static Reply send(int port, User me, String conversation, String text) {
    return call(port, "POST", "/api/v1/conversations/" + conversation + "/messages", me.token(), new JsonObject().put("text", text));
  }

  static String conv(String id) {
    return "/api/v1/conversations/" + id;
  }

  static Map<String, String> roles(JsonObject conversation) {
    return conversation.getJsonArray("members").stream().map(o -> (JsonObject) o)
        .collect(Collectors.toMap(m -> m.getJsonObject("user").getString("id"), m -> m.getString("role")));
  }

  static boolean messaging(JsonObject m) {
    return Set.of("message", "message_edited", "message_deleted", "conversation", "read", "typing", "reaction").contains(m.getString("type"));
  }

  static WsProbe channel(int port, User u) {
    WsProbe ws = WsProbe.connect(port, "/ws/user?token=" + u.token());
    ws.awaitType("hello");
    return ws;
  }

  // ---- conversations

  @Test
  void aDirectConversationIsMadeOncePerPairEvenByConcurrentCreatesFromBothSides() {
    User a = user("ann");
    User b = user("ben");
    List<CompletableFuture<Reply>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      boolean fromA = i % 2 == 0;
      int port = i % 3 == 0 ? portB : portA;
      calls.add(CompletableFuture.supplyAsync(() -> fromA ? direct(port, a, b) : direct(port, b, a), pool));
    }
    List<Reply> replies = calls.stream().map(CompletableFuture::join).toList();
    assertThat(replies.stream().filter(r -> r.status() == 201).count()).as("%s", replies).isEqualTo(1);
    assertThat(replies.stream().filter(r -> r.status() == 200).count()).as("%s", replies).isEqualTo(9);
    Set<String> ids = replies.stream().map(r -> r.json().getString("id")).collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    JsonObject c = replies.get(0).json();
    assertThat(c.getString("type")).isEqualTo("direct");
    assertThat(c.getValue("title")).isNull();
    assertThat(roles(c)).isEqualTo(Map.of(a.id(), "member", b.id(), "member"));
    assertThat(c.getValue("last_message")).isNull();
    assertThat(c.getLong("unread_count")).isZero();
    assertThat(c.getLong("last_read_seq")).isZero();
    assertThat(tc.sql("SELECT count(*) AS n FROM conversations WHERE type = 'direct' AND ? IN (direct_low::text, direct_high::text)", a.id())
        .get(0).get("n")).isEqualTo(1L);

    // later, either side gets the same one (200)
    assertThat(direct(portB, b, a).expect(200).json().getString("id")).isEqualTo(ids.iterator().next());
    // not with yourself; not with an unknown or a disabled account (the same 404)
    assertThat(direct(portA, a, a).error(400)).isEqualTo("invalid_argument");
    assertThat(direct(portA, a, new User(UUID.randomUUID().toString(), null, null)).error(404)).isEqualTo("not_found");
    User gone = user("gone");
    call(portA, "POST", "/api/v1/admin/users/" + gone.id() + "/disable", adminToken(), null).expect(200);
    assertThat(direct(portA, a, gone).error(404)).isEqualTo("not_found");
  }

  @Test
  void aGroupHasAnOwnerWhoManagesItAndNonMembersSeeNothing() {
    User owner = user("own");
    User m1 = user("mem");
    User m2 = user("mem");
    User outsider = user("out");
    // the title is NFC and trimmed: a decomposed "Café" with spaces around
    JsonObject g = group(owner, "  Cafe\u0301 club ", m1);
    String id = g.getString("id");
    assertThat(g.getString("title")).isEqualTo("Caf\u00e9 club");
    assertThat(g.getString("type")).isEqualTo("group");
    assertThat(roles(g)).isEqualTo(Map.of(owner.id(), "owner", m1.id(), "member"));
    assertThat(g.getJsonArray("members").getJsonObject(0).getJsonObject("user").getString("username")).isNotBlank();

    // a plain member neither adds, renames, nor removes others
    assertThat(call(portA, "POST", conv(id) + "/members", m1.token(), new JsonObject().put("user_id", m2.id())).error(403)).isEqualTo("forbidden");
    assertThat(call(portA, "PATCH", conv(id), m1.token(), new JsonObject().put("title", "mine")).error(403)).isEqualTo("forbidden");
    assertThat(call(portA, "DELETE", conv(id) + "/members/" + owner.id(), m1.token(), null).error(403)).isEqualTo("forbidden");
    // the owner makes m1 an admin (roles are the owner's: admin and member only), who then adds m2 (once: again is 409)
    assertThat(call(portA, "PATCH", conv(id) + "/members/" + m1.id(), owner.token(), new JsonObject().put("role", "owner")).error(400))
        .isEqualTo("invalid_argument");
    call(portA, "PATCH", conv(id) + "/members/" + m1.id(), owner.token(), new JsonObject().put("role", "admin")).expect(200);
    assertThat(call(portA, "PATCH", conv(id) + "/members/" + owner.id(), m1.token(), new JsonObject().put("role", "member")).error(403))
        .isEqualTo("forbidden");
    JsonObject added;
    try (WsProbe m2ws = channel(portA, m2)) {
      added = call(portB, "POST", conv(id) + "/members", m1.token(), new JsonObject().put("user_id", m2.id())).expect(200).json();
      // the new member hears of it, with the group as every member sees it
      JsonObject ev = m2ws.await(MessagingTest::messaging, 10_000);
      assertThat(ev.getString("action")).isEqualTo("member_added");
      assertThat(ev.getString("user_id")).isEqualTo(m2.id());
      assertThat(ev.getJsonObject("conversation").getString("title")).isEqualTo("Caf\u00e9 club");
      assertThat(ev.getJsonObject("conversation").containsKey("unread_count")).isFalse();
    }
    assertThat(roles(added)).containsEntry(m2.id(), "member").hasSize(3);
    assertThat(call(portA, "POST", conv(id) + "/members", owner.token(), new JsonObject().put("user_id", m2.id())).error(409))
        .isEqualTo("already_exists");
    // the owner renames
    assertThat(call(portA, "PATCH", conv(id), owner.token(), new JsonObject().put("title", "Renamed")).expect(200).json().getString("title"))
        .isEqualTo("Renamed");

    // a non-member gets 404 for every route of it, as for a conversation that does not exist
    String other = UUID.randomUUID().toString();
    for (String c : List.of(id, other)) {
      assertThat(call(portA, "GET", conv(c), outsider.token(), null).error(404)).isEqualTo("not_found");
      assertThat(call(portA, "GET", conv(c) + "/messages", outsider.token(), null).error(404)).isEqualTo("not_found");
      assertThat(send(portA, outsider, c, "hi").error(404)).isEqualTo("not_found");
      assertThat(call(portA, "PATCH", conv(c), outsider.token(), new JsonObject().put("title", "x")).error(404)).isEqualTo("not_found");
      assertThat(call(portA, "POST", conv(c) + "/members", outsider.token(), new JsonObject().put("user_id", outsider.id())).error(404))
          .isEqualTo("not_found");
      assertThat(call(portA, "DELETE", conv(c) + "/members/" + outsider.id(), outsider.token(), null).error(404)).isEqualTo("not_found");
      assertThat(call(portA, "POST", conv(c) + "/read", outsider.token(), new JsonObject().put("seq", 0)).error(404)).isEqualTo("not_found");
    }
    assertThat(call(portA, "GET", "/api/v1/conversations", outsider.token(), null).expect(200).json().getJsonArray("conversations")).isEmpty();

    // m2 leaves: hears its own removal, then the group is 404 to it
    try (WsProbe ws = channel(portB, m2)) {
      call(portA, "DELETE", conv(id) + "/members/" + m2.id(), m2.token(), null).expect(204);
      JsonObject ev = ws.await(m -> "conversation".equals(m.getString("type")), 10_000);
      assertThat(ev.getString("action")).isEqualTo("member_removed");
      assertThat(ev.getString("user_id")).isEqualTo(m2.id());
      assertThat(call(portB, "GET", conv(id), m2.token(), null).error(404)).isEqualTo("not_found");
    }
    // the owner leaves: the admin becomes the owner; the last member leaving deletes the group
    call(portA, "DELETE", conv(id) + "/members/" + owner.id(), owner.token(), null).expect(204);
    assertThat(roles(call(portA, "GET", conv(id), m1.token(), null).expect(200).json())).isEqualTo(Map.of(m1.id(), "owner"));
    call(portA, "DELETE", conv(id) + "/members/" + m1.id(), m1.token(), null).expect(204);
    assertThat(tc.sql("SELECT count(*) AS n FROM conversations WHERE id = ?::uuid", id).get(0).get("n")).isEqualTo(0L);

    // nobody leaves a direct conversation; unknown users make no group (nothing half-written)
    String d = direct(portA, owner, outsider).expect(201).json().getString("id");
    assertThat(call(portA, "DELETE", conv(d) + "/members/" + owner.id(), owner.token(), null).error(400)).isEqualTo("invalid_argument");
    int before = call(portA, "GET", "/api/v1/conversations", owner.token(), null).json().getJsonArray("conversations").size();
    Reply unknown = call(portA, "POST", "/api/v1/conversations", owner.token(), new JsonObject().put("type", "group").put("title", "t")
        .put("user_ids", new JsonArray().add(m1.id()).add(UUID.randomUUID().toString())));
    assertThat(unknown.error(404)).isEqualTo("not_found");
    assertThat(call(portA, "GET", "/api/v1/conversations", owner.token(), null).json().getJsonArray("conversations")).hasSize(before);
  }

  @Test
  void theConversationListIsNewestActivityFirstWithCursorPagingAndUnreadCounts() {
    User me = user("lister");
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(direct(portA, me, user("peer")).expect(201).json().getString("id"));
    }
    // a message in the oldest brings it to the top
    send(portA, me, made.get(0), "bump").expect(201);
    List<String> expected = new ArrayList<>(List.of(made.get(0), made.get(4), made.get(3), made.get(2), made.get(1)));

    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = call(portB, "GET", "/api/v1/conversations?limit=2" + (cursor == null ? "" : "&before=" + cursor), me.token(), null)
          .expect(200).json();
      page.getJsonArray("conversations").forEach(c -> seen.add(((JsonObject) c).getString("id")));
      cursor = page.getString("next_before");
    } while (cursor != null);
    assertThat(seen).isEqualTo(expected);
    JsonObject top = call(portA, "GET", "/api/v1/conversations?limit=1", me.token(), null).json().getJsonArray("conversations").getJsonObject(0);
    assertThat(top.getJsonObject("last_message").getString("text")).isEqualTo("bump");
    assertThat(top.getLong("unread_count")).as("your own messages are not unread").isZero();
    assertThat(call(portA, "GET", "/api/v1/conversations?before=garbage", me.token(), null).error(400)).isEqualTo("invalid_argument");
    // an empty cursor is none (docs/api.md, Paging): the first page
    assertThat(call(portA, "GET", "/api/v1/conversations?limit=1&before=", me.token(), null).expect(200).json().getJsonArray("conversations")
        .getJsonObject(0).getString("id")).isEqualTo(made.get(0));
    assertThat(call(portA, "GET", "/api/v1/conversations?limit=201", me.token(), null).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "GET", "/api/v1/conversations?limit=0", me.token(), null).error(400)).isEqualTo("invalid_argument");
  }

  // ---- messages

  @Test
  void twentyConcurrentSendsGetSeqsOneToTwentyWithoutGaps() {
    User a = user("fast");
    User b = user("faster");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    List<CompletableFuture<Reply>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      User who = i % 2 == 0 ? a : b;
      int port = i % 4 < 2 ? portA : portB;
      String text = "m" + i;
      calls.add(CompletableFuture.supplyAsync(() -> send(port, who, id, text), pool));
    }
    Set<Long> seqs = new TreeSet<>();
    for (CompletableFuture<Reply> c : calls) {
      seqs.add(c.join().expect(201).json().getLong("seq"));
    }
    assertThat(seqs).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
    // ascending after a seq (catching up), newest first otherwise
    JsonArray after = call(portB, "GET", conv(id) + "/messages?after_seq=0&limit=200", b.token(), null).expect(200).json().getJsonArray("messages");
    assertThat(after.stream().map(m -> ((JsonObject) m).getLong("seq")).toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
    JsonObject page = call(portA, "GET", conv(id) + "/messages?limit=5", a.token(), null).expect(200).json();
    assertThat(page.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("seq")).toList()).containsExactly(20L, 19L, 18L, 17L, 16L);
    assertThat(page.getBoolean("has_more")).isTrue();
    JsonObject older = call(portA, "GET", conv(id) + "/messages?before_seq=3", a.token(), null).expect(200).json();
    assertThat(older.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("seq")).toList()).containsExactly(2L, 1L);
    assertThat(older.getBoolean("has_more")).isFalse();
    assertThat(call(portA, "GET", conv(id) + "/messages?before_seq=3&after_seq=1", a.token(), null).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "GET", conv(id), a.token(), null).json().getLong("last_seq")).isEqualTo(20L);
  }

  @Test
  void aRetryWithTheSameClientMessageIdAnswersTheFirstMessageAndNeverADuplicate() {
    User a = user("retry");
    User b = user("other");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    JsonObject body = new JsonObject().put("text", "once").put("client_message_id", "c-1");
    JsonObject first = call(portA, "POST", conv(id) + "/messages", a.token(), body).expect(201).json();
    assertThat(first.getString("client_message_id")).isEqualTo("c-1");
    assertThat(first.getBoolean("deleted")).isFalse();
    assertThat(first.getValue("edited_at")).isNull();
    assertThat(first.getString("sender_id")).isEqualTo(a.id());
    JsonObject again = call(portB, "POST", conv(id) + "/messages", a.token(), body).expect(200).json();
    assertThat(again).isEqualTo(first);
    // five concurrent retries of a new one: one 201, four 200, one message
    JsonObject burst = new JsonObject().put("text", "burst").put("client_message_id", "c-2");
    List<CompletableFuture<Reply>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int port = i % 2 == 0 ? portA : portB;
      calls.add(CompletableFuture.supplyAsync(() -> call(port, "POST", conv(id) + "/messages", a.token(), burst), pool));
    }
    List<Reply> replies = calls.stream().map(CompletableFuture::join).toList();
    assertThat(replies.stream().map(Reply::status).sorted().toList()).containsExactly(200, 200, 200, 200, 201);
    assertThat(replies.stream().map(r -> r.json().getString("id")).distinct().count()).isEqualTo(1);
    // the key is the sender's: another member's same key is another message
    JsonObject hers = call(portA, "POST", conv(id) + "/messages", b.token(), body).expect(201).json();
    assertThat(hers.getString("id")).isNotEqualTo(first.getString("id"));
    JsonArray all = call(portA, "GET", conv(id) + "/messages", a.token(), null).json().getJsonArray("messages");
    assertThat(all).hasSize(3);
    // a's key is shown to a only
    JsonObject asSeenByB = call(portA, "GET", conv(id) + "/messages?after_seq=0&limit=1", b.token(), null).json().getJsonArray("messages").getJsonObject(0);
    assertThat(asSeenByB.containsKey("client_message_id")).isFalse();
    assertThat(call(portA, "POST", conv(id) + "/messages", a.token(), new JsonObject().put("text", "x").put("client_message_id", "k".repeat(65)))
        .error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", conv(id) + "/messages", a.token(), new JsonObject().put("text", "x").put("client_message_id", 5))
        .error(400)).isEqualTo("invalid_argument");
  }

  @Test
  void onlyTheSenderEditsAndTheSenderOrTheGroupOwnerDeletesLeavingATombstone() {
    User owner = user("boss");
    User a = user("writer");
    User b = user("reader");
    String id = group(owner, "edits", a, b).getString("id");
    JsonObject m = send(portA, a, id, "first draft").expect(201).json();
    String path = conv(id) + "/messages/" + m.getString("id");
    assertThat(call(portA, "PATCH", path, b.token(), new JsonObject().put("text", "hijack")).error(403)).isEqualTo("forbidden");
    assertThat(call(portA, "PATCH", path, owner.token(), new JsonObject().put("text", "hijack")).error(403)).isEqualTo("forbidden");
    assertThat(call(portA, "PATCH", path, a.token(), new JsonObject().put("text", "x").put("seq", 9)).error(400)).isEqualTo("invalid_argument");
    JsonObject edited = call(portB, "PATCH", path, a.token(), new JsonObject().put("text", "final")).expect(200).json();
    assertThat(edited.getString("text")).isEqualTo("final");
    assertThat(edited.getString("edited_at")).isNotNull();
    assertThat(edited.getLong("seq")).isEqualTo(m.getLong("seq"));
    // b may not delete a's message; the owner may
    assertThat(call(portA, "DELETE", path, b.token(), null).error(403)).isEqualTo("forbidden");
    JsonObject gone = call(portA, "DELETE", path, owner.token(), null).expect(200).json();
    assertThat(gone.getBoolean("deleted")).isTrue();
    assertThat(gone.getValue("text")).isNull();
    assertThat(gone.getLong("seq")).isEqualTo(m.getLong("seq"));
    assertThat(call(portA, "DELETE", path, a.token(), null).expect(200).json().getBoolean("deleted")).isTrue();
    assertThat(call(portA, "PATCH", path, a.token(), new JsonObject().put("text", "revive")).error(410)).isEqualTo("gone");
    JsonObject listed = call(portA, "GET", conv(id) + "/messages", b.token(), null).json().getJsonArray("messages").getJsonObject(0);
    assertThat(listed.getBoolean("deleted")).isTrue();
    assertThat(listed.getValue("text")).isNull();
    // b deletes its own
    JsonObject mine = send(portA, b, id, "mine").expect(201).json();
    call(portA, "DELETE", conv(id) + "/messages/" + mine.getString("id"), b.token(), null).expect(200);
    // unknown message, a message of another conversation: 404
    assertThat(call(portA, "DELETE", conv(id) + "/messages/" + UUID.randomUUID(), a.token(), null).error(404)).isEqualTo("not_found");
    String elsewhere = direct(portA, a, b).json().getString("id");
    JsonObject other = send(portA, a, elsewhere, "elsewhere").expect(201).json();
    assertThat(call(portA, "PATCH", conv(id) + "/messages/" + other.getString("id"), a.token(), new JsonObject().put("text", "x")).error(404))
        .isEqualTo("not_found");
  }

  @Test
  void theReadMarkerOnlyMovesForwardAndDrivesTheUnreadCount() {
    User a = user("talker");
    User b = user("listener");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    for (int i = 1; i <= 3; i++) {
      send(portA, a, id, "n" + i).expect(201);
    }
    JsonObject asB = call(portB, "GET", conv(id), b.token(), null).json();
    assertThat(asB.getLong("unread_count")).isEqualTo(3);
    assertThat(call(portA, "GET", conv(id), a.token(), null).json().getLong("unread_count")).isZero();
    try (WsProbe aws = channel(portA, a)) {
      JsonObject r = call(portB, "POST", conv(id) + "/read", b.token(), new JsonObject().put("seq", 2)).expect(200).json();
      assertThat(r.getLong("last_read_seq")).isEqualTo(2);
      assertThat(r.getLong("unread_count")).isEqualTo(1);
      JsonObject receipt = aws.await(m -> "read".equals(m.getString("type")), 10_000);
      assertThat(receipt).isEqualTo(new JsonObject().put("type", "read").put("conversation_id", id).put("user_id", b.id()).put("seq", 2));
      // backwards: a no-op 200
      JsonObject back = call(portB, "POST", conv(id) + "/read", b.token(), new JsonObject().put("seq", 1)).expect(200).json();
      assertThat(back.getLong("last_read_seq")).isEqualTo(2);
      // beyond the last message: 400
      assertThat(call(portB, "POST", conv(id) + "/read", b.token(), new JsonObject().put("seq", 4)).error(400)).isEqualTo("invalid_argument");
      assertThat(call(portB, "POST", conv(id) + "/read", b.token(), new JsonObject().put("seq", "3")).error(400)).isEqualTo("invalid_argument");
      assertThat(call(portB, "POST", conv(id) + "/read", b.token(), new JsonObject().put("seq", -1)).error(400)).isEqualTo("invalid_argument");
      call(portB, "POST", conv(id) + "/read", b.token(), new JsonObject().put("seq", 3)).expect(200);
      // the next receipt a hears is seq 3: the backward call published none
      assertThat(aws.await(m -> "read".equals(m.getString("type")), 10_000).getLong("seq")).isEqualTo(3);
    }
    JsonObject after = call(portB, "GET", conv(id), b.token(), null).json();
    assertThat(after.getLong("unread_count")).isZero();
    assertThat(after.getLong("last_read_seq")).isEqualTo(3);
    // the other member sees b's marker in the member list (read receipts on opening the conversation)
    JsonObject bAsSeenByA = call(portA, "GET", conv(id), a.token(), null).json().getJsonArray("members").stream().map(o -> (JsonObject) o)
        .filter(m -> b.id().equals(m.getJsonObject("user").getString("id"))).findFirst().orElseThrow();
    assertThat(bAsSeenByA.getLong("last_read_seq")).isEqualTo(3);
    // b answers: its marker moves to its own message, a has one unread
    send(portB, b, id, "ok").expect(201);
    assertThat(call(portB, "GET", conv(id), b.token(), null).json().getLong("last_read_seq")).isEqualTo(4);
    assertThat(call(portA, "GET", conv(id), a.token(), null).json().getLong("unread_count")).isEqualTo(1);
  }

  // ---- real time

  @Test
  void everyChangeReachesTheUserChannelOfEachMemberOnEitherNodeAndNoOneElse() {
    User a = user("alpha");
    User b = user("bravo");
    User c = user("charlie");
    try (WsProbe aws = channel(portA, a); WsProbe bws = channel(portB, b); WsProbe cws = channel(portB, c)) {
      String id = direct(portA, a, b).expect(201).json().getString("id");
      for (WsProbe ws : List.of(aws, bws)) {
        JsonObject ev = ws.await(MessagingTest::messaging, 10_000);
        assertThat(ev.getString("type")).isEqualTo("conversation");
        assertThat(ev.getString("action")).isEqualTo("created");
        assertThat(ev.getJsonObject("conversation").getString("id")).isEqualTo(id);
      }
      JsonObject sent = call(portA, "POST", conv(id) + "/messages", a.token(), new JsonObject().put("text", "hello\nthere").put("client_message_id", "x1"))
          .expect(201).json();
      JsonObject atA = aws.await(MessagingTest::messaging, 10_000);
      JsonObject atB = bws.await(MessagingTest::messaging, 10_000);
      assertThat(atA).isEqualTo(new JsonObject().put("type", "message").put("conversation_id", id).put("message", sent));
      JsonObject withoutKey = sent.copy();
      withoutKey.remove("client_message_id");
      assertThat(atB).isEqualTo(new JsonObject().put("type", "message").put("conversation_id", id).put("message", withoutKey));

      String path = conv(id) + "/messages/" + sent.getString("id");
      call(portB, "PATCH", path, a.token(), new JsonObject().put("text", "hello")).expect(200);
      for (WsProbe ws : List.of(aws, bws)) {
        JsonObject ev = ws.await(MessagingTest::messaging, 10_000);
        assertThat(ev.getString("type")).isEqualTo("message_edited");
        assertThat(ev.getJsonObject("message").getString("text")).isEqualTo("hello");
      }
      call(portA, "DELETE", path, a.token(), null).expect(200);
      for (WsProbe ws : List.of(aws, bws)) {
        JsonObject ev = ws.await(MessagingTest::messaging, 10_000);
        assertThat(ev.getString("type")).isEqualTo("message_deleted");
        assertThat(ev.getJsonObject("message").getBoolean("deleted")).isTrue();
        assertThat(ev.getJsonObject("message").getValue("text")).isNull();
      }
      call(portB, "POST", conv(id) + "/read", b.token(), new JsonObject().put("seq", 1)).expect(200);
      for (WsProbe ws : List.of(aws, bws)) {
        JsonObject ev = ws.await(MessagingTest::messaging, 10_000);
        assertThat(ev.getString("type")).isEqualTo("read");
        assertThat(ev.getString("user_id")).isEqualTo(b.id());
      }

      // c heard none of that: the first messenger event on its channel is its own conversation's
      String mine = direct(portB, a, c).expect(201).json().getString("id");
      JsonObject first = cws.await(MessagingTest::messaging, 10_000);
      assertThat(first.getString("conversation_id")).isEqualTo(mine);
      assertThat(first.getString("action")).isEqualTo("created");
    }
  }

  /**
   * A member removed while its send waits for the conversation's lock does not send: the membership is read again
   * once the lock is had (FOR UPDATE OF the conversation alone kept the member row of the statement's snapshot, so the
   * removed member's message was stored, after its member_removed).
   */
  @Test
  void aMemberRemovedWhileItsSendWaitsForTheLockDoesNotSend() {
    User owner = user("boss");
    User gone = user("gone");
    String id = group(owner, "race", gone).getString("id");
    io.vertx.sqlclient.SqlConnection tx = io.chorus.testing.TestServices.await(tc.pg().getConnection());
    try {
      io.chorus.testing.TestServices.await(tx.query("BEGIN").execute());
      // the removal's transaction: the conversation's lock, the member row deleted, the activity touched (not committed yet)
      io.chorus.testing.TestServices.await(tx.preparedQuery("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE")
          .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id))));
      io.chorus.testing.TestServices.await(tx.preparedQuery("DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2")
          .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id), UUID.fromString(gone.id()))));
      io.chorus.testing.TestServices.await(tx.preparedQuery("UPDATE conversations SET last_activity_at = NOW() WHERE id = $1")
          .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id))));
      CompletableFuture<Reply> sending = CompletableFuture.supplyAsync(() -> send(portA, gone, id, "after my removal"), pool);
      long deadline = System.currentTimeMillis() + 20_000;
      while (!sending.isDone() && tc.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?",
          "%FOR UPDATE OF c%").get(0).get("n").equals(0L)) {
        assertThat(System.currentTimeMillis()).as("the send neither finished nor waited for the lock").isLessThan(deadline);
        Thread.onSpinWait();
      }
      io.chorus.testing.TestServices.await(tx.query("COMMIT").execute());
      assertThat(sending.join().error(404)).isEqualTo("not_found");
    } finally {
      tx.close();
    }
    assertThat(tc.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = ?::uuid", id).get(0).get("n")).isEqualTo(0L);
    assertThat(call(portA, "GET", conv(id), owner.token(), null).expect(200).json().getLong("last_seq")).isZero();
  }

  /**
   * A send that waited for the conversation's lock is timed when it got it, not when its transaction began: its
   * message's created_at is not before the change that held the lock, and the conversation's activity never goes back.
   */
  @Test
  void aSendThatWaitedForTheLockIsTimedAfterTheChangeThatHeldIt() {
    User a = user("late");
    User b = user("later");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    io.vertx.sqlclient.SqlConnection tx = io.chorus.testing.TestServices.await(tc.pg().getConnection());
    java.time.OffsetDateTime held;
    CompletableFuture<Reply> sending;
    try {
      io.chorus.testing.TestServices.await(tx.query("BEGIN").execute());
      io.chorus.testing.TestServices.await(tx.preparedQuery("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE")
          .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id))));
      sending = CompletableFuture.supplyAsync(() -> send(portA, a, id, "waited"), pool);
      long deadline = System.currentTimeMillis() + 20_000;
      while (!sending.isDone() && tc.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?",
          "%FOR UPDATE OF c%").get(0).get("n").equals(0L)) {
        assertThat(System.currentTimeMillis()).as("the send neither finished nor waited for the lock").isLessThan(deadline);
        Thread.onSpinWait();
      }
      // the change that held the lock, made after the send's transaction began
      held = io.chorus.testing.TestServices.await(tx.preparedQuery("UPDATE conversations SET last_activity_at = clock_timestamp() WHERE id = $1"
          + " RETURNING last_activity_at").execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(id)))).iterator().next().getOffsetDateTime(0);
      io.chorus.testing.TestServices.await(tx.query("COMMIT").execute());
    } finally {
      tx.close();
    }
    JsonObject sent = sending.join().expect(201).json();
    assertThat(java.time.Instant.parse(sent.getString("created_at"))).isAfterOrEqualTo(held.toInstant());
    JsonObject c = call(portA, "GET", conv(id), a.token(), null).expect(200).json();
    assertThat(java.time.Instant.parse(c.getString("last_activity_at"))).isAfterOrEqualTo(held.toInstant());
  }

  @Test
  void aDisabledAccountCannotSendButItsMessagesStay() {
    User a = user("stays");
    User b = user("banned");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    send(portA, b, id, "before the ban").expect(201);
    call(portA, "POST", "/api/v1/admin/users/" + b.id() + "/disable", adminToken(), null).expect(200);
    assertThat(send(portB, b, id, "after").error(401)).isEqualTo("unauthenticated");
    JsonArray history = call(portA, "GET", conv(id) + "/messages", a.token(), null).expect(200).json().getJsonArray("messages");
    assertThat(history).hasSize(1);
    assertThat(history.getJsonObject(0).getString("text")).isEqualTo("before the ban");
    JsonObject member = call(portA, "GET", conv(id), a.token(), null).json().getJsonArray("members").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getJsonObject("user").getString("id").equals(b.id())).findFirst().orElseThrow();
    assertThat(member.getJsonObject("user")).isEqualTo(new JsonObject().put("id", b.id()).put("disabled", true));
  }

  // ---- limits

  /** {@code RATE_LIMIT_MESSENGER_WRITES}: the changes of one user per window; refused requests and reads are not counted. */
  @Test
  void aUsersChangesAreRateLimitedClusterWide() {
    try (TestCluster small = TestCluster.start(2, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_MESSENGER_WRITES", 3,
        "RATE_LIMIT_WINDOW_SECONDS", 3600))) {
      int p0 = NodePorts.http(small.node(0).vertx());
      int p1 = NodePorts.http(small.node(1).vertx());
      JsonObject ra = call(p0, "POST", "/api/v1/auth/register", null, new JsonObject().put("username", "lim-" + UUID.randomUUID().toString().substring(0, 8))
          .put("password", PW)).expect(201).json();
      JsonObject rb = call(p0, "POST", "/api/v1/auth/register", null, new JsonObject().put("username", "lim-" + UUID.randomUUID().toString().substring(0, 8))
          .put("password", PW)).expect(201).json();
      User a = new User(ra.getJsonObject("user").getString("id"), ra.getString("access_token"), null);
      User b = new User(rb.getJsonObject("user").getString("id"), rb.getString("access_token"), null);
      String id = direct(p0, a, b).expect(201).json().getString("id");   // 1
      assertThat(send(p1, a, id, "").error(400)).isEqualTo("invalid_argument");   // refused: not counted
      assertThat(direct(p1, a, a).error(400)).isEqualTo("invalid_argument");   // a direct conversation with yourself: not counted
      JsonArray tooMany = new JsonArray();
      for (int i = 0; i < Conversations.MAX_MEMBERS; i++) {
        tooMany.add(UUID.randomUUID().toString());
      }
      // 256 others and the caller: 257 members
      assertThat(call(p1, "POST", "/api/v1/conversations", a.token(), new JsonObject().put("type", "group").put("title", "big")
          .put("user_ids", tooMany)).error(400)).isEqualTo("invalid_argument");   // 257 members: not counted
      assertThat(call(p0, "PATCH", conv(id) + "/members/" + b.id(), a.token(), new JsonObject().put("role", "owner")).error(400))
          .isEqualTo("invalid_argument");   // a role that does not exist: not counted
      send(p1, a, id, "two").expect(201);   // 2
      send(p0, a, id, "three").expect(201);   // 3, on the other node: one counter for the cluster
      Reply over = send(p1, a, id, "four");
      assertThat(over.error(429)).isEqualTo("rate_limited");
      assertThat(Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 3600L);
      assertThat(call(p0, "GET", conv(id) + "/messages", a.token(), null).expect(200).json().getJsonArray("messages")).hasSize(2);
      // reads are not changes; another user has their own budget
      call(p0, "POST", conv(id) + "/read", a.token(), new JsonObject().put("seq", 2)).expect(200);
      send(p0, b, id, "mine").expect(201);
    }
  }

  // ---- bad input

  /** A visible character: not only spaces of any kind (U+00A0, U+3000 too) or zero-width characters, on send and edit. */
  @Test
  void aTextOfOnlySpacesOfAnyKindIsRefused() {
    User a = user("spaces");
    User b = user("spaced");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    // zero-width characters (a space, a joiner, a BOM) show nothing either
    for (String blank : List.of("\u00a0", "\u3000", " \u00a0\n\t\u2007\u3000", "\u200b", "\u200b\u200d\ufeff ")) {
      assertThat(send(portA, a, id, blank).error(400)).isEqualTo("invalid_argument");
    }
    // an emoji alone is a message
    assertThat(send(portA, a, id, "\ud83c\udfb8").expect(201).json().getString("text")).isEqualTo("\ud83c\udfb8");
    JsonObject sent = send(portA, a, id, "a\u00a0b").expect(201).json();
    assertThat(sent.getString("text")).isEqualTo("a\u00a0b");
    assertThat(call(portA, "PATCH", conv(id) + "/messages/" + sent.getString("id"), a.token(), new JsonObject().put("text", "\u00a0\u3000"))
        .error(400)).isEqualTo("invalid_argument");
    JsonArray all = call(portA, "GET", conv(id) + "/messages", a.token(), null).expect(200).json().getJsonArray("messages");
    assertThat(all).hasSize(2);
    assertThat(all.getJsonObject(0).getString("text")).isEqualTo("a\u00a0b");
  }

  /** {@code client_message_id}: 1-64 characters, counted as the input rules count them (code points, not UTF-16 units). */
  @Test
  void aClientMessageIdOf64CharactersOutsideTheBmpIsTaken() {
    User a = user("emoji");
    User b = user("emojied");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    String key = "\ud83d\ude00".repeat(64);
    JsonObject body = new JsonObject().put("text", "hi").put("client_message_id", key);
    JsonObject first = call(portA, "POST", conv(id) + "/messages", a.token(), body).expect(201).json();
    assertThat(first.getString("client_message_id")).isEqualTo(key);
    assertThat(call(portB, "POST", conv(id) + "/messages", a.token(), body).expect(200).json().getString("id")).isEqualTo(first.getString("id"));
    assertThat(call(portA, "POST", conv(id) + "/messages", a.token(), body.copy().put("client_message_id", key + "x")).error(400))
        .isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", conv(id) + "/messages", a.token(), body.copy().put("client_message_id", "")).error(400))
        .isEqualTo("invalid_argument");
  }

  /** Duplicates in {@code user_ids} are ignored: the 256-member limit counts distinct members, not array entries. */
  @Test
  void duplicateUserIdsDoNotCountTowardsTheMemberLimit() {
    User a = user("dups");
    User b = user("dupped");
    JsonArray ids = new JsonArray();
    for (int i = 0; i < 300; i++) {
      ids.add(i % 2 == 0 ? b.id() : a.id());
    }
    JsonObject g = call(portA, "POST", "/api/v1/conversations", a.token(), new JsonObject().put("type", "group").put("title", "dups").put("user_ids", ids))
        .expect(201).json();
    assertThat(roles(g)).isEqualTo(Map.of(a.id(), "owner", b.id(), "member"));
  }

  /**
   * A full group (256 members; filled with rows, as registering 254 users would only slow the test): adding one more is
   * 409 {@code conflict}, adding a member again is 409 {@code already_exists} (the more specific answer) either way.
   */
  @Test
  void aFullGroupRefusesANewMemberButNamesAnExistingOne() {
    User a = user("full");
    User b = user("fuller");
    User c = user("outside");
    String id = group(a, "full house", b).getString("id");
    tc.sql("INSERT INTO users (id, username, display_name, password_hash)"
        + " SELECT gen_random_uuid(), 'fill-' || substr(md5(random()::text), 1, 12), 'filler', 'x' FROM generate_series(1, ?)",
        Conversations.MAX_MEMBERS - 2);
    tc.sql("INSERT INTO conversation_members (conversation_id, user_id, role)"
        + " SELECT ?::uuid, id, 'member' FROM users WHERE display_name = 'filler' AND id NOT IN"
        + " (SELECT user_id FROM conversation_members WHERE conversation_id = ?::uuid) LIMIT ?", id, id, Conversations.MAX_MEMBERS - 2);
    assertThat(call(portA, "GET", conv(id), a.token(), null).expect(200).json().getJsonArray("members")).hasSize(Conversations.MAX_MEMBERS);
    assertThat(call(portA, "POST", conv(id) + "/members", a.token(), new JsonObject().put("user_id", c.id())).error(409)).isEqualTo("conflict");
    assertThat(call(portA, "POST", conv(id) + "/members", a.token(), new JsonObject().put("user_id", b.id())).error(409)).isEqualTo("already_exists");
  }

  @Test
  void badInputGetsAClear4xxAndWritesNothing() {
    User a = user("fuzz");
    User b = user("fuzzed");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    String msgs = conv(id) + "/messages";
    assertThat(call(portA, "POST", msgs, null, new JsonObject().put("text", "x")).error(401)).isEqualTo("unauthenticated");
    assertThat(call(portA, "GET", "/api/v1/conversations", "not-a-jwt", null).error(401)).isEqualTo("unauthenticated");
    assertThat(call(portA, "POST", msgs, a.token(), "{not json").error(400)).isEqualTo("malformed_json");
    assertThat(call(portA, "POST", msgs, a.token(), "[1]").error(400)).isEqualTo("malformed_json");
    assertThat(call(portA, "POST", msgs, a.token(), null).error(400)).isEqualTo("malformed_json");
    assertThat(call(portA, "POST", msgs, a.token(), new JsonObject().put("text", 5)).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", msgs, a.token(), new JsonObject()).error(400)).isEqualTo("invalid_argument");
    assertThat(send(portA, a, id, "").error(400)).isEqualTo("invalid_argument");
    assertThat(send(portA, a, id, " \n ").error(400)).isEqualTo("invalid_argument");
    assertThat(send(portA, a, id, "bell\u0007").error(400)).isEqualTo("invalid_argument");
    assertThat(send(portA, a, id, "rtl\u202e").error(400)).isEqualTo("invalid_argument");
    assertThat(send(portA, a, id, "x".repeat(4001)).error(400)).isEqualTo("invalid_argument");
    // 4000 characters after NFC: 4000 decomposed "é" (8000 code points) are 4000 composed ones
    assertThat(send(portA, a, id, "e\u0301".repeat(4000)).expect(201).json().getString("text")).isEqualTo("\u00e9".repeat(4000));
    assertThat(send(portA, a, id, "tab\tand\r\nline").expect(201).json().getString("text")).isEqualTo("tab\tand\nline");
    // over the body limit: 413 before the handler
    assertThat(call(portA, "POST", msgs, a.token(), new JsonObject().put("text", "y".repeat(70_000))).error(413)).isEqualTo("payload_too_large");
    // a forged sender is ignored: the message is the caller's
    assertThat(call(portA, "POST", msgs, a.token(), new JsonObject().put("text", "me").put("sender_id", b.id())).expect(201).json()
        .getString("sender_id")).isEqualTo(a.id());
    // ids
    assertThat(call(portA, "GET", "/api/v1/conversations/not-a-uuid", a.token(), null).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "PATCH", msgs + "/123", a.token(), new JsonObject().put("text", "x")).error(400)).isEqualTo("invalid_argument");
    // the ids are checked before the body is read: a malformed one is 400 even with a body over the limit
    assertThat(call(portA, "PATCH", msgs + "/123", a.token(), new JsonObject().put("text", "y".repeat(70_000))).error(400))
        .isEqualTo("invalid_argument");
    assertThat(call(portA, "GET", msgs + "?after_seq=abc", a.token(), null).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "GET", msgs + "?before_seq=-1", a.token(), null).error(400)).isEqualTo("invalid_argument");
    // conversation bodies
    String list = "/api/v1/conversations";
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "channel")).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "direct")).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "direct").put("user_id", "bob")).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "group").put("title", " ")).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "group").put("title", "t".repeat(129))).error(400))
        .isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "group").put("title", "t").put("user_ids", b.id())).error(400))
        .isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "group").put("title", "t").put("user_ids", new JsonArray().add(7)))
        .error(400)).isEqualTo("invalid_argument");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 256; i++) {
      tooMany.add(UUID.randomUUID().toString());
    }
    assertThat(call(portA, "POST", list, a.token(), new JsonObject().put("type", "group").put("title", "t").put("user_ids", tooMany)).error(400))
        .isEqualTo("invalid_argument");
    assertThat(call(portA, "PATCH", conv(id), a.token(), new JsonObject().put("title", "t")).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "PATCH", conv(id), a.token(), new JsonObject().put("name", "t")).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "PATCH", conv(id), a.token(), new JsonObject()).error(400)).isEqualTo("invalid_argument");
    // nothing of the refused sends was written: seqs 1..4 are the four accepted messages
    JsonArray written = call(portA, "GET", msgs + "?after_seq=0", a.token(), null).json().getJsonArray("messages");
    assertThat(written.stream().map(m -> ((JsonObject) m).getLong("seq")).toList()).containsExactly(1L, 2L, 3L);
  }

  // ---- joining later, typing, replies

  /** A member added to a group with a history can read it all but has nothing unread (it was 3 unread on the old code). */
  @Test
  void aMemberAddedLaterReadsTheHistoryButHasNothingUnread() {
    User a = user("host");
    User b = user("early");
    User c = user("late");
    String id = group(a, "later", b).getString("id");
    for (int i = 1; i <= 3; i++) {
      send(portA, b, id, "before " + i).expect(201);
    }
    call(portA, "POST", conv(id) + "/members", a.token(), new JsonObject().put("user_id", c.id())).expect(200);
    JsonObject asC = call(portB, "GET", conv(id), c.token(), null).expect(200).json();
    assertThat(asC.getLong("unread_count")).isZero();
    assertThat(asC.getLong("last_read_seq")).isEqualTo(3);
    assertThat(call(portB, "GET", conv(id) + "/messages", c.token(), null).json().getJsonArray("messages")).hasSize(3);
    send(portA, b, id, "after").expect(201);
    assertThat(call(portB, "GET", conv(id), c.token(), null).json().getLong("unread_count")).isEqualTo(1);
  }

  /**
   * typing reaches the conversation's other members (on either node), never the typist, and at most once per member and
   * conversation every 2 s however often it is called: the next event b hears after a's burst of typing calls is a's
   * message, and a hears its own message first.
   */
  @Test
  void typingReachesTheOtherMembersOnlyAndABurstIsOneEvent() {
    User a = user("typist");
    User b = user("reader");
    User c = user("stranger");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    try (WsProbe aws = channel(portA, a); WsProbe bws = channel(portB, b)) {
      long start = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        call(i % 2 == 0 ? portA : portB, "POST", conv(id) + "/typing", a.token(), null).expect(204);
      }
      long burstMs = (System.nanoTime() - start) / 1_000_000;
      send(portA, a, id, "typed").expect(201);
      JsonObject typing = new JsonObject().put("type", "typing").put("conversation_id", id).put("user_id", a.id());
      int heard = 0;
      for (JsonObject ev = bws.await(MessagingTest::messaging, 10_000); !"message".equals(ev.getString("type"));
           ev = bws.await(MessagingTest::messaging, 10_000)) {
        assertThat(ev).isEqualTo(typing);
        heard++;
      }
      // one per 2 s window the burst spanned (a burst on a loaded machine may span two windows)
      assertThat(heard).as("typing events for a burst of %d ms", burstMs).isBetween(1, 1 + (int) (burstMs / Typing.INTERVAL_MS));
      assertThat(aws.await(MessagingTest::messaging, 10_000).getString("type")).isEqualTo("message");
    }
    // a non-member is told what any stranger is told; the path id and the token are checked
    assertThat(call(portA, "POST", conv(id) + "/typing", c.token(), null).error(404)).isEqualTo("not_found");
    assertThat(call(portA, "POST", conv(UUID.randomUUID().toString()) + "/typing", a.token(), null).error(404)).isEqualTo("not_found");
    assertThat(call(portA, "POST", conv("nope") + "/typing", a.token(), null).error(400)).isEqualTo("invalid_argument");
    assertThat(call(portA, "POST", conv(id) + "/typing", null, null).error(401)).isEqualTo("unauthenticated");
  }

  /**
   * A reply carries the message it answers as that message is now (an edit shows, a deletion leaves a tombstone), in
   * the answer, the event and the history; a reply to a message of another conversation, to a deleted one or to no
   * message id is 400 and sends nothing.
   */
  @Test
  void aReplyCarriesTheAnsweredMessageAsItIsNow() {
    User a = user("asker");
    User b = user("answerer");
    User c = user("elsewhere");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    String other = direct(portA, a, c).expect(201).json().getString("id");
    String question = "q".repeat(250);
    JsonObject asked = send(portA, a, id, question).expect(201).json();
    assertThat(asked.getValue("reply_to")).isNull();
    String msgs = conv(id) + "/messages";
    try (WsProbe aws = channel(portA, a)) {
      JsonObject reply = call(portB, "POST", msgs, b.token(), new JsonObject().put("text", "answer").put("reply_to", asked.getString("id"))
          .put("client_message_id", "r1")).expect(201).json();
      JsonObject quoted = new JsonObject().put("id", asked.getString("id")).put("seq", 1).put("sender_id", a.id())
          .put("text", "q".repeat(Messages.REPLY_EXCERPT)).put("deleted", false);
      assertThat(reply.getJsonObject("reply_to")).isEqualTo(quoted);
      JsonObject heard = aws.await(m -> "message".equals(m.getString("type")), 10_000);
      assertThat(heard.getJsonObject("message").getJsonObject("reply_to")).isEqualTo(quoted);
    }
    call(portA, "PATCH", msgs + "/" + asked.getString("id"), a.token(), new JsonObject().put("text", "better question")).expect(200);
    JsonObject latest = call(portA, "GET", msgs + "?limit=1", a.token(), null).json().getJsonArray("messages").getJsonObject(0);
    assertThat(latest.getJsonObject("reply_to").getString("text")).isEqualTo("better question");
    call(portA, "DELETE", msgs + "/" + asked.getString("id"), a.token(), null).expect(200);
    latest = call(portA, "GET", msgs + "?limit=1", a.token(), null).json().getJsonArray("messages").getJsonObject(0);
    assertThat(latest.getJsonObject("reply_to").getBoolean("deleted")).isTrue();
    assertThat(latest.getJsonObject("reply_to").getValue("text")).isNull();
    // a retry of the reply answers it (200), though the answered message is gone now
    assertThat(call(portB, "POST", msgs, b.token(), new JsonObject().put("text", "answer").put("reply_to", asked.getString("id"))
        .put("client_message_id", "r1")).expect(200).json().getLong("seq")).isEqualTo(2);
    // refused: a deleted message, another conversation's, an unknown one, no UUID, no string
    String elsewhere = send(portA, a, other, "not here").expect(201).json().getString("id");
    for (Object bad : List.of(asked.getString("id"), elsewhere, UUID.randomUUID().toString(), "nope", 7)) {
      assertThat(call(portB, "POST", msgs, b.token(), new JsonObject().put("text", "x").put("reply_to", bad)).error(400))
          .as("reply_to %s", bad).isEqualTo("invalid_argument");
    }
    assertThat(call(portA, "GET", msgs + "?after_seq=0", a.token(), null).json().getJsonArray("messages")).hasSize(2);
  }

  static String reaction(String conversation, String message, String emoji) {
    return conv(conversation) + "/messages/" + message + "/reactions/"
        + java.net.URLEncoder.encode(emoji, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Reactions: each member once per emoji, the list in the order the emoji first came with who gave each, every member
   * told with the whole list; giving one twice or taking back one not given changes nothing and tells nobody; a
   * tombstone keeps none and takes none; at most 20 different emoji; bad emoji 400.
   */
  @Test
  void reactionsAreOncePerMemberAndEmojiAndEveryMemberHearsTheWholeList() {
    User a = user("poster");
    User b = user("reactor");
    User c = user("outsider");
    String id = direct(portA, a, b).expect(201).json().getString("id");
    String m = send(portA, a, id, "react to me").expect(201).json().getString("id");
    String thumbs = "\uD83D\uDC4D";
    String heart = "\u2764\uFE0F";
    String family = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67";
    try (WsProbe aws = channel(portA, a)) {
      JsonObject one = call(portB, "PUT", reaction(id, m, thumbs), b.token(), null).expect(200).json();
      JsonArray expected = new JsonArray().add(new JsonObject().put("emoji", thumbs).put("count", 1).put("user_ids", new JsonArray().add(b.id())));
      assertThat(one.getJsonArray("reactions")).isEqualTo(expected);
      JsonObject heard = aws.await(MessagingTest::messaging, 10_000);
      assertThat(heard).isEqualTo(new JsonObject().put("type", "reaction").put("conversation_id", id).put("message_id", m)
          .put("user_id", b.id()).put("emoji", thumbs).put("action", "added").put("reactions", expected));
      // again: unchanged, no event
      assertThat(call(portB, "PUT", reaction(id, m, thumbs), b.token(), null).expect(200).json().getJsonArray("reactions")).isEqualTo(expected);
      call(portA, "PUT", reaction(id, m, thumbs), a.token(), null).expect(200);
      JsonObject next = aws.await(MessagingTest::messaging, 10_000);
      assertThat(next.getString("user_id")).as("the repeated reaction told nobody").isEqualTo(a.id());
      assertThat(next.getJsonArray("reactions").getJsonObject(0).getJsonArray("user_ids")).containsExactly(b.id(), a.id());
      call(portB, "PUT", reaction(id, m, heart), b.token(), null).expect(200);
      JsonObject both = call(portB, "PUT", reaction(id, m, family), b.token(), null).expect(200).json();
      assertThat(both.getJsonArray("reactions").stream().map(x -> ((JsonObject) x).getString("emoji")).toList())
          .containsExactly(thumbs, heart, family);
      JsonObject less = call(portB, "DELETE", reaction(id, m, thumbs), b.token(), null).expect(200).json();
      assertThat(less.getJsonArray("reactions").getJsonObject(0)).isEqualTo(new JsonObject().put("emoji", thumbs).put("count", 1)
          .put("user_ids", new JsonArray().add(a.id())));
      // not given any more: unchanged
      assertThat(call(portB, "DELETE", reaction(id, m, thumbs), b.token(), null).expect(200).json().getJsonArray("reactions"))
          .isEqualTo(less.getJsonArray("reactions"));
    }
    // the history shows them
    JsonObject listed = call(portA, "GET", conv(id) + "/messages", a.token(), null).json().getJsonArray("messages").getJsonObject(0);
    assertThat(listed.getJsonArray("reactions")).hasSize(3);
    // bad emoji, strangers, unknown messages
    for (String bad : List.of("a b", "123456789", "\u200B", "\t")) {
      assertThat(call(portA, "PUT", reaction(id, m, bad), a.token(), null).error(400)).as("emoji %s", bad).isEqualTo("invalid_argument");
    }
    assertThat(call(portA, "PUT", reaction(id, m, thumbs), c.token(), null).error(404)).isEqualTo("not_found");
    assertThat(call(portA, "PUT", reaction(id, UUID.randomUUID().toString(), thumbs), a.token(), null).error(404)).isEqualTo("not_found");
    assertThat(call(portA, "PUT", conv(id) + "/messages/nope/reactions/x", a.token(), null).error(400)).isEqualTo("invalid_argument");
    // at most 20 different emoji: the 21st new one is refused, one already there is still taken
    String full = send(portA, a, id, "popular").expect(201).json().getString("id");
    for (int i = 0; i < Messages.MAX_REACTIONS; i++) {
      call(portA, "PUT", reaction(id, full, new String(Character.toChars(0x1F600 + i))), a.token(), null).expect(200);
    }
    assertThat(call(portB, "PUT", reaction(id, full, new String(Character.toChars(0x1F600 + 30))), b.token(), null).error(409)).isEqualTo("conflict");
    assertThat(call(portB, "PUT", reaction(id, full, new String(Character.toChars(0x1F600))), b.token(), null).expect(200).json()
        .getJsonArray("reactions").getJsonObject(0).getLong("count")).isEqualTo(2);
    // a tombstone keeps none and takes none
    JsonObject tomb = call(portA, "DELETE", conv(id) + "/messages/" + m, a.token(), null).expect(200).json();
    assertThat(tomb.getJsonArray("reactions")).isEmpty();
    assertThat(call(portB, "PUT", reaction(id, m, thumbs), b.token(), null).error(410)).isEqualTo("gone");
  }
}

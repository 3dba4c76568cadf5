package io.chorus.library;

import io.chorus.bus.Addresses;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Sql;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moderation on a two-node cluster with real PostgreSQL: who sees pending, approved, rejected and
 * removed content; moderators only; transitions; the audit log; reports; the takedown event on the
 * clustered bus reaching a consumer on the other node.
 */
@ChorusCluster(nodes = 2, config = {"ADMIN_USERNAME=" + CatalogApi.ADMIN, "ADMIN_PASSWORD=" + CatalogApi.ADMIN_PASSWORD,
    "RATE_LIMIT_LOGIN=100000", "RATE_LIMIT_LOGIN_PER_USERNAME=100000", "RATE_LIMIT_REGISTER=100000"})
class ModerationTest {
  static TestCluster tc;
  static CatalogApi a;
  static CatalogApi b;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    a = new CatalogApi(c.port(0));
    b = new CatalogApi(c.port(1));
  }

  static String track(CatalogApi.User owner, String title, String moderation) {
    return CatalogApi.insertTrack(tc.node().config().db(), owner.id(), title, moderation);
  }

  static CatalogApi.Reply decide(CatalogApi api, CatalogApi.User mod, String kind, String id, String decision, String reason) {
    JsonObject body = new JsonObject().put("decision", decision);
    if (reason != null) {
      body.put("reason", reason);
    }
    return api.post("/api/v1/moderation/" + kind + "/" + id, mod.token(), body);
  }

  static List<String> albumTracks(CatalogApi api, String album, CatalogApi.User viewer) {
    return api.get("/api/v1/albums/" + album, viewer == null ? null : viewer.token()).expect(200).json().getJsonObject("album")
        .getJsonArray("tracks").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  /** Every queue item of {@code type}, paging with the cursor. */
  static List<JsonObject> queue(CatalogApi.User mod, String type) {
    List<JsonObject> items = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = a.get("/api/v1/moderation/queue?type=" + type + "&limit=50" + (cursor == null ? "" : "&cursor=" + cursor), mod.token())
          .expect(200).json();
      page.getJsonArray("items").forEach(o -> items.add((JsonObject) o));
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    return items;
  }

  static JsonObject item(List<JsonObject> queue, String id) {
    return queue.stream().filter(i -> i.getString("subject_id").equals(id)).findFirst().orElse(null);
  }

  @Test
  void visibilityFollowsModeration() {
    CatalogApi.User owner = a.newUser("uploader");
    CatalogApi.User other = b.newUser("listener");
    CatalogApi.User mod = a.newModerator("mod");
    String t = track(owner, "Fresh", "pending");
    String album = a.post("/api/v1/albums", owner.token(), new JsonObject().put("title", "Fresh LP")).expect(201).json()
        .getJsonObject("album").getString("id");
    a.post("/api/v1/albums/" + album + "/tracks", owner.token(), new JsonObject().put("track_id", t)).expect(201);

    // pending: owner and moderators only, on either node
    assertThat(albumTracks(b, album, owner)).containsExactly(t);
    assertThat(albumTracks(b, album, mod)).containsExactly(t);
    assertThat(b.get("/api/v1/albums/" + album, other.token()).error(404)).isEqualTo("not_found");
    assertThat(b.get("/api/v1/albums/" + album, null).error(404)).isEqualTo("not_found");

    // album approved, its track still pending: everyone sees the album, only owner and moderators the track
    decide(a, mod, "albums", album, "approve", null).expect(200);
    assertThat(albumTracks(b, album, other)).isEmpty();
    assertThat(albumTracks(b, album, null)).isEmpty();
    assertThat(albumTracks(b, album, owner)).containsExactly(t);
    decide(b, mod, "tracks", t, "approve", "fine").expect(200);
    assertThat(albumTracks(a, album, other)).containsExactly(t);
    assertThat(albumTracks(a, album, null)).containsExactly(t);

    // takedown of the album: hidden from everyone but moderators, the owner included; its track keeps its own state
    JsonObject down = decide(a, mod, "albums", album, "takedown", "copyright claim").expect(200).json();
    assertThat(down.getString("moderation")).isEqualTo("removed");
    for (CatalogApi.User u : new CatalogApi.User[] {other, owner, null}) {
      assertThat(b.get("/api/v1/albums/" + album, u == null ? null : u.token()).error(404)).isEqualTo("not_found");
    }
    assertThat(b.get("/api/v1/albums?owner=" + owner.id(), owner.token()).expect(200).json().getJsonArray("albums")).isEmpty();
    assertThat(b.get("/api/v1/albums/" + album, mod.token()).expect(200).json().getJsonObject("album").getString("moderation_reason"))
        .isEqualTo("copyright claim");
    assertThat(Sql.query(tc.node().config().db(), "SELECT moderation FROM tracks WHERE id = ?", UUID.fromString(t)).get(0).get("moderation"))
        .isEqualTo("approved");
    assertThat(a.call("PATCH", "/api/v1/albums/" + album, owner.token(), new JsonObject().put("title", "back")).error(404)).isEqualTo("not_found");
    decide(a, mod, "albums", album, "restore", null).expect(200);
    assertThat(albumTracks(b, album, null)).containsExactly(t);

    // a rejected track: owner still sees it, with the reason; others do not
    String r = track(owner, "Noise", "pending");
    decide(a, mod, "tracks", r, "reject", "not music").expect(200);
    a.post("/api/v1/albums/" + album + "/tracks", owner.token(), new JsonObject().put("track_id", r)).expect(201);
    assertThat(albumTracks(b, album, owner)).containsExactly(t, r);
    assertThat(albumTracks(b, album, other)).containsExactly(t);
  }

  @Test
  void moderatorsOnlyTransitionsAuditAndReports() {
    CatalogApi.User owner = a.newUser("owner");
    CatalogApi.User user = a.newUser("plain");
    CatalogApi.User user2 = b.newUser("plain2");
    CatalogApi.User mod = b.newModerator("mod");
    CatalogApi.User admin = a.admin();
    String pending = track(owner, "Pending one", "pending");
    String live = track(owner, "Live one", "approved");

    // rights: users 403, anonymous 401
    assertThat(a.get("/api/v1/moderation/queue", user.token()).error(403)).isEqualTo("forbidden");
    assertThat(a.get("/api/v1/moderation/audit", user.token()).error(403)).isEqualTo("forbidden");
    assertThat(decide(a, user, "tracks", pending, "approve", null).error(403)).isEqualTo("forbidden");
    assertThat(decide(a, owner, "tracks", pending, "approve", null).error(403)).isEqualTo("forbidden");
    assertThat(a.get("/api/v1/moderation/queue", null).error(401)).isEqualTo("unauthenticated");
    // the role is checked before the parameters: a user or an anonymous caller learns none of their rules
    for (String q : List.of("/api/v1/moderation/queue?type=song", "/api/v1/moderation/queue?limit=0", "/api/v1/moderation/queue?cursor=zz",
        "/api/v1/moderation/audit?subject_id=12", "/api/v1/moderation/audit?limit=0")) {
      assertThat(a.get(q, user.token()).error(403)).as(q).isEqualTo("forbidden");
      assertThat(a.get(q, null).error(401)).as(q).isEqualTo("unauthenticated");
    }
    assertThat(decide(a, user, "tracks", pending, "delete", "x").error(403)).isEqualTo("forbidden");
    assertThat(decide(a, user, "tracks", pending, "reject", null).error(403)).isEqualTo("forbidden");
    assertThat(decide(a, user, "tracks", "12", "approve", null).error(403)).isEqualTo("forbidden");
    assertThat(a.call("POST", "/api/v1/moderation/tracks/" + pending, user.token(), "{decision").error(403)).isEqualTo("forbidden");

    // reports: anyone signed in who can see it; one open report per user and subject
    assertThat(a.post("/api/v1/tracks/" + live + "/report", user.token(), new JsonObject().put("reason", "offensive lyrics")).expect(201)
        .json().getJsonObject("report").getString("subject_id")).isEqualTo(live);
    assertThat(a.post("/api/v1/tracks/" + live + "/report", user.token(), new JsonObject().put("reason", "again")).error(409))
        .isEqualTo("already_exists");
    String reportedAt = b.post("/api/v1/tracks/" + live + "/report", user2.token(), new JsonObject().put("reason", "stolen")).expect(201)
        .json().getJsonObject("report").getString("created_at");
    assertThat(a.post("/api/v1/tracks/" + pending + "/report", user.token(), new JsonObject().put("reason", "x")).error(404)).isEqualTo("not_found");
    assertThat(a.post("/api/v1/tracks/" + live + "/report", user.token(), new JsonObject()).error(400)).isEqualTo("invalid_argument");
    assertThat(a.post("/api/v1/tracks/" + live + "/report", null, new JsonObject().put("reason", "x")).error(401)).isEqualTo("unauthenticated");
    assertThat(a.post("/api/v1/albums/" + UUID.randomUUID() + "/report", user.token(), new JsonObject().put("reason", "x")).error(404))
        .isEqualTo("not_found");

    // the queue: pending items oldest first, and approved items with open reports; each track carries the
    // moderator's own liked, as every other list a signed-in caller reads does
    a.call("PUT", "/api/v1/tracks/" + live + "/like", mod.token(), null).expect(204);
    List<JsonObject> q = queue(mod, "track");
    assertThat(item(q, live).getJsonObject("track").getBoolean("liked")).isTrue();
    assertThat(item(q, pending).getJsonObject("track").getBoolean("liked")).isFalse();
    assertThat(item(q, pending)).isNotNull();
    assertThat(item(q, pending).getLong("open_reports")).isEqualTo(0);
    assertThat(item(q, pending).getJsonObject("track").getString("title")).isEqualTo("Pending one");
    JsonObject reported = item(q, live);
    assertThat(reported).isNotNull();
    assertThat(reported.getLong("open_reports")).isEqualTo(2);
    assertThat(reported.getJsonArray("reports")).extracting(o -> ((JsonObject) o).getString("reason")).containsExactly("offensive lyrics", "stolen");
    // a report's created_at reads the same in the queue as in the answer to its POST (an instant in UTC, Z)
    assertThat(reported.getJsonArray("reports").getJsonObject(1).getString("created_at")).isEqualTo(reportedAt).endsWith("Z");
    List<String> created = q.stream().map(i -> i.getJsonObject("track").getString("created_at")).toList();
    assertThat(created).isSorted();
    assertThat(a.get("/api/v1/moderation/queue?type=song", mod.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(a.get("/api/v1/moderation/queue?cursor=bm90IGEgY3Vyc29y", mod.token()).error(400)).isEqualTo("invalid_argument");

    // bad decisions
    assertThat(decide(a, mod, "tracks", pending, "reject", null).error(400)).isEqualTo("invalid_argument");
    assertThat(decide(a, mod, "tracks", pending, "reject", "   ").error(400)).isEqualTo("invalid_argument");
    assertThat(decide(a, mod, "tracks", pending, "delete", "x").error(400)).isEqualTo("invalid_argument");
    assertThat(a.post("/api/v1/moderation/tracks/" + pending, mod.token(), new JsonObject().put("decision", 1)).error(400)).isEqualTo("invalid_argument");
    assertThat(a.call("POST", "/api/v1/moderation/tracks/" + pending, mod.token(), "{decision").error(400)).isEqualTo("malformed_json");
    assertThat(decide(a, mod, "tracks", "12", "approve", null).error(400)).isEqualTo("invalid_argument");
    assertThat(decide(a, mod, "tracks", UUID.randomUUID().toString(), "approve", null).error(404)).isEqualTo("not_found");
    assertThat(decide(a, mod, "songs", pending, "approve", null).error(404)).isEqualTo("not_found");

    // transitions: pending -> rejected -> approved -> removed -> approved; impossible ones 409
    assertThat(decide(a, mod, "tracks", pending, "restore", null).error(409)).isEqualTo("conflict");
    decide(a, mod, "tracks", pending, "reject", "too quiet").expect(200);
    CatalogApi.Reply again = decide(a, mod, "tracks", pending, "reject", "again");
    assertThat(again.error(409)).isEqualTo("conflict");
    assertThat(again.json().getJsonObject("error").getString("message")).isEqualTo("cannot reject a rejected track");
    decide(b, admin, "tracks", pending, "approve", null).expect(200);
    assertThat(decide(a, mod, "tracks", pending, "approve", null).error(409)).isEqualTo("conflict");
    CatalogApi.Reply late = decide(a, mod, "tracks", pending, "reject", "late");
    assertThat(late.error(409)).isEqualTo("conflict");
    assertThat(late.json().getJsonObject("error").getString("message")).isEqualTo("cannot reject an approved track");
    decide(a, mod, "tracks", pending, "takedown", "court order").expect(200);
    assertThat(decide(a, mod, "tracks", pending, "takedown", "twice").error(409)).isEqualTo("conflict");
    assertThat(decide(a, mod, "tracks", pending, "approve", null).error(409)).isEqualTo("conflict");
    decide(a, mod, "tracks", pending, "restore", "appeal granted").expect(200);

    // the audit: every decision, newest first, with who and why
    JsonArray audit = a.get("/api/v1/moderation/audit?subject_type=track&subject_id=" + pending, mod.token()).expect(200).json().getJsonArray("audit");
    assertThat(audit).extracting(o -> ((JsonObject) o).getString("decision")).containsExactly("restore", "takedown", "approve", "reject");
    assertThat(audit).extracting(o -> ((JsonObject) o).getString("reason")).containsExactly("appeal granted", "court order", null, "too quiet");
    assertThat(audit).extracting(o -> ((JsonObject) o).getString("moderator_id")).containsExactly(mod.id(), mod.id(), admin.id(), mod.id());
    JsonObject page = a.get("/api/v1/moderation/audit?subject_id=" + pending + "&limit=3", admin.token()).expect(200).json();
    assertThat(page.getJsonArray("audit")).hasSize(3);
    assertThat(a.get("/api/v1/moderation/audit?subject_id=" + pending + "&limit=3&cursor=" + page.getString("next_cursor"), admin.token())
        .expect(200).json().getJsonArray("audit").getJsonObject(0).getString("decision")).isEqualTo("reject");
    assertThat(a.get("/api/v1/moderation/audit?subject_id=nope", mod.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(a.get("/api/v1/moderation/audit?subject_type=user", mod.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(a.get("/api/v1/moderation/audit?cursor=abc", mod.token()).error(400)).isEqualTo("invalid_argument");

    // a decision resolves the subject's open reports: the reported item leaves the queue, and may be reported again
    JsonObject kept = decide(a, mod, "tracks", live, "takedown", "reports upheld").expect(200).json();
    assertThat(kept.getInteger("reports_resolved")).isEqualTo(2);
    assertThat(Sql.query(tc.node().config().db(), "SELECT count(*) AS n FROM reports WHERE subject_id = ? AND resolved_at IS NULL",
        UUID.fromString(live)).get(0).get("n")).isEqualTo(0L);
    decide(a, mod, "tracks", live, "restore", null).expect(200);
    assertThat(item(queue(mod, "track"), live)).isNull();
    a.post("/api/v1/tracks/" + live + "/report", user.token(), new JsonObject().put("reason", "still offensive")).expect(201);
    assertThat(item(queue(mod, "track"), live).getLong("open_reports")).isEqualTo(1);
    // a moderator who finds a reported item fine keeps it: approve on an approved item with open reports resolves them,
    // it stays approved and leaves the queue; without open reports approving an approved item stays a 409
    JsonObject dismissed = decide(a, mod, "tracks", live, "approve", null).expect(200).json();
    assertThat(dismissed.getString("moderation")).isEqualTo("approved");
    assertThat(dismissed.getInteger("reports_resolved")).isEqualTo(1);
    assertThat(item(queue(mod, "track"), live)).isNull();
    assertThat(decide(a, mod, "tracks", live, "approve", null).error(409)).isEqualTo("conflict");

    // albums go through the same queue and decisions
    String album = a.post("/api/v1/albums", owner.token(), new JsonObject().put("title", "Queued LP")).expect(201).json()
        .getJsonObject("album").getString("id");
    assertThat(item(queue(mod, "album"), album).getJsonObject("album").getString("title")).isEqualTo("Queued LP");
    decide(a, mod, "albums", album, "approve", null).expect(200);
    assertThat(item(queue(mod, "album"), album)).isNull();
    a.post("/api/v1/albums/" + album + "/report", user.token(), new JsonObject().put("reason", "fake cover")).expect(201);
    assertThat(item(queue(mod, "album"), album).getLong("open_reports")).isEqualTo(1);
    assertThat(decide(a, mod, "albums", album, "approve", null).expect(200).json().getInteger("reports_resolved")).isEqualTo(1);
    assertThat(item(queue(mod, "album"), album)).isNull();
  }

  /** A consumer on node 1, returned once node 0 knows of it (a probe published on node 0 arrived). */
  static MessageConsumer<JsonObject> listenOnNode1(String address, BlockingQueue<JsonObject> received) throws InterruptedException {
    MessageConsumer<JsonObject> consumer = tc.node(1).vertx().eventBus().consumer(address, m -> received.add(m.body()));
    TestServices.await(consumer.completion());
    long deadline = System.currentTimeMillis() + 30_000;
    JsonObject probe = null;
    while (probe == null && System.currentTimeMillis() < deadline) {
      tc.node(0).vertx().eventBus().publish(address, new JsonObject().put("type", "probe"));
      probe = received.poll(200, TimeUnit.MILLISECONDS);
    }
    assertThat(probe).as("the subscription to %s on node 1 reached node 0", address).isNotNull();
    received.clear();
    return consumer;
  }

  /** The first event of {@code type} about {@code subject} (probes that arrive late are skipped), or null after 30 s. */
  static JsonObject next(BlockingQueue<JsonObject> received, String type, String subject) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject e = received.poll(deadline - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
      if (e != null && type.equals(e.getString("type")) && subject.equals(e.getString("subject_id"))) {
        return e;
      }
    }
    return null;
  }

  @Test
  void aTakedownReachesAConsumerOnTheOtherNode() throws Exception {
    CatalogApi.User owner = a.newUser("victim");
    CatalogApi.User mod = a.newModerator("enforcer");
    String t = track(owner, "Infringing", "approved");
    BlockingQueue<JsonObject> takedowns = new LinkedBlockingQueue<>();
    BlockingQueue<JsonObject> ownerEvents = new LinkedBlockingQueue<>();
    MessageConsumer<JsonObject> bus = listenOnNode1(Addresses.LIBRARY_TAKEDOWN, takedowns);
    MessageConsumer<JsonObject> channel = listenOnNode1(Addresses.userEvents(owner.id()), ownerEvents);
    try {
      decide(a, mod, "tracks", t, "takedown", "DMCA").expect(200);
      assertThat(next(takedowns, "takedown", t)).as("takedown event on node 1")
          .isEqualTo(new JsonObject().put("type", "takedown").put("subject_type", "track").put("subject_id", t)
              .put("track_ids", new JsonArray().add(t)));
      assertThat(next(ownerEvents, "moderation", t)).as("the owner's channel").isEqualTo(new JsonObject().put("type", "moderation")
          .put("subject_type", "track").put("subject_id", t).put("moderation", "removed").put("reason", "DMCA"));
      // the row alone already hides it on the other node
      assertThat(b.post("/api/v1/tracks/" + t + "/report", owner.token(), new JsonObject().put("reason", "mine?")).error(404)).isEqualTo("not_found");
      // a restore is no takedown: nothing on the takedown address, the owner hears of it
      decide(b, mod, "tracks", t, "restore", null).expect(200);
      assertThat(next(ownerEvents, "moderation", t).getString("moderation")).isEqualTo("approved");
      assertThat(takedowns).isEmpty();
    } finally {
      TestServices.await(bus.unregister());
      TestServices.await(channel.unregister());
    }
  }
}

package io.chorus.messaging;

import io.chorus.gateway.NodePorts;
import io.chorus.infra.Infra;
import io.chorus.testing.JdkHttp;
import io.chorus.testing.TestCluster;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attachments in messages on two clustered nodes with the real PostgreSQL, Redis and S3: uploads, sends, downloads
 * (signed URL and Bearer, with Range) through the JDK's HTTP client, events through real {@code /ws/user} sockets.
 * Attachments here are at most 64 KiB ({@code MESSENGER_ATTACHMENT_MAX_BYTES}), a user makes 40 changes a minute, and
 * unsent uploads are looked for every second.
 */
class MessageAttachmentsTest {
  static final String PW = "correct horse battery staple";
  static final int MAX = 64 * 1024;
  static final int WRITES = 40;
  static TestCluster tc;
  static int portA;
  static int portB;
  static S3Client s3;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(2, Map.of("RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_MESSENGER_WRITES", WRITES,
        "MESSENGER_ATTACHMENT_MAX_BYTES", MAX, "MESSENGER_ATTACHMENT_SWEEP_SECONDS", 1));
    portA = NodePorts.http(tc.node(0).vertx());
    portB = NodePorts.http(tc.node(1).vertx());
    s3 = Infra.s3Client(tc.config().s3());
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
    tc.close();
  }

  // ---- a small client

  record Reply(int status, byte[] bytes, java.net.http.HttpHeaders headers) {
    String body() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    JsonObject json() {
      return bytes.length == 0 ? new JsonObject() : new JsonObject(body());
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    String error(int expected) {
      assertThat(status).as("status of %s", body()).isEqualTo(expected);
      JsonObject err = json().getJsonObject("error");
      assertThat(err).as(body()).isNotNull();
      assertThat(err.getString("message")).as(body()).isNotBlank();
      return err.getString("code");
    }

    Reply expect(int expected) {
      assertThat(status).as("status of %s", body()).isEqualTo(expected);
      return this;
    }
  }

  static Reply exchange(int port, String method, String path, String token, Map<String, String> headers, HttpRequest.BodyPublisher body) {
    HttpResponse<byte[]> r = JdkHttp.exchange(port, method, path, token, headers, body, Duration.ofSeconds(30));
    return new Reply(r.statusCode(), r.body(), r.headers());
  }

  static Reply call(int port, String method, String path, String token, JsonObject body) {
    return exchange(port, method, path, token, body == null ? Map.of() : Map.of("Content-Type", "application/json"),
        body == null ? null : HttpRequest.BodyPublishers.ofString(body.encode()));
  }

  static Reply get(int port, String path, String token, String range) {
    return exchange(port, "GET", path, token, range == null ? Map.of() : Map.of("Range", range), null);
  }

  record User(String id, String token) {
  }

  static User user(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject r = call(portA, "POST", "/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", PW)).expect(201).json();
    return new User(r.getJsonObject("user").getString("id"), r.getString("access_token"));
  }

  static String direct(User me, User other) {
    return call(portA, "POST", "/api/v1/conversations", me.token(), new JsonObject().put("type", "direct").put("user_id", other.id()))
        .expect(201).json().getString("id");
  }

  static String conv(String id) {
    return "/api/v1/conversations/" + id;
  }

  static Reply upload(int port, User me, String conversation, String name, String type, byte[] bytes) {
    Map<String, String> headers = new HashMap<>();
    if (type != null) {
      headers.put("Content-Type", type);
    }
    String query = name == null ? "" : "?name=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8);
    return exchange(port, "POST", conv(conversation) + "/attachments" + query, me.token(), headers, HttpRequest.BodyPublishers.ofByteArray(bytes));
  }

  static Reply sendWith(int port, User me, String conversation, JsonObject body) {
    return call(port, "POST", conv(conversation) + "/messages", me.token(), body);
  }

  static JsonObject withIds(String... ids) {
    return new JsonObject().put("attachment_ids", new JsonArray(Arrays.asList((Object[]) ids)));
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static long lastSeq(String conversation, User member) {
    return call(portA, "GET", conv(conversation), member.token(), null).expect(200).json().getLong("last_seq");
  }

  static boolean inS3(String conversation, String attachment) {
    try {
      s3.headObject(b -> b.bucket(tc.config().s3().bucket()).key("messenger/" + conversation + "/" + attachment));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    }
  }

  static int objectsUnder(String conversation) {
    return s3.listObjectsV2(b -> b.bucket(tc.config().s3().bucket()).prefix("messenger/" + conversation + "/")).contents().size();
  }

  static boolean messaging(JsonObject m) {
    return "message".equals(m.getString("type")) || "message_deleted".equals(m.getString("type"));
  }

  // ---- tests

  @Test
  void aPhotoIsUploadedSentAndTheOtherMemberDownloadsTheSameBytesWholeAndByRange() {
    User ann = user("ann");
    User ben = user("ben");
    String c = direct(ann, ben);
    byte[] photo = random(50_000, 1);
    JsonObject up = upload(portA, ann, c, "beach \u00e9t\u00e9.png", "image/PNG; charset=binary", photo).expect(201).json();
    String aid = up.getString("id");
    assertThat(up.getString("conversation_id")).isEqualTo(c);
    assertThat(up.getString("name")).isEqualTo("beach \u00e9t\u00e9.png");
    assertThat(up.getString("content_type")).isEqualTo("image/png");
    assertThat(up.getLong("size")).isEqualTo(50_000L);
    assertThat(inS3(c, aid)).isTrue();
    // not sent yet: the uploader sees it (a preview), the other member does not
    assertThat(get(portA, up.getString("url"), null, null).expect(200).bytes()).isEqualTo(photo);
    assertThat(get(portB, conv(c) + "/attachments/" + aid, ben.token(), null).error(404)).isEqualTo("not_found");

    JsonObject sent;
    JsonObject heard;
    try (WsProbe ws = WsProbe.connect(portB, "/ws/user?token=" + ben.token())) {
      ws.awaitType("hello");
      // a photo without a caption: no text
      sent = sendWith(portA, ann, c, withIds(aid)).expect(201).json();
      heard = ws.await(MessageAttachmentsTest::messaging, 10_000).getJsonObject("message");
    }
    assertThat(sent.getValue("text")).isNull();
    JsonObject a = sent.getJsonArray("attachments").getJsonObject(0);
    assertThat(a.getString("id")).isEqualTo(aid);
    assertThat(a.getString("name")).isEqualTo("beach \u00e9t\u00e9.png");
    assertThat(a.getString("content_type")).isEqualTo("image/png");
    assertThat(a.getLong("size")).isEqualTo(50_000L);
    // the event's URL is the listener's own
    String benUrl = heard.getJsonArray("attachments").getJsonObject(0).getString("url");
    assertThat(benUrl).contains("u=" + ben.id());

    // the other member, on the other node, with no header at all (as <img src>): the same bytes, shown inline
    Reply whole = get(portB, benUrl, null, null).expect(200);
    assertThat(whole.bytes()).isEqualTo(photo);
    assertThat(whole.header("Content-Type")).isEqualTo("image/png");
    assertThat(whole.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(whole.header("Content-Disposition")).startsWith("inline;").contains("filename*=UTF-8''beach%20%C3%A9t%C3%A9.png");
    assertThat(whole.header("Accept-Ranges")).isEqualTo("bytes");
    Reply part = get(portB, benUrl, null, "bytes=1000-1999").expect(206);
    assertThat(part.bytes()).isEqualTo(Arrays.copyOfRange(photo, 1000, 2000));
    assertThat(part.header("Content-Range")).isEqualTo("bytes 1000-1999/50000");
    assertThat(get(portB, benUrl, null, "bytes=-100").expect(206).bytes()).isEqualTo(Arrays.copyOfRange(photo, 49_900, 50_000));
    assertThat(get(portB, benUrl, null, "bytes=60000-").error(416)).isEqualTo("range_not_satisfiable");
    // with the Bearer token instead of a signature; the history signs for its reader
    assertThat(get(portB, conv(c) + "/attachments/" + aid, ben.token(), null).expect(200).bytes()).isEqualTo(photo);
    JsonObject listed = call(portB, "GET", conv(c) + "/messages", ben.token(), null).expect(200).json().getJsonArray("messages").getJsonObject(0);
    assertThat(listed.getJsonArray("attachments").getJsonObject(0).getString("url")).contains("u=" + ben.id());
    assertThat(get(portA, listed.getJsonArray("attachments").getJsonObject(0).getString("url"), null, null).expect(200).bytes()).isEqualTo(photo);

    // a changed signed URL: another viewer, another expiry, another signature, no signature check passes
    assertThat(get(portB, benUrl.replace("u=" + ben.id(), "u=" + ann.id()), null, null).error(403)).isEqualTo("forbidden");
    assertThat(get(portB, benUrl.replaceFirst("exp=(\\d+)", "exp=9$1"), null, null).error(403)).isEqualTo("forbidden");
    assertThat(get(portB, benUrl.replaceFirst("sig=[^&]+", "sig=AAAA"), null, null).error(403)).isEqualTo("forbidden");
    assertThat(get(portB, benUrl.replace(aid, UUID.randomUUID().toString()), null, null).error(403)).isEqualTo("forbidden");
    assertThat(get(portB, conv(c) + "/attachments/" + aid, null, null).error(401)).isEqualTo("unauthenticated");
    // messages without attachments carry an empty list
    assertThat(sendWith(portA, ann, c, new JsonObject().put("text", "plain")).expect(201).json().getJsonArray("attachments")).isEmpty();
  }

  @Test
  void aNonMemberGets404ForUploadAndDownloadAndARemovedMembersUrlStopsWorking() {
    User owner = user("own");
    User member = user("mem");
    User outsider = user("out");
    String g = call(portA, "POST", "/api/v1/conversations", owner.token(), new JsonObject().put("type", "group").put("title", "pics")
        .put("user_ids", new JsonArray().add(member.id()))).expect(201).json().getString("id");
    String aid = upload(portA, owner, g, "a.jpg", "image/jpeg", random(1000, 2)).expect(201).json().getString("id");
    JsonObject sent = sendWith(portA, owner, g, withIds(aid).put("text", "look")).expect(201).json();
    assertThat(sent.getString("text")).isEqualTo("look");

    for (String c : List.of(g, UUID.randomUUID().toString())) {
      assertThat(upload(portA, outsider, c, "x.jpg", "image/jpeg", random(1000, 3)).error(404)).isEqualTo("not_found");
      assertThat(get(portA, conv(c) + "/attachments/" + aid, outsider.token(), null).error(404)).isEqualTo("not_found");
    }
    assertThat(objectsUnder(g)).isEqualTo(1);
    // no token: 401 before anything else
    assertThat(exchange(portA, "POST", conv(g) + "/attachments?name=x", null, Map.of("Content-Type", "image/png"),
        HttpRequest.BodyPublishers.ofByteArray(new byte[10])).error(401)).isEqualTo("unauthenticated");

    String url = call(portA, "GET", conv(g) + "/messages", member.token(), null).expect(200).json().getJsonArray("messages").getJsonObject(0)
        .getJsonArray("attachments").getJsonObject(0).getString("url");
    get(portA, url, null, null).expect(200);
    // removed, the member's still valid signed URL is refused like any non-member's
    call(portA, "DELETE", conv(g) + "/members/" + member.id(), owner.token(), null).expect(204);
    assertThat(get(portA, url, null, null).error(404)).isEqualTo("not_found");
  }

  @Test
  void foreignUsedUnknownAndMalformedAttachmentIdsAreRefusedAndNothingIsSent() {
    User ann = user("ann");
    User ben = user("ben");
    User cat = user("cat");
    String c = direct(ann, ben);
    String other = direct(ann, cat);
    String mine = upload(portA, ann, c, "mine.txt", "text/plain", "hello".getBytes(StandardCharsets.UTF_8)).expect(201).json().getString("id");
    String bens = upload(portA, ben, c, "bens.txt", "text/plain", "ben's".getBytes(StandardCharsets.UTF_8)).expect(201).json().getString("id");
    String elsewhere = upload(portA, ann, other, "other.txt", "text/plain", "other".getBytes(StandardCharsets.UTF_8)).expect(201).json().getString("id");
    long seq = lastSeq(c, ann);

    // another member's upload, one of another conversation, an unknown one (alone or beside a good one): 400, nothing sent
    for (JsonObject body : List.of(withIds(bens), withIds(elsewhere), withIds(UUID.randomUUID().toString()), withIds(mine, bens),
        withIds(mine, UUID.randomUUID().toString()).put("text", "t"))) {
      assertThat(sendWith(portA, ann, c, body).error(400)).as("%s", body).isEqualTo("invalid_argument");
    }
    // malformed: not an array, not strings, not ids, a repeated id, more than 10, and no text with no attachment
    String[] eleven = new String[11];
    for (int i = 0; i < 11; i++) {
      eleven[i] = UUID.randomUUID().toString();
    }
    for (JsonObject body : List.of(new JsonObject().put("attachment_ids", mine), new JsonObject().put("attachment_ids", new JsonArray().add(1)),
        withIds("not-an-id"), withIds(mine, mine), withIds(eleven), new JsonObject().put("attachment_ids", new JsonArray()),
        withIds(mine).put("text", " "), withIds(mine).put("text", 5))) {
      assertThat(sendWith(portA, ann, c, body).error(400)).as("%s", body).isEqualTo("invalid_argument");
    }
    assertThat(lastSeq(c, ann)).isEqualTo(seq);
    assertThat(tc.sql("SELECT count(*) AS n FROM message_attachments WHERE message_id IS NOT NULL AND conversation_id = ?::uuid", c)
        .get(0).get("n")).isEqualTo(0L);

    // sent once; a retry with the same client_message_id answers that message; a new send of the same id is refused
    JsonObject first = sendWith(portA, ann, c, withIds(mine).put("client_message_id", "k1")).expect(201).json();
    JsonObject again = sendWith(portB, ann, c, withIds(mine).put("client_message_id", "k1")).expect(200).json();
    assertThat(again.getString("id")).isEqualTo(first.getString("id"));
    assertThat(again.getJsonArray("attachments").getJsonObject(0).getString("id")).isEqualTo(mine);
    assertThat(sendWith(portA, ann, c, withIds(mine)).error(400)).isEqualTo("invalid_argument");
    assertThat(sendWith(portA, ann, c, withIds(mine).put("client_message_id", "k2")).error(400)).isEqualTo("invalid_argument");
    assertThat(lastSeq(c, ann)).isEqualTo(seq + 1);
    // ben's own is his to send
    assertThat(sendWith(portA, ben, c, withIds(bens)).expect(201).json().getJsonArray("attachments")).hasSize(1);
  }

  @Test
  void anOversizeFileIsRefusedAndNothingIsStored() {
    User ann = user("ann");
    String c = direct(ann, user("ben"));
    // declared too large: refused before the body is read
    assertThat(upload(portA, ann, c, "big.bin", "application/octet-stream", random(MAX + 1, 4)).error(413)).isEqualTo("payload_too_large");
    // not declared (chunked): refused as the bytes pass the limit
    Reply chunked = exchange(portA, "POST", conv(c) + "/attachments?name=big.bin", ann.token(), Map.of("Content-Type", "video/mp4"),
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(random(3 * MAX, 5))));
    assertThat(chunked.error(413)).isEqualTo("payload_too_large");
    assertThat(objectsUnder(c)).isZero();
    assertThat(tc.sql("SELECT count(*) AS n FROM message_attachments WHERE conversation_id = ?::uuid", c).get(0).get("n")).isEqualTo(0L);
    // other bad uploads: no name, an empty name, an empty file, a Content-Type that is not one
    assertThat(upload(portA, ann, c, null, "image/png", random(10, 6)).error(400)).isEqualTo("invalid_argument");
    assertThat(upload(portA, ann, c, " ", "image/png", random(10, 6)).error(400)).isEqualTo("invalid_argument");
    assertThat(upload(portA, ann, c, "empty.png", "image/png", new byte[0]).error(400)).isEqualTo("invalid_argument");
    assertThat(upload(portA, ann, c, "x.png", "not a type", random(10, 6)).error(400)).isEqualTo("invalid_argument");
    assertThat(objectsUnder(c)).isZero();
    // exactly the limit is fine
    assertThat(upload(portA, ann, c, "max.bin", "application/octet-stream", random(MAX, 7)).expect(201).json().getLong("size")).isEqualTo((long) MAX);
    assertThat(objectsUnder(c)).isEqualTo(1);
  }

  @Test
  void htmlAndSvgAreServedAsDownloadsNeverRendered() {
    User ann = user("ann");
    User ben = user("ben");
    String c = direct(ann, ben);
    byte[] html = "<html><script>alert(document.cookie)</script></html>".getBytes(StandardCharsets.UTF_8);
    String h = upload(portA, ann, c, "page.html", "text/html", html).expect(201).json().getString("id");
    String s = upload(portA, ann, c, "pic.svg", "image/svg+xml", "<svg onload=alert(1)/>".getBytes(StandardCharsets.UTF_8)).expect(201).json().getString("id");
    JsonArray sent = sendWith(portA, ann, c, withIds(h, s)).expect(201).json().getJsonArray("attachments");
    // in the order given, with their stored types
    assertThat(sent.getJsonObject(0).getString("content_type")).isEqualTo("text/html");
    assertThat(sent.getJsonObject(1).getString("content_type")).isEqualTo("image/svg+xml");
    for (int i = 0; i < 2; i++) {
      Reply r = get(portB, conv(c) + "/attachments/" + sent.getJsonObject(i).getString("id"), ben.token(), null).expect(200);
      assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
      assertThat(r.header("Content-Disposition")).startsWith("attachment;");
      assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }
    assertThat(get(portB, conv(c) + "/attachments/" + h, ben.token(), null).bytes()).isEqualTo(html);
  }

  @Test
  void deletingTheMessageDeletesItsAttachmentsFromTheDatabaseAndS3() {
    User ann = user("ann");
    User ben = user("ben");
    String c = direct(ann, ben);
    String aid = upload(portA, ann, c, "voice.ogg", "audio/ogg", random(2000, 8)).expect(201).json().getString("id");
    JsonObject sent = sendWith(portA, ann, c, withIds(aid)).expect(201).json();
    String url = sent.getJsonArray("attachments").getJsonObject(0).getString("url");
    Reply audio = get(portA, url, null, null).expect(200);
    assertThat(audio.header("Content-Type")).isEqualTo("audio/ogg");
    assertThat(inS3(c, aid)).isTrue();

    JsonObject deleted;
    try (WsProbe ws = WsProbe.connect(portB, "/ws/user?token=" + ben.token())) {
      ws.awaitType("hello");
      deleted = call(portA, "DELETE", conv(c) + "/messages/" + sent.getString("id"), ann.token(), null).expect(200).json();
      JsonObject ev = ws.await(m -> "message_deleted".equals(m.getString("type")), 10_000);
      assertThat(ev.getJsonObject("message").getJsonArray("attachments")).isEmpty();
    }
    assertThat(deleted.getBoolean("deleted")).isTrue();
    assertThat(deleted.getJsonArray("attachments")).isEmpty();
    assertThat(get(portA, url, null, null).error(404)).isEqualTo("not_found");
    assertThat(get(portB, conv(c) + "/attachments/" + aid, ben.token(), null).error(404)).isEqualTo("not_found");
    assertThat(inS3(c, aid)).isFalse();
    assertThat(tc.sql("SELECT count(*) AS n FROM message_attachments WHERE id = ?::uuid", aid).get(0).get("n")).isEqualTo(0L);

    // a group deleted by its last member leaving takes its attachments along, sent or not
    String g = call(portA, "POST", "/api/v1/conversations", ann.token(), new JsonObject().put("type", "group").put("title", "solo"))
        .expect(201).json().getString("id");
    String kept = upload(portA, ann, g, "kept.ogg", "audio/ogg", random(100, 9)).expect(201).json().getString("id");
    upload(portA, ann, g, "unsent.ogg", "audio/ogg", random(100, 10)).expect(201);
    sendWith(portA, ann, g, withIds(kept)).expect(201);
    assertThat(objectsUnder(g)).isEqualTo(2);
    call(portA, "DELETE", conv(g) + "/members/" + ann.id(), ann.token(), null).expect(204);
    assertThat(objectsUnder(g)).isZero();
    assertThat(tc.sql("SELECT count(*) AS n FROM message_attachments WHERE conversation_id = ?::uuid", g).get(0).get("n")).isEqualTo(0L);
  }

  @Test
  void anUploadNeverSentIsDeletedOnceOlderThanTheUnsentHoursAndASentOneStays() {
    User ann = user("ann");
    String c = direct(ann, user("ben"));
    String sent = upload(portA, ann, c, "sent.txt", "text/plain", "sent".getBytes(StandardCharsets.UTF_8)).expect(201).json().getString("id");
    String unsent = upload(portA, ann, c, "draft.txt", "text/plain", "draft".getBytes(StandardCharsets.UTF_8)).expect(201).json().getString("id");
    String fresh = upload(portA, ann, c, "fresh.txt", "text/plain", "fresh".getBytes(StandardCharsets.UTF_8)).expect(201).json().getString("id");
    sendWith(portA, ann, c, withIds(sent)).expect(201);
    // as if uploaded 25 hours ago (MESSENGER_ATTACHMENT_UNSENT_HOURS is 24)
    tc.sql("UPDATE message_attachments SET created_at = NOW() - interval '25 hours' WHERE id IN (?::uuid, ?::uuid)", sent, unsent);
    io.chorus.testing.TestServices.until("the unsent upload swept", 15_000, () -> !inS3(c, unsent));
    assertThat(tc.sql("SELECT count(*) AS n FROM message_attachments WHERE id = ?::uuid", unsent).get(0).get("n")).isEqualTo(0L);
    assertThat(sendWith(portA, ann, c, withIds(unsent)).error(400)).isEqualTo("invalid_argument");
    // the sent one and the recent draft stay
    assertThat(inS3(c, sent)).isTrue();
    assertThat(inS3(c, fresh)).isTrue();
    assertThat(sendWith(portA, ann, c, withIds(fresh)).expect(201).json().getJsonArray("attachments")).hasSize(1);
  }

  @Test
  void uploadsCountOnTheMessengerWriteLimit() {
    User ann = user("ann");
    String c = direct(ann, user("ben"));
    // the conversation was one change; the uploads are the rest of the window's WRITES
    for (int i = 1; i < WRITES; i++) {
      upload(portA, ann, c, "n" + i + ".txt", "text/plain", ("n" + i).getBytes(StandardCharsets.UTF_8)).expect(201);
    }
    Reply limited = upload(portA, ann, c, "over.txt", "text/plain", "over".getBytes(StandardCharsets.UTF_8));
    assertThat(limited.error(429)).isEqualTo("rate_limited");
    assertThat(limited.header("Retry-After")).isNotNull();
    assertThat(objectsUnder(c)).isEqualTo(WRITES - 1);
  }

  /** A message found by the search carries its attachments' URLs signed for the searcher, as the history does (it had none). */
  @Test
  void aFoundMessagesAttachmentOpensForTheSearcher() {
    User ann = user("ann");
    User ben = user("ben");
    String c = direct(ann, ben);
    byte[] photo = random(4_000, 7);
    String aid = upload(portA, ann, c, "okapi.png", "image/png", photo).expect(201).json().getString("id");
    sendWith(portA, ann, c, withIds(aid).put("text", "okapi sighting")).expect(201);
    JsonObject found = call(portB, "GET", "/api/v1/conversations/search?q=okapi", ben.token(), null).expect(200).json()
        .getJsonArray("results").getJsonObject(0).getJsonObject("message");
    String url = found.getJsonArray("attachments").getJsonObject(0).getString("url");
    assertThat(url).contains("u=" + ben.id());
    assertThat(get(portB, url, null, null).expect(200).bytes()).isEqualTo(photo);
  }
}

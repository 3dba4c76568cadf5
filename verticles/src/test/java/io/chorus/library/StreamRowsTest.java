package io.chorus.library;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each node keeps the rows streams read ({@link StreamRows}; a ten-minute TTL here, so nothing below can pass
 * by expiry): a takedown or a deletion made on node 0 stops a fresh stream on node 1 although node 1 kept the
 * row, as the clustered takedown message arrives (well within seconds, far inside the TTL), and on node 0 before
 * it answered; a refusal is never served from the copy, so an approval streams at once.
 */
@ChorusCluster(nodes = 2, config = {"RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000", "RATE_LIMIT_LOGIN_PER_USERNAME=100000",
    "ADMIN_USERNAME=rows-admin", "ADMIN_PASSWORD=rows admin password", "STREAM_ROW_TTL_MS=600000",
    "PROCESSING_MAX_ATTEMPTS=1", "LIBRARY_OUTBOX_POLL_MS=200"})
class StreamRowsTest {
  /** Far below the TTL: only the takedown message can have dropped the row by then. */
  private static final long PROPAGATION_MS = 5_000;

  static TestCluster tc;
  static LibraryClient a;
  static LibraryClient b;
  static Path tmp;
  static String owner;
  static String admin;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    a = new LibraryClient(c.port(0));
    b = new LibraryClient(c.port(1));
    tmp = TestMusic.tempDir();
    owner = a.newUser("rows");
    admin = a.login("rows-admin", "rows admin password");
  }

  static String upload(String name) {
    Path file = TestMusic.make(TestMusic.drascula("audio", "track12.ogg"), tmp.resolve(name), 2, List.of("-c:a", "libmp3lame"));
    return a.upload(owner, file, file.getFileName().toString(), Map.of()).expect(202).json().getJsonObject("track").getString("id");
  }

  static String stream(String id) {
    return "/api/v1/tracks/" + id + "/stream";
  }

  static void decide(String id, String decision) {
    a.json("POST", "/api/v1/moderation/tracks/" + id, admin, new JsonObject().put("decision", decision).put("reason", "test")).expect(200);
  }

  /** Polls node {@code api} until an anonymous stream of {@code id} answers {@code status}, within {@link #PROPAGATION_MS}. */
  static void awaitStatus(LibraryClient api, String id, int status) {
    long deadline = System.nanoTime() + PROPAGATION_MS * 1_000_000L;
    int last;
    while ((last = api.get(stream(id), null, Map.of("Range", "bytes=0-9")).status()) != status) {
      assertThat(System.nanoTime()).as("stream of %s answered %d, not %d, within %d ms", id, last, status, PROPAGATION_MS).isLessThan(deadline);
      LockSupport.parkNanos(20_000_000);
    }
  }

  @Test
  void aTakedownOnOneNodeStopsTheRowAnotherNodeKept() {
    String id = upload("takedown.mp3");
    decide(id, "approve");
    b.get(stream(id), null, Map.of("Range", "bytes=0-9")).expect(206);   // node 1 keeps the approved row now

    // the copy is really used: a change behind the API's back (no takedown message) goes unnoticed on node 1
    tc.sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?::uuid", id);
    b.get(stream(id), null, Map.of("Range", "bytes=0-9")).expect(206);
    tc.sql("UPDATE tracks SET moderation = 'approved' WHERE id = ?::uuid", id);

    decide(id, "takedown");
    assertThat(a.get(stream(id), null).error(410)).isEqualTo("gone");   // the deciding node dropped its row before answering
    awaitStatus(b, id, 410);
    assertThat(b.get(stream(id), null).error(410)).isEqualTo("gone");
    b.get(stream(id), admin, Map.of("Range", "bytes=0-9")).expect(206);   // moderators still can

    // a restore is a refusal no longer: read again at once on both nodes
    decide(id, "restore");
    a.get(stream(id), null, Map.of("Range", "bytes=0-9")).expect(206);
    b.get(stream(id), null, Map.of("Range", "bytes=0-9")).expect(206);
  }

  @Test
  void aDeletionOnOneNodeDropsTheRowOnEveryNode() {
    String id = upload("deleted.mp3");
    decide(id, "approve");
    a.get(stream(id), null, Map.of("Range", "bytes=0-9")).expect(206);
    b.get(stream(id), null, Map.of("Range", "bytes=0-9")).expect(206);

    a.send("DELETE", "/api/v1/tracks/" + id, owner, Map.of(), null).expect(204);
    assertThat(a.get(stream(id), null).error(404)).isEqualTo("not_found");
    awaitStatus(b, id, 404);
    assertThat(b.get(stream(id), owner).error(404)).isEqualTo("not_found");
  }

  @Test
  void aTrackThatFailsProcessingStopsStreamingOnEveryNode() throws Exception {
    try (ProcessingFixture f = new ProcessingFixture(tc)) {
      ProcessingFixture.User user = f.newUser();
      // processing until the test announces it: both nodes keep the row that grants the original meanwhile
      JsonObject uploaded = f.upload(java.util.UUID.randomUUID().toString(), user.id(),
          java.nio.file.Files.readAllBytes(ProcessingMusic.require(ProcessingMusic.REJECTED)), "ogg", "audio/ogg", false);
      String id = uploaded.getString("track_id");
      a.get(stream(id), user.token(), Map.of("Range", "bytes=0-9")).expect(206);
      b.get(stream(id), user.token(), Map.of("Range", "bytes=0-9")).expect(206);

      f.produce(f.library.topicUploaded(), id, uploaded.encode());
      f.awaitRow(id, r -> !"processing".equals(r.get("status")), java.time.Duration.ofSeconds(120));
      assertThat(f.row(id).get("status")).isEqualTo("failed");
      for (LibraryClient node : List.of(a, b)) {
        for (String format : List.of("original", "mp3")) {
          String url = stream(id) + "?format=" + format;
          long deadline = System.nanoTime() + PROPAGATION_MS * 1_000_000L;
          int last;
          while ((last = node.get(url, user.token(), Map.of("Range", "bytes=0-9")).status()) != 409) {
            assertThat(System.nanoTime()).as("%s answered %d, not 409, within %d ms", url, last, PROPAGATION_MS).isLessThan(deadline);
            LockSupport.parkNanos(20_000_000);
          }
          assertThat(node.get(url, user.token()).error(409)).isEqualTo("conflict");
        }
      }
    }
  }

  @Test
  void aRefusalIsReadAgainSoAnApprovalStreamsAtOnce() {
    String id = upload("pending.mp3");
    assertThat(b.get(stream(id), null).error(404)).isEqualTo("not_found");   // pending: node 1 keeps the row
    b.get(stream(id), owner, Map.of("Range", "bytes=0-9")).expect(206);   // the owner may, from the same copy
    decide(id, "approve");
    b.get(stream(id), null, Map.of("Range", "bytes=0-9")).expect(206);   // no waiting for the TTL
  }
}

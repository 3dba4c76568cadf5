package io.chorus.library;

import io.chorus.infra.Infra;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code TRANSCODE_CACHE_MAX_MB} on two nodes with real files: MP3 transcodes of ~50 s clips at 64 kbps
 * (~0.4 MB each) under a 1 MB limit. The least recently used one goes when a third is made, a reused one
 * stays; a long transcode being streamed to a listener who reads slowly survives evictions (its lease) and
 * arrives whole, and is evicted once the stream is over.
 */
@ChorusCluster(nodes = 2, config = {"TRANSCODE_CACHE_MAX_MB=1", "RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000",
    "RATE_LIMIT_LOGIN_PER_USERNAME=100000"})
class TranscodeCacheTest {
  static final long LIMIT = 1024 * 1024;
  static TestCluster tc;
  static CatalogApi a;
  static CatalogApi b;
  static S3Client s3;
  static Path tmp;
  static CatalogApi.User owner;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    a = new CatalogApi(c.port(0));
    b = new CatalogApi(c.port(1));
    s3 = Infra.s3Client(c.config().s3());
    tmp = TestMusic.tempDir();
    owner = a.newUser("cache");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  /** An approved track whose original is the first {@code seconds} of a real Debian file. */
  static String track(String source, int seconds) {
    Path file = TestMusic.make(TestMusic.drascula("audio", source), tmp.resolve(source + "-" + seconds + ".mp3"), seconds,
        List.of("-c:a", "libmp3lame"));
    String id = CatalogApi.insertTrack(tc.node().config().db(), owner.id(), source, "approved");
    s3.putObject(r -> r.bucket(bucket()).key("tracks/" + id + "/original").contentType("audio/ogg"), RequestBody.fromFile(file));
    return id;
  }

  static String bucket() {
    return tc.config().s3().bucket();
  }

  static String key(String id, int kbps) {
    return "tracks/" + id + "/mp3-" + kbps;
  }

  static byte[] mp3(CatalogApi api, String id, int kbps) {
    CatalogApi.Reply r = api.get("/api/v1/tracks/" + id + "/stream?format=mp3&max_bitrate=" + kbps, null).expect(200);
    assertThat(r.bytes().length).isGreaterThan(1000);
    return r.bytes();
  }

  static boolean inS3(String key) {
    try {
      s3.headObject(r -> r.bucket(bucket()).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    }
  }

  static boolean cached(String key) {
    return !tc.sql("SELECT 1 FROM transcode_cache WHERE s3_key = ?", key).isEmpty();
  }

  static void await(String what, BooleanSupplier condition) {
    TestServices.until(what, 20_000, 50, () -> condition.getAsBoolean() ? Boolean.TRUE : null,
        () -> "cache: " + tc.sql("SELECT s3_key, bytes FROM transcode_cache"));
  }

  static long total() {
    return ((Number) tc.sql("SELECT coalesce(sum(bytes), 0) AS total FROM transcode_cache").get(0).get("total")).longValue();
  }

  @Test
  void theLeastRecentlyUsedGoesAndAStreamedOneStaysUntilItsStreamEnds() throws Exception {
    String first = track("track13.ogg", 50);
    String second = track("track14.ogg", 50);
    String third = track("track15.ogg", 50);
    String fourth = track("track18.ogg", 50);
    String longOne = track("track2.ogg", 240);

    byte[] firstBytes = mp3(a, first, 64);
    mp3(b, second, 64);
    assertThat(cached(key(first, 64)) && cached(key(second, 64))).isTrue();
    assertThat(total()).isBetween(600_000L, LIMIT);
    Object made = tc.sql("SELECT created_at FROM transcode_cache WHERE s3_key = ?", key(first, 64)).get(0).get("created_at");
    // the first is used again (from the cache: the same bytes, the same row), so the second is now the oldest
    assertThat(mp3(b, first, 64)).isEqualTo(firstBytes);
    assertThat(tc.sql("SELECT created_at FROM transcode_cache WHERE s3_key = ?", key(first, 64)).get(0).get("created_at")).isEqualTo(made);
    mp3(a, third, 64);
    await("the least recently used transcode evicted", () -> !cached(key(second, 64)) && !inS3(key(second, 64)));
    assertThat(cached(key(first, 64)) && inS3(key(first, 64)) && cached(key(third, 64)) && inS3(key(third, 64))).isTrue();
    assertThat(total()).isLessThanOrEqualTo(LIMIT);
    // an evicted transcode is made again on demand
    mp3(b, second, 64);

    // a long transcode (~9 MB, alone above the limit) read slowly by a listener on node 0
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(8192);
      slow.connect(new InetSocketAddress("127.0.0.1", tc.port(0)), 10_000);
      slow.setSoTimeout(120_000);
      OutputStream out = slow.getOutputStream();
      out.write(("GET /api/v1/tracks/" + longOne + "/stream?format=mp3&max_bitrate=320 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = slow.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200");
      long length = Long.parseLong(head.lines().filter(l -> l.toLowerCase().startsWith("content-length:")).findFirst()
          .orElseThrow().substring(15).strip());
      assertThat(length).isGreaterThan(4 * LIMIT);
      String longKey = key(longOne, 320);
      assertThat(cached(longKey)).isTrue();
      // more transcodes on both nodes: everything else may go, the one being streamed may not
      mp3(b, fourth, 64);
      mp3(a, fourth, 96);
      await("every transcode nobody streams evicted", () -> keys().equals(List.of(longKey)) || !cached(longKey));
      assertThat(cached(longKey) && inS3(longKey)).as("the transcode being streamed").isTrue();
      // the listener gets every byte, identical to the cached object (read while the stream still holds it)
      byte[] expected = s3.getObjectAsBytes(r -> r.bucket(bucket()).key(longKey)).asByteArray();
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      in.transferTo(body);
      assertThat((long) body.size()).isEqualTo(length);
      assertThat(body.toByteArray()).isEqualTo(expected);
    }
    // its stream over, nothing holds it: above the limit alone, it goes too
    await("the streamed transcode evicted after its stream", () -> !cached(key(longOne, 320)) && !inS3(key(longOne, 320)));
    assertThat(total()).isLessThanOrEqualTo(LIMIT);
    assertThat(tc.sql("SELECT * FROM transcode_leases")).isEmpty();
  }

  static List<String> keys() {
    return tc.sql("SELECT s3_key FROM transcode_cache ORDER BY s3_key").stream().map(r -> (String) r.get("s3_key")).toList();
  }

  /** The response's status line and headers, up to the blank line. */
  static String readHead(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        throw new AssertionError("connection closed in the headers: " + head);
      }
      head.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}

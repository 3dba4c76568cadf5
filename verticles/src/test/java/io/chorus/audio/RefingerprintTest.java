package io.chorus.audio;

import io.chorus.infra.Infra;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A track fingerprinted by an older {@link Fingerprinter#VERSION} (its {@code track_fingerprints} row has
 * another version and landmarks of another layout) is not loaded as it is: a node that starts re-fingerprints
 * it from its analysis PCM in S3, overwrites the row with the current version, and identifies it afterwards.
 */
class RefingerprintTest {
  @Test
  void aTrackOfAnOlderFingerprintVersionIsFingerprintedAgainAtStartAndIdentified() throws Exception {
    Corpus corpus = new Corpus();
    float[] pcm = corpus.decode(List.of(Corpus.files(Corpus.SINGULARITY, ".ogg").get(2)), 1, 60).get(0).pcm();
    UUID id = UUID.randomUUID();
    long[] stale = new Fingerprinter().fingerprint(pcm);
    for (int i = 0; i < stale.length; i++) {
      stale[i] ^= 0x5a5aL << 32;   // another layout's hashes: the clip's landmarks must not find them
    }
    // the first node runs the migrations; the rows are written as an older node left them
    try (TestCluster before = TestCluster.start(1, Map.of())) {
      UUID owner = UUID.randomUUID();
      before.sql("INSERT INTO users (id, username, display_name, password_hash) VALUES (?, ?, 'Old', 'x')", owner,
          "old-" + owner.toString().substring(0, 8));
      before.sql("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format, mime, status, moderation,"
              + " duration_ms) VALUES (?, ?, 'Fingerprinted long ago', ?, ?, 1000, 'ogg', 'audio/ogg', 'ready', 'approved', 60000)",
          id, owner, HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64), "tracks/" + id + "/original");
      try (S3Client s3 = Infra.s3Client(before.config().s3())) {
        s3.putObject(PutObjectRequest.builder().bucket(before.config().s3().bucket()).key("analysis/" + id + ".f32").build(),
            RequestBody.fromBytes(Corpus.floats(pcm)));
      }
      before.sql("INSERT INTO track_fingerprints (track_id, hashes, n, version) VALUES (?, ?, ?, ?)",
          id, Fingerprints.pack(stale), stale.length, (short) (Fingerprinter.VERSION - 1));
    }
    try (TestCluster tc = TestCluster.start(1, Map.of())) {
      AudioFeature audio = AudioFeature.of(tc.node().nodeId());
      long deadline = System.currentTimeMillis() + 120_000;
      while (!audio.fingerprints().index().contains(id)) {
        assertThat(System.currentTimeMillis()).as("the stale track re-fingerprinted within 120 s").isLessThan(deadline);
        TestServices.await(tc.client().timer(100));
      }
      Map<String, Object> row = tc.sql("SELECT version, n, octet_length(sketch) AS sketch FROM track_fingerprints WHERE track_id = ?", id).get(0);
      assertThat(((Number) row.get("version")).intValue()).isEqualTo(Fingerprinter.VERSION);
      long[] fresh = new Fingerprinter().fingerprint(pcm);
      assertThat(((Number) row.get("n")).intValue()).isEqualTo(fresh.length);
      assertThat(((Number) row.get("sketch")).intValue()).as("the band sketch stored beside the landmarks")
          .isEqualTo(new Fingerprinter().print(pcm).sketch().length);

      float[] clip = new float[5 * Fingerprinter.SAMPLE_RATE];
      System.arraycopy(pcm, 25 * Fingerprinter.SAMPLE_RATE, clip, 0, clip.length);
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tc.port() + "/api/v1/identify"))
          .POST(HttpRequest.BodyPublishers.ofByteArray(corpus.mp3Bytes(clip, 64))).header("content-type", "application/octet-stream").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonArray matches = new JsonObject(r.body()).getJsonArray("matches");
      assertThat(matches).as(r.body()).isNotEmpty();
      assertThat(matches.getJsonObject(0).getString("track_id")).isEqualTo(id.toString());
      assertThat(matches.getJsonObject(0).getLong("offset_ms")).isBetween(24_800L, 25_200L);
    }
  }
}

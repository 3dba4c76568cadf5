package io.chorus.audio;

import io.chorus.infra.Infra;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
 * {@code POST /api/v1/identify} on a real node: tracks rows as the library leaves them, indexed directly
 * and through Kafka (track.processed with the PCM in S3), then clips as MP3 bytes over HTTP.
 */
class IdentifyRestTest {
  static final String PW = "a long enough password";
  static TestCluster tc;
  static Rest rest;
  static int port;
  static String bobToken;
  static UUID approved;
  static UUID pending;
  static List<Corpus.Song> songs;
  static final Corpus corpus = new Corpus();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    songs = corpus.decode(List.of(Corpus.files(Corpus.WARZONE, ".opus").get(0), Corpus.files(Corpus.SINGULARITY, ".ogg").get(0),
        Corpus.files(Corpus.SINGULARITY, ".ogg").get(1)), 2, 60);
    assertThat(songs).hasSize(3);
    // one identify at a time: aNodeAtItsLimitRefusesAClipAtOnceAndTakesTheNextAfterwards (the others send one by one)
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000,
        "AUDIO_IDENTIFY_MAX_IN_FLIGHT", 1));
    rest = tc.rest();
    port = tc.port();
    JsonObject a = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "alice-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    JsonObject b = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "bob-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    bobToken = b.getString("access_token");
    UUID artist = UUID.randomUUID();
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Warzone " + artist, "warzone " + artist);
    approved = UUID.randomUUID();
    pending = UUID.randomUUID();
    track(approved, a.getJsonObject("user").getString("id"), "Track One", artist, "approved");
    track(pending, b.getJsonObject("user").getString("id"), "Bob's demo", null, "pending");
    AudioFeature audio = AudioFeature.of(tc.node().nodeId());
    TestServices.await(audio.index(approved, songs.get(0).pcm()));
    TestServices.await(audio.index(pending, songs.get(1).pcm()));
  }

  static void track(UUID id, String owner, String title, UUID artist, String moderation) {
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status, moderation,"
            + " duration_ms) VALUES (?, ?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', 'ready', ?, 60000)",
        id, UUID.fromString(owner), title, artist, HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64),
        "tracks/" + id + "/original", moderation);
  }

  @AfterAll
  static void stop() {
    if (tc != null) {
      tc.close();
    }
  }

  static HttpResponse<String> identify(byte[] body, String token) throws Exception {
    return identify(body, token, "application/octet-stream");
  }

  static HttpResponse<String> identify(byte[] body, String token, String contentType) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/identify"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("content-type", contentType);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static float[] clip(int song, int startSeconds, int seconds) {
    float[] out = new float[seconds * Fingerprinter.SAMPLE_RATE];
    System.arraycopy(songs.get(song).pcm(), startSeconds * Fingerprinter.SAMPLE_RATE, out, 0, out.length);
    return out;
  }

  @Test
  void anMp3ClipNamesItsTrackWithTitleArtistAndOffset() throws Exception {
    HttpResponse<String> r = identify(corpus.mp3Bytes(clip(0, 20, 5), 64), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonArray matches = new JsonObject(r.body()).getJsonArray("matches");
    assertThat(matches).as(r.body()).isNotEmpty();
    JsonObject top = matches.getJsonObject(0);
    assertThat(top.getString("track_id")).isEqualTo(approved.toString());
    assertThat(top.getString("title")).isEqualTo("Track One");
    assertThat(top.getString("artist")).startsWith("Warzone ");
    assertThat(top.getInteger("score")).isPositive();
    assertThat(top.getLong("offset_ms")).isBetween(19_800L, 20_200L);
  }

  /** A clip whose first audio stream is silence is identified from the stream that carries the music (it answered no match). */
  @Test
  void aClipWithASilentFirstStreamIsIdentifiedFromTheMusic() throws Exception {
    HttpResponse<String> r = identify(corpus.m4aAfterASilentStream(clip(0, 20, 5)), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonArray matches = new JsonObject(r.body()).getJsonArray("matches");
    assertThat(matches).as(r.body()).isNotEmpty();
    assertThat(matches.getJsonObject(0).getString("track_id")).isEqualTo(approved.toString());
  }

  /**
   * At AUDIO_IDENTIFY_MAX_IN_FLIGHT (1 here) a node refuses another clip at once with 503 and Retry-After, the one in
   * flight is still answered, and the next clip after it is taken.
   */
  @Test
  void aNodeAtItsLimitRefusesAClipAtOnceAndTakesTheNextAfterwards() throws Exception {
    byte[] mp3 = corpus.mp3Bytes(clip(0, 20, 5), 64);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    // the first request's headers and half its body go out; the rest waits for the latch
    java.io.InputStream held = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(mp3, 0, mp3.length / 2),
        new java.io.InputStream() {
          private final java.io.InputStream second = new java.io.ByteArrayInputStream(mp3, mp3.length / 2, mp3.length - mp3.length / 2);

          @Override
          public int read() throws java.io.IOException {
            await();
            return second.read();
          }

          @Override
          public int read(byte[] b, int off, int len) throws java.io.IOException {
            await();
            return second.read(b, off, len);
          }

          private void await() throws java.io.IOException {
            try {
              if (!release.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new java.io.IOException("the test never released the body");
              }
            } catch (InterruptedException e) {
              throw new java.io.InterruptedIOException();
            }
          }
        });
    java.util.concurrent.CompletableFuture<HttpResponse<String>> first = http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/identify"))
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> held)).header("content-type", "audio/mpeg").build(),
        HttpResponse.BodyHandlers.ofString());
    try {
      TestServices.until("the first clip in flight on /metrics", 20_000, 50, () -> inFlight() == 1);
      HttpResponse<String> refused = identify(mp3, null);
      assertThat(error(refused, 503)).isEqualTo("unavailable");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    } finally {
      release.countDown();
    }
    HttpResponse<String> answered = first.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    assertThat(new JsonObject(answered.body()).getJsonArray("matches").getJsonObject(0).getString("track_id")).isEqualTo(approved.toString());
    assertThat(inFlight()).as("in flight once answered").isZero();
    HttpResponse<String> next = identify(mp3, null);
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
  }

  /** The node's chorus_identify_in_flight gauge. */
  static double inFlight() {
    return TestServices.metric(port, "chorus_identify_in_flight");
  }

  /** curl's --data-binary says application/x-www-form-urlencoded; a form posts the recording as a file part. */
  @Test
  void theClipIsReadWhateverTheContentTypeSays() throws Exception {
    byte[] mp3 = corpus.mp3Bytes(clip(0, 20, 5), 64);
    String boundary = "----chorus" + UUID.randomUUID();
    java.io.ByteArrayOutputStream form = new java.io.ByteArrayOutputStream();
    form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"clip\"; filename=\"rec.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8));
    form.writeBytes(mp3);
    form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    for (HttpResponse<String> r : List.of(identify(mp3, null, "application/x-www-form-urlencoded"), identify(mp3, null, "audio/mpeg"),
        identify(form.toByteArray(), null, "multipart/form-data; boundary=" + boundary))) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getJsonArray("matches").getJsonObject(0).getString("track_id")).isEqualTo(approved.toString());
    }
    assertThat(error(identify("%ZZ not audio".getBytes(StandardCharsets.UTF_8), null, "application/x-www-form-urlencoded"), 415))
        .isEqualTo("unsupported_media_type");
    assertThat(error(identify(mp3, null, "multipart/form-data; boundary=XYZ"), 400)).as("no part in it").isEqualTo("invalid_argument");
  }

  /**
   * A form posting the largest clip (5 MiB exactly) is over 5 MiB with its framing: the limit is the clip's, so it is
   * named whether the form's Content-Length is declared or not (it was 413 up front when declared, 200 when chunked).
   */
  @Test
  void aFormWithAFiveMiBClipIsTakenLikeTheRawClip() throws Exception {
    byte[] wav = wav44kStereo(songs.get(0).pcm(), 5 * 1024 * 1024);
    assertThat(wav).hasSize(5 * 1024 * 1024);
    String boundary = "----chorus" + UUID.randomUUID();
    byte[] form = form(boundary, "name=\"clip\"; filename=\"rec.wav\"", wav);
    assertThat(form.length).isGreaterThan(5 * 1024 * 1024);
    for (HttpResponse<String> r : List.of(identify(wav, null), identify(form, null, "multipart/form-data; boundary=" + boundary))) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getJsonArray("matches").getJsonObject(0).getString("track_id")).isEqualTo(approved.toString());
    }
    // a clip over 5 MiB in a form is still refused
    byte[] over = form(boundary, "name=\"clip\"; filename=\"rec.wav\"", java.util.Arrays.copyOf(wav, wav.length + 1));
    assertThat(error(identify(over, null, "multipart/form-data; boundary=" + boundary), 413)).isEqualTo("payload_too_large");
  }

  /**
   * A form whose clip came as a text field (no filename: curl -F clip=<rec.mp3) holds no clip: a 400 that says so, not
   * the multipart decoder's exception name (a field over 64 KiB was "the body could not be read: ErrorDataDecoderException").
   */
  @Test
  void aFormWithoutAFilePartIsToldToSendTheClipAsAFile() throws Exception {
    byte[] mp3 = corpus.mp3Bytes(clip(0, 20, 8), 128);
    assertThat(mp3.length).isGreaterThan(64 * 1024);
    String boundary = "----chorus" + UUID.randomUUID();
    for (byte[] field : List.of(mp3, "short".getBytes(StandardCharsets.UTF_8))) {
      HttpResponse<String> r = identify(form(boundary, "name=\"clip\"", field), null, "multipart/form-data; boundary=" + boundary);
      assertThat(error(r, 400)).isEqualTo("invalid_argument");
      assertThat(message(r)).contains("file part").doesNotContain("Exception");
    }
  }

  /** A multipart/form-data body of one part with this Content-Disposition (after "form-data; "). */
  static byte[] form(String boundary, String disposition, byte[] content) {
    java.io.ByteArrayOutputStream form = new java.io.ByteArrayOutputStream();
    form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; " + disposition + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    form.writeBytes(content);
    form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return form.toByteArray();
  }

  /** A 44.1 kHz stereo 16-bit WAV of exactly {@code bytes} bytes (under 30 s up to 5 MiB) from 11,025 Hz PCM. */
  static byte[] wav44kStereo(float[] pcm, int bytes) {
    int frames = (bytes - 44) / 4;
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(bytes - 8).put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII))
        .putInt(16).putShort((short) 1).putShort((short) 2).putInt(44_100).putInt(44_100 * 4).putShort((short) 4).putShort((short) 16)
        .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(frames * 4);
    for (int i = 0; i < frames; i++) {
      short v = (short) Math.round(Math.max(-1, Math.min(1, pcm[i / 4])) * 32767);
      b.putShort(v).putShort(v);
    }
    return b.array();
  }

  @Test
  void aPendingTrackIsNamedToItsOwnerOnly() throws Exception {
    byte[] mp3 = corpus.mp3Bytes(clip(1, 30, 5), 64);
    HttpResponse<String> anonymous = identify(mp3, null);
    assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(200);
    assertThat(new JsonObject(anonymous.body()).getJsonArray("matches")).as(anonymous.body()).isEmpty();
    HttpResponse<String> owner = identify(mp3, bobToken);
    assertThat(owner.statusCode()).as(owner.body()).isEqualTo(200);
    assertThat(new JsonObject(owner.body()).getJsonArray("matches").getJsonObject(0).getString("track_id")).isEqualTo(pending.toString());
  }

  /** Web pages post clips with a bearer token from their own origin, so identify follows CORS_ALLOWED_ORIGINS (here "*") like /api/v1's other routes. */
  @Test
  void identifyAnswersTheCorsPreflightAndNamesTheOrigin() throws Exception {
    HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/identify"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization,content-type").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).as(preflight.body()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValueSatisfying(o -> assertThat(o).isIn("*", "https://app.example"));
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    HttpResponse<String> empty = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/identify"))
        .header("Origin", "https://app.example").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
    assertThat(empty.headers().firstValue("Access-Control-Allow-Origin")).isPresent();
  }

  @Test
  void badBodiesGetClearErrors() throws Exception {
    assertThat(error(identify(new byte[0], null), 400)).isEqualTo("invalid_argument");
    assertThat(error(identify("this is not audio at all".getBytes(StandardCharsets.UTF_8), null), 415)).isEqualTo("unsupported_media_type");
    HttpResponse<String> tooLarge = identify(new byte[5 * 1024 * 1024 + 1], null);
    assertThat(error(tooLarge, 413)).isEqualTo("payload_too_large");
    // the limit as it is (5 MiB is 5,242,880 bytes, not 5 MB), as api.md states it
    assertThat(message(tooLarge)).isEqualTo("the clip is larger than 5 MiB (5,242,880 bytes)");
    // an image is not audio: a plain answer, not ffmpeg's own line with its muxer names and memory addresses
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB), "png", png);
    HttpResponse<String> image = identify(png.toByteArray(), null);
    assertThat(error(image, 415)).isEqualTo("unsupported_media_type");
    assertThat(message(image)).contains("not audio ffmpeg can read").doesNotContain("@ 0x").doesNotContain("[").doesNotContain("stream");
    float[] long40 = new float[40 * Fingerprinter.SAMPLE_RATE];
    System.arraycopy(songs.get(0).pcm(), 0, long40, 0, long40.length);
    assertThat(error(identify(corpus.mp3Bytes(long40, 32), null), 413)).isEqualTo("payload_too_large");
  }

  /** A presented token is verified before the body is read, as on every other route: a bad one is 401 whatever the body holds. */
  @Test
  void aBadTokenIs401WhateverTheBody() throws Exception {
    assertThat(error(identify(new byte[5 * 1024 * 1024 + 1], "not-a-token"), 401)).isEqualTo("unauthenticated");
    assertThat(error(identify(new byte[0], "not-a-token"), 401)).isEqualTo("unauthenticated");
    assertThat(error(identify("this is not audio at all".getBytes(StandardCharsets.UTF_8), "not-a-token"), 401)).isEqualTo("unauthenticated");
    // without a token the body's errors stand; with a good one too
    assertThat(error(identify(new byte[5 * 1024 * 1024 + 1], null), 413)).isEqualTo("payload_too_large");
    assertThat(error(identify(new byte[5 * 1024 * 1024 + 1], bobToken), 413)).isEqualTo("payload_too_large");
    assertThat(error(identify(new byte[0], bobToken), 400)).isEqualTo("invalid_argument");
  }

  static String message(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error").getString("message");
  }

  static String error(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return new JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  @Test
  void aTrackProcessedEventIsIndexedFromS3AndIdentified() throws Exception {
    UUID id = UUID.randomUUID();
    JsonObject a = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "carol-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    track(id, a.getJsonObject("user").getString("id"), "From Kafka", null, "approved");
    String key = "analysis/" + id + ".f32";
    try (S3Client s3 = Infra.s3Client(tc.config().s3())) {
      s3.putObject(PutObjectRequest.builder().bucket(tc.config().s3().bucket()).key(key).build(),
          RequestBody.fromBytes(Corpus.floats(songs.get(2).pcm())));
    }
    JsonObject event = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("track_id", id.toString())
        .put("analysis", new JsonObject().put("pcm_key", key).put("format", "f32le").put("sample_rate", 11025).put("channels", 1));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", tc.config().kafka().bootstrapServers(),
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"))) {
      producer.send(new ProducerRecord<>("track.processed", id.toString(), "not json")).get();
      producer.send(new ProducerRecord<>("track.processed", id.toString(), event.encode())).get();
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (tc.sql("SELECT n FROM track_fingerprints WHERE track_id = ?", id).isEmpty()) {
      assertThat(System.currentTimeMillis()).as("track_fingerprints row within 60 s").isLessThan(deadline);
      TestServices.await(tc.client().timer(100));
    }
    assertThat((Integer) tc.sql("SELECT n FROM track_fingerprints WHERE track_id = ?", id).get(0).get("n")).isPositive();
    HttpResponse<String> r = identify(corpus.mp3Bytes(clip(2, 10, 5), 64), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonArray("matches").getJsonObject(0).getString("track_id")).as(r.body()).isEqualTo(id.toString());
  }
}

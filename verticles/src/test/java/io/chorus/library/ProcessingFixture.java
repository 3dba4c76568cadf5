package io.chorus.library;

import io.chorus.config.ChorusConfig;
import io.chorus.infra.Infra;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the processing tests need around a cluster: users (through the REST API), an upload as the upload
 * code writes it (the original in S3, the track row and its track.uploaded outbox row in one transaction),
 * waiting for a row, and reading topics with a plain Kafka consumer.
 */
final class ProcessingFixture implements AutoCloseable {
  final TestCluster cluster;
  final ChorusConfig config;
  final LibraryConfig library;
  final S3Client s3;

  ProcessingFixture(TestCluster cluster) {
    this.cluster = cluster;
    this.config = cluster.config();
    this.library = LibraryConfig.of(config);
    this.s3 = Infra.s3Client(config.s3());
  }

  record User(String id, String token) {
  }

  User newUser() {
    String name = "p" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(0, 12);
    JsonObject r = cluster.rest().postOk(cluster.port(), "/api/v1/auth/register", null,
        new JsonObject().put("username", name).put("password", "correct horse battery staple"));
    return new User(r.getJsonObject("user").getString("id"), r.getString("access_token"));
  }

  /** Uploads {@code bytes} as track {@code id} of {@code owner} the way the upload endpoint does; returns the message. */
  JsonObject upload(String id, String owner, byte[] bytes, String format, String mime) {
    return upload(id, owner, bytes, format, mime, true);
  }

  /**
   * As {@link #upload(String, String, byte[], String, String)}; without {@code announce} no track.uploaded
   * outbox row is written, so the track stays processing until the test produces the returned message itself.
   */
  JsonObject upload(String id, String owner, byte[] bytes, String format, String mime, boolean announce) {
    String key = "tracks/" + id + "/original";
    s3.putObject(PutObjectRequest.builder().bucket(config.s3().bucket()).key(key).contentType(mime).build(), RequestBody.fromBytes(bytes));
    // unique per row: the same music is uploaded by several tests into one database
    String sha = HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(32).putLong(UUID.randomUUID().getMostSignificantBits())
        .putLong(System.nanoTime()).putLong(ThreadLocalRandom.current().nextLong()).putLong(bytes.length).array());
    JsonObject message = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("track_id", id).put("owner_id", owner)
        .put("original_key", key).put("format", format).put("mime", mime).put("size", bytes.length).put("content_sha256", sha)
        .put("uploaded_at", Instant.now().toString());
    ChorusConfig.Db db = config.db();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.setAutoCommit(false);
      try (PreparedStatement t = c.prepareStatement("INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, "
          + "format, mime) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
           PreparedStatement o = c.prepareStatement("INSERT INTO library_outbox (topic, message_key, payload) VALUES (?, ?, ?::jsonb)")) {
        t.setObject(1, UUID.fromString(id));
        t.setObject(2, UUID.fromString(owner));
        t.setString(3, "test " + id);
        t.setString(4, sha);
        t.setString(5, key);
        t.setLong(6, bytes.length);
        t.setString(7, format);
        t.setString(8, mime);
        t.executeUpdate();
        if (announce) {
          o.setString(1, library.topicUploaded());
          o.setString(2, id);
          o.setString(3, message.encode());
          o.executeUpdate();
        }
      }
      c.commit();
    } catch (java.sql.SQLException e) {
      throw new AssertionError("upload rows not written: " + e.getMessage(), e);
    }
    return message;
  }

  JsonObject upload(String owner, Path file, String format, String mime) {
    try {
      return upload(UUID.randomUUID().toString(), owner, Files.readAllBytes(ProcessingMusic.require(file)), format, mime);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  Map<String, Object> row(String trackId) {
    List<Map<String, Object>> rows = cluster.sql("SELECT * FROM tracks WHERE id = ?", UUID.fromString(trackId));
    assertThat(rows).as("track %s", trackId).hasSize(1);
    return rows.get(0);
  }

  /** Polls the track row until {@code done}; fails with the last row after {@code timeout}. */
  Map<String, Object> awaitRow(String trackId, Predicate<Map<String, Object>> done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, Object> r = row(trackId);
      if (done.test(r)) {
        return r;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("track " + trackId + " did not reach the expected state within " + timeout + ": " + r);
      }
      sleep(100);
    }
  }

  Path download(String key, Path to) {
    s3.getObject(GetObjectRequest.builder().bucket(config.s3().bucket()).key(key).build(), ResponseTransformer.toFile(to));
    return to;
  }

  long size(String key) {
    return s3.headObject(b -> b.bucket(config.s3().bucket()).key(key)).contentLength();
  }

  private Properties kafka() {
    Properties p = new Properties();
    p.put("bootstrap.servers", config.kafka().bootstrapServers());
    return p;
  }

  /** Every record of {@code topic} up to its current end (all partitions, from the beginning). */
  List<ConsumerRecord<String, String>> readAll(String topic) {
    Properties p = kafka();
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
      List<ConsumerRecord<String, String>> out = new ArrayList<>();
      if (infos == null || infos.isEmpty()) {
        return out;
      }
      List<TopicPartition> tps = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        assertThat(System.nanoTime()).as("reading %s to its end", topic).isLessThan(deadline);
      }
      return out;
    }
  }

  /** The records of {@code topic} with key {@code key}, once there is at least one (polls up to {@code timeout}). */
  List<ConsumerRecord<String, String>> awaitRecords(String topic, String key, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<ConsumerRecord<String, String>> found = readAll(topic).stream().filter(r -> key.equals(r.key())).toList();
      if (!found.isEmpty()) {
        return found;
      }
      assertThat(System.nanoTime()).as("a record with key %s on %s", key, topic).isLessThan(deadline);
      sleep(200);
    }
  }

  /** Publishes a record as the relay would (the test's own producer). */
  RecordMetadata produce(String topic, String key, String value) {
    Properties p = kafka();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      return producer.send(new ProducerRecord<>(topic, key, value)).get();
    } catch (Exception e) {
      throw new AssertionError("produce to " + topic + " failed: " + e.getMessage(), e);
    }
  }

  Admin admin() {
    Properties p = kafka();
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(p);
  }

  /** The workers' committed offset of a partition (-1 when none). */
  long committed(TopicPartition tp) {
    try (Admin a = admin()) {
      OffsetAndMetadata o = a.listConsumerGroupOffsets(library.consumerGroup()).partitionsToOffsetAndMetadata().get().get(tp);
      return o == null ? -1 : o.offset();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The partitions (of the uploads topic) each member of the workers' consumer group holds. */
  List<java.util.Set<Integer>> groupAssignments() {
    try (Admin a = admin()) {
      return a.describeConsumerGroups(List.of(library.consumerGroup())).all().get().get(library.consumerGroup()).members().stream()
          .map(MemberDescription::assignment).map(x -> x.topicPartitions().stream().filter(tp -> tp.topic().equals(library.topicUploaded()))
              .map(TopicPartition::partition).collect(java.util.stream.Collectors.toSet())).toList();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);   // poll interval of a condition the caller waits for
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }
}

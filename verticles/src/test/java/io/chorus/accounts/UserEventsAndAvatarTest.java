package io.chorus.accounts;

import io.chorus.ChorusNode;
import io.chorus.embedded.Ports;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka {@code user.created}/{@code user.updated} events, registration during a Kafka outage, and avatars in S3. */
class UserEventsAndAvatarTest {
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 1, 2, 3};

  static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void eventsAreKeyedByUserAndAvatarsRoundTripThroughS3() throws Exception {
    String topic = "user-events-" + UUID.randomUUID();
    TestCluster tc = TestCluster.start(1, Map.of("USER_EVENTS_TOPIC", topic, "AVATAR_MAX_BYTES", 4096, "RATE_LIMIT_REGISTER", 100_000));
    ChorusNode node = tc.node();
    Properties p = new Properties();
    p.put("bootstrap.servers", node.config().kafka().bootstrapServers());
    p.put("group.id", "test-" + UUID.randomUUID());
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      Api api = new Api(NodePorts.http(node.vertx()));
      JsonObject s = api.newUser(name("kafka"));
      String id = s.getJsonObject("user").getString("id");
      String token = s.getString("access_token");
      api.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("display_name", "Kafka Fan")).expect(200);

      // avatars: type and size checks, then the stored image comes back
      Api.Reply html = api.call("PUT", "/api/v1/users/me/avatar", token, PNG, "text/html");
      assertThat(html.error(400)).isEqualTo("invalid_argument");
      // the accepted types in the documented order, the same on every run (they came in Map.of's per-run order)
      assertThat(html.json().getJsonObject("error").getString("message"))
          .isEqualTo("avatar Content-Type must be one of [image/png, image/jpeg, image/webp, image/gif]");
      assertThat(api.call("PUT", "/api/v1/users/me/avatar", token, "<svg onload=alert(1)>".getBytes(), "image/png").error(400))
          .isEqualTo("invalid_argument");
      byte[] big = Arrays.copyOf(PNG, 5000);
      assertThat(api.call("PUT", "/api/v1/users/me/avatar", token, big, "image/png").status()).isEqualTo(413);
      assertThat(api.call("PUT", "/api/v1/users/me/avatar", null, PNG, "image/png").error(401)).isEqualTo("unauthenticated");
      JsonObject me = api.call("PUT", "/api/v1/users/me/avatar", token, PNG, "image/png").expect(200).json();
      assertThat(me.getString("avatar_url")).isEqualTo("/api/v1/users/" + id + "/avatar");
      HttpResponse<byte[]> img = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port()
          + me.getString("avatar_url"))).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(img.statusCode()).isEqualTo(200);
      assertThat(img.headers().firstValue("content-type")).hasValue("image/png");
      assertThat(img.body()).isEqualTo(PNG);
      assertThat(api.get("/api/v1/users/" + UUID.randomUUID() + "/avatar", null).error(404)).isEqualTo("not_found");

      // a new avatar replaces the old object in the bucket: after two more uploads only the latest is stored
      try (software.amazon.awssdk.services.s3.S3Client s3 = io.chorus.infra.Infra.s3Client(node.config().s3())) {
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0};
        api.call("PUT", "/api/v1/users/me/avatar", token, PNG, "image/png").expect(200);
        api.call("PUT", "/api/v1/users/me/avatar", token, gif, "image/gif").expect(200);
        List<String> stored = s3.listObjectsV2(r -> r.bucket(node.config().s3().bucket()).prefix("avatars/" + id + "/")).contents()
            .stream().map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
        assertThat(stored).hasSize(1);
        HttpResponse<byte[]> latest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port()
            + me.getString("avatar_url"))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(latest.body()).isEqualTo(gif);
      }

      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<String, String>> mine = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 60_000;
      while (mine.size() < 5 && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> {
          if (id.equals(r.key())) {
            mine.add(r);
          }
        });
      }
      assertThat(mine).hasSize(5);
      List<String> types = mine.stream().map(r -> new JsonObject(r.value()).getString("type")).toList();
      assertThat(types).containsExactly("user.created", "user.updated", "user.updated", "user.updated", "user.updated");
      JsonObject last = new JsonObject(mine.get(4).value()).getJsonObject("user");
      assertThat(last.getString("display_name")).isEqualTo("Kafka Fan");
      assertThat(last.getString("avatar_url")).isNotNull();
      assertThat(last.containsKey("password_hash")).isFalse();
    } finally {
      tc.close();
    }
  }

  @Test
  void aKafkaOutageDoesNotFailRegistration() {
    TestCluster tc = TestCluster.start(1, Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + Ports.orFree(0), "RATE_LIMIT_REGISTER", 100_000));
    ChorusNode node = tc.node();
    try {
      Api api = new Api(NodePorts.http(node.vertx()));
      long t0 = System.currentTimeMillis();
      JsonObject s = api.newUser(name("nokafka"));
      assertThat(System.currentTimeMillis() - t0).as("registration time with Kafka down, ms").isLessThan(5_000);
      api.get("/api/v1/users/me", s.getString("access_token")).expect(200);
    } finally {
      tc.close();
    }
  }
}

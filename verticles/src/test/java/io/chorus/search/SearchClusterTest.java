package io.chorus.search;

import io.chorus.bus.Addresses;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Every node keeps its own index: an announced upload is found on both nodes, a takedown published on one vanishes from both. */
@ChorusCluster(nodes = 2, config = {"RATE_LIMIT_REGISTER=100000"})
class SearchClusterTest {

  @Test
  void everyNodeIndexesEverything(TestCluster tc) {
    Rest rest = tc.rest();
    JsonObject a = rest.postOk(tc.port(0), "/api/v1/auth/register", null,
        new JsonObject().put("username", "owner-" + UUID.randomUUID().toString().substring(0, 8)).put("password", "a long enough password"));
    String owner = a.getJsonObject("user").getString("id");
    UUID id = UUID.randomUUID();
    List<Map<String, Object>> artist = tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, 'Сплин', 'сплин')"
        + " ON CONFLICT (name_key) DO UPDATE SET name = artists.name RETURNING id", UUID.randomUUID());
    // updated an hour ago: the sweep of changed rows does not see it, only the Kafka event announces it
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, content_sha256, original_key, original_size, format, mime, status,"
            + " moderation, updated_at) VALUES (?, ?::uuid, 'Выхода нет', ?, ?, 'k', 1, 'mp3', 'audio/mpeg', 'ready', 'approved',"
            + " now() - interval '1 hour')",
        id, owner, artist.get(0).get("id"), HexFormat.of().formatHex(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 64));
    KafkaProducer<String, String> producer = KafkaProducer.create(tc.client(), Map.of("bootstrap.servers", tc.config().kafka().bootstrapServers(),
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"));
    TestServices.await(producer.send(KafkaProducerRecord.create(tc.config().source().getString("LIBRARY_TOPIC_PROCESSED"), id.toString(),
        new JsonObject().put("track_id", id.toString()).put("owner_id", owner).encode())));
    for (int node = 0; node < 2; node++) {
      int n = node;
      TestServices.until("found on node " + n, 10_000, 50, () -> found(tc, n, "splin vykhoda net").contains(id.toString()));
    }
    tc.sql("UPDATE tracks SET moderation = 'removed' WHERE id = ?", id);
    long at = System.currentTimeMillis();
    tc.node(0).vertx().eventBus().publish(Addresses.LIBRARY_TAKEDOWN,
        new JsonObject().put("type", "takedown").put("subject_type", "track").put("subject_id", id.toString()));
    for (int node = 0; node < 2; node++) {
      int n = node;
      TestServices.until("gone on node " + n, 3_000, 50, () -> !found(tc, n, "выхода нет").contains(id.toString()));
    }
    // the target is 1 s (0.7 s measured here); the bound leaves room for a machine shared with other builds
    assertThat(System.currentTimeMillis() - at).isLessThan(3_000);
    producer.close();
  }

  static List<String> found(TestCluster tc, int node, String q) {
    Rest.Reply r = tc.rest().get(tc.port(node), "/api/v1/search?types=tracks&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8), null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    r.json().getJsonObject("results").getJsonArray("tracks").forEach(o -> ids.add(((JsonObject) o).getString("id")));
    return ids;
  }
}

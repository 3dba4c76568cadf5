package io.chorus.audio.wave;

import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * My Wave on two nodes: feedback given through one node changes the next answer of the other at once, and
 * a wave room enabled through one node is fed by whichever node takes its claim, never past its minimum
 * (the two nodes' sweeps do not both feed it).
 */
class WaveTwoNodesTest {
  static final String PW = "a long enough password";
  static final int QUEUE_MIN = 2;
  static TestCluster tc;
  static Rest rest;
  static final List<UUID> popular = new ArrayList<>();
  static final List<UUID> quiet = new ArrayList<>();

  @BeforeAll
  static void start() {
    tc = TestCluster.start(2, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000,
        "RATE_LIMIT_ROOM_CREATE", 0, "RATE_LIMIT_ROOM_REQUESTS", 0, "WAVE_EXPLORATION_PERCENT", 0, "WAVE_ROOM_QUEUE_MIN", QUEUE_MIN,
        "WAVE_ROOM_SWEEP_MS", 200));
    rest = tc.rest();
    UUID owner = UUID.randomUUID();
    tc.sql("INSERT INTO users (id, username, display_name, password_hash) VALUES (?, ?, 'Two nodes owner', 'x')", owner,
        "two-" + owner.toString().substring(0, 8));
    for (int a = 0; a < 2; a++) {
      UUID artist = UUID.randomUUID();
      tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Two nodes " + artist, "two nodes " + artist);
      for (int i = 0; i < 8; i++) {
        UUID id = UUID.randomUUID();
        String hex = id.toString().replace("-", "");
        tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, album_title, content_sha256, original_key, original_size, format, mime,"
                + " status, moderation, duration_ms, play_count) VALUES (?, ?, ?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', 'ready', 'approved',"
                + " 2000, ?)",
            id, owner, "Two nodes " + hex.substring(0, 6), artist, "Album " + artist, hex + hex, "tracks/" + id + "/original",
            a == 0 ? 10_000_000L + i : 0L);
        (a == 0 ? popular : quiet).add(id);
      }
    }
  }

  @AfterAll
  static void stop() {
    if (tc != null) {
      tc.close();
    }
  }

  static JsonObject register() {
    return rest.postOk(tc.port(0), "/api/v1/auth/register", null,
        new JsonObject().put("username", "two-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
  }

  static List<String> wave(int node, String token) {
    Rest.Reply r = rest.get(tc.port(node), "/api/v1/wave?limit=6", token);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getJsonArray("tracks").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  @Test
  void feedbackThroughOneNodeChangesTheOthersNextAnswer() {
    String token = register().getString("access_token");
    List<String> before = wave(1, token);
    String disliked = before.stream().filter(id -> popular.contains(UUID.fromString(id))).findFirst().orElseThrow();
    Rest.Reply r = rest.post(tc.port(0), "/api/v1/wave/feedback", token, new JsonObject().put("track_id", disliked).put("event", "dislike"));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> after = wave(1, token);
    assertThat(after).isNotEmpty().allSatisfy(id -> assertThat(popular).doesNotContain(UUID.fromString(id)));
  }

  @Test
  void aWaveRoomIsFedByOneNodeAtATime() {
    JsonObject host = register();
    String hostId = host.getJsonObject("user").getString("id");
    String token = host.getString("access_token");
    JsonObject created = rest.postOk(tc.port(0), "/api/v1/listen/rooms", token, new JsonObject().put("host_id", hostId)
        .put("track_id", quiet.get(0).toString()));
    String room = created.getString("room_id");
    String participant = created.getString("token");
    Rest.Reply on = rest.call(HttpMethod.PUT, tc.port(1), "/api/v1/rooms/" + room + "/wave", token, null, new JsonObject().put("enabled", true));
    assertThat(on.status()).as(on.body()).isEqualTo(200);
    assertThat(on.json().getJsonArray("queue")).hasSize(QUEUE_MIN);
    Rest.Reply skip = rest.post(tc.port(0), "/api/v1/rooms/" + room + "/skip", participant, new JsonObject());
    assertThat(skip.status()).as(skip.body()).isEqualTo(200);
    Set<String> played = new LinkedHashSet<>();
    int longest = 0;
    long deadline = System.currentTimeMillis() + 60_000;
    while (played.size() < 4) {
      assertThat(System.currentTimeMillis()).as("4 tracks played within 60 s: %s", played).isLessThan(deadline);
      TestServices.await(tc.client().timer(50));
      JsonObject q = rest.get(tc.port(played.size() % 2), "/api/v1/rooms/" + room + "/queue", participant).json();
      longest = Math.max(longest, q.getJsonArray("queue").size());
      if ("play".equals(q.getString("status"))) {
        played.add(q.getJsonObject("track").getString("track_id"));
      }
    }
    assertThat(longest).as("never fed past its minimum by two nodes at once").isLessThanOrEqualTo(QUEUE_MIN);
  }
}

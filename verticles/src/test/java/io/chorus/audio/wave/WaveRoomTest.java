package io.chorus.audio.wave;

import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
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
 * A listen room plays its host's wave, end to end over REST on a real node: the host (signed in) turns the
 * wave on, the room's queue fills with approved tracks at once, and as tracks end (2.5 s each) the room
 * moves on by itself while the sweep keeps the queue fed.
 */
class WaveRoomTest {
  static final String PW = "a long enough password";
  static final int QUEUE_MIN = 3;
  static TestCluster tc;
  static Rest rest;
  static int port;
  static final List<UUID> tracks = new ArrayList<>();
  static UUID pending;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000,
        "RATE_LIMIT_ROOM_CREATE", 0, "RATE_LIMIT_ROOM_REQUESTS", 0, "WAVE_EXPLORATION_PERCENT", 0, "WAVE_ROOM_QUEUE_MIN", QUEUE_MIN,
        "WAVE_ROOM_SWEEP_MS", 300));
    rest = tc.rest();
    port = tc.port();
    UUID owner = UUID.randomUUID();
    tc.sql("INSERT INTO users (id, username, display_name, password_hash) VALUES (?, ?, 'Room wave owner', 'x')", owner,
        "room-wave-" + owner.toString().substring(0, 8));
    UUID artist = UUID.randomUUID();
    String tag = artist.toString().substring(0, 8);
    tc.sql("INSERT INTO artists (id, name, name_key) VALUES (?, ?, ?)", artist, "Room wave artist " + tag, "room wave artist " + tag);
    for (int i = 0; i < 10; i++) {
      tracks.add(track(owner, artist, "Room album " + tag, "approved"));
    }
    pending = track(owner, artist, "Room album " + tag, "pending");
  }

  static UUID track(UUID owner, UUID artist, String album, String moderation) {
    UUID id = UUID.randomUUID();
    String hex = id.toString().replace("-", "");
    tc.sql("INSERT INTO tracks (id, owner_id, title, artist_id, album_title, content_sha256, original_key, original_size, format, mime, status,"
            + " moderation, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 1000, 'opus', 'audio/ogg', 'ready', ?, 2500)",
        id, owner, "Room track " + hex.substring(0, 6), artist, album, hex + hex, "tracks/" + id + "/original", moderation);
    return id;
  }

  @AfterAll
  static void stop() {
    if (tc != null) {
      tc.close();
    }
  }

  record User(String id, String token) {
  }

  static User register() {
    JsonObject r = rest.postOk(port, "/api/v1/auth/register", null,
        new JsonObject().put("username", "rw-" + UUID.randomUUID().toString().substring(0, 8)).put("password", PW));
    return new User(r.getJsonObject("user").getString("id"), r.getString("access_token"));
  }

  static Rest.Reply put(String room, String token, Object body) {
    return rest.call(HttpMethod.PUT, port, "/api/v1/rooms/" + room + "/wave", token, null, body);
  }

  static JsonObject queue(String room, String participantToken) {
    Rest.Reply r = rest.get(port, "/api/v1/rooms/" + room + "/queue", participantToken);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static List<String> queuedIds(JsonArray queue) {
    return queue.stream().map(o -> ((JsonObject) o).getString("track_id")).toList();
  }

  static void assertApproved(List<String> ids) {
    for (String id : ids) {
      assertThat(tc.sql("SELECT moderation FROM tracks WHERE id = ?::uuid", id).get(0).get("moderation")).as(id).isEqualTo("approved");
    }
  }

  @Test
  void aRoomIsFedFromItsHostsWaveAndPlaysOn() {
    User host = register();
    User other = register();
    // the host's taste leans to this test's artist, whose tracks are short
    for (int i = 0; i < 2; i++) {
      Rest.Reply r = rest.post(port, "/api/v1/wave/feedback", host.token(), new JsonObject().put("track_id", tracks.get(i).toString())
          .put("event", "like"));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
    JsonObject created = rest.postOk(port, "/api/v1/listen/rooms", host.token(), new JsonObject().put("host_id", host.id()).put("host_name", "Host")
        .put("track_id", tracks.get(0).toString()));
    String room = created.getString("room_id");
    String participant = created.getString("token");

    assertThat(put(room, null, new JsonObject().put("enabled", true)).errorCode(401)).isEqualTo("unauthenticated");
    assertThat(put(room, other.token(), new JsonObject().put("enabled", true)).errorCode(403)).isEqualTo("forbidden");
    assertThat(put(room, host.token(), new JsonObject().put("enabled", "yes")).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(put(room, host.token(), "[]").errorCode(400)).isEqualTo("malformed_json");
    assertThat(put("NOPE2345", host.token(), new JsonObject().put("enabled", true)).errorCode(404)).isEqualTo("not_found");
    assertThat(put("!!", host.token(), new JsonObject().put("enabled", true)).errorCode(400)).isEqualTo("invalid_argument");
    assertThat(queue(room, participant).getJsonArray("queue")).isEmpty();

    Rest.Reply on = put(room, host.token(), new JsonObject().put("enabled", true));
    assertThat(on.status()).as(on.body()).isEqualTo(200);
    assertThat(on.json().getBoolean("enabled")).isTrue();
    List<String> queued = queuedIds(queue(room, participant).getJsonArray("queue"));
    assertThat(queued).as("fed at once").hasSizeGreaterThanOrEqualTo(QUEUE_MIN).doesNotHaveDuplicates()
        .doesNotContain(tracks.get(0).toString(), pending.toString());
    assertApproved(queued);
    Rest.Reply status = rest.get(port, "/api/v1/rooms/" + room + "/wave", host.token());
    assertThat(status.status()).as(status.body()).isEqualTo(200);
    assertThat(status.json().getBoolean("enabled")).isTrue();

    // the host starts the queue; then every track ends by itself and the next one starts
    Rest.Reply skip = rest.post(port, "/api/v1/rooms/" + room + "/skip", participant, new JsonObject());
    assertThat(skip.status()).as(skip.body()).isEqualTo(200);
    assertThat(skip.json().getJsonObject("track").getString("track_id")).isEqualTo(queued.get(0));
    Set<String> played = new LinkedHashSet<>();
    long deadline = System.currentTimeMillis() + 60_000;
    JsonObject q = queue(room, participant);
    while (played.size() < 4 || q.getJsonArray("queue").size() < QUEUE_MIN) {
      assertThat(System.currentTimeMillis()).as("4 tracks played and the queue fed again within 60 s: played %s, now %s", played,
          q.encodePrettily()).isLessThan(deadline);
      TestServices.await(tc.client().timer(100));
      q = queue(room, participant);
      String current = q.getJsonObject("track").getString("track_id");
      if ("play".equals(q.getString("status"))) {
        played.add(current);
      }
      assertThat(queuedIds(q.getJsonArray("queue"))).doesNotContain(current);
    }
    assertThat(played).as("the room moved on by itself").hasSizeGreaterThanOrEqualTo(4).doesNotContain(pending.toString());
    assertApproved(new ArrayList<>(played));
    assertApproved(queuedIds(q.getJsonArray("queue")));

    Rest.Reply off = put(room, host.token(), new JsonObject().put("enabled", false));
    assertThat(off.status()).as(off.body()).isEqualTo(200);
    assertThat(rest.get(port, "/api/v1/rooms/" + room + "/wave", host.token()).json().getBoolean("enabled")).isFalse();
    assertThat(tc.redis()).isNotNull();
    assertThat(TestServices.await(tc.redis().hget("wave:rooms", room))).isNull();
  }
}

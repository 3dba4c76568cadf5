package io.chorus.web;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/api.md's error table, "everywhere the same": a body that is JSON but not the object a route takes ({@code []},
 * {@code "x"}, {@code 1}, {@code true}) is {@code 400 malformed_json} on every feature's routes, as a body that is not
 * JSON at all (the accounts, the library and its Subsonic credentials answered {@code invalid_argument}, the rooms
 * {@code malformed_json}).
 */
@ChorusCluster(config = {"RATE_LIMIT_ROOM_CREATE=0", "RATE_LIMIT_SESSION_CREATE=0", "RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000",
    "RATE_LIMIT_LOGIN_PER_USERNAME=100000"})
class JsonBodiesTest {
  static final List<String> NOT_OBJECTS = List.of("[]", "[{\"title\":\"x\"}]", "\"x\"", "1", "true", "null");
  static TestCluster cluster;
  static Rest rest;

  @Test
  void jsonThatIsNotAnObjectIsMalformedJsonOnEveryFeature() {
    for (Object[] r : routes()) {
      for (String body : NOT_OBJECTS) {
        Rest.Reply reply = rest.call((HttpMethod) r[0], cluster.port(), (String) r[1], (String) r[2], null, body);
        assertThat(reply.errorCode(400)).as(r[0] + " " + r[1] + " " + body).isEqualTo("malformed_json");
      }
      // and a body that is not JSON at all, for comparison: the same code
      assertThat(rest.call((HttpMethod) r[0], cluster.port(), (String) r[1], (String) r[2], null, "{\"a\":").errorCode(400)).as(r[0] + " " + r[1])
          .isEqualTo("malformed_json");
    }
  }

  /**
   * A number of more than 1000 digits is more than the JSON reader takes (Jackson's limit): the answer says so on
   * every route, where most said the body was "not a JSON object" (it is one) or "not valid JSON" without the reason.
   */
  @Test
  void aNumberTooLongForTheReaderIsMalformedJsonSayingSo() {
    String body = "{\"position_ms\": " + "1".repeat(1200) + "}";
    for (Object[] r : routes()) {
      Rest.Reply reply = rest.call((HttpMethod) r[0], cluster.port(), (String) r[1], (String) r[2], null, body);
      assertThat(reply.errorCode(400)).as(r[0] + " " + r[1]).isEqualTo("malformed_json");
      assertThat(reply.json().getJsonObject("error").getString("message")).as(r[0] + " " + r[1])
          .isEqualTo("the body is not valid JSON: a number has more than 1000 digits");
    }
  }

  /** Every feature's routes that read a JSON body, with the token each needs. */
  private static Object[][] routes() {
    String user = rest.postOk(cluster.port(), "/api/v1/auth/register", null, new JsonObject()
        .put("username", "bodies-" + UUID.randomUUID().toString().substring(0, 8)).put("password", "a long enough password"))
        .getString("access_token");
    JsonObject room = rest.postOk(cluster.port(), "/api/v1/listen/rooms", null, new JsonObject().put("track_url", "https://example.com/a.mp3"));
    String id = room.getString("room_id");
    String host = room.getString("token");
    Object[][] routes = {
        // accounts
        {HttpMethod.POST, "/api/v1/auth/register", null}, {HttpMethod.POST, "/api/v1/auth/login", null},
        {HttpMethod.PATCH, "/api/v1/users/me", user}, {HttpMethod.PUT, "/api/v1/users/me/password", user},
        {HttpMethod.POST, "/api/v1/friends/requests", user},
        // rooms, chat, the queue, listen-together, the stream hub
        {HttpMethod.POST, "/api/v1/rooms", null}, {HttpMethod.POST, "/api/v1/rooms/" + id + "/join", null},
        {HttpMethod.POST, "/api/v1/rooms/" + id + "/chat/messages", host}, {HttpMethod.PUT, "/api/v1/rooms/" + id + "/track", host},
        {HttpMethod.POST, "/api/v1/rooms/" + id + "/queue", host}, {HttpMethod.POST, "/api/v1/listen/rooms", null},
        {HttpMethod.POST, "/sessions", null},
        // the library, its Subsonic credentials, My Wave
        {HttpMethod.POST, "/api/v1/albums", user}, {HttpMethod.POST, "/api/v1/playlists", user},
        {HttpMethod.POST, "/api/v1/me/subsonic/credentials", user}, {HttpMethod.POST, "/api/v1/tracks/" + UUID.randomUUID() + "/stream-url", user},
        {HttpMethod.POST, "/api/v1/wave/feedback", user}, {HttpMethod.PUT, "/api/v1/rooms/" + id + "/wave", user},
    };
    return routes;
  }
}

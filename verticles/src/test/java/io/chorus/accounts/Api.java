package io.chorus.accounts;

import io.chorus.testing.TestCluster;
import io.chorus.testing.JdkHttp;
import io.vertx.core.json.JsonObject;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A blocking JSON client (the JDK's HttpClient) for the accounts REST tests. */
final class Api {

  /** The password of every user made by {@link #newUser}. */
  static final String PW = "correct horse battery staple";

  private final int port;

  int port() {
    return port;
  }

  Api(int port) {
    this.port = port;
  }

  record Reply(int status, HttpHeaders headers, String body) {
    JsonObject json() {
      return body == null || body.isEmpty() ? new JsonObject() : new JsonObject(body);
    }

    /** Asserts the one error shape {"error":{"code","message"}} with the status and returns the code. */
    String error(int expectedStatus) {
      assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
      JsonObject err = json().getJsonObject("error");
      assertThat(err).as(body).isNotNull();
      assertThat(err.getString("message")).as(body).isNotBlank();
      return err.getString("code");
    }

    Reply expect(int expectedStatus) {
      assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
      return this;
    }
  }

  Reply call(String method, String path, String token, Object body) {
    return call(method, path, token, body, "application/json");
  }

  Reply call(String method, String path, String token, Object body, String contentType) {
    HttpResponse<byte[]> r = JdkHttp.send(port, method, path, token, body, contentType, Duration.ofSeconds(30));
    return new Reply(r.statusCode(), r.headers(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
  }


  /** A call whose {@code Authorization} header is {@code authorization} as given (null: none), not made a Bearer one. */
  Reply withAuthorization(String method, String path, String authorization, Object body) {
    java.util.Map<String, String> headers = new java.util.HashMap<>();
    if (authorization != null) {
      headers.put("Authorization", authorization);
    }
    if (body != null) {
      headers.put("Content-Type", "application/json");
    }
    HttpResponse<byte[]> r = JdkHttp.exchange(port, method, path, null, headers,
        body == null ? null : java.net.http.HttpRequest.BodyPublishers.ofString(body.toString()), Duration.ofSeconds(30));
    return new Reply(r.statusCode(), r.headers(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
  }

  Reply get(String path, String token) {
    return call("GET", path, token, null);
  }

  Reply post(String path, String token, Object body) {
    return call("POST", path, token, body);
  }

  Reply register(String username, String password) {
    return post("/api/v1/auth/register", null, new JsonObject().put("username", username).put("password", password));
  }

  Reply login(String username, String password) {
    return post("/api/v1/auth/login", null, new JsonObject().put("username", username).put("password", password));
  }

  /** Registers and returns the 201 body ({user, access_token, refresh_token, expires_in}). */
  JsonObject newUser(String username) {
    return register(username, PW).expect(201).json();
  }
}

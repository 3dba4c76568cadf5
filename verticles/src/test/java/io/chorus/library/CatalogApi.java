package io.chorus.library;

import io.chorus.config.ChorusConfig;
import io.chorus.testing.JdkHttp;
import io.chorus.testing.Sql;
import io.vertx.core.json.JsonObject;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A blocking client (the JDK's HttpClient) for the catalog REST tests, and the rows they arrange with SQL. */
final class CatalogApi {
  static final String PW = "correct horse battery staple";
  static final String ADMIN = "catalog-admin";
  static final String ADMIN_PASSWORD = "catalog admin password";

  private final int port;

  CatalogApi(int port) {
    this.port = port;
  }

  /** A signed-in test user. */
  record User(String id, String name, String token) {
  }

  record Reply(int status, HttpHeaders headers, byte[] bytes) {
    String body() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    JsonObject json() {
      return bytes.length == 0 ? new JsonObject() : new JsonObject(body());
    }

    Reply expect(int expected) {
      assertThat(status).as("status of %s", body()).isEqualTo(expected);
      return this;
    }

    /** Asserts the one error shape {"error":{"code","message"}} with the status and returns the code. */
    String error(int expected) {
      expect(expected);
      JsonObject err = json().getJsonObject("error");
      assertThat(err).as(body()).isNotNull();
      assertThat(err.getString("message")).as(body()).isNotBlank();
      return err.getString("code");
    }
  }

  Reply call(String method, String path, String token, Object body, String contentType) {
    HttpResponse<byte[]> r = JdkHttp.send(port, method, path, token, body, contentType, Duration.ofSeconds(60));
    return new Reply(r.statusCode(), r.headers(), r.body());
  }


  Reply call(String method, String path, String token, Object body) {
    return call(method, path, token, body, "application/json");
  }

  Reply get(String path, String token) {
    return call("GET", path, token, null);
  }

  Reply post(String path, String token, Object body) {
    return call("POST", path, token, body);
  }

  Reply put(String path, String token, Object body) {
    return call("PUT", path, token, body);
  }

  Reply delete(String path, String token) {
    return call("DELETE", path, token, null);
  }

  User newUser(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject s = post("/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", PW)).expect(201).json();
    return new User(s.getJsonObject("user").getString("id"), name, s.getString("access_token"));
  }

  User login(String name, String password) {
    JsonObject s = post("/api/v1/auth/login", null, new JsonObject().put("username", name).put("password", password)).expect(200).json();
    return new User(s.getJsonObject("user").getString("id"), name, s.getString("access_token"));
  }

  User admin() {
    return login(ADMIN, ADMIN_PASSWORD);
  }

  /** A user with the moderator role (set by the admin), signed in again so the token carries it. */
  User newModerator(String prefix) {
    User u = newUser(prefix);
    call("PUT", "/api/v1/admin/users/" + u.id() + "/roles", admin().token(),
        new JsonObject().put("roles", new io.vertx.core.json.JsonArray().add("user").add("moderator"))).expect(200);
    return login(u.name(), PW);
  }

  /** A track row as upload would write it (the catalog must not depend on the upload branch). */
  static String insertTrack(ChorusConfig.Db db, String ownerId, String title, String moderation) {
    UUID id = UUID.randomUUID();
    String sha;
    try {
      sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    Sql.query(db, "INSERT INTO tracks (id, owner_id, title, content_sha256, original_key, original_size, format, mime, status, moderation)"
            + " VALUES (?, ?, ?, ?, ?, 1234, 'opus', 'audio/ogg', 'ready', ?)",
        id, UUID.fromString(ownerId), title, sha, "tracks/" + id + "/original", moderation);
    return id.toString();
  }
}

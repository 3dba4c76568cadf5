package io.chorus.library;

import io.chorus.testing.JdkHttp;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blocking client of the library REST API on the JDK's HttpClient; uploads are multipart bodies
 * written here (the file part streamed from disk, as a browser's FormData would send it).
 */
final class LibraryClient {
  static final String PW = "correct horse battery staple";

  private final int port;

  LibraryClient(int port) {
    this.port = port;
  }

  record Reply(int status, HttpHeaders headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonObject json() {
      return body.length == 0 ? new JsonObject() : new JsonObject(text());
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** Asserts the status and the one error shape; returns the error code. */
    String error(int expected) {
      assertThat(status).as("status of %s", text()).isEqualTo(expected);
      JsonObject err = json().getJsonObject("error");
      assertThat(err).as(text()).isNotNull();
      assertThat(err.getString("message")).as(text()).isNotBlank();
      return err.getString("code");
    }

    Reply expect(int expected) {
      assertThat(status).as("status of %s", text()).isEqualTo(expected);
      return this;
    }
  }

  Reply send(String method, String path, String token, Map<String, String> headers, HttpRequest.BodyPublisher body) {
    HttpResponse<byte[]> r = JdkHttp.exchange(port, method, path, token, headers, body, Duration.ofSeconds(90));
    return new Reply(r.statusCode(), r.headers(), r.body());
  }


  Reply get(String path, String token) {
    return send("GET", path, token, Map.of(), null);
  }

  Reply get(String path, String token, Map<String, String> headers) {
    return send("GET", path, token, headers, null);
  }

  Reply json(String method, String path, String token, JsonObject body) {
    return send(method, path, token, Map.of("Content-Type", "application/json"),
        body == null ? null : HttpRequest.BodyPublishers.ofString(body.encode()));
  }

  /** POST /api/v1/tracks with the file as part {@code file} named {@code fileName}, plus text fields. */
  Reply upload(String token, Path file, String fileName, Map<String, String> fields) {
    return upload(token, file, fileName, fields, false);
  }

  /** {@code chunked}: no Content-Length (the server can only count the bytes as they come). */
  Reply upload(String token, Path file, String fileName, Map<String, String> fields, boolean chunked) {
    String boundary = "----chorus" + UUID.randomUUID().toString().replace("-", "");
    StringBuilder head = new StringBuilder();
    fields.forEach((k, v) -> head.append("--").append(boundary).append("\r\n")
        .append("Content-Disposition: form-data; name=\"").append(k).append("\"\r\n\r\n").append(v).append("\r\n"));
    head.append("--").append(boundary).append("\r\n")
        .append("Content-Disposition: form-data; name=\"file\"; filename=\"").append(fileName.replace("\"", "%22")).append("\"\r\n")
        .append("Content-Type: application/octet-stream\r\n\r\n");
    byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] end = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    HttpRequest.BodyPublisher body;
    try {
      body = chunked
          ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(java.util.Collections.enumeration(java.util.List.of(
              new java.io.ByteArrayInputStream(start), open(file), new java.io.ByteArrayInputStream(end)))))
          : HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(start), HttpRequest.BodyPublishers.ofFile(file),
              HttpRequest.BodyPublishers.ofByteArray(end));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return send("POST", "/api/v1/tracks", token, Map.of("Content-Type", "multipart/form-data; boundary=" + boundary), body);
  }

  private static InputStream open(Path file) {
    try {
      return Files.newInputStream(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Registers a user; returns their access token. */
  String newUser(String prefix) {
    String name = (prefix + UUID.randomUUID().toString().substring(0, 8)).toLowerCase();
    Reply r = json("POST", "/api/v1/auth/register", null, new JsonObject().put("username", name).put("password", PW)).expect(201);
    return r.json().getString("access_token");
  }

  /** The user id inside an access token (its {@code sub}). */
  static String userId(String token) {
    String payload = token.split("\\.")[1];
    return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8)).getString("sub");
  }

  String login(String username, String password) {
    return json("POST", "/api/v1/auth/login", null, new JsonObject().put("username", username).put("password", password))
        .expect(200).json().getString("access_token");
  }

  static Map<String, String> fields(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}

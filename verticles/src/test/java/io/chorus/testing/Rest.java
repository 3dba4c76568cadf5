package io.chorus.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/** A blocking JSON client for the REST tests: every call waits for its reply (or fails the test). */
public final class Rest {
  public final WebClient web;

  public Rest(Vertx vertx) {
    this.web = WebClient.create(vertx);
  }

  public record Reply(int status, MultiMap headers, String body) {
    public JsonObject json() {
      return body == null || body.isEmpty() ? new JsonObject() : new JsonObject(body);
    }

    /** Asserts the one error shape {"error":{"code","message"}} and returns the code. */
    public String errorCode(int expectedStatus) {
      assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
      JsonObject err = json().getJsonObject("error");
      assertThat(err).as(body).isNotNull();
      assertThat(err.getString("message")).as(body).isNotBlank();
      return err.getString("code");
    }
  }

  public Reply call(HttpMethod method, int port, String path, String token, String participantHeader, Object body) {
    HttpRequest<Buffer> req = web.request(method, port, "127.0.0.1", path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    if (participantHeader != null) {
      req.putHeader("X-Participant-ID", participantHeader);
    }
    HttpResponse<Buffer> r;
    if (body == null) {
      r = TestServices.await(req.send());
    } else if (body instanceof JsonObject j) {
      r = TestServices.await(req.sendJsonObject(j));
    } else {
      r = TestServices.await(req.putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(body.toString())));
    }
    return new Reply(r.statusCode(), r.headers(), r.bodyAsString());
  }

  public Reply get(int port, String path, String token) {
    return call(HttpMethod.GET, port, path, token, null, null);
  }

  public Reply post(int port, String path, String token, Object body) {
    return call(HttpMethod.POST, port, path, token, null, body);
  }

  /** A POST that must succeed (200 or 201): its JSON body. */
  public JsonObject postOk(int port, String path, String token, Object body) {
    Reply r = post(port, path, token, body);
    assertThat(r.status()).as(r.body()).isBetween(200, 201);
    return r.json();
  }
}

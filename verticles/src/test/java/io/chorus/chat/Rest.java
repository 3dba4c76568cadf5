package io.chorus.chat;

import io.chorus.testing.TestServices;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/** A blocking JSON client for the REST tests. */
final class Rest {
  final WebClient web;

  Rest(Vertx vertx) {
    this.web = WebClient.create(vertx);
  }

  record Reply(int status, MultiMap headers, String body) {
    JsonObject json() {
      return body == null || body.isEmpty() ? new JsonObject() : new JsonObject(body);
    }

    /** Asserts the one error shape {"error":{"code","message"}} and returns the code. */
    String errorCode(int expectedStatus) {
      assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
      JsonObject err = json().getJsonObject("error");
      assertThat(err).as(body).isNotNull();
      assertThat(err.getString("message")).as(body).isNotBlank();
      return err.getString("code");
    }
  }

  Reply call(HttpMethod method, int port, String path, String token, String participantHeader, Object body) {
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

  Reply get(int port, String path, String token) {
    return call(HttpMethod.GET, port, path, token, null, null);
  }

  Reply post(int port, String path, String token, Object body) {
    return call(HttpMethod.POST, port, path, token, null, body);
  }
}

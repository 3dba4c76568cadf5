package io.chorus.web;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A known path asked with a method none of its routes takes is {@code 405 method_not_allowed} with {@code Allow}
 * (RFC 9110 15.5.6), not the {@code 404} of a path no route serves: the router's catch-all routes (the web client's
 * static files, the last handler) kept vertx-web from ever finding its own 405, and every such request was
 * {@code 404 not_found}.
 */
@ChorusCluster
class MethodNotAllowedTest {
  static Rest rest;
  static int port;

  @BeforeAll
  static void start(TestCluster c) {
    rest = c.rest();
    port = c.port();
  }

  @Test
  void aKnownPathWithAnotherMethodIs405WithAllow() {
    Object[][] cases = {
        {HttpMethod.PUT, "/api/v1/rooms", "OPTIONS, POST"},
        {HttpMethod.DELETE, "/api/v1/auth/login", "OPTIONS, POST"},
        {HttpMethod.GET, "/api/v1/auth/login", "OPTIONS, POST"},
        {HttpMethod.PATCH, "/api/v1/time", "GET, HEAD, OPTIONS"},
        // a path parameter, a trailing slash and a doubled slash match as the routes match them
        {HttpMethod.DELETE, "/api/v1/rooms/" + UUID.randomUUID(), "GET, HEAD, OPTIONS"},
        {HttpMethod.POST, "/api/v1/time/", "GET, HEAD, OPTIONS"},
        {HttpMethod.POST, "//health", "GET, HEAD, OPTIONS"},
        // HEAD /api/v1/wave only refuses HEAD (405 of its own): Allow does not list it
        {HttpMethod.DELETE, "/api/v1/wave", "GET, OPTIONS"},
    };
    for (Object[] c : cases) {
      Rest.Reply reply = rest.call((HttpMethod) c[0], port, (String) c[1], null, null, null);
      assertThat(reply.errorCode(405)).as(c[0] + " " + c[1]).isEqualTo("method_not_allowed");
      assertThat(reply.headers().get("Allow")).as(c[0] + " " + c[1]).isEqualTo(c[2]);
      assertThat(reply.headers().get("Content-Type")).startsWith("application/json");
    }
    // HEAD gets the head of the same answer
    Rest.Reply head = rest.call(HttpMethod.HEAD, port, "/api/v1/auth/login", null, null, null);
    assertThat(head.status()).isEqualTo(405);
    assertThat(head.headers().get("Allow")).isEqualTo("OPTIONS, POST");
  }

  @Test
  void aPlainOptionsOnAKnownPathListsItsMethods() {
    Rest.Reply reply = rest.call(HttpMethod.OPTIONS, port, "/api/v1/rooms", null, null, null);
    assertThat(reply.status()).isEqualTo(204);
    assertThat(reply.headers().get("Allow")).isEqualTo("OPTIONS, POST");
  }

  @Test
  void anUnknownPathIsStill404AndOpenSubsonicKeepsItsOwn405() {
    assertThat(rest.call(HttpMethod.PUT, port, "/api/v1/nothing-here", null, null, null).errorCode(404)).isEqualTo("not_found");
    assertThat(rest.call(HttpMethod.OPTIONS, port, "/api/v1/nothing-here", null, null, null).errorCode(404)).isEqualTo("not_found");
    // POST /eventbus/* is only the bridge's body limit, in front of a sub-router that serves GET too: it names no methods
    assertThat(rest.call(HttpMethod.DELETE, port, "/eventbus/info", null, null, null).errorCode(404)).isEqualTo("not_found");
    Rest.Reply subsonic = rest.call(HttpMethod.PUT, port, "/rest/ping", null, null, null);
    assertThat(subsonic.status()).isEqualTo(405);
    assertThat(subsonic.headers().get("Allow")).isEqualTo("GET, POST, HEAD");
    assertThat(subsonic.body()).contains("subsonic-response");
    // both of the methods Subsonic clients use are still served
    assertThat(rest.call(HttpMethod.GET, port, "/rest/ping", null, null, null).body()).contains("subsonic-response");
    assertThat(rest.call(HttpMethod.POST, port, "/rest/ping", null, null, null).body()).contains("subsonic-response");
  }
}

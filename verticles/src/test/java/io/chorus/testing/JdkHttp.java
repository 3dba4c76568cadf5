package io.chorus.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * One blocking HTTP/1.1 call with the JDK's client, for the REST test clients that need raw bytes, any
 * method and any content type: a failed exchange fails the test with the request named.
 */
public final class JdkHttp {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private JdkHttp() {
  }

  /**
   * {@code body}: null (no body), a {@code byte[]}, or anything else sent as its {@code toString()}; the
   * content type is set only when there is a body.
   */
  public static HttpResponse<byte[]> send(int port, String method, String path, String token, Object body, String contentType,
                                          Duration timeout) {
    if (body == null) {
      return exchange(port, method, path, token, Map.of(), null, timeout);
    }
    return exchange(port, method, path, token, Map.of("Content-Type", contentType),
        body instanceof byte[] bytes ? HttpRequest.BodyPublishers.ofByteArray(bytes) : HttpRequest.BodyPublishers.ofString(body.toString()),
        timeout);
  }

  /** {@code path}: on the node at {@code port}, or a whole URL (a signed stream URL); {@code body} null for none. */
  public static HttpResponse<byte[]> exchange(int port, String method, String path, String token, Map<String, String> headers,
                                              HttpRequest.BodyPublisher body, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : "http://127.0.0.1:" + port + path))
        .timeout(timeout);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    headers.forEach(b::header);
    try {
      return HTTP.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed: " + e.getMessage(), e);
    }
  }
}

package io.chorus.web;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The one CORS policy of the REST APIs: {@code ALLOWED_ORIGINS} (or any origin with {@code *}), bearer tokens, JSON bodies. */
public final class Cors {
  /** The message of the failure vertx-web's CORS handler raises (403) for an origin it refuses. */
  static final String REJECTED = "CORS Rejected - Invalid origin";

  private Cors() {
  }

  /**
   * True when a request from {@code origin} may be served under {@code allowedOrigins} ({@code CORS_ALLOWED_ORIGINS}):
   * no Origin (not a browser's cross-origin request), {@code *}, or one of the listed origins. The check of the
   * requests the CORS handler does not see (the bridge's WebSocket transports).
   */
  public static boolean allows(List<String> allowedOrigins, String origin) {
    return origin == null || allowedOrigins.contains("*") || allowedOrigins.contains(origin);
  }

  /** {@code extraHeaders}: request headers a feature takes besides Content-Type and Authorization. */
  public static CorsHandler handler(List<String> allowedOrigins, String... extraHeaders) {
    Set<String> headers = new HashSet<>(Set.of("Content-Type", "Authorization", "Range", "If-Range"));
    headers.addAll(List.of(extraHeaders));
    CorsHandler cors = CorsHandler.create()
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE,
            HttpMethod.OPTIONS))
        .allowedHeaders(headers)
        .exposedHeaders(Set.of("Retry-After", "Content-Range", "Accept-Ranges", "ETag", "Content-Length"));
    if (allowedOrigins.contains("*")) {
      // without origins the handler still requires an http, https or ftp origin, which refuses (403) the pages of
      // desktop and mobile apps, Subsonic players among them (Electron's file://, tauri://localhost,
      // capacitor://localhost); not ".*" either: vertx-web reads that one as "*"
      cors.addOriginWithRegex("(?s).*");
    } else {
      allowedOrigins.forEach(cors::addOrigin);
    }
    return cors;
  }
}

package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays (a byte range of) an S3 object into an HTTP response without a thread and without holding it:
 * a ranged GET of a presigned URL with Vert.x's HTTP client, piped with back-pressure (a slow listener
 * slows the read from S3). The response's status and headers are set only once S3 answered, so an S3
 * outage is still a clean {@code 503}; a failure mid-body resets the connection (a short body under a
 * declared Content-Length would look complete to some clients).
 */
final class S3Relay {
  private static final Logger LOG = LoggerFactory.getLogger(S3Relay.class);

  private final HttpClient http;
  private final MediaStore store;

  S3Relay(HttpClient http, MediaStore store) {
    this.http = http;
    this.store = store;
  }

  /**
   * Sends bytes {@code range} (null: all) of {@code key}; {@code head} sets status and headers once S3
   * answered. Completes when the last byte was handed to the connection.
   */
  Future<Void> send(HttpServerResponse out, String key, Ranges.Range range, long size, Runnable head) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(store.presignGet(key))
        .setConnectTimeout(2_000).setIdleTimeout(60_000);
    if (range != null) {
      options.putHeader("Range", "bytes=" + range.start() + "-" + range.end());
    }
    return http.request(options).compose(req -> req.send())
        .recover(e -> {
          LOG.warn("S3 GET {} failed: {}", key, e.toString());
          return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("media storage is unavailable"));
        })
        .compose(resp -> {
          boolean whole = range == null || (range.start() == 0 && range.end() == size - 1);
          if (!(resp.statusCode() == 206 && range != null) && !(resp.statusCode() == 200 && whole)) {
            LOG.warn("S3 GET {} ({}) answered {}", key, range, resp.statusCode());
            resp.request().reset();
            return Future.failedFuture(resp.statusCode() == 404 ? ErrorCode.NOT_FOUND.exception("the file is missing from storage")
                : ErrorCode.UNAVAILABLE.exception("media storage is unavailable"));
          }
          head.run();
          return pipe(resp, out);
        });
  }

  private static Future<Void> pipe(HttpClientResponse from, HttpServerResponse out) {
    return from.pipe().endOnFailure(false).to(out).onFailure(e -> {
      from.request().reset();
      if (!out.closed()) {
        out.reset();
      }
    });
  }
}

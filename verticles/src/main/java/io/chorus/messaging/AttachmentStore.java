package io.chorus.messaging;

import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * The messenger's attachment objects in the platform's S3 bucket, keys {@code messenger/<conversation_id>/<id>}.
 * The SDK client blocks, so writes and deletes run on a small worker pool, a file from disk (never held in memory).
 * Reads do not take a thread: a short-lived presigned GET fetched with Vert.x's HTTP client, which the download
 * pipes to the browser with back-pressure. Every S3 failure surfaces as {@code UNAVAILABLE} (503).
 */
final class AttachmentStore {
  private static final Logger LOG = LoggerFactory.getLogger(AttachmentStore.class);

  private final Future<S3Client> s3;
  private final Future<S3Presigner> presigner;
  private final String bucket;
  private final WorkerExecutor workers;
  private final HttpClient http;

  /** {@code s3}: the platform's client ({@code NodeContext#s3}), which also made sure the bucket exists. */
  AttachmentStore(Vertx vertx, Future<S3Client> s3, ChorusConfig.S3 config) {
    this.s3 = s3;
    this.bucket = config.bucket();
    this.workers = vertx.createSharedWorkerExecutor("chorus-messaging-s3", 4);
    // the SDK's classes take a while to load: off the event loop, once the client exists
    this.presigner = s3.compose(c -> vertx.executeBlocking(() -> S3Presigner.builder()
        .endpointOverride(URI.create(config.endpoint()))
        .region(Region.of(config.region()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey())))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build(), false));
    // a chat page loads many images at once: a pool as wide as the library's stream relay (the default is 5)
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000).setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(512));
  }

  static String key(UUID conversation, UUID attachment) {
    return "messenger/" + conversation + "/" + attachment;
  }

  Future<Void> put(String key, Path file, long size, String contentType) {
    return blocking("store " + key, client -> {
      client.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).contentLength(size), RequestBody.fromFile(file));
      return null;
    });
  }

  /**
   * Deletes the objects, one by one (some S3-protocol servers lack the multi-object delete). Never fails: an object
   * left behind is logged (its row is gone, so nothing serves it any more).
   */
  Future<Void> delete(List<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    return blocking("delete " + keys, client -> {
      for (String k : keys) {
        client.deleteObject(b -> b.bucket(bucket).key(k));
      }
      return (Void) null;
    }).recover(e -> {
      LOG.warn("attachment objects {} were not deleted from S3: {}", keys, e.getMessage());
      return Future.succeededFuture();
    });
  }

  /**
   * A GET of the object, with the browser's {@code range} ({@code bytes=a-b}, null: the whole) passed on: S3 answers
   * 200, 206 with {@code Content-Range}, or 416, and the caller relays that. Fails UNAVAILABLE when S3 cannot be reached.
   */
  Future<HttpClientResponse> get(String key, String range) {
    return presigner.compose(p -> {
      String url = p.presignGetObject(g -> g.signatureDuration(Duration.ofMinutes(10)).getObjectRequest(r -> r.bucket(bucket).key(key)))
          .url().toString();
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setConnectTimeout(2_000).setIdleTimeout(60_000);
      if (range != null) {
        options.putHeader("Range", range);
      }
      return http.request(options).compose(req -> req.send());
    }).recover(e -> {
      LOG.warn("S3 GET {} failed: {}", key, e.toString());
      return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("media storage is unavailable"));
    });
  }

  private interface Call<T> {
    T run(S3Client client) throws Exception;
  }

  private <T> Future<T> blocking(String what, Call<T> call) {
    return s3.compose(client -> workers.executeBlocking((Callable<T>) () -> call.run(client), false)).recover(e -> {
      LOG.warn("S3: {} failed: {}", what, e.toString());
      return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("media storage is unavailable"));
    });
  }
}

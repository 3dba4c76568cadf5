package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The library's objects in S3 (keys {@code tracks/<id>/...}). The SDK client blocks, so every call runs
 * on the library's worker pool; a file is uploaded from disk (never held in memory), in 8 MiB parts
 * above 16 MiB. Reads for streaming do not go through the SDK: {@link #presignGet} makes a short-lived
 * URL that the gateway fetches with Vert.x's non-blocking HTTP client, so a stream costs no thread.
 * Every S3 failure surfaces as {@code UNAVAILABLE} (503).
 */
final class MediaStore {
  private static final Logger LOG = LoggerFactory.getLogger(MediaStore.class);
  private static final long MULTIPART_ABOVE = 16L * 1024 * 1024;
  private static final long PART_SIZE = 8L * 1024 * 1024;

  private final S3Client s3;
  private final S3Presigner presigner;
  private final String bucket;
  private final WorkerExecutor workers;
  private final io.micrometer.core.instrument.Counter parts;

  MediaStore(S3Client s3, ChorusConfig.S3 config, WorkerExecutor workers, io.micrometer.core.instrument.MeterRegistry metrics) {
    this.s3 = s3;
    this.parts = metrics == null ? null : io.micrometer.core.instrument.Counter.builder("chorus.library.s3.parts")
        .description("parts uploaded by multipart S3 uploads (files above 16 MiB)").register(metrics);
    this.bucket = config.bucket();
    this.workers = workers;
    this.presigner = S3Presigner.builder()
        .endpointOverride(URI.create(config.endpoint()))
        .region(Region.of(config.region()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey())))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
  }

  static String originalKey(String trackId) {
    return "tracks/" + trackId + "/original";
  }

  static String coverKey(String trackId) {
    return "tracks/" + trackId + "/cover";
  }

  static String mp3Key(String trackId, int kbps) {
    return "tracks/" + trackId + "/mp3-" + kbps;
  }

  /** Uploads a file from disk. */
  Future<Void> putFile(String key, Path file, long size, String mime) {
    return blocking("store " + key, () -> {
      if (size <= MULTIPART_ABOVE) {
        s3.putObject(b -> b.bucket(bucket).key(key).contentType(mime).contentLength(size), RequestBody.fromFile(file));
      } else {
        multipart(key, file, size, mime);
      }
      return null;
    });
  }

  private void multipart(String key, Path file, long size, String mime) {
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(mime)).uploadId();
    try {
      List<CompletedPart> done = new ArrayList<>();
      int number = 1;
      for (long offset = 0; offset < size; offset += PART_SIZE, number++) {
        long length = Math.min(PART_SIZE, size - offset);
        long from = offset;
        int n = number;
        // a provider, not a stream: the SDK may retry a part and then reads it again from the file
        RequestBody body = RequestBody.fromContentProvider(() -> slice(file, from, length), length, mime);
        String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(n).contentLength(length), body).eTag();
        done.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        if (parts != null) {
          parts.increment();
        }
      }
      s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(done)));
    } catch (RuntimeException e) {
      try {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
      } catch (RuntimeException abort) {
        e.addSuppressed(abort);
      }
      throw e;
    }
  }

  private static InputStream slice(Path file, long from, long length) {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      ch.position(from);
      return new java.io.FilterInputStream(Channels.newInputStream(ch)) {
        private long left = length;

        @Override
        public int read() throws java.io.IOException {
          if (left <= 0) {
            return -1;
          }
          int b = super.read();
          if (b >= 0) {
            left--;
          }
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws java.io.IOException {
          if (left <= 0) {
            return -1;
          }
          int n = super.read(buf, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }
      };
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  Future<Void> putBytes(String key, byte[] data, String mime) {
    return blocking("store " + key, () -> {
      s3.putObject(b -> b.bucket(bucket).key(key).contentType(mime).contentLength((long) data.length), RequestBody.fromBytes(data));
      return null;
    });
  }

  /** The object's size and ETag, or null when there is none. */
  Future<HeadObjectResponse> head(String key) {
    return blocking("read " + key, () -> {
      try {
        return s3.headObject(b -> b.bucket(bucket).key(key));
      } catch (NoSuchKeyException e) {
        return null;
      } catch (S3Exception e) {
        if (e.statusCode() == 404) {
          return null;
        }
        throw e;
      }
    });
  }

  /** Downloads an object to a file (for transcoding). */
  Future<Void> download(String key, Path to) {
    return blocking("read " + key, () -> {
      java.nio.file.Files.deleteIfExists(to);
      s3.getObject(b -> b.bucket(bucket).key(key), to);
      return null;
    });
  }

  /** Deletes these keys and everything under the prefixes (a missing object is no error). */
  Future<Void> delete(List<String> keys, List<String> prefixes) {
    return blocking("delete", () -> {
      List<ObjectIdentifier> ids = new ArrayList<>();
      keys.forEach(k -> ids.add(ObjectIdentifier.builder().key(k).build()));
      for (String prefix : prefixes) {
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
          ids.add(ObjectIdentifier.builder().key(o.key()).build());
        }
      }
      for (ObjectIdentifier id : ids) {
        // one by one: S3Proxy and some S3-protocol servers lack the multi-object delete
        s3.deleteObject(b -> b.bucket(bucket).key(id.key()));
      }
      return null;
    });
  }

  /** A short-lived GET URL of the object (signing only, no I/O). */
  String presignGet(String key) {
    return presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(10)).getObjectRequest(g -> g.bucket(bucket).key(key)))
        .url().toString();
  }

  private <T> Future<T> blocking(String what, java.util.concurrent.Callable<T> call) {
    return workers.<T>executeBlocking(call, false).recover(e -> {
      if (e instanceof io.chorus.bus.ChorusException) {
        return Future.failedFuture(e);
      }
      LOG.warn("S3: {} failed: {}", what, e.toString());
      return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("media storage is unavailable"));
    });
  }

  void close() {
    presigner.close();
  }
}

package io.chorus.infra;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Makes sure the media bucket exists; nodes racing to create it all succeed. */
public final class Buckets {
  private Buckets() {
  }

  public static Future<Void> ensure(Vertx vertx, S3Client s3, String bucket) {
    return vertx.executeBlocking(() -> {
      try {
        s3.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
      } catch (NoSuchBucketException e) {
        create(s3, bucket);
      } catch (S3Exception e) {
        if (e.statusCode() != 404) {
          throw new IllegalStateException("S3 bucket '" + bucket + "' cannot be checked: " + e.getMessage(), e);
        }
        create(s3, bucket);
      }
      return null;
    }, false);
  }

  private static void create(S3Client s3, String bucket) {
    try {
      s3.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
    } catch (BucketAlreadyOwnedByYouException e) {
      // another node created it first: the same outcome
    }
  }
}

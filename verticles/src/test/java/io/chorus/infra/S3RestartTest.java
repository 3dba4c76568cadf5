package io.chorus.infra;

import io.chorus.config.ChorusConfig;
import io.chorus.embedded.EmbeddedS3;
import io.chorus.testing.TestServices;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The S3 client right after the S3 server restarted: its first request went out on the connection the JDK had kept
 * alive, which the old server had closed, and failed ("Unexpected end of file from server", not retried by the
 * SDK), so the first upload after a restart was answered 503.
 */
class S3RestartTest {
  @Test
  void theFirstRequestsAfterARestartGoThrough() {
    ChorusConfig.S3 config = ChorusConfig.parse(TestServices.nodeJson(Map.of())).s3();
    String bucket = "restart-" + UUID.randomUUID().toString().substring(0, 8);
    EmbeddedS3 embedded = TestServices.services().s3();
    try (S3Client s3 = Infra.s3Client(config)) {
      s3.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
      s3.putObject(b -> b.bucket(bucket).key("before"), RequestBody.fromBytes(new byte[100_000]));   // a kept-alive connection now

      embedded.stop();
      embedded.start();
      s3.putObject(b -> b.bucket(bucket).key("after"), RequestBody.fromBytes(new byte[100_000]));
      assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("after")).asByteArray()).hasSize(100_000);

      embedded.stop();
      embedded.start();
      assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("before")).asByteArray()).hasSize(100_000);
      embedded.stop();
      embedded.start();
      assertThat(s3.headObject(b -> b.bucket(bucket).key("after")).contentLength()).isEqualTo(100_000L);
      embedded.stop();
      embedded.start();
      s3.deleteObject(b -> b.bucket(bucket).key("after"));
    }
  }
}

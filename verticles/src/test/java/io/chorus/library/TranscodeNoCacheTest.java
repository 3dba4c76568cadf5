package io.chorus.library;

import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code TRANSCODE_CACHE_MAX_MB=0}: an MP3 transcode is served whole, then deleted once nobody streams it, and made again. */
@ChorusCluster(config = {"TRANSCODE_CACHE_MAX_MB=0", "RATE_LIMIT_REGISTER=100000", "RATE_LIMIT_LOGIN=100000",
    "RATE_LIMIT_LOGIN_PER_USERNAME=100000"})
class TranscodeNoCacheTest {
  @BeforeAll
  static void start(TestCluster c) {
    TranscodeCacheTest.tc = c;
    TranscodeCacheTest.a = new CatalogApi(c.port(0));
    TranscodeCacheTest.s3 = io.chorus.infra.Infra.s3Client(c.config().s3());
    TranscodeCacheTest.tmp = TestMusic.tempDir();
    TranscodeCacheTest.owner = TranscodeCacheTest.a.newUser("nocache");
  }

  @AfterAll
  static void stop() {
    TranscodeCacheTest.s3.close();
  }

  @Test
  void aTranscodeLivesOnlyWhileItIsStreamed() {
    String id = TranscodeCacheTest.track("track13.ogg", 20);
    String key = TranscodeCacheTest.key(id, 64);
    byte[] first = TranscodeCacheTest.mp3(TranscodeCacheTest.a, id, 64);
    TranscodeCacheTest.await("the transcode deleted after its stream", () -> !TranscodeCacheTest.cached(key) && !TranscodeCacheTest.inS3(key));
    assertThat(TranscodeCacheTest.mp3(TranscodeCacheTest.a, id, 64)).hasSize(first.length);
    TranscodeCacheTest.await("deleted again", () -> !TranscodeCacheTest.cached(key) && !TranscodeCacheTest.inS3(key));
    assertThat(TranscodeCacheTest.total()).isZero();
  }
}

package io.chorus.audio;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Matching runs on the store's own pool, not on the node's shared workers: a burst of queries is answered, correctly,
 * while every shared worker is blocked: the pool's threads ran it (their candidate buffers are all the node keeps
 * between queries).
 */
class FingerprintsPoolTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void aBurstOfQueriesRunsOnTheStoresOwnThreads() throws Exception {
    Fingerprints store = new Fingerprints(vertx, null, 2);
    Fingerprinter fp = new Fingerprinter();
    Random r = new Random(31);
    List<UUID> ids = new ArrayList<>();
    List<float[]> songs = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      float[] song = FingerprinterTest.melody(r, 30, 150);
      UUID id = UUID.randomUUID();
      Fingerprinter.Print p = fp.print(song);
      store.index().add(id, p.landmarks(), p.sketch());
      ids.add(id);
      songs.add(song);
    }

    // the shared workers all blocked: queries that needed them could not run until the latch opens
    CountDownLatch hold = new CountDownLatch(1);
    List<Future<Boolean>> blockers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      blockers.add(vertx.executeBlocking(() -> hold.await(60, TimeUnit.SECONDS), false));
    }
    List<Future<List<FingerprintIndex.Match>>> answers = new ArrayList<>();
    for (int q = 0; q < 12; q++) {
      int s = q % songs.size();
      float[] clip = java.util.Arrays.copyOfRange(songs.get(s), (5 + q) * Fingerprinter.SAMPLE_RATE, (10 + q) * Fingerprinter.SAMPLE_RATE);
      answers.add(store.match(clip, 3));
    }
    try {
      // on the shared workers these would wait for the latch: the await would time out and fail the test
      Future.all(answers).await(30, TimeUnit.SECONDS);
    } finally {
      hold.countDown();
    }
    for (int q = 0; q < answers.size(); q++) {
      assertThat(answers.get(q).result()).as("query %d", q).extracting(FingerprintIndex.Match::trackId).first()
          .isEqualTo(ids.get(q % songs.size()));
    }
    java.util.Set<String> pool = new java.util.TreeSet<>();
    Thread.getAllStackTraces().keySet().forEach(t -> {
      if (t.getName().startsWith(Fingerprints.POOL)) {
        pool.add(t.getName());
      }
    });
    // by name only: nodes of other test classes in this JVM name their pools alike (their size is Vert.x's to keep)
    assertThat(pool).as("the store's threads").isNotEmpty();
    Future.all(blockers).await(60, TimeUnit.SECONDS);
  }
}

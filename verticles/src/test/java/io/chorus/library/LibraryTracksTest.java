package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.LibraryRows;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a room learns when it is given a library track id: an approved track resolves for anyone; an unshared upload
 * (pending or rejected) is {@code forbidden} to its owner and {@code not_found} to anyone else, as an unknown or
 * taken-down track is, so a room host cannot probe which uploads exist.
 */
@ChorusCluster
class LibraryTracksTest {
  static TestCluster tc;
  static Pool pg;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    pg = c.pg();
  }

  static String owner(String trackId) {
    return tc.sql("SELECT owner_id::text AS o FROM tracks WHERE id = ?::uuid", trackId).get(0).get("o").toString();
  }

  /** How resolving {@code trackId} for {@code actor} fails (an assertion error when it resolves). */
  static ErrorCode refusal(String trackId, String actor) {
    try {
      var resolved = new LibraryTracks(pg).resolve(trackId, actor).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("resolved for " + actor + ": " + resolved);
    } catch (ExecutionException e) {
      return ErrorCode.of(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void anUnsharedUploadIsForbiddenToItsOwnerAndUnknownToEveryoneElse() {
    for (String state : new String[] {"pending", "rejected"}) {
      String track = LibraryRows.track(tc, "Unshared " + state, 1000, state);
      String owner = owner(track);
      assertThat(refusal(track, owner)).as("%s, its owner", state).isEqualTo(ErrorCode.FORBIDDEN);
      assertThat(refusal(track, owner.toUpperCase())).as("%s, its owner's id in upper case", state).isEqualTo(ErrorCode.FORBIDDEN);
      assertThat(refusal(track, UUID.randomUUID().toString())).as("%s, another account", state).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(refusal(track, "guest-7")).as("%s, an anonymous participant", state).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(refusal(track, null)).as("%s, a trusted service call", state).isEqualTo(ErrorCode.FORBIDDEN);
    }
    assertThat(refusal(LibraryRows.track(tc, "Taken down", 1000, "removed"), null)).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(refusal(UUID.randomUUID().toString(), "guest-7")).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void anApprovedTrackResolvesForAnyone() {
    String track = LibraryRows.approvedTrack(tc, "Shared song", 123_000);
    var resolved = TestServices.await(new LibraryTracks(pg).resolve(track, "guest-7"));
    assertThat(resolved.url()).isEqualTo("/api/v1/tracks/" + track + "/stream");
    assertThat(resolved.title()).isEqualTo("Shared song");
    assertThat(resolved.durationMs()).isEqualTo(123_000L);
  }
}

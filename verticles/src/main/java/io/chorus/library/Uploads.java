package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What happens to an upload once its bytes are in a temp file (see {@link UploadRoutes}): the same
 * bytes already there → that track; else the content is probed (format by content), tags and cover
 * read, the original (and cover) stored in S3, then the artist, track row and {@code track.uploaded}
 * outbox row written in one transaction. Nothing half-written stays: a failure after the S3 put deletes
 * the objects, and a concurrent upload of the same bytes that wins the unique index makes this one a
 * duplicate of it.
 */
final class Uploads {
  private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);

  /** A received upload: the temp file, its size and SHA-256, the client's file name and form fields. */
  record Received(Path file, long size, String sha256, String fileName, String title, String artist, String album) {
    Received withSize(long newSize) {
      return new Received(file, newSize, sha256, fileName, title, artist, album);
    }
  }

  /** The answer: the track, and whether it already existed (same bytes). */
  record Outcome(Track track, boolean duplicate) {
    JsonObject json() {
      JsonObject j = new JsonObject().put("track", track.json());
      return duplicate ? j.put("duplicate", true) : j;
    }
  }

  private final TrackRepo repo;
  private final MediaStore store;
  private final Probe probe;
  private final WorkerExecutor workers;
  private final int coverMaxBytes;

  Uploads(TrackRepo repo, MediaStore store, Probe probe, WorkerExecutor workers, int coverMaxBytes) {
    this.repo = repo;
    this.store = store;
    this.probe = probe;
    this.workers = workers;
    this.coverMaxBytes = coverMaxBytes;
  }

  Future<Outcome> accept(SignedIn caller, Received in) {
    return existing(caller, in.sha256()).compose(found -> found != null ? Future.succeededFuture(found)
        : workers.executeBlocking(() -> {
              // stored as repaired: what ffmpeg reads is what processing and streams get (the SHA-256 stays the
              // uploaded bytes', so the same file again is still its duplicate)
              Received stored = OggRepair.repair(in.file()) ? in.withSize(java.nio.file.Files.size(in.file())) : in;
              Probe.Media media = probe.probe(stored.file());
              return new Object[] {media, Tags.read(stored.file(), media, coverMaxBytes), stored};
            }, false)
            .compose(r -> store(caller, (Received) r[2], (Probe.Media) r[0], (Tags.Tagged) r[1])));
  }

  /** The track with these bytes, as a duplicate, when the caller may see it; 409 when it is someone else's hidden one. */
  private Future<Outcome> existing(SignedIn caller, String sha256) {
    return repo.bySha256(sha256, caller).compose(t -> {
      if (t == null) {
        return Future.succeededFuture(null);
      }
      if (!Access.visible(t.moderation(), t.ownerId(), caller)) {
        return Future.failedFuture(ErrorCode.CONFLICT.exception("the same file is already in the library (not visible to you)"));
      }
      return Future.succeededFuture(new Outcome(t, true));
    });
  }

  private Future<Outcome> store(SignedIn caller, Received in, Probe.Media media, Tags.Tagged tags) {
    UUID id = UUID.randomUUID();
    String trackId = id.toString();
    String title = firstNonNull(in.title(), tags.title(), titleFromFileName(in.fileName()), "Untitled");
    String coverKey = tags.cover() == null ? null : MediaStore.coverKey(trackId);
    TrackRepo.NewTrack row = new TrackRepo.NewTrack(id, UUID.fromString(caller.userId()), title,
        firstNonNull(in.artist(), tags.artist()), firstNonNull(in.album(), tags.album()),
        tags.trackNo(), tags.year(), tags.genre(), in.sha256(), MediaStore.originalKey(trackId), in.size(), media.format(), media.mime(),
        coverKey, tags.lyrics());
    List<String> written = new ArrayList<>();
    Future<Void> put = store.putFile(row.originalKey(), in.file(), in.size(), media.mime()).onSuccess(v -> written.add(row.originalKey()));
    if (coverKey != null) {
      put = put.compose(v -> store.putBytes(coverKey, tags.cover(), tags.coverMime())).onSuccess(v -> written.add(coverKey));
    }
    return put
        .compose(v -> repo.insert(row, Instant.now()))
        .compose(v -> repo.byId(trackId, caller))
        .map(t -> new Outcome(t, false))
        .recover(e -> {
          Future<Void> cleanup = written.isEmpty() ? Future.succeededFuture()
              : store.delete(List.of(row.originalKey(), MediaStore.coverKey(trackId)), List.of())
                  .onFailure(x -> LOG.warn("upload {}: could not delete its S3 objects after a failure: {}", trackId, x.getMessage()));
          return cleanup.transform(x -> e instanceof TrackRepo.DuplicateContent
              // a concurrent upload of the same bytes won the unique index: this one is its duplicate
              ? existing(caller, in.sha256()).compose(o -> o != null ? Future.succeededFuture(o)
                  : Future.failedFuture(ErrorCode.CONFLICT.exception("the same file was deleted meanwhile; upload again")))
              : Future.failedFuture(e));
        })
        .onSuccess(o -> {
          if (!o.duplicate()) {
            LOG.info("Track {} uploaded by {}: {} {} bytes", trackId, caller.userId(), media.format(), in.size());
          }
        });
  }

  /** The client's file name without folders and extension, for a title when the tags have none. */
  static String titleFromFileName(String name) {
    if (name == null) {
      return null;
    }
    String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    int dot = base.lastIndexOf('.');
    if (dot > 0) {
      base = base.substring(0, dot);
    }
    return Inputs.cleanText(base, 255);
  }

  @SafeVarargs
  private static <T> T firstNonNull(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}

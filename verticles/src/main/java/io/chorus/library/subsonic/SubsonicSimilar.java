package io.chorus.library.subsonic;

import io.chorus.library.SoundAlike;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Similar songs for OpenSubsonic clients, from the audio analysis ({@link SoundAlike}, looked up per call:
 * the audio feature starts after the library): {@code getSimilarSongs2} / {@code getSimilarSongs} (an
 * artist's, an album's or a song's id: songs that sound like its songs, not its own) and the
 * {@code sonicSimilarity} extension's {@code getSonicSimilarTracks} ({@code sonicMatch}: {@code entry} and
 * {@code similarity}). Songs the caller may not see are left out; an unknown id is "not found".
 */
final class SubsonicSimilar {
  private final Pool pg;
  private final SubsonicCatalog catalog;
  private final Supplier<SoundAlike> similar;

  SubsonicSimilar(Pool pg, SubsonicCatalog catalog, Supplier<SoundAlike> similar) {
    this.pg = pg;
    this.catalog = catalog;
    this.similar = similar;
  }

  boolean available() {
    return similar.get() != null;
  }

  /** {@code similarSongs2} / {@code similarSongs} ({@code element}) for an artist, album or song id. */
  Future<JsonObject> similarSongs(SignedIn user, String id, int count, String element) {
    UUID uuid = SubsonicCatalog.uuid(id);
    SoundAlike sound = similar.get();
    return seeds(user, uuid).compose(seeds -> {
      if (seeds == null) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Not found: " + id));
      }
      if (sound == null || count == 0 || seeds.isEmpty()) {
        return Future.succeededFuture(new JsonObject().put(element, new JsonObject().put("song", new JsonArray())));
      }
      return sound.similarTo(seeds, count)
          .compose(matches -> catalog.songs(user, matches.stream().map(SoundAlike.Match::trackId).toList()))
          .map(songs -> new JsonObject().put(element, new JsonObject().put("song", songs)));
    });
  }

  /** getSonicSimilarTracks: {@code sonicMatch: [{entry: song, similarity}]}, most similar first. */
  Future<JsonObject> sonicSimilarTracks(SignedIn user, String id, int count) {
    UUID uuid = SubsonicCatalog.uuid(id);
    SoundAlike sound = similar.get();
    if (sound == null) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, "Sonic similarity is not supported by this server"));
    }
    return catalog.songs(user, List.of(uuid)).compose(seed -> {
      if (seed.isEmpty()) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"));
      }
      if (count == 0) {
        return Future.succeededFuture(new JsonObject().put("sonicMatch", new JsonArray()));
      }
      return sound.similar(uuid, count).compose(matches -> catalog.songs(user, matches.stream().map(SoundAlike.Match::trackId).toList())
          .map(songs -> {
            Map<String, Double> score = new java.util.HashMap<>();
            matches.forEach(m -> score.put(m.trackId().toString(), Math.round(m.score() * 1e4) / 1e4));
            JsonArray out = new JsonArray();
            songs.forEach(s -> out.add(new JsonObject().put("entry", s).put("similarity", score.get(((JsonObject) s).getString("id")))));
            return new JsonObject().put("sonicMatch", out);
          }));
    });
  }

  /**
   * findSonicPath: {@code sonicMatch} from the start song (similarity 1) through up to {@code count} − 2
   * songs between the two sounds to the end song, each scored against the start.
   */
  Future<JsonObject> sonicPath(SignedIn user, String startId, String endId, int count) {
    UUID start = SubsonicCatalog.uuid(startId);
    UUID end = SubsonicCatalog.uuid(endId);
    SoundAlike sound = similar.get();
    if (sound == null) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, "Sonic similarity is not supported by this server"));
    }
    return catalog.songs(user, List.of(start, end)).compose(ends -> {
      if (ends.size() < (start.equals(end) ? 1 : 2)) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"));
      }
      Future<List<SoundAlike.Match>> middle = start.equals(end) ? Future.succeededFuture(List.of()) : sound.path(start, end, count - 2);
      return middle.compose(steps -> {
        List<UUID> ids = new ArrayList<>();
        ids.add(start);
        steps.forEach(m -> ids.add(m.trackId()));
        if (!start.equals(end)) {
          ids.add(end);
        }
        Map<UUID, Double> score = new java.util.HashMap<>();
        steps.forEach(m -> score.put(m.trackId(), m.score()));
        score.put(start, 1.0);
        score.putIfAbsent(end, sound.similarity(start, end));
        return catalog.songs(user, ids).map(songs -> {
          JsonArray out = new JsonArray();
          songs.forEach(s -> out.add(new JsonObject().put("entry", s)
              .put("similarity", Math.round(score.get(UUID.fromString(((JsonObject) s).getString("id"))) * 1e4) / 1e4)));
          return new JsonObject().put("sonicMatch", out);
        });
      });
    });
  }

  /** The visible songs of an artist, of an album, or the song itself; null when the id names none of them. */
  private Future<List<UUID>> seeds(SignedIn user, UUID id) {
    Tuple args = Tuple.of(UUID.fromString(user.userId()), user.moderator(), id);
    return pg.preparedQuery("SELECT 'artist' AS kind, t.id FROM artists ar LEFT JOIN tracks t ON t.artist_id = ar.id AND " + SubsonicCatalog.VIS_T
            + " WHERE ar.id = $3"
            // an artist is seen through a visible album or track, as getArtist sees it: else it is not found
            + " AND (EXISTS (SELECT 1 FROM albums al WHERE al.artist_id = ar.id AND " + SubsonicCatalog.VIS_AL + ")"
            + " OR EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = ar.id AND " + SubsonicCatalog.VIS_T + "))"
            + " UNION ALL SELECT 'album', t.id FROM albums al LEFT JOIN album_tracks at ON at.album_id = al.id"
            + " LEFT JOIN tracks t ON t.id = at.track_id AND " + SubsonicCatalog.VIS_T + " WHERE al.id = $3 AND " + SubsonicCatalog.VIS_AL
            + " UNION ALL SELECT 'song', t.id FROM tracks t WHERE t.id = $3 AND " + SubsonicCatalog.VIS_T)
        .execute(args)
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          List<UUID> out = new ArrayList<>();
          rows.forEach(r -> {
            if (r.getUUID("id") != null) {
              out.add(r.getUUID("id"));
            }
          });
          return out;
        });
  }
}

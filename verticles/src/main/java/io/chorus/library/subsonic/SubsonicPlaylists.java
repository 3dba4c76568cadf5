package io.chorus.library.subsonic;

import io.chorus.input.SqlLower;
import io.chorus.library.Plays;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/**
 * Playlists, stars, ratings and scrobbles for OpenSubsonic, over the library's tables: a user's own playlists and
 * other users' public ones; stars are the library's likes; ratings are the user's own (subsonic_ratings); a scrobble is a play (counted once per
 * user, track and time) announced as {@code track.played} through the library's outbox.
 */
final class SubsonicPlaylists {
  private static final String PLAYLIST = "SELECT p.id, p.name, p.description, p.public, p.created_at, p.updated_at, p.owner_id, u.username,"
      + " (SELECT count(*) FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id WHERE pt.playlist_id = p.id AND "
      + SubsonicCatalog.VIS_T + ") AS song_count,"
      + " (SELECT coalesce(sum(t.duration_ms), 0) FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id WHERE pt.playlist_id = p.id AND "
      + SubsonicCatalog.VIS_T + ") AS duration_ms"
      + " FROM playlists p JOIN users u ON u.id = p.owner_id ";

  private final Pool pg;
  private final SubsonicCatalog catalog;
  private final String playedTopic;

  SubsonicPlaylists(Pool pg, SubsonicCatalog catalog, String playedTopic) {
    this.pg = pg;
    this.catalog = catalog;
    this.playedTopic = playedTopic;
  }

  private static Tuple viewer(SignedIn user) {
    return Tuple.of(UUID.fromString(user.userId()), user.moderator());
  }

  Future<JsonObject> playlists(SignedIn user) {
    return pg.preparedQuery(PLAYLIST + "WHERE p.owner_id = $1::uuid OR p.public ORDER BY " + SqlLower.sortKey("p.name") + ", p.id").execute(viewer(user)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(playlist(r)));
      return new JsonObject().put("playlists", new JsonObject().put("playlist", out));
    });
  }

  /**
   * getPlaylists?username= for an admin: {@code owner}'s playlists the admin may open with getPlaylist, its public ones
   * (a private playlist is its owner's alone, as in the REST API, where a moderator or admin cannot read one either).
   */
  Future<JsonObject> playlistsOf(SignedIn user, SignedIn owner) {
    return pg.preparedQuery(PLAYLIST + "WHERE p.owner_id = $3 AND p.public ORDER BY " + SqlLower.sortKey("p.name") + ", p.id")
        .execute(viewer(user).addValue(UUID.fromString(owner.userId()))).map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(playlist(r)));
          return new JsonObject().put("playlists", new JsonObject().put("playlist", out));
        });
  }

  Future<JsonObject> playlist(SignedIn user, String id) {
    UUID uuid = SubsonicCatalog.uuid(id);
    return pg.preparedQuery(PLAYLIST + "WHERE p.id = $3 AND (p.owner_id = $1::uuid OR p.public)").execute(viewer(user).addValue(uuid))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Playlist not found"));
          }
          JsonObject playlist = playlist(rows.iterator().next());
          return pg.preparedQuery("SELECT track_id FROM playlist_tracks WHERE playlist_id = $1 ORDER BY position, id").execute(Tuple.of(uuid))
              .compose(entries -> {
                List<UUID> ids = new java.util.ArrayList<>();
                entries.forEach(r -> ids.add(r.getUUID(0)));
                return catalog.songs(user, ids).map(entry -> new JsonObject().put("playlist", playlist.put("entry", entry)));
              });
        });
  }

  /** getUser: the account as Subsonic's user, with the roles Chorus's OpenSubsonic API grants (stream, download, playlists, scrobbles). */
  Future<JsonObject> user(SignedIn who) {
    return pg.preparedQuery("SELECT username FROM users WHERE id = $1").execute(Tuple.of(UUID.fromString(who.userId()))).compose(rows -> rows.size() == 0
        ? Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "User not found"))
        : Future.succeededFuture(new JsonObject().put("user", new JsonObject().put("username", rows.iterator().next().getString(0))
            .put("scrobblingEnabled", true).put("adminRole", who.roles().contains("admin")).put("settingsRole", false)
            .put("downloadRole", true).put("uploadRole", false).put("playlistRole", true).put("coverArtRole", false)
            .put("commentRole", false).put("podcastRole", false).put("streamRole", true).put("jukeboxRole", false)
            .put("shareRole", false).put("videoConversionRole", false).put("folder", new JsonArray().add(1)))));
  }

  /** createPlaylist: a new one named {@code name}, or with {@code playlistId} the caller's own one's songs replaced. */
  Future<JsonObject> create(SignedIn user, String playlistId, String name, List<String> songIds) {
    List<UUID> songs = SubsonicCatalog.uuids(songIds);
    if (playlistId == null && (name == null || name.isBlank())) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: name or playlistId"));
    }
    String checked;
    try {   // the same rules as REST's POST /api/v1/playlists
      checked = name == null || playlistId != null && name.isBlank() ? null : io.chorus.input.Inputs.name("name", name, 1, 255);
    } catch (io.chorus.bus.ChorusException e) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, e.getMessage()));
    }
    UUID id = playlistId == null ? UUID.randomUUID() : SubsonicCatalog.uuid(playlistId);
    UUID owner = UUID.fromString(user.userId());
    return catalog.songs(user, songs.stream().distinct().toList()).compose(visible -> {
      if (visible.size() != songs.stream().distinct().count()) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"));
      }
      return pg.withTransaction(c -> (playlistId == null
          ? c.preparedQuery("INSERT INTO playlists (id, owner_id, name) VALUES ($1, $2, $3)").execute(Tuple.of(id, owner, checked)).mapEmpty()
          : owned(c, id, owner, checked))
          .compose(v -> c.preparedQuery("DELETE FROM playlist_tracks WHERE playlist_id = $1").execute(Tuple.of(id)))
          .compose(v -> songs.isEmpty() ? Future.succeededFuture()
              : c.preparedQuery("INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES ($1, $2, $3)")
                  .executeBatch(java.util.stream.IntStream.range(0, songs.size()).mapToObj(i -> Tuple.of(id, songs.get(i), i)).toList())
                  .mapEmpty()));
    }).compose(v -> playlist(user, id.toString()));
  }

  /**
   * updatePlaylist: the caller's own playlist's {@code name}, {@code comment} (REST's description) and {@code public},
   * the entries at {@code songIndexToRemove} (indexes into the entries getPlaylist shows the caller) removed and the
   * {@code songIdToAdd} songs appended, in one transaction; a bad value fails the whole call and changes nothing.
   */
  Future<Void> update(SignedIn user, String playlistId, String name, String comment, String isPublic, List<String> songIds,
                      List<Integer> removals) {
    String newName;
    String description;
    try {   // the rules of REST's PATCH /api/v1/playlists/{id}
      newName = name == null || name.isEmpty() ? null : io.chorus.input.Inputs.name("name", name, 1, 255);
      description = io.chorus.input.Inputs.text("comment", comment, 1000);
    } catch (io.chorus.bus.ChorusException e) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, e.getMessage()));
    }
    if (isPublic != null && !isPublic.equals("true") && !isPublic.equals("false")) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, "public must be true or false, got '" + isPublic + "'"));
    }
    UUID id = SubsonicCatalog.uuid(playlistId);
    List<UUID> songs = SubsonicCatalog.uuids(songIds);
    UUID owner = UUID.fromString(user.userId());
    return catalog.songs(user, songs.stream().distinct().toList()).compose(visible -> {
      if (visible.size() != songs.stream().distinct().count()) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"));
      }
      return pg.withTransaction(c -> lockOwn(c, id, owner)
          .compose(v -> c.preparedQuery("UPDATE playlists SET name = coalesce($2, name), description = coalesce($3, description),"
                    + " public = coalesce($4, public), updated_at = NOW() WHERE id = $1")
                .execute(Tuple.of(id, newName, description, isPublic == null ? null : Boolean.valueOf(isPublic))))
          // the entries as getPlaylist shows them to the caller: the indexes a client removes count these
          .compose(v -> c.preparedQuery("SELECT pt.id FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id"
              + " WHERE pt.playlist_id = $3 AND " + SubsonicCatalog.VIS_T + " ORDER BY pt.position, pt.id").execute(viewer(user).addValue(id)))
          .compose(rows -> {
            List<Long> shown = new java.util.ArrayList<>();
            rows.forEach(row -> shown.add(row.getLong(0)));
            List<Long> gone = new java.util.ArrayList<>();
            for (Integer i : removals) {
              if (i < 0 || i >= shown.size()) {
                return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC,
                    "songIndexToRemove must be between 0 and " + (shown.size() - 1) + ", got " + i));
              }
              gone.add(shown.get(i));
            }
            return gone.isEmpty() ? Future.succeededFuture()
                : c.preparedQuery("DELETE FROM playlist_tracks WHERE playlist_id = $1 AND id = ANY($2)")
                    .execute(Tuple.tuple().addUUID(id).addArrayOfLong(gone.toArray(new Long[0]))).mapEmpty();
          })
          // positions stay dense (0..n-1), the added songs after the rest
          .compose(v -> c.preparedQuery("UPDATE playlist_tracks p SET position = o.pos FROM (SELECT id, row_number() OVER (ORDER BY position, id) - 1"
              + " AS pos FROM playlist_tracks WHERE playlist_id = $1) o WHERE p.id = o.id AND p.position <> o.pos").execute(Tuple.of(id)))
          .compose(v -> songs.isEmpty() ? Future.succeededFuture()
              : c.preparedQuery("SELECT count(*) FROM playlist_tracks WHERE playlist_id = $1").execute(Tuple.of(id)).compose(n -> {
                long start = n.iterator().next().getLong(0);
                return c.preparedQuery("INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES ($1, $2, $3)")
                    .executeBatch(java.util.stream.IntStream.range(0, songs.size()).mapToObj(i -> Tuple.of(id, songs.get(i), (int) start + i)).toList())
                    .mapEmpty();
              })));
    }).mapEmpty();
  }

  /**
   * createPlaylist's {@code playlistId}: the caller's own playlist, renamed when {@code name} is given; as updatePlaylist,
   * one the caller may not see (unknown, or another user's private one) is 70 and another user's public one 50.
   */
  private Future<Void> owned(SqlConnection c, UUID id, UUID owner, String name) {
    return lockOwn(c, id, owner).compose(v -> c.preparedQuery("UPDATE playlists SET updated_at = NOW(), name = coalesce($2, name) WHERE id = $1")
        .execute(Tuple.of(id, name))).mapEmpty();
  }

  /**
   * Locks playlist {@code id} for a change by {@code owner}: one the caller may not see (unknown, or another user's
   * private one) is 70, another user's public one 50.
   */
  private static Future<Void> lockOwn(SqlConnection c, UUID id, UUID owner) {
    return c.preparedQuery("SELECT owner_id, public FROM playlists WHERE id = $1 FOR UPDATE").execute(Tuple.of(id)).compose(rows -> {
      Row r = rows.size() == 0 ? null : rows.iterator().next();
      boolean own = r != null && owner.equals(r.getUUID("owner_id"));
      if (r == null || !own && !r.getBoolean("public")) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Playlist not found"));
      }
      if (!own) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_AUTHORIZED, "Only the playlist's owner may change it"));
      }
      return Future.succeededFuture();
    });
  }

  private static JsonObject playlist(Row r) {
    JsonObject p = new JsonObject().put("id", r.getUUID("id").toString()).put("name", r.getString("name"))
        .put("owner", r.getString("username")).put("public", r.getBoolean("public"))
        .put("songCount", r.getLong("song_count")).put("duration", SubsonicCatalog.seconds(r.getLong("duration_ms")))
        .put("created", SubsonicCatalog.iso(r.getOffsetDateTime("created_at"))).put("changed", SubsonicCatalog.iso(r.getOffsetDateTime("updated_at")));
    if (!r.getString("description").isEmpty()) {
      p.put("comment", r.getString("description"));
    }
    return p;
  }

  /**
   * star ({@code on}) or unstar songs, albums and artists. Starring is idempotent, but only what the caller may
   * see can be starred: an unknown or hidden id fails the whole call with 70 (as REST's like answers 404) and
   * stars nothing. Unstarring an unknown id is a no-op.
   */
  Future<Void> star(SignedIn user, boolean on, List<String> songs, List<String> albums, List<String> artists) {
    if (songs.isEmpty() && albums.isEmpty() && artists.isEmpty()) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: id, albumId or artistId"));
    }
    List<UUID> ids = SubsonicCatalog.uuids(songs);
    if (ids.isEmpty()) {
      return starResolved(user, on, List.of(), SubsonicCatalog.uuids(albums), SubsonicCatalog.uuids(artists));
    }
    // Subsonic's id is "the file or folder": folder-model clients (getMusicDirectory, getAlbumList, getStarred, search2)
    // star an album's or an artist's directory by its id; an id that is neither stays a song's
    return pg.preparedQuery("SELECT id, 'album' FROM albums WHERE id = ANY($1) UNION ALL SELECT id, 'artist' FROM artists WHERE id = ANY($1)")
        .execute(Tuple.of(ids.toArray(UUID[]::new))).compose(rows -> {
          List<UUID> s = new java.util.ArrayList<>(ids);
          List<UUID> al = new java.util.ArrayList<>(SubsonicCatalog.uuids(albums));
          List<UUID> ar = new java.util.ArrayList<>(SubsonicCatalog.uuids(artists));
          for (io.vertx.sqlclient.Row r : rows) {
            s.remove(r.getUUID(0));
            ("album".equals(r.getString(1)) ? al : ar).add(r.getUUID(0));
          }
          return starResolved(user, on, s, al, ar);
        });
  }

  /**
   * setRating: the caller's rating (1-5) of {@code id}, a song's, an album's or an artist's (as star takes it); 0 removes
   * it. Another rating is 0, an id the caller may not see (or that does not exist) 70; nothing changes then.
   */
  Future<Void> rate(SignedIn user, String id, int rating) {
    if (rating < 0 || rating > 5) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC, "rating must be between 0 and 5, got " + rating));
    }
    UUID subject = SubsonicCatalog.uuid(id);
    UUID uid = UUID.fromString(user.userId());
    return pg.preparedQuery("SELECT 'album' FROM albums al WHERE al.id = $3 AND " + SubsonicCatalog.VIS_AL
            + " UNION ALL SELECT 'artist' FROM artists ar WHERE ar.id = $3 AND " + SubsonicCatalog.VIS_AR
            + " UNION ALL SELECT 'track' FROM tracks t WHERE t.id = $3 AND " + SubsonicCatalog.VIS_T)
        .execute(viewer(user).addValue(subject)).compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Not found"));
          }
          String type = rows.iterator().next().getString(0);
          return (rating == 0
              ? pg.preparedQuery("DELETE FROM subsonic_ratings WHERE user_id = $1 AND subject_type = $2 AND subject_id = $3")
                  .execute(Tuple.of(uid, type, subject))
              : pg.preparedQuery("INSERT INTO subsonic_ratings (user_id, subject_type, subject_id, rating) VALUES ($1, $2, $3, $4)"
                      + " ON CONFLICT (user_id, subject_type, subject_id) DO UPDATE SET rating = EXCLUDED.rating, changed_at = NOW()")
                  .execute(Tuple.of(uid, type, subject, (short) rating))).mapEmpty();
        });
  }

  private Future<Void> starResolved(SignedIn user, boolean on, List<UUID> songs, List<UUID> albums, List<UUID> artists) {
    UUID uid = UUID.fromString(user.userId());
    List<Tuple> batch = new java.util.ArrayList<>();
    songs.forEach(i -> batch.add(Tuple.of(uid, "track", i)));
    albums.forEach(i -> batch.add(Tuple.of(uid, "album", i)));
    artists.forEach(i -> batch.add(Tuple.of(uid, "artist", i)));
    if (!on) {
      return pg.preparedQuery("DELETE FROM likes WHERE user_id = $1 AND subject_type = $2 AND subject_id = $3").executeBatch(batch).mapEmpty();
    }
    return requireVisible(user, songs, albums, artists)
        .compose(v -> pg.preparedQuery("INSERT INTO likes (user_id, subject_type, subject_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .executeBatch(batch)).mapEmpty();
  }

  /** Succeeds when the caller may see every one of the songs, albums and artists, else fails with 70. */
  private Future<Void> requireVisible(SignedIn user, List<UUID> songs, List<UUID> albums, List<UUID> artists) {
    List<UUID> s = songs.stream().distinct().toList();
    List<UUID> al = albums.stream().distinct().toList();
    List<UUID> ar = artists.stream().distinct().toList();
    Future<Boolean> songsSeen = s.isEmpty() ? Future.succeededFuture(true) : catalog.songs(user, s).map(found -> found.size() == s.size());
    Future<Boolean> albumsSeen = al.isEmpty() ? Future.succeededFuture(true)
        : pg.preparedQuery("SELECT count(*) FROM albums al WHERE " + SubsonicCatalog.VIS_AL + " AND al.id = ANY($3)")
            .execute(viewer(user).addValue(al.toArray(UUID[]::new))).map(rows -> rows.iterator().next().getLong(0) == al.size());
    Future<Boolean> artistsSeen = ar.isEmpty() ? Future.succeededFuture(true)
        : pg.preparedQuery("SELECT count(*) FROM artists ar WHERE " + SubsonicCatalog.VIS_AR + " AND ar.id = ANY($3)")
            .execute(viewer(user).addValue(ar.toArray(UUID[]::new))).map(rows -> rows.iterator().next().getLong(0) == ar.size());
    return Future.all(songsSeen, albumsSeen, artistsSeen).compose(all -> songsSeen.result() && albumsSeen.result() && artistsSeen.result()
        ? Future.succeededFuture()
        : Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Not found")));
  }

  /**
   * The range a scrobble's time may take: a play before 2000 or over a day ahead (a clock a little off, time
   * zones) is a client's bug. Without it a time past PostgreSQL's range was stored as 'infinity', and every
   * later wave for the user failed computing the play's age.
   */
  static final long EARLIEST_SCROBBLE_MS = 946_684_800_000L;   // 2000-01-01T00:00:00Z
  static final long FUTURE_SCROBBLE_MS = 24 * 3600 * 1000L;

  /**
   * scrobble with {@code submission=true}: a play per id (at {@code times}[i] ms, or now), under {@link Plays}' rule. A
   * replayed scrobble (same user, track and time) counts once: its event id is derived from them. Only songs the caller
   * may see are played: an unknown or hidden id fails the call with 70 and records nothing; a time out of
   * {@link #EARLIEST_SCROBBLE_MS} .. a day from now fails it with 0 and records nothing.
   */
  Future<Void> scrobble(SignedIn user, List<String> ids, List<Long> times) {
    if (ids.isEmpty()) {
      return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: id"));
    }
    long now = System.currentTimeMillis();
    for (Long t : times) {
      if (t != null && (t < EARLIEST_SCROBBLE_MS || t > now + FUTURE_SCROBBLE_MS)) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.GENERIC,
            "time must be milliseconds since the epoch, from 2000-01-01 to a day from now, got " + t));
      }
    }
    List<UUID> tracks = SubsonicCatalog.uuids(ids);
    UUID uid = UUID.fromString(user.userId());
    return requireVisible(user, tracks, List.of(), List.of()).compose(v -> Plays.goneIsUncounted(pg.withTransaction(conn -> {
      Future<Boolean> chain = Future.succeededFuture(false);
      for (int i = 0; i < tracks.size(); i++) {
        long at = i < times.size() && times.get(i) != null ? times.get(i) : now;
        UUID track = tracks.get(i);
        UUID event = UUID.nameUUIDFromBytes(("scrobble|" + uid + "|" + track + "|" + at).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        chain = chain.compose(c -> Plays.record(conn, playedTopic, event, uid, null, track, null, java.time.Instant.ofEpochMilli(at), "scrobble"));
      }
      return chain;
    }))).mapEmpty();
  }
}

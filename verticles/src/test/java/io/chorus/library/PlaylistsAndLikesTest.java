package io.chorus.library;

import io.chorus.ChorusNode;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Sql;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Playlists (entries, duplicates, order, privacy) and likes (idempotent, visibility) over REST on real PostgreSQL. */
@ChorusCluster(config = {"ADMIN_USERNAME=" + CatalogApi.ADMIN, "ADMIN_PASSWORD=" + CatalogApi.ADMIN_PASSWORD, "RATE_LIMIT_LOGIN=100000",
    "RATE_LIMIT_LOGIN_PER_USERNAME=100000", "RATE_LIMIT_REGISTER=100000"})
class PlaylistsAndLikesTest {
  static ChorusNode node;
  static CatalogApi api;

  @BeforeAll
  static void start(TestCluster c) {
    node = c.node();
    api = new CatalogApi(c.port());
  }

  static String track(CatalogApi.User owner, String title, String moderation) {
    return CatalogApi.insertTrack(node.config().db(), owner.id(), title, moderation);
  }

  static List<String> entryTracks(JsonObject playlist) {
    return playlist.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getJsonObject("track").getString("id")).toList();
  }

  static List<Long> entryIds(JsonObject playlist) {
    return playlist.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getLong("entry_id")).toList();
  }

  @Test
  void playlistCrudDuplicatesOrderAndPrivacy() {
    CatalogApi.User me = api.newUser("lister");
    CatalogApi.User other = api.newUser("peer");
    String mine = track(me, "Mine, pending", "pending");
    String pub = track(other, "Public", "approved");
    String hidden = track(other, "Someone's pending", "pending");

    JsonObject p = api.post("/api/v1/playlists", me.token(), new JsonObject().put("name", "Road trip").put("description", "long\ndrive"))
        .expect(201).json().getJsonObject("playlist");
    String id = p.getString("id");
    assertThat(p.getBoolean("public")).isFalse();
    assertThat(p.getString("description")).isEqualTo("long\ndrive");
    assertThat(p.getJsonArray("entries")).isEmpty();
    String tracks = "/api/v1/playlists/" + id + "/tracks";

    // duplicates allowed: each add is its own entry
    long e1 = api.post(tracks, me.token(), new JsonObject().put("track_id", pub)).expect(201).json().getLong("entry_id");
    long e2 = api.post(tracks, me.token(), new JsonObject().put("track_id", mine)).expect(201).json().getLong("entry_id");
    JsonObject dup = api.post(tracks, me.token(), new JsonObject().put("track_id", pub).put("position", 0)).expect(201).json();
    long e3 = dup.getLong("entry_id");
    assertThat(dup.getInteger("position")).isEqualTo(0);
    assertThat(List.of(e1, e2, e3)).doesNotHaveDuplicates();
    assertThat(api.post(tracks, me.token(), new JsonObject().put("track_id", hidden)).error(404)).isEqualTo("not_found");
    assertThat(api.post(tracks, me.token(), new JsonObject().put("track_id", pub).put("position", 4)).error(400)).isEqualTo("invalid_argument");
    JsonObject got = api.get("/api/v1/playlists/" + id, me.token()).expect(200).json().getJsonObject("playlist");
    assertThat(entryIds(got)).containsExactly(e3, e1, e2);
    assertThat(entryTracks(got)).containsExactly(pub, pub, mine);
    assertThat(got.getLong("entry_count")).isEqualTo(3);

    // move and remove keep positions dense
    got = api.post(tracks + "/" + e3 + "/move", me.token(), new JsonObject().put("position", 2)).expect(200).json().getJsonObject("playlist");
    assertThat(entryIds(got)).containsExactly(e1, e2, e3);
    assertThat(got.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getInteger("position")).toList()).containsExactly(0, 1, 2);
    api.delete(tracks + "/" + e1, me.token()).expect(204);
    assertThat(api.delete(tracks + "/" + e1, me.token()).error(404)).isEqualTo("not_found");
    assertThat(Sql.query(node.config().db(), "SELECT position FROM playlist_tracks WHERE playlist_id = ? ORDER BY position", UUID.fromString(id))
        .stream().map(r -> r.get("position")).toList()).containsExactly(0, 1);

    // private: others and anonymous get 404, and cannot change it
    assertThat(api.get("/api/v1/playlists/" + id, other.token()).error(404)).isEqualTo("not_found");
    assertThat(api.get("/api/v1/playlists/" + id, null).error(404)).isEqualTo("not_found");
    assertThat(api.post(tracks, other.token(), new JsonObject().put("track_id", pub)).error(404)).isEqualTo("not_found");
    // public: everyone reads it, but sees only the tracks they may see; only the owner changes it
    JsonObject patched = api.call("PATCH", "/api/v1/playlists/" + id, me.token(), new JsonObject().put("public", true).put("name", "Trip"))
        .expect(200).json().getJsonObject("playlist");
    assertThat(patched.getBoolean("public")).isTrue();
    assertThat(patched.getString("name")).isEqualTo("Trip");
    assertThat(patched.getString("description")).isEqualTo("long\ndrive");
    // as for tracks and albums: an unknown field, an empty edit or a null public is refused, and nothing changes
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("nmae", "Typo"), new JsonObject().put("name", "Ok").put("colour", "red"),
        new JsonObject().putNull("public"), new JsonObject().putNull("name"))) {
      assertThat(api.call("PATCH", "/api/v1/playlists/" + id, me.token(), bad).error(400)).as(bad.encode()).isEqualTo("invalid_argument");
    }
    JsonObject unchanged = api.get("/api/v1/playlists/" + id, me.token()).expect(200).json().getJsonObject("playlist");
    assertThat(unchanged.getString("name")).isEqualTo("Trip");
    assertThat(unchanged.getBoolean("public")).isTrue();
    JsonObject seenByAnonymous = api.get("/api/v1/playlists/" + id, null).expect(200).json().getJsonObject("playlist");
    assertThat(entryTracks(seenByAnonymous)).containsExactly(pub);
    assertThat(seenByAnonymous.getLong("entry_count")).as("the owner's pending track is not counted for others").isEqualTo(1);
    assertThat(entryTracks(api.get("/api/v1/playlists/" + id, other.token()).expect(200).json().getJsonObject("playlist"))).containsExactly(pub);
    assertThat(api.post(tracks, other.token(), new JsonObject().put("track_id", pub)).error(403)).isEqualTo("forbidden");
    assertThat(api.call("PATCH", "/api/v1/playlists/" + id, other.token(), new JsonObject().put("name", "x")).error(403)).isEqualTo("forbidden");
    assertThat(api.delete("/api/v1/playlists/" + id, other.token()).error(403)).isEqualTo("forbidden");

    // my lists
    api.post("/api/v1/playlists", me.token(), new JsonObject().put("name", "Second").put("public", false)).expect(201);
    JsonArray lists = api.get("/api/v1/playlists", me.token()).expect(200).json().getJsonArray("playlists");
    assertThat(lists).extracting(o -> ((JsonObject) o).getString("name")).containsExactlyInAnyOrder("Trip", "Second");
    assertThat(api.get("/api/v1/playlists", other.token()).expect(200).json().getJsonArray("playlists")).isEmpty();
    assertThat(api.get("/api/v1/playlists", null).error(401)).isEqualTo("unauthenticated");

    // a track deleted (by its owner) leaves the playlist without a gap
    String gone = track(me, "Short-lived", "pending");
    api.post(tracks, me.token(), new JsonObject().put("track_id", gone).put("position", 0)).expect(201);
    Sql.query(node.config().db(), "DELETE FROM tracks WHERE id = ?", UUID.fromString(gone));
    JsonObject healed = api.get("/api/v1/playlists/" + id, me.token()).expect(200).json().getJsonObject("playlist");
    assertThat(healed.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getInteger("position")).toList()).containsExactly(0, 1);
    long added = api.post(tracks, me.token(), new JsonObject().put("track_id", pub)).expect(201).json().getInteger("position");
    assertThat(added).isEqualTo(2);

    // a moderator may delete a public playlist (not read or delete a private one)
    CatalogApi.User mod = api.newModerator("listmod");
    String priv = api.post("/api/v1/playlists", other.token(), new JsonObject().put("name", "Secret")).expect(201).json()
        .getJsonObject("playlist").getString("id");
    assertThat(api.delete("/api/v1/playlists/" + priv, mod.token()).error(404)).isEqualTo("not_found");
    String shown = api.post("/api/v1/playlists", other.token(), new JsonObject().put("name", "Spam").put("public", true)).expect(201).json()
        .getJsonObject("playlist").getString("id");
    assertThat(api.post("/api/v1/playlists/" + shown + "/tracks", mod.token(), new JsonObject().put("track_id", pub)).error(403)).isEqualTo("forbidden");
    api.delete("/api/v1/playlists/" + shown, mod.token()).expect(204);

    // delete
    api.delete("/api/v1/playlists/" + id, me.token()).expect(204);
    assertThat(api.get("/api/v1/playlists/" + id, me.token()).error(404)).isEqualTo("not_found");
    assertThat(Sql.query(node.config().db(), "SELECT count(*) AS n FROM playlist_tracks WHERE playlist_id = ?", UUID.fromString(id)).get(0).get("n"))
        .isEqualTo(0L);
  }

  /**
   * GET /playlists (my lists) counts what GET /playlists/{id} shows me: a track taken down since I added it is gone
   * for me too, so neither its entry nor its number are mine to see (the list said 3 where the playlist showed 2).
   */
  @Test
  void myListsCountTheEntriesIMaySeeAsThePlaylistDoes() {
    CatalogApi.User me = api.newUser("counter");
    CatalogApi.User mod = api.newModerator("countmod");
    String kept = track(me, "Kept", "approved");
    String mine = track(me, "Mine, pending", "pending");
    String doomed = track(me, "Taken down later", "approved");
    String id = api.post("/api/v1/playlists", me.token(), new JsonObject().put("name", "Counted")).expect(201).json()
        .getJsonObject("playlist").getString("id");
    for (String t : List.of(kept, mine, doomed)) {
      api.post("/api/v1/playlists/" + id + "/tracks", me.token(), new JsonObject().put("track_id", t)).expect(201);
    }
    api.post("/api/v1/moderation/tracks/" + doomed, mod.token(), new JsonObject().put("decision", "takedown").put("reason", "rights"))
        .expect(200);

    JsonObject shown = api.get("/api/v1/playlists/" + id, me.token()).expect(200).json().getJsonObject("playlist");
    assertThat(entryTracks(shown)).containsExactly(kept, mine);
    assertThat(shown.getLong("entry_count")).isEqualTo(2);
    JsonObject listed = api.get("/api/v1/playlists", me.token()).expect(200).json().getJsonArray("playlists").getJsonObject(0);
    assertThat(listed.getString("id")).isEqualTo(id);
    assertThat(listed.getLong("entry_count")).as("my list counts as the playlist shows").isEqualTo(2);
  }

  @Test
  void playlistBadInput() {
    CatalogApi.User me = api.newUser("badlist");
    String id = api.post("/api/v1/playlists", me.token(), new JsonObject().put("name", "ok")).expect(201).json().getJsonObject("playlist").getString("id");
    assertThat(api.call("POST", "/api/v1/playlists", me.token(), "{nope").error(400)).isEqualTo("malformed_json");
    assertThat(api.post("/api/v1/playlists", me.token(), new JsonObject()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/playlists", me.token(), new JsonObject().put("name", "x").put("public", "yes")).error(400)).isEqualTo("invalid_argument");
    // a null public is refused as PATCH refuses it (it was created private): a flag has no "cleared" value
    assertThat(api.post("/api/v1/playlists", me.token(), new JsonObject().put("name", "x").putNull("public")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.get("/api/v1/playlists", me.token()).expect(200).json().getJsonArray("playlists")).as("nothing created").hasSize(1);
    assertThat(api.post("/api/v1/playlists", me.token(), new JsonObject().put("name", "x").put("description", 3)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.get("/api/v1/playlists/123", me.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.get("/api/v1/playlists/" + UUID.randomUUID(), me.token()).error(404)).isEqualTo("not_found");
    assertThat(api.delete("/api/v1/playlists/" + id + "/tracks/abc", me.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.delete("/api/v1/playlists/" + id + "/tracks/-4", me.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.delete("/api/v1/playlists/" + id + "/tracks/%D9%A3", me.token()).error(400)).as("٣ is no ASCII digit").isEqualTo("invalid_argument");
    assertThat(api.delete("/api/v1/playlists/" + id + "/tracks/99999999999", me.token()).error(404)).isEqualTo("not_found");
    // without a valid token 401 first, whatever the ids look like
    assertThat(api.delete("/api/v1/playlists/" + id + "/tracks/abc", null).error(401)).isEqualTo("unauthenticated");
    assertThat(api.delete("/api/v1/playlists/123", null).error(401)).isEqualTo("unauthenticated");
    assertThat(api.delete("/api/v1/playlists/123", "bad.token.here").error(401)).isEqualTo("unauthenticated");
    assertThat(api.delete("/api/v1/playlists/123", me.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.delete("/api/v1/albums/123", null).error(401)).isEqualTo("unauthenticated");
    assertThat(api.delete("/api/v1/albums/123/tracks/456", null).error(401)).isEqualTo("unauthenticated");
    assertThat(api.call("PUT", "/api/v1/albums/123/cover", null, null).error(401)).isEqualTo("unauthenticated");
    assertThat(api.delete("/api/v1/albums/123", me.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/playlists/" + id + "/tracks/1/move", me.token(), new JsonObject().put("position", "0")).error(400))
        .isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/playlists/" + id + "/tracks/1/move", me.token(), new JsonObject().put("position", 0)).error(404))
        .isEqualTo("not_found");
    assertThat(api.post("/api/v1/playlists/" + id + "/tracks", me.token(), new JsonObject().put("track_id", "x")).error(400))
        .isEqualTo("invalid_argument");
  }

  /** Reads that also serve anonymous callers verify a presented token first: a bad one is 401 whatever the query and ids hold. */
  @Test
  void aBadTokenIs401BeforeTheQueryOnAnonymousReads() {
    CatalogApi.User me = api.newUser("reader");
    String track = track(me, "Mine", "approved");
    String some = UUID.randomUUID().toString();
    List<String> reads = List.of("/api/v1/tracks/" + track + "/similar?limit=abc", "/api/v1/tracks/xyz/similar",
        "/api/v1/albums?limit=0", "/api/v1/artists?limit=0", "/api/v1/albums/xyz", "/api/v1/playlists/xyz",
        "/api/v1/tracks/" + track + "/stream?format=bogus", "/api/v1/tracks/" + track + "/stream?max_bitrate=abc",
        "/api/v1/albums/" + some + "/cover?size=bad", "/api/v1/albums/xyz/cover");
    for (String path : reads) {
      assertThat(api.get(path, "bad.token.here").error(401)).as(path).isEqualTo("unauthenticated");
    }
    assertThat(api.post("/api/v1/tracks/" + track + "/stream-url", "bad.token.here", new JsonObject().put("format", "bogus")).error(401))
        .isEqualTo("unauthenticated");
    assertThat(api.call("POST", "/api/v1/tracks/" + track + "/stream-url", "bad.token.here", "{nope").error(401)).isEqualTo("unauthenticated");
    // without a token (and with a good one) the anonymous path answers as before
    for (String token : new String[] {null, me.token()}) {
      assertThat(api.get("/api/v1/tracks/" + track + "/similar?limit=abc", token).error(400)).isEqualTo("invalid_argument");
      assertThat(api.get("/api/v1/tracks/xyz/similar", token).error(404)).isEqualTo("not_found");
      assertThat(api.get("/api/v1/albums?limit=0", token).error(400)).isEqualTo("invalid_argument");
      assertThat(api.get("/api/v1/artists?limit=0", token).error(400)).isEqualTo("invalid_argument");
      assertThat(api.get("/api/v1/albums/xyz", token).error(400)).isEqualTo("invalid_argument");
      assertThat(api.get("/api/v1/playlists/xyz", token).error(400)).isEqualTo("invalid_argument");
      assertThat(api.get("/api/v1/tracks/" + track + "/stream?format=bogus", token).error(400)).isEqualTo("invalid_argument");
      assertThat(api.get("/api/v1/albums/" + some + "/cover?size=bad", token).error(400)).isEqualTo("invalid_argument");
      assertThat(api.post("/api/v1/tracks/" + track + "/stream-url", token, new JsonObject().put("format", "bogus")).error(400))
          .isEqualTo("invalid_argument");
    }
  }

  @Test
  void likesAreIdempotentAndFollowVisibility() {
    CatalogApi.User me = api.newUser("fan");
    CatalogApi.User other = api.newUser("artist");
    String approved = track(other, "Liked", "approved");
    String pending = track(other, "Not yet", "pending");
    String band = UUID.randomUUID().toString();
    String album = api.post("/api/v1/albums", other.token(), new JsonObject().put("title", "LP").put("artist", "Band " + band))
        .expect(201).json().getJsonObject("album").getString("id");
    String artist = Sql.query(node.config().db(), "SELECT artist_id FROM albums WHERE id = ?", UUID.fromString(album)).get(0).get("artist_id").toString();

    api.call("PUT", "/api/v1/tracks/" + approved + "/like", me.token(), null).expect(204);
    api.call("PUT", "/api/v1/tracks/" + approved + "/like", me.token(), null).expect(204);
    assertThat(likeRows(me, approved)).isEqualTo(1L);
    assertThat(api.call("PUT", "/api/v1/tracks/" + pending + "/like", me.token(), null).error(404)).isEqualTo("not_found");
    assertThat(api.call("PUT", "/api/v1/albums/" + album + "/like", me.token(), null).error(404)).isEqualTo("not_found");   // pending album
    // an artist seen only through a pending album is hidden (GET /artists/{id} is 404): it cannot be liked either
    assertThat(api.get("/api/v1/artists/" + artist, me.token()).error(404)).isEqualTo("not_found");
    assertThat(api.call("PUT", "/api/v1/artists/" + artist + "/like", me.token(), null).error(404)).isEqualTo("not_found");
    assertThat(likeRows(me, artist)).isEqualTo(0L);
    assertThat(api.call("PUT", "/api/v1/artists/" + UUID.randomUUID() + "/like", me.token(), null).error(404)).isEqualTo("not_found");
    assertThat(api.call("PUT", "/api/v1/artists/bogus/like", me.token(), null).error(400)).isEqualTo("invalid_argument");
    // GET of one artist answers a malformed id as GET /tracks/{id} does: 404, after a bad token's 401
    assertThat(api.get("/api/v1/artists/bogus", me.token()).error(404)).isEqualTo("not_found");
    assertThat(api.get("/api/v1/artists/bogus", null).error(404)).isEqualTo("not_found");
    assertThat(api.get("/api/v1/artists/bogus", "bad.token.here").error(401)).isEqualTo("unauthenticated");
    assertThat(api.call("PUT", "/api/v1/tracks/" + approved + "/like", null, null).error(401)).isEqualTo("unauthenticated");
    Sql.query(node.config().db(), "UPDATE albums SET moderation = 'approved' WHERE id = ?", UUID.fromString(album));
    api.call("PUT", "/api/v1/albums/" + album + "/like", me.token(), null).expect(204);
    assertThat(api.get("/api/v1/artists/" + artist, me.token()).expect(200).json().getLong("album_count")).isEqualTo(1L);
    assertThat(api.get("/api/v1/artists?q=" + band, me.token()).expect(200).json().getJsonArray("artists")).hasSize(1);
    assertThat(api.get("/api/v1/artists?q=" + band, null).expect(200).json().getJsonArray("artists")).hasSize(1);
    api.call("PUT", "/api/v1/artists/" + artist + "/like", me.token(), null).expect(204);

    JsonArray all = api.get("/api/v1/me/likes", me.token()).expect(200).json().getJsonArray("likes");
    assertThat(all).extracting(o -> ((JsonObject) o).getString("type")).containsExactlyInAnyOrder("track", "album", "artist");
    JsonArray tracks = api.get("/api/v1/me/likes?type=track", me.token()).expect(200).json().getJsonArray("likes");
    assertThat(tracks).hasSize(1);
    assertThat(tracks.getJsonObject(0).getJsonObject("track").getString("title")).isEqualTo("Liked");
    assertThat(api.get("/api/v1/me/likes?type=album", me.token()).expect(200).json().getJsonArray("likes").getJsonObject(0)
        .getJsonObject("album").getString("id")).isEqualTo(album);
    assertThat(api.get("/api/v1/me/likes?type=artist", me.token()).expect(200).json().getJsonArray("likes").getJsonObject(0)
        .getJsonObject("artist").getString("id")).isEqualTo(artist);
    assertThat(api.get("/api/v1/me/likes?type=song", me.token()).error(400)).isEqualTo("invalid_argument");
    // limit 1-1000 (default 200), the newest likes across the types asked (api.md)
    assertThat(api.get("/api/v1/me/likes?limit=1", me.token()).expect(200).json().getJsonArray("likes")).hasSize(1)
        .extracting(o -> ((JsonObject) o).getString("type")).containsExactly("artist");
    assertThat(api.get("/api/v1/me/likes?limit=1000", me.token()).expect(200).json().getJsonArray("likes")).hasSize(3);
    for (String limit : List.of("0", "1001", "-1", "many", "")) {
      assertThat(api.get("/api/v1/me/likes?limit=" + limit, me.token()).error(400)).as(limit).isEqualTo("invalid_argument");
    }
    assertThat(api.get("/api/v1/me/likes", null).error(401)).isEqualTo("unauthenticated");
    // the token is checked before the id and the query: without a valid one 401, whatever they look like
    for (String bad : new String[] {null, "bad.token.here"}) {
      assertThat(api.get("/api/v1/me/likes?type=song", bad).error(401)).isEqualTo("unauthenticated");
      assertThat(api.get("/api/v1/me/likes?limit=0", bad).error(401)).isEqualTo("unauthenticated");
      assertThat(api.call("PUT", "/api/v1/artists/bogus/like", bad, null).error(401)).isEqualTo("unauthenticated");
      assertThat(api.delete("/api/v1/tracks/bogus/like", bad).error(401)).isEqualTo("unauthenticated");
    }

    // a liked track that is taken down drops out of the list (the row stays)
    Sql.query(node.config().db(), "UPDATE tracks SET moderation = 'removed' WHERE id = ?", UUID.fromString(approved));
    assertThat(api.get("/api/v1/me/likes?type=track", me.token()).expect(200).json().getJsonArray("likes")).isEmpty();

    api.delete("/api/v1/tracks/" + approved + "/like", me.token()).expect(204);
    api.delete("/api/v1/tracks/" + approved + "/like", me.token()).expect(204);
    assertThat(likeRows(me, approved)).isEqualTo(0L);
    api.delete("/api/v1/albums/" + album + "/like", me.token()).expect(204);
    assertThat(api.get("/api/v1/me/likes?type=album", me.token()).expect(200).json().getJsonArray("likes")).isEmpty();

    // its only album taken down, the liked artist is hidden again: left out of the list, its name not shown
    Sql.query(node.config().db(), "UPDATE albums SET moderation = 'removed' WHERE id = ?", UUID.fromString(album));
    assertThat(api.get("/api/v1/artists/" + artist, me.token()).error(404)).isEqualTo("not_found");
    assertThat(api.get("/api/v1/artists?q=" + band, me.token()).expect(200).json().getJsonArray("artists")).isEmpty();
    assertThat(api.get("/api/v1/me/likes?type=artist", me.token()).expect(200).json().getJsonArray("likes")).isEmpty();
    assertThat(api.get("/api/v1/me/likes", me.token()).expect(200).json().getJsonArray("likes")).isEmpty();
  }

  /** api.md's track JSON: {@code liked} for a signed-in caller, in album tracks, playlist entries and /me/likes as in GET /tracks. */
  @Test
  void tracksCarryLikedForASignedInReader() {
    CatalogApi.User me = api.newUser("liker");
    CatalogApi.User other = api.newUser("maker");
    String loved = track(other, "Loved", "approved");
    String plain = track(other, "Plain", "approved");
    api.call("PUT", "/api/v1/tracks/" + loved + "/like", me.token(), null).expect(204);
    String album = api.post("/api/v1/albums", other.token(), new JsonObject().put("title", "Both")).expect(201).json()
        .getJsonObject("album").getString("id");
    Sql.query(node.config().db(), "UPDATE albums SET moderation = 'approved' WHERE id = ?", UUID.fromString(album));
    String list = api.post("/api/v1/playlists", other.token(), new JsonObject().put("name", "Both").put("public", true)).expect(201).json()
        .getJsonObject("playlist").getString("id");
    for (String t : List.of(loved, plain)) {
      api.post("/api/v1/albums/" + album + "/tracks", other.token(), new JsonObject().put("track_id", t)).expect(201);
      api.post("/api/v1/playlists/" + list + "/tracks", other.token(), new JsonObject().put("track_id", t)).expect(201);
    }

    JsonArray albumTracks = api.get("/api/v1/albums/" + album, me.token()).expect(200).json().getJsonObject("album").getJsonArray("tracks");
    assertThat(albumTracks).extracting(o -> ((JsonObject) o).getValue("liked")).containsExactly(true, false);
    JsonArray entries = api.get("/api/v1/playlists/" + list, me.token()).expect(200).json().getJsonObject("playlist").getJsonArray("entries");
    assertThat(entries).extracting(o -> ((JsonObject) o).getJsonObject("track").getValue("liked")).containsExactly(true, false);
    JsonArray likes = api.get("/api/v1/me/likes?type=track", me.token()).expect(200).json().getJsonArray("likes");
    assertThat(likes).extracting(o -> ((JsonObject) o).getJsonObject("track").getValue("liked")).containsExactly(true);
    // as GET /tracks answers the same reader
    JsonArray tracks = api.get("/api/v1/tracks?owner=" + other.id(), me.token()).expect(200).json().getJsonArray("tracks");
    assertThat(tracks).filteredOn(o -> ((JsonObject) o).getString("id").equals(loved)).extracting(o -> ((JsonObject) o).getValue("liked"))
        .containsExactly(true);
    // the owner, who likes neither, sees false; an anonymous reader no liked at all
    assertThat(api.get("/api/v1/albums/" + album, other.token()).expect(200).json().getJsonObject("album").getJsonArray("tracks"))
        .extracting(o -> ((JsonObject) o).getValue("liked")).containsExactly(false, false);
    assertThat(api.get("/api/v1/albums/" + album, null).expect(200).json().getJsonObject("album").getJsonArray("tracks"))
        .allSatisfy(o -> assertThat(((JsonObject) o).containsKey("liked")).isFalse());
    assertThat(api.get("/api/v1/playlists/" + list, null).expect(200).json().getJsonObject("playlist").getJsonArray("entries"))
        .allSatisfy(o -> assertThat(((JsonObject) o).getJsonObject("track").containsKey("liked")).isFalse());
  }

  /**
   * {@code /me/likes} of every type is newest first by the time of the like, also where the times' text sorts otherwise:
   * 12:00:00.123456 is after 12:00:00.123 and 12:00:00.5 after 12:00:00 (ISO-8601 drops trailing zeros of the fraction).
   */
  @Test
  void likesOfDifferentTypesAreNewestFirstByTimeNotByText() {
    CatalogApi.User me = api.newUser("timer");
    String first = track(me, "Liked at .123", "approved");
    String third = track(me, "Liked at exactly :01", "approved");
    String album = api.post("/api/v1/albums", me.token(), new JsonObject().put("title", "Liked at .123456")).expect(201).json()
        .getJsonObject("album").getString("id");
    String fourth = api.post("/api/v1/albums", me.token(), new JsonObject().put("title", "Liked at :01.5")).expect(201).json()
        .getJsonObject("album").getString("id");
    api.call("PUT", "/api/v1/tracks/" + first + "/like", me.token(), null).expect(204);
    api.call("PUT", "/api/v1/tracks/" + third + "/like", me.token(), null).expect(204);
    api.call("PUT", "/api/v1/albums/" + album + "/like", me.token(), null).expect(204);
    api.call("PUT", "/api/v1/albums/" + fourth + "/like", me.token(), null).expect(204);
    String at = "UPDATE likes SET created_at = ?::timestamptz WHERE user_id = ? AND subject_id = ?";
    UUID uid = UUID.fromString(me.id());
    Sql.query(node.config().db(), at, "2026-01-01T12:00:00.123Z", uid, UUID.fromString(first));
    Sql.query(node.config().db(), at, "2026-01-01T12:00:00.123456Z", uid, UUID.fromString(album));
    Sql.query(node.config().db(), at, "2026-01-01T12:00:01Z", uid, UUID.fromString(third));
    Sql.query(node.config().db(), at, "2026-01-01T12:00:01.5Z", uid, UUID.fromString(fourth));

    JsonArray likes = api.get("/api/v1/me/likes", me.token()).expect(200).json().getJsonArray("likes");
    assertThat(likes).extracting(o -> ((JsonObject) o).getString("type")).containsExactly("album", "track", "album", "track");
    assertThat(likes).extracting(o -> {
      JsonObject like = (JsonObject) o;
      return like.getJsonObject(like.getString("type")).getString("id");
    }).containsExactly(fourth, third, album, first);
    assertThat(api.get("/api/v1/me/likes?limit=1", me.token()).expect(200).json().getJsonArray("likes"))
        .extracting(o -> ((JsonObject) o).getJsonObject("album").getString("id")).containsExactly(fourth);
  }

  /**
   * GET /api/v1/artists lists "by name" as a person reads names, as the OpenSubsonic lists do (the chorus_names
   * collation): "ärzte" between "apple" and "Bravo", "Édith" beside "Edith"; the byte order of the lower-cased names put
   * every name starting with a letter outside ASCII after "Zed". The keyset pages follow the same order.
   */
  @Test
  void artistsAreListedAndPagedInReadingOrder() {
    CatalogApi.User me = api.newUser("collator");
    String tag = UUID.randomUUID().toString().replace("-", "");
    for (String name : List.of("Zed", "ärzte", "Édith", "apple", "Edith", "Bravo")) {
      api.post("/api/v1/albums", me.token(), new JsonObject().put("title", "LP").put("artist", name + " " + tag)).expect(201);
    }
    List<String> expected = List.of("apple", "ärzte", "Bravo", "Edith", "Édith", "Zed").stream().map(n -> n + " " + tag).toList();
    assertThat(api.get("/api/v1/artists?q=" + tag, me.token()).expect(200).json().getJsonArray("artists"))
        .extracting(o -> ((JsonObject) o).getString("name")).containsExactlyElementsOf(expected);
    List<String> paged = new java.util.ArrayList<>();
    String after = null;
    do {
      JsonObject page = api.get("/api/v1/artists?limit=1&q=" + tag + (after == null ? ""
          : "&after=" + java.net.URLEncoder.encode(after, java.nio.charset.StandardCharsets.UTF_8)), me.token()).expect(200).json();
      page.getJsonArray("artists").forEach(o -> paged.add(((JsonObject) o).getString("name")));
      after = page.getString("next_after");
    } while (after != null && paged.size() <= expected.size());
    assertThat(paged).containsExactlyElementsOf(expected);
  }

  static Object likeRows(CatalogApi.User u, String subject) {
    return Sql.query(node.config().db(), "SELECT count(*) AS n FROM likes WHERE user_id = ? AND subject_id = ?",
        UUID.fromString(u.id()), UUID.fromString(subject)).get(0).get("n");
  }
}

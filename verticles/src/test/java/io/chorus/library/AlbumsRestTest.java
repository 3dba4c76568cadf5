package io.chorus.library;

import io.chorus.ChorusNode;
import io.chorus.infra.Infra;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.Sql;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Albums over REST on real PostgreSQL and S3: CRUD, ordered tracks (also under concurrent moves), covers, bad input. */
@ChorusCluster(config = {"ADMIN_USERNAME=" + CatalogApi.ADMIN, "ADMIN_PASSWORD=" + CatalogApi.ADMIN_PASSWORD, "RATE_LIMIT_LOGIN=100000",
    "RATE_LIMIT_LOGIN_PER_USERNAME=100000", "RATE_LIMIT_REGISTER=100000", "COVER_MAX_BYTES=150000"})
class AlbumsRestTest {
  static final Path COVER = Path.of("/usr/share/games/warzone2100/music/albums/original_soundtrack/albumcover.png");
  static TestCluster tc;
  static ChorusNode node;
  static CatalogApi api;

  @BeforeAll
  static void start(TestCluster c) {
    tc = c;
    node = c.node();
    api = new CatalogApi(c.port());
  }

  static String track(CatalogApi.User owner, String title, String moderation) {
    return CatalogApi.insertTrack(node.config().db(), owner.id(), title, moderation);
  }

  static JsonObject album(CatalogApi.User owner, String title) {
    return api.post("/api/v1/albums", owner.token(), new JsonObject().put("title", title)).expect(201).json().getJsonObject("album");
  }

  static List<String> trackIds(JsonObject album) {
    List<String> ids = new ArrayList<>();
    JsonArray tracks = album.getJsonArray("tracks");
    for (int i = 0; i < tracks.size(); i++) {
      assertThat(tracks.getJsonObject(i).getInteger("position")).isEqualTo(i);
      ids.add(tracks.getJsonObject(i).getString("id"));
    }
    return ids;
  }

  static List<Integer> positions(String albumId) {
    return Sql.query(node.config().db(), "SELECT position FROM album_tracks WHERE album_id = ? ORDER BY position", UUID.fromString(albumId))
        .stream().map(r -> (Integer) r.get("position")).toList();
  }

  @Test
  void albumCrudAndOrderedTracks() {
    CatalogApi.User owner = api.newUser("owner");
    CatalogApi.User other = api.newUser("other");
    JsonObject created = api.post("/api/v1/albums", owner.token(), new JsonObject().put("title", " Original Soundtrack ")
        .put("artist", "Warzone 2100 Project").put("year", 2004)).expect(201).json().getJsonObject("album");
    String id = created.getString("id");
    assertThat(created.getString("title")).isEqualTo("Original Soundtrack");
    assertThat(created.getJsonObject("artist").getString("name")).isEqualTo("Warzone 2100 Project");
    assertThat(created.getInteger("year")).isEqualTo(2004);
    assertThat(created.getString("moderation")).isEqualTo("pending");
    assertThat(created.getString("owner_id")).isEqualTo(owner.id());
    assertThat(created.getBoolean("has_cover")).isFalse();

    // pending: the owner sees it, nobody else
    assertThat(api.get("/api/v1/albums/" + id, owner.token()).expect(200).json().getJsonObject("album").getJsonArray("tracks")).isEmpty();
    assertThat(api.get("/api/v1/albums/" + id, other.token()).error(404)).isEqualTo("not_found");
    assertThat(api.get("/api/v1/albums/" + id, null).error(404)).isEqualTo("not_found");
    assertThat(api.get("/api/v1/albums?owner=" + owner.id(), other.token()).expect(200).json().getJsonArray("albums")).isEmpty();

    String t1 = track(owner, "Track 1", "pending");
    String t2 = track(owner, "Track 2", "pending");
    String t3 = track(owner, "Track 3", "pending");
    String t4 = track(owner, "Track 4", "approved");
    String foreignPending = track(other, "Not yours", "pending");
    String path = "/api/v1/albums/" + id + "/tracks";
    api.post(path, owner.token(), new JsonObject().put("track_id", t1)).expect(201);
    api.post(path, owner.token(), new JsonObject().put("track_id", t2)).expect(201);
    JsonObject a = api.post(path, owner.token(), new JsonObject().put("track_id", t3).put("position", 0)).expect(201).json().getJsonObject("album");
    assertThat(trackIds(a)).containsExactly(t3, t1, t2);
    assertThat(a.getJsonArray("tracks").getJsonObject(0).getString("title")).isEqualTo("Track 3");
    assertThat(api.post(path, owner.token(), new JsonObject().put("track_id", t1)).error(409)).isEqualTo("already_exists");
    assertThat(api.post(path, owner.token(), new JsonObject().put("track_id", foreignPending)).error(404)).isEqualTo("not_found");
    assertThat(api.post(path, owner.token(), new JsonObject().put("track_id", UUID.randomUUID().toString())).error(404)).isEqualTo("not_found");
    assertThat(api.post(path, owner.token(), new JsonObject().put("track_id", t4).put("position", 9)).error(400)).isEqualTo("invalid_argument");
    a = api.post(path, owner.token(), new JsonObject().put("track_id", t4).put("position", 3)).expect(201).json().getJsonObject("album");
    assertThat(trackIds(a)).containsExactly(t3, t1, t2, t4);
    assertThat(a.getLong("track_count")).isEqualTo(4);

    // move, reorder (exactly the current set), remove: positions stay dense
    a = api.post(path + "/" + t4 + "/move", owner.token(), new JsonObject().put("position", 1)).expect(200).json().getJsonObject("album");
    assertThat(trackIds(a)).containsExactly(t3, t4, t1, t2);
    a = api.post(path + "/" + t3 + "/move", owner.token(), new JsonObject().put("position", 3)).expect(200).json().getJsonObject("album");
    assertThat(trackIds(a)).containsExactly(t4, t1, t2, t3);
    assertThat(api.post(path + "/" + t3 + "/move", owner.token(), new JsonObject().put("position", 4)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post(path + "/" + foreignPending + "/move", owner.token(), new JsonObject().put("position", 0)).error(404)).isEqualTo("not_found");
    a = api.put(path, owner.token(), new JsonObject().put("track_ids", new JsonArray().add(t1).add(t2).add(t3).add(t4)))
        .expect(200).json().getJsonObject("album");
    assertThat(trackIds(a)).containsExactly(t1, t2, t3, t4);
    assertThat(api.put(path, owner.token(), new JsonObject().put("track_ids", new JsonArray().add(t1).add(t2).add(t3))).error(400))
        .isEqualTo("invalid_argument");
    assertThat(api.put(path, owner.token(), new JsonObject().put("track_ids", new JsonArray().add(t1).add(t1).add(t2).add(t3))).error(400))
        .isEqualTo("invalid_argument");
    assertThat(api.put(path, owner.token(), new JsonObject().put("track_ids", new JsonArray().add(t1).add(t2).add(t3).add(foreignPending)))
        .error(400)).isEqualTo("invalid_argument");
    api.delete(path + "/" + t2, owner.token()).expect(204);
    assertThat(api.delete(path + "/" + t2, owner.token()).error(404)).isEqualTo("not_found");
    assertThat(trackIds(api.get("/api/v1/albums/" + id, owner.token()).expect(200).json().getJsonObject("album"))).containsExactly(t1, t3, t4);
    assertThat(positions(id)).containsExactly(0, 1, 2);

    // PATCH: fields given change, the rest stay; null clears the artist
    JsonObject patched = api.call("PATCH", "/api/v1/albums/" + id, owner.token(), new JsonObject().put("title", "OST").put("artist", null))
        .expect(200).json().getJsonObject("album");
    assertThat(patched.getString("title")).isEqualTo("OST");
    assertThat(patched.getValue("artist")).isNull();
    assertThat(patched.getInteger("year")).isEqualTo(2004);
    // a blank artist clears it as null does, as PATCH /tracks/{id} does; a blank title is refused
    api.call("PATCH", "/api/v1/albums/" + id, owner.token(), new JsonObject().put("artist", "Someone")).expect(200);
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, owner.token(), new JsonObject().put("artist", "  ")).expect(200).json()
        .getJsonObject("album").getValue("artist")).isNull();
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, owner.token(), new JsonObject().put("title", " ")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, other.token(), new JsonObject().put("title", "mine")).error(404)).isEqualTo("not_found");

    // approved: everyone reads it (with only the tracks they may see); only the owner may add tracks
    Sql.query(node.config().db(), "UPDATE albums SET moderation = 'approved' WHERE id = ?", UUID.fromString(id));
    // (a reader who sees fewer tracks sees the album's own positions, with gaps)
    JsonArray seen = api.get("/api/v1/albums/" + id, null).expect(200).json().getJsonObject("album").getJsonArray("tracks");
    assertThat(seen).extracting(o -> ((JsonObject) o).getString("id")).containsExactly(t4);
    assertThat(seen.getJsonObject(0).getInteger("position")).isEqualTo(2);
    // track_count counts those tracks only, in the album and in lists: the hidden ones are not disclosed (contract B, 13)
    assertThat(api.get("/api/v1/albums/" + id, null).expect(200).json().getJsonObject("album").getInteger("track_count")).isEqualTo(1);
    JsonObject listed = api.get("/api/v1/albums?owner=" + owner.id(), null).expect(200).json().getJsonArray("albums").stream()
        .map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(id)).findFirst().orElseThrow();
    assertThat(listed.getInteger("track_count")).isEqualTo(1);
    JsonObject ownView = api.get("/api/v1/albums/" + id, owner.token()).expect(200).json().getJsonObject("album");
    assertThat(ownView.getInteger("track_count")).isEqualTo(ownView.getJsonArray("tracks").size()).isGreaterThan(1);
    assertThat(api.get("/api/v1/albums/" + id, other.token()).expect(200).json().getJsonObject("album").getJsonArray("tracks")).hasSize(1);
    assertThat(api.post(path, other.token(), new JsonObject().put("track_id", foreignPending)).error(403)).isEqualTo("forbidden");
    // a track taken down since it was added is hidden from the owner too: a full reorder names the tracks they see
    Sql.query(node.config().db(), "UPDATE tracks SET moderation = 'removed' WHERE id = ?", UUID.fromString(t1));
    assertThat(api.put(path, owner.token(), new JsonObject().put("track_ids", new JsonArray().add(t4).add(t1).add(t3))).error(400))
        .isEqualTo("invalid_argument");
    api.put(path, owner.token(), new JsonObject().put("track_ids", new JsonArray().add(t4).add(t3))).expect(200);
    assertThat(Sql.query(node.config().db(), "SELECT track_id FROM album_tracks WHERE album_id = ? ORDER BY position", UUID.fromString(id))
        .stream().map(r -> r.get("track_id").toString()).toList()).containsExactly(t4, t3, t1);
    Sql.query(node.config().db(), "UPDATE tracks SET moderation = 'pending' WHERE id = ?", UUID.fromString(t1));
    api.put(path, owner.token(), new JsonObject().put("track_ids", new JsonArray().add(t1).add(t3).add(t4))).expect(200);
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, other.token(), new JsonObject().put("title", "mine")).error(403)).isEqualTo("forbidden");
    assertThat(api.delete("/api/v1/albums/" + id, other.token()).error(403)).isEqualTo("forbidden");

    // lists: by owner, by artist name and id, pages through the cursor
    JsonObject second = api.post("/api/v1/albums", owner.token(), new JsonObject().put("title", "Second").put("artist", "warzone 2100 project "))
        .expect(201).json().getJsonObject("album");
    String artistId = second.getJsonObject("artist").getString("id");
    assertThat(api.get("/api/v1/albums?artist=WARZONE%202100%20PROJECT", owner.token()).expect(200).json().getJsonArray("albums"))
        .extracting(o -> ((JsonObject) o).getString("id")).contains(second.getString("id")).doesNotContain(id);
    assertThat(api.get("/api/v1/albums?artist=" + artistId, owner.token()).expect(200).json().getJsonArray("albums")).hasSize(1);
    JsonObject page1 = api.get("/api/v1/albums?owner=" + owner.id() + "&limit=1", owner.token()).expect(200).json();
    assertThat(page1.getJsonArray("albums").getJsonObject(0).getString("id")).isEqualTo(second.getString("id"));
    JsonObject page2 = api.get("/api/v1/albums?owner=" + owner.id() + "&limit=1&cursor=" + page1.getString("next_cursor"), owner.token())
        .expect(200).json();
    assertThat(page2.getJsonArray("albums").getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(page2.getString("next_cursor")).isNull();
    assertThat(api.get("/api/v1/albums?owner=" + owner.id(), other.token()).expect(200).json().getJsonArray("albums"))
        .extracting(o -> ((JsonObject) o).getString("id")).containsExactly(id);
    // owner=me, as GET /tracks takes it: the caller's own albums, pending ones included; unsigned it is 400
    assertThat(api.get("/api/v1/albums?owner=me", owner.token()).expect(200).json().getJsonArray("albums"))
        .extracting(o -> ((JsonObject) o).getString("id")).containsExactly(second.getString("id"), id);
    assertThat(api.get("/api/v1/albums?owner=me", other.token()).expect(200).json().getJsonArray("albums")).isEmpty();
    assertThat(api.get("/api/v1/albums?owner=me", null).error(400)).isEqualTo("invalid_argument");

    // delete: the album and its entries go, the tracks stay
    api.delete("/api/v1/albums/" + id, owner.token()).expect(204);
    assertThat(api.get("/api/v1/albums/" + id, owner.token()).error(404)).isEqualTo("not_found");
    assertThat(positions(id)).isEmpty();
    assertThat(Sql.query(node.config().db(), "SELECT count(*) AS n FROM tracks WHERE id IN (?, ?, ?)",
        UUID.fromString(t1), UUID.fromString(t3), UUID.fromString(t4)).get(0).get("n")).isEqualTo(3L);
    assertThat(api.delete("/api/v1/albums/" + id, owner.token()).error(404)).isEqualTo("not_found");
  }

  @Test
  void aDeletedTrackLeavesNoGap() {
    CatalogApi.User owner = api.newUser("gap");
    String id = album(owner, "Gappy").getString("id");
    List<String> t = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      t.add(track(owner, "G" + i, "pending"));
      api.post("/api/v1/albums/" + id + "/tracks", owner.token(), new JsonObject().put("track_id", t.get(i))).expect(201);
    }
    // the track's own DELETE (upload's) removes the row; album_tracks follows by ON DELETE CASCADE
    Sql.query(node.config().db(), "DELETE FROM tracks WHERE id = ?", UUID.fromString(t.get(1)));
    assertThat(trackIds(api.get("/api/v1/albums/" + id, owner.token()).expect(200).json().getJsonObject("album")))
        .containsExactly(t.get(0), t.get(2), t.get(3));
    String fresh = track(owner, "G4", "pending");
    JsonObject a = api.post("/api/v1/albums/" + id + "/tracks", owner.token(), new JsonObject().put("track_id", fresh).put("position", 2))
        .expect(201).json().getJsonObject("album");
    assertThat(trackIds(a)).containsExactly(t.get(0), t.get(2), fresh, t.get(3));
    assertThat(positions(id)).containsExactly(0, 1, 2, 3);
  }

  @Test
  void concurrentMovesKeepPositionsDenseAndUnique() throws Exception {
    CatalogApi.User owner = api.newUser("mover");
    String id = album(owner, "Busy").getString("id");
    List<String> tracks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      tracks.add(track(owner, "T" + i, "pending"));
      api.post("/api/v1/albums/" + id + "/tracks", owner.token(), new JsonObject().put("track_id", tracks.get(i))).expect(201);
    }
    // two clients at once (each its own HttpClient connection), moving, removing and re-adding
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Callable<List<Integer>>> clients = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        int seed = c;
        clients.add(() -> {
          CatalogApi mine = new CatalogApi(tc.port());
          Random rnd = new Random(seed);
          List<Integer> statuses = new ArrayList<>();
          for (int i = 0; i < 30; i++) {
            String t = tracks.get(rnd.nextInt(tracks.size()));
            if (i % 10 == 9) {
              statuses.add(mine.delete("/api/v1/albums/" + id + "/tracks/" + t, owner.token()).status());
              statuses.add(mine.post("/api/v1/albums/" + id + "/tracks", owner.token(),
                  new JsonObject().put("track_id", t).put("position", 0)).status());
            } else {
              statuses.add(mine.post("/api/v1/albums/" + id + "/tracks/" + t + "/move", owner.token(),
                  new JsonObject().put("position", rnd.nextInt(7))).status());
            }
          }
          return statuses;
        });
      }
      List<Integer> all = new ArrayList<>();
      for (Future<List<Integer>> f : pool.invokeAll(clients)) {
        all.addAll(f.get());
      }
      // a move or remove may find its track just removed by the other client (404), a re-add may find it back (409); never a 500
      assertThat(all).allMatch(s -> s == 200 || s == 201 || s == 204 || s == 404 || s == 409);
      assertThat(all.stream().filter(s -> s == 200).count()).as("moves applied").isGreaterThan(20);
    } finally {
      pool.shutdownNow();
    }
    List<Integer> positions = positions(id);
    assertThat(positions).containsExactlyElementsOf(IntStream.range(0, positions.size()).boxed().toList());
    // every remove is followed by its client's re-add, so all eight are there, each once
    assertThat(trackIds(api.get("/api/v1/albums/" + id, owner.token()).expect(200).json().getJsonObject("album")))
        .containsExactlyInAnyOrderElementsOf(tracks);
  }

  @Test
  void coversAreDecodedReencodedAndThumbnailed() throws Exception {
    assertThat(COVER).as("test data: install Debian's warzone2100-music (scripts/install-test-deps)").exists();
    byte[] png = Files.readAllBytes(COVER);
    CatalogApi.User owner = api.newUser("cover");
    CatalogApi.User other = api.newUser("nosy");
    String id = album(owner, "With cover").getString("id");
    String cover = "/api/v1/albums/" + id + "/cover";
    assertThat(api.get(cover, owner.token()).error(404)).isEqualTo("not_found");

    JsonObject a = api.call("PUT", cover, owner.token(), png, "image/png").expect(200).json().getJsonObject("album");
    assertThat(a.getBoolean("has_cover")).isTrue();
    assertThat(a.getString("cover_url")).isEqualTo(cover);
    CatalogApi.Reply full = api.get(cover, owner.token()).expect(200);
    CatalogApi.Reply thumb = api.get(cover + "?size=thumb", owner.token()).expect(200);
    BufferedImage fullImg = ImageIO.read(new ByteArrayInputStream(full.bytes()));
    BufferedImage thumbImg = ImageIO.read(new ByteArrayInputStream(thumb.bytes()));
    BufferedImage original = ImageIO.read(COVER.toFile());
    assertThat(fullImg).as("the stored cover decodes").isNotNull();
    assertThat(thumbImg).as("the thumbnail decodes").isNotNull();
    assertThat(fullImg.getWidth()).isEqualTo(original.getWidth());
    assertThat(fullImg.getHeight()).isEqualTo(original.getHeight());
    assertThat(Math.max(thumbImg.getWidth(), thumbImg.getHeight())).isEqualTo(Covers.THUMB_PX);
    assertThat(thumb.bytes().length).isLessThan(full.bytes().length);
    assertThat(full.headers().firstValue("content-type").orElse("")).isIn("image/png", "image/jpeg");
    assertThat(api.get(cover + "?size=huge", owner.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.get(cover, other.token()).error(404)).isEqualTo("not_found");   // pending album

    // multipart form with the part "file" works too; a JPEG (no transparency) stays JPEG
    ByteArrayOutputStream jpg = new ByteArrayOutputStream();
    BufferedImage rgb = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
    ImageIO.write(rgb, "jpeg", jpg);
    String boundary = "----catalog" + UUID.randomUUID();
    byte[] form = multipart(boundary, "file", "photo.jpg", "image/jpeg", jpg.toByteArray());
    api.call("PUT", cover, owner.token(), form, "multipart/form-data; boundary=" + boundary).expect(200);
    BufferedImage t2 = ImageIO.read(new ByteArrayInputStream(api.get(cover + "?size=thumb", owner.token()).expect(200).bytes()));
    assertThat(t2.getWidth()).isEqualTo(Covers.THUMB_PX);
    assertThat(t2.getHeight()).isEqualTo(Math.round(Covers.THUMB_PX * 480 / 640f));
    byte[] noFile = multipart(boundary, "picture", "photo.jpg", "image/jpeg", jpg.toByteArray());
    assertThat(api.call("PUT", cover, owner.token(), noFile, "multipart/form-data; boundary=" + boundary).error(400)).isEqualTo("invalid_argument");

    // not images: text, a truncated PNG, a PNG header claiming 100000x100000 pixels (never inflated)
    assertThat(api.call("PUT", cover, owner.token(), "just some text, not a picture".getBytes(StandardCharsets.UTF_8), "image/png").error(415))
        .isEqualTo("unsupported_media_type");
    assertThat(api.call("PUT", cover, owner.token(), Arrays.copyOf(png, 200), "image/png").error(415)).isEqualTo("unsupported_media_type");
    assertThat(api.call("PUT", cover, owner.token(), pngHeader(100_000, 100_000), "image/png").error(415)).isEqualTo("unsupported_media_type");
    // too big: 413 (the limit is COVER_MAX_BYTES=150000): raw (refused on its Content-Length) and as multipart
    // (counted while the part streams)
    byte[] big = Arrays.copyOf(png, 200_000);
    assertThat(api.call("PUT", cover, owner.token(), big, "image/png").error(413)).isEqualTo("payload_too_large");
    assertThat(api.call("PUT", cover, owner.token(), multipart(boundary, "file", "big.png", "image/png", big),
        "multipart/form-data; boundary=" + boundary).error(413)).isEqualTo("payload_too_large");
    assertThat(api.call("PUT", cover, owner.token(), new byte[0], "image/png").error(400)).isEqualTo("invalid_argument");
    // rights
    assertThat(api.call("PUT", cover, null, png, "image/png").error(401)).isEqualTo("unauthenticated");
    assertThat(api.call("PUT", cover, other.token(), png, "image/png").error(404)).isEqualTo("not_found");
    assertThat(api.call("PUT", "/api/v1/albums/not-a-uuid/cover", owner.token(), png, "image/png").error(400)).isEqualTo("invalid_argument");
    // the refused uploads left the stored cover as it was
    assertThat(ImageIO.read(new ByteArrayInputStream(api.get(cover, owner.token()).expect(200).bytes())).getWidth()).isEqualTo(640);

    // deleting the album removes both S3 objects
    api.delete("/api/v1/albums/" + id, owner.token()).expect(204);
    try (S3Client s3 = Infra.s3Client(node.config().s3())) {
      for (String key : List.of("albums/" + id + "/cover", "albums/" + id + "/cover-thumb")) {
        assertThatThrownBy(() -> s3.headObject(HeadObjectRequest.builder().bucket(node.config().s3().bucket()).key(key).build()))
            .as(key).isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class)
            .satisfies(e -> assertThat(((software.amazon.awssdk.services.s3.model.S3Exception) e).statusCode()).isEqualTo(404));
      }
    }
  }

  @Test
  void badInputIsA4xxNeverA500() {
    CatalogApi.User u = api.newUser("bad");
    String id = album(u, "Fine").getString("id");
    assertThat(api.call("POST", "/api/v1/albums", u.token(), "{\"title\": ").error(400)).isEqualTo("malformed_json");
    assertThat(api.call("POST", "/api/v1/albums", u.token(), "[1,2]").error(400)).isEqualTo("malformed_json");
    assertThat(api.call("POST", "/api/v1/albums", u.token(), "").error(400)).as("no body").isEqualTo("malformed_json");
    assertThat(api.post("/api/v1/albums", u.token(), new JsonObject().put("title", 5)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/albums", u.token(), new JsonObject().put("title", "  ")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/albums", u.token(), new JsonObject().put("title", "x").put("year", "1999")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/albums", u.token(), new JsonObject().put("title", "x").put("year", 12345)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/albums", u.token(), new JsonObject().put("title", "x").put("year", 1.5)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/albums", null, new JsonObject().put("title", "x")).error(401)).isEqualTo("unauthenticated");
    assertThat(api.post("/api/v1/albums", "not.a.jwt", new JsonObject().put("title", "x")).error(401)).isEqualTo("unauthenticated");
    // the token comes before the body: a caller without a valid one learns nothing about the body's rules
    assertThat(api.post("/api/v1/albums", null, new JsonObject().put("title", "")).error(401)).isEqualTo("unauthenticated");
    assertThat(api.call("POST", "/api/v1/albums", "not.a.jwt", "{\"title\": ").error(401)).isEqualTo("unauthenticated");
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, null, new JsonObject().put("title", 5)).error(401)).isEqualTo("unauthenticated");
    assertThat(api.post("/api/v1/albums/" + id + "/tracks", null, new JsonObject()).error(401)).isEqualTo("unauthenticated");
    assertThat(api.post("/api/v1/playlists", null, new JsonObject().put("name", "")).error(401)).isEqualTo("unauthenticated");
    assertThat(api.post("/api/v1/albums/" + id + "/report", null, new JsonObject()).error(401)).isEqualTo("unauthenticated");
    assertThat(api.call("PATCH", "/api/v1/tracks/" + UUID.randomUUID(), null, "[1]").error(401)).isEqualTo("unauthenticated");
    assertThat(api.call("POST", "/api/v1/tracks", null, "{}").error(401)).isEqualTo("unauthenticated");
    assertThat(api.get("/api/v1/albums/not-a-uuid", u.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.get("/api/v1/albums/" + UUID.randomUUID(), u.token()).error(404)).isEqualTo("not_found");
    assertThat(api.delete("/api/v1/albums/" + UUID.randomUUID(), u.token()).error(404)).isEqualTo("not_found");
    assertThat(api.call("PATCH", "/api/v1/albums/" + UUID.randomUUID(), u.token(), new JsonObject().put("title", "x")).error(404)).isEqualTo("not_found");
    // as PATCH /tracks/{id}: an unknown field or nothing to change is refused, not a 200 that changes nothing
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, u.token(), new JsonObject()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, u.token(), new JsonObject().put("titel", "typo")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.call("PATCH", "/api/v1/albums/" + id, u.token(), new JsonObject().put("title", "Fine").put("cover", "x")).error(400))
        .isEqualTo("invalid_argument");
    assertThat(api.get("/api/v1/albums/" + id, u.token()).expect(200).json().getJsonObject("album").getString("title")).isEqualTo("Fine");
    assertThat(api.get("/api/v1/albums?cursor=garbage!", u.token()).error(400)).isEqualTo("invalid_argument");
    // an empty cursor is an absent one (the first page), on every paged list (api.md, Paging)
    api.get("/api/v1/albums?cursor=", u.token()).expect(200);
    assertThat(api.get("/api/v1/albums?limit=abc", u.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.get("/api/v1/albums?limit=0", u.token()).error(400)).isEqualTo("invalid_argument");
    // ASCII digits only: Arabic-Indic ٣ is not 3, here, for artists and for likes
    for (String path : List.of("/api/v1/albums?limit=%D9%A3", "/api/v1/artists?limit=%D9%A3", "/api/v1/me/likes?limit=%D9%A3")) {
      assertThat(api.get(path, u.token()).error(400)).as(path).isEqualTo("invalid_argument");
    }
    assertThat(api.get("/api/v1/albums?owner=nope", u.token()).error(400)).isEqualTo("invalid_argument");
    String tracks = "/api/v1/albums/" + id + "/tracks";
    assertThat(api.post(tracks, u.token(), new JsonObject().put("track_id", "x")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post(tracks, u.token(), new JsonObject().put("track_id", 7)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post(tracks, u.token(), new JsonObject()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post(tracks, u.token(), new JsonObject().put("track_id", UUID.randomUUID().toString()).put("position", "first")).error(400))
        .isEqualTo("invalid_argument");
    assertThat(api.put(tracks, u.token(), new JsonObject().put("track_ids", "all")).error(400)).isEqualTo("invalid_argument");
    assertThat(api.put(tracks, u.token(), new JsonObject().put("track_ids", new JsonArray().add(1))).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post(tracks + "/" + UUID.randomUUID() + "/move", u.token(), new JsonObject()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post(tracks + "/zzz/move", u.token(), new JsonObject().put("position", 0)).error(400)).isEqualTo("invalid_argument");
    assertThat(api.delete(tracks + "/zzz", u.token()).error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/albums/" + UUID.randomUUID() + "/tracks", u.token(), new JsonObject().put("track_id", UUID.randomUUID().toString()))
        .error(404)).isEqualTo("not_found");
  }

  static byte[] multipart(String boundary, String field, String filename, String type, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + filename
        + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(content);
    out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** A PNG signature and IHDR chunk (valid CRC) declaring the given size, with no pixel data: a decompression bomb's header. */
  static byte[] pngHeader(int width, int height) {
    java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(17);
    ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + 4 + 17 + 4);
    out.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}).putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
    return out.array();
  }
}

package io.chorus.search;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The document types of the library (schema V20) and of accounts (V16): tracks, albums, artists, playlists, users. */
final class LibraryDocs {
  private LibraryDocs() {
  }

  static List<DocType> all() {
    return List.of(TRACKS, ALBUMS, ARTISTS, PLAYLISTS, USERS);
  }

  private static String str(Row r, String column) {
    return r.getValue(column) == null ? null : r.getValue(column).toString();
  }

  private static List<String> nonNull(String... parts) {
    List<String> out = new ArrayList<>();
    for (String p : parts) {
      if (p != null && !p.isBlank()) {
        out.add(p);
      }
    }
    return out;
  }

  private static JsonObject artist(Row r) {
    UUID id = r.getUUID("artist_id");
    return id == null ? null : new JsonObject().put("id", id.toString()).put("name", r.getString("artist_name"));
  }

  private static String label(String artist, String title) {
    return artist == null ? title : artist + " — " + title;
  }

  static final DocType TRACKS = new Sql("tracks",
      "SELECT t.id, t.title, t.owner_id, t.moderation, t.album_title, t.year, t.genre, t.status, t.duration_ms, t.updated_at,"
          + " ar.id AS artist_id, ar.name AS artist_name,"
          + " (SELECT string_agg(tag, ' ') FROM track_tags g WHERE g.track_id = t.id) AS tags"
          + " FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id", "t") {
    @Override
    public SearchDoc toDoc(Row r) {
      String moderation = r.getString("moderation");
      String artist = r.getString("artist_name");
      JsonObject json = new JsonObject().put("id", str(r, "id")).put("title", r.getString("title")).put("artist", artist(r))
          .put("album", r.getString("album_title")).put("year", r.getInteger("year")).put("genre", r.getString("genre"))
          .put("duration_ms", r.getLong("duration_ms")).put("status", r.getString("status")).put("owner_id", str(r, "owner_id"))
          .put("moderation", moderation);
      return new SearchDoc(name(), str(r, "id"), str(r, "owner_id"), "approved".equals(moderation), "removed".equals(moderation),
          r.getString("title"), artist, nonNull(r.getString("album_title"), r.getString("genre"), r.getString("tags")),
          label(artist, r.getString("title")), json);
    }
  };

  static final DocType ALBUMS = new Sql("albums",
      "SELECT al.id, al.title, al.owner_id, al.moderation, al.year, al.updated_at, ar.id AS artist_id, ar.name AS artist_name,"
          + " (al.cover_key IS NOT NULL) AS has_cover FROM albums al LEFT JOIN artists ar ON ar.id = al.artist_id", "al") {
    @Override
    public SearchDoc toDoc(Row r) {
      String moderation = r.getString("moderation");
      String artist = r.getString("artist_name");
      JsonObject json = new JsonObject().put("id", str(r, "id")).put("title", r.getString("title")).put("artist", artist(r))
          .put("year", r.getInteger("year")).put("has_cover", r.getBoolean("has_cover")).put("owner_id", str(r, "owner_id"))
          .put("moderation", moderation);
      return new SearchDoc(name(), str(r, "id"), str(r, "owner_id"), "approved".equals(moderation), "removed".equals(moderation),
          r.getString("title"), artist, List.of(), label(artist, r.getString("title")), json);
    }
  };

  /**
   * An artist is public once one of its tracks or albums is approved (a pending upload does not reveal it to
   * others); before that the owners of its pending (or rejected) tracks and albums see it, as they see those
   * and as {@code GET /api/v1/artists} shows it to them.
   */
  static final DocType ARTISTS = new Sql("artists",
      "SELECT a.id, a.name, a.created_at AS updated_at,"
          + " (EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = a.id AND t.moderation = 'approved')"
          + " OR EXISTS (SELECT 1 FROM albums al WHERE al.artist_id = a.id AND al.moderation = 'approved')) AS pub,"
          + " ARRAY(SELECT t.owner_id::text FROM tracks t WHERE t.artist_id = a.id AND t.moderation IN ('pending', 'rejected')"
          + " UNION SELECT al.owner_id::text FROM albums al WHERE al.artist_id = a.id AND al.moderation IN ('pending', 'rejected')) AS owners"
          + " FROM artists a", "a") {
    @Override
    public SearchDoc toDoc(Row r) {
      JsonObject json = new JsonObject().put("id", str(r, "id")).put("name", r.getString("name"));
      boolean pub = r.getBoolean("pub");
      String[] owners = r.getArrayOfStrings("owners");
      return new SearchDoc(name(), str(r, "id"), "", pub, false, r.getString("name"), null, List.of(),
          r.getString("name"), json, pub || owners == null ? List.of() : List.of(owners));
    }
  };

  /**
   * {@code track_count} counts the entries anyone may see (approved tracks), as {@code GET /playlists/{id}} does for
   * most readers, so a hit neither counts nor hints at hidden tracks; the feed re-reads a track's playlists when
   * the track's visibility changes (a catalog event).
   */
  static final DocType PLAYLISTS = new Sql("playlists",
      "SELECT p.id, p.name, p.description, p.owner_id, p.public, p.updated_at,"
          + " (SELECT count(*) FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id"
          + " WHERE pt.playlist_id = p.id AND t.moderation = 'approved') AS track_count FROM playlists p", "p") {
    @Override
    public SearchDoc toDoc(Row r) {
      JsonObject json = new JsonObject().put("id", str(r, "id")).put("name", r.getString("name"))
          .put("description", r.getString("description")).put("owner_id", str(r, "owner_id")).put("public", r.getBoolean("public"))
          .put("track_count", r.getLong("track_count"));
      return new SearchDoc(name(), str(r, "id"), str(r, "owner_id"), r.getBoolean("public"), false, r.getString("name"), null,
          nonNull(r.getString("description")), r.getString("name"), json);
    }
  };

  /** Users by username and display name; a disabled account is found by nobody but moderators. */
  static final DocType USERS = new Sql("users",
      "SELECT u.id, u.username, u.display_name, u.disabled, u.updated_at, (u.avatar_key IS NOT NULL) AS has_avatar FROM users u", "u") {
    @Override
    public SearchDoc toDoc(Row r) {
      boolean disabled = r.getBoolean("disabled");
      JsonObject json = new JsonObject().put("id", str(r, "id")).put("username", r.getString("username"))
          .put("display_name", r.getString("display_name")).put("has_avatar", r.getBoolean("has_avatar"));
      return new SearchDoc(name(), str(r, "id"), str(r, "id"), !disabled, disabled, r.getString("display_name"),
          r.getString("username"), List.of(), r.getString("display_name") + " (@" + r.getString("username") + ")", json);
    }
  };

  /** A type whose statements are one SELECT with the table alias {@code a} and an {@code updated_at} column. */
  private abstract static class Sql implements DocType {
    private final String name;
    private final String select;
    private final String alias;

    Sql(String name, String select, String alias) {
      this.name = name;
      this.select = select;
      this.alias = alias;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String byId() {
      return select + " WHERE " + alias + ".id = $1";
    }

    @Override
    public String page() {
      return select + " WHERE " + alias + ".id > $1 ORDER BY " + alias + ".id LIMIT $2";
    }

    @Override
    public String changedSince() {
      String column = "artists".equals(name) ? alias + ".created_at" : alias + ".updated_at";
      // (time, id) keyset: a page boundary among rows changed at the same instant neither repeats nor skips them
      return select + " WHERE (" + column + ", " + alias + ".id) > ($1, $3) ORDER BY " + column + ", " + alias + ".id LIMIT $2";
    }
  }
}

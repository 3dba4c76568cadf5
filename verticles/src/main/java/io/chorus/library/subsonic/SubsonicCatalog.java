package io.chorus.library.subsonic;

import io.chorus.input.SqlLower;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The library as OpenSubsonic's ID3 model sees it: artists, albums (the library's albums, tracks in
 * their order) and songs (ready tracks). Every query applies the library's visibility rule for the
 * caller ($1 = the user, $2 = moderator): approved content, plus the caller's own that is not taken down.
 */
final class SubsonicCatalog {
  static final String VIS_T = "(t.moderation = 'approved' OR $2::boolean OR (t.owner_id = $1::uuid AND t.moderation <> 'removed'))"
      + " AND t.status = 'ready'";
  static final String VIS_AL = "(al.moderation = 'approved' OR $2::boolean OR (al.owner_id = $1::uuid AND al.moderation <> 'removed'))";
  private static final String SONG = "SELECT t.id, t.title, t.album_title, t.track_no, t.year, t.genre, t.original_size, t.format, t.mime,"
      + " t.duration_ms, t.bitrate, t.created_at, t.play_count, t.cover_key IS NOT NULL AS has_cover, t.replay_gain_db, t.true_peak_db,"
      + " t.sample_rate, t.channels, t.artist_id, ar.name AS artist_name, %s AS album_id, al2.title AS album_name, al2.cover_key IS NOT NULL AS album_has_cover,"
      + " lk.created_at AS starred, rt.rating AS user_rating"
      + " FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id"
      + " LEFT JOIN likes lk ON lk.user_id = $1::uuid AND lk.subject_type = 'track' AND lk.subject_id = t.id"
      + " LEFT JOIN subsonic_ratings rt ON rt.user_id = $1::uuid AND rt.subject_type = 'track' AND rt.subject_id = t.id ";
  /** The first album (oldest) the caller may see that holds the track. */
  private static final String FIRST_ALBUM = "(SELECT at.album_id FROM album_tracks at JOIN albums al ON al.id = at.album_id"
      + " WHERE at.track_id = t.id AND " + VIS_AL + " ORDER BY al.created_at, al.id LIMIT 1)";
  private static final String ALBUM = "SELECT al.id, al.title, al.year, al.created_at, al.cover_key IS NOT NULL AS has_cover,"
      + " al.artist_id, ar.name AS artist_name, s.song_count, s.duration_ms, s.play_count, s.genre, lk.created_at AS starred,"
      + " rt.rating AS user_rating"
      + " FROM albums al LEFT JOIN artists ar ON ar.id = al.artist_id"
      + " LEFT JOIN LATERAL (SELECT count(*) AS song_count, coalesce(sum(t.duration_ms), 0) AS duration_ms,"
      + "   coalesce(sum(t.play_count), 0) AS play_count, max(t.genre) AS genre"
      + "   FROM album_tracks at JOIN tracks t ON t.id = at.track_id WHERE at.album_id = al.id AND " + VIS_T + ") s ON TRUE"
      + " LEFT JOIN likes lk ON lk.user_id = $1::uuid AND lk.subject_type = 'album' AND lk.subject_id = al.id"
      + " LEFT JOIN subsonic_ratings rt ON rt.user_id = $1::uuid AND rt.subject_type = 'album' AND rt.subject_id = al.id ";
  /** The artist {@code ar} has an album or a song the caller may see: what makes it visible (listed, shown, starred). */
  static final String VIS_AR = "(EXISTS (SELECT 1 FROM albums al WHERE al.artist_id = ar.id AND " + VIS_AL + ")"
      + "   OR EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = ar.id AND " + VIS_T + "))";
  private static final String ARTIST = "SELECT ar.id, ar.name,"
      + " (SELECT count(*) FROM albums al WHERE al.artist_id = ar.id AND " + VIS_AL + ") AS album_count, lk.created_at AS starred,"
      + " rt.rating AS user_rating"
      + " FROM artists ar LEFT JOIN likes lk ON lk.user_id = $1::uuid AND lk.subject_type = 'artist' AND lk.subject_id = ar.id"
      + " LEFT JOIN subsonic_ratings rt ON rt.user_id = $1::uuid AND rt.subject_type = 'artist' AND rt.subject_id = ar.id"
      + " WHERE " + VIS_AR + " ";
  private static final List<String> ARTICLES = List.of("The", "El", "La", "Los", "Las", "Le", "Les");
  /** SQL: the name ({@code %s}) without a leading article, as {@link #withoutArticle} (a name that is only one stays). */
  private static final String ARTICLE_LESS = "regexp_replace(btrim(%s), '^(" + String.join("|", ARTICLES) + ")\\s+(?=\\S)', '', 'i')";

  private final Pool pg;

  SubsonicCatalog(Pool pg) {
    this.pg = pg;
  }

  private static Tuple viewer(SignedIn user) {
    return Tuple.of(UUID.fromString(user.userId()), user.moderator());
  }

  // ---- artists

  Future<JsonObject> artists(SignedIn user) {
    return artistIndex(user).map(index -> new JsonObject().put("artists", new JsonObject().put("ignoredArticles", String.join(" ", ARTICLES))
        .put("index", index)));
  }

  /**
   * getIndexes, the folder model's top level: the same artists as getArtists, each a directory that
   * getMusicDirectory opens. {@code lastModified} is the time of the answer: the list is always sent whole.
   */
  Future<JsonObject> indexes(SignedIn user) {
    return artistIndex(user).map(index -> new JsonObject().put("indexes", new JsonObject().put("lastModified", System.currentTimeMillis())
        .put("ignoredArticles", String.join(" ", ARTICLES)).put("index", index)));
  }

  private Future<JsonArray> artistIndex(SignedIn user) {
    return pg.preparedQuery(ARTIST + "ORDER BY ar.id").execute(viewer(user)).map(rows -> {
      List<JsonObject> artists = new ArrayList<>();
      rows.forEach(r -> artists.add(artist(r)));
      return index(artists);
    });
  }

  /**
   * The artists (their JSON, with {@code id} and {@code name}) under their {@link #indexLetter}s, in alphabetical
   * order of their names without the article, as a person reads them (the root collation of the names folded as
   * search3 folds them: case and diacritics matter only between names otherwise equal; Latin before Greek before
   * Cyrillic), not by the bytes of the name
   * (PostgreSQL's order under the C locale put "Édith" and "Ärzte" after "Zed"); the letters in the same order.
   */
  static JsonArray index(List<JsonObject> artists) {
    java.text.Collator collator = java.text.Collator.getInstance(Locale.ROOT);
    List<JsonObject> sorted = new ArrayList<>(artists);
    sorted.sort(java.util.Comparator.<JsonObject, String>comparing(a -> SearchFold.fold(withoutArticle(a.getString("name"))), collator)
        .thenComparing(a -> a.getString("name"), collator).thenComparing(a -> a.getString("name")).thenComparing(a -> a.getString("id")));
    java.util.Map<String, JsonArray> index = new java.util.LinkedHashMap<>();
    for (JsonObject a : sorted) {
      index.computeIfAbsent(indexLetter(a.getString("name")), k -> new JsonArray()).add(a);
    }
    JsonArray out = new JsonArray();
    index.forEach((name, list) -> out.add(new JsonObject().put("name", name).put("artist", list)));
    return out;
  }

  /**
   * getMusicDirectory: an artist's directory holds its albums (as directories) and its songs in no album the caller
   * may see; an album's holds its songs in album order. Anything else, or what the caller may not see, is 70.
   */
  Future<JsonObject> directory(SignedIn user, String id) {
    UUID uuid = uuid(id);
    return pg.preparedQuery(ARTIST + "AND ar.id = $3").execute(viewer(user).addValue(uuid)).compose(artists -> {
      if (artists.size() > 0) {
        JsonObject artist = artist(artists.iterator().next());
        Future<RowSet<Row>> albums = pg.preparedQuery(ALBUM + "WHERE " + VIS_AL + " AND al.artist_id = $3 ORDER BY al.year NULLS LAST, " + SqlLower.sortKey("al.title") + ", al.id")
            .execute(viewer(user).addValue(uuid));
        Future<RowSet<Row>> loose = pg.preparedQuery(String.format(SONG, "NULL::uuid") + "LEFT JOIN albums al2 ON FALSE WHERE " + VIS_T
                + " AND t.artist_id = $3 AND " + FIRST_ALBUM + " IS NULL ORDER BY " + SqlLower.sortKey("t.title") + ", t.id")
            .execute(viewer(user).addValue(uuid));
        return Future.all(albums, loose).map(all -> {
          JsonArray children = new JsonArray();
          albums.result().forEach(r -> children.add(albumDirectory(album(r))));
          // a song in no album lives in its artist's directory: that is its parent, as an album's is for its songs
          songs(loose.result()).forEach(song -> children.add(((JsonObject) song).put("parent", artist.getString("id"))));
          JsonObject dir = new JsonObject().put("id", artist.getString("id")).put("name", artist.getString("name"));
          for (String k : List.of("starred", "userRating")) {
            if (artist.getValue(k) != null) {
              dir.put(k, artist.getValue(k));
            }
          }
          return new JsonObject().put("directory", dir.put("child", children));
        });
      }
      return album(user, id).map(answer -> {
        JsonObject album = answer.getJsonObject("album");
        JsonObject dir = new JsonObject().put("id", album.getString("id"));
        if (album.getString("artistId") != null) {
          dir.put("parent", album.getString("artistId"));
        }
        dir.put("name", album.getString("name"));
        for (String k : List.of("starred", "userRating", "playCount")) {
          if (album.getValue(k) != null) {
            dir.put(k, album.getValue(k));
          }
        }
        return new JsonObject().put("directory", dir.put("child", album.getJsonArray("song")));
      }).recover(e -> Future.failedFuture(e instanceof SubsonicResponse.Failure f && f.code == SubsonicResponse.NOT_FOUND
          ? SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Directory not found") : e));
    });
  }

  /** The name without a leading article (The, El, La, Los, Las, Le, Les), trimmed. */
  static String withoutArticle(String name) {
    String n = name.trim();
    for (String a : ARTICLES) {
      if (n.length() > a.length() + 1 && n.regionMatches(true, 0, a + " ", 0, a.length() + 1)) {
        return n.substring(a.length() + 1).trim();
      }
    }
    return n;
  }

  /**
   * The index an artist is listed under: the first letter of its name without the article, upper case and without
   * its diacritics as search3 folds them ("Édith" under E, "Ärzte" under A, «Ёлка» under Е), "#" for no letter.
   */
  static String indexLetter(String name) {
    String n = withoutArticle(name);
    if (n.isEmpty()) {
      return "#";
    }
    int cp = n.codePointAt(0);
    if (!Character.isLetter(cp)) {
      return "#";
    }
    int folded = SearchFold.fold(new String(Character.toChars(cp))).codePointAt(0);
    return new String(Character.toChars(Character.toUpperCase(folded)));
  }

  Future<JsonObject> artist(SignedIn user, String id) {
    UUID uuid = uuid(id);
    return pg.preparedQuery(ARTIST + "AND ar.id = $3").execute(viewer(user).addValue(uuid)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Artist not found"));
      }
      JsonObject artist = artist(rows.iterator().next());
      return pg.preparedQuery(ALBUM + "WHERE " + VIS_AL + " AND al.artist_id = $3 ORDER BY al.year NULLS LAST, " + SqlLower.sortKey("al.title"))
          .execute(viewer(user).addValue(uuid))
          .map(albums -> new JsonObject().put("artist", artist.put("album", albums(albums))));
    });
  }

  private static JsonObject artist(Row r) {
    JsonObject a = new JsonObject().put("id", r.getUUID("id").toString()).put("name", r.getString("name"))
        .put("albumCount", r.getLong("album_count"));
    starred(a, r);
    return a;
  }

  // ---- albums

  Future<JsonObject> album(SignedIn user, String id) {
    UUID uuid = uuid(id);
    return pg.preparedQuery(ALBUM + "WHERE " + VIS_AL + " AND al.id = $3").execute(viewer(user).addValue(uuid)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Album not found"));
      }
      JsonObject album = album(rows.iterator().next());
      return pg.preparedQuery(String.format(SONG, "at.album_id") + "JOIN album_tracks at ON at.track_id = t.id AND at.album_id = $3"
              + " LEFT JOIN albums al2 ON al2.id = at.album_id WHERE " + VIS_T + " ORDER BY at.position")
          .execute(viewer(user).addValue(uuid))
          .map(songs -> new JsonObject().put("album", album.put("song", songs(songs))));
    });
  }

  /**
   * getAlbumList2 ({@code id3}: {@code albumList2}) and getAlbumList ({@code albumList}, its albums as directories, as
   * getStarred's): {@code type} as Subsonic names them; unknown types are a missing-parameter error.
   */
  Future<JsonObject> albumList(SignedIn user, String type, int size, int offset, Integer fromYear, Integer toYear, String genre,
                               boolean id3) {
    Tuple params = viewer(user);
    String where = "WHERE " + VIS_AL;
    String order;
    switch (type == null ? "" : type) {
      case "random" -> order = "random()";
      case "newest" -> order = "al.created_at DESC, al.id";
      case "highest" -> {   // the albums the caller rated (setRating), the highest first, as Navidrome
        where += " AND rt.rating IS NOT NULL";
        order = "rt.rating DESC, rt.changed_at DESC, al.id";
      }
      case "frequent" -> {   // albums played at all, the most played first (never played: not "frequent", as Navidrome)
        where += " AND s.play_count > 0";
        order = "s.play_count DESC, al.id";
      }
      case "recent" -> {   // only albums the caller played, the latest play first
        String plays = "FROM plays p JOIN album_tracks at ON at.track_id = p.track_id WHERE at.album_id = al.id AND p.user_id = $1::uuid";
        where += " AND EXISTS (SELECT 1 " + plays + ")";
        order = "(SELECT max(p.played_at) " + plays + ") DESC, al.id";
      }
      case "alphabeticalByName" -> order = SqlLower.sortKey("al.title") + ", al.id";
      // by the artist's name without its article, as getArtists files it ("The Beatles" under B, as Navidrome)
      case "alphabeticalByArtist" -> order = SqlLower.sortKey(ARTICLE_LESS.formatted("ar.name")) + " NULLS LAST, "
          + SqlLower.sortKey("al.title") + ", al.id";
      case "starred" -> {
        where += " AND lk.created_at IS NOT NULL";
        order = "lk.created_at DESC, al.id";
      }
      case "byYear" -> {
        if (fromYear == null || toYear == null) {
          return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: fromYear, toYear"));
        }
        where += " AND al.year BETWEEN $3 AND $4";
        params.addValue(Math.min(fromYear, toYear)).addValue(Math.max(fromYear, toYear));
        order = fromYear <= toYear ? "al.year, al.id" : "al.year DESC, al.id";
      }
      case "byGenre" -> {
        if (genre == null) {
          return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER, "Required parameter is missing: genre"));
        }
        // the albums holding a song of that genre the caller may see, as getGenres counts them: not only those whose
        // greatest genre (the album's own genre field) it is, which left an album of Rock and Pop songs out of Pop
        where += " AND EXISTS (SELECT 1 FROM album_tracks at JOIN tracks t ON t.id = at.track_id WHERE at.album_id = al.id AND " + VIS_T
            + " AND " + SqlLower.of("t.genre") + " = " + SqlLower.of("$3::text") + ")";
        params.addValue(genre);
        order = SqlLower.sortKey("al.title") + ", al.id";
      }
      default -> {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.MISSING_PARAMETER,
            "Required parameter is missing or unknown: type (random, newest, highest, frequent, recent, alphabeticalByName,"
                + " alphabeticalByArtist, starred, byYear, byGenre)"));
      }
    }
    int n = params.size();
    params.addValue(size).addValue(offset);
    return pg.preparedQuery(ALBUM + where + " ORDER BY " + order + " LIMIT $" + (n + 1) + " OFFSET $" + (n + 2))
        .execute(params).map(rows -> {
          JsonArray albums = albums(rows);
          if (!id3) {
            albums = new JsonArray(albums.stream().map(a -> (Object) albumDirectory((JsonObject) a)).toList());
          }
          return new JsonObject().put(id3 ? "albumList2" : "albumList", new JsonObject().put("album", albums));
        });
  }

  private static JsonArray albums(RowSet<Row> rows) {
    JsonArray out = new JsonArray();
    rows.forEach(r -> out.add(album(r)));
    return out;
  }

  private static JsonObject album(Row r) {
    String id = r.getUUID("id").toString();
    JsonObject a = new JsonObject().put("id", id).put("name", r.getString("title")).put("title", r.getString("title"))
        .put("songCount", r.getLong("song_count")).put("duration", seconds(r.getLong("duration_ms")))
        .put("playCount", r.getLong("play_count")).put("created", iso(r.getOffsetDateTime("created_at")));
    if (r.getUUID("artist_id") != null) {
      a.put("artist", r.getString("artist_name")).put("artistId", r.getUUID("artist_id").toString());
    }
    if (Boolean.TRUE.equals(r.getBoolean("has_cover"))) {
      a.put("coverArt", id);
    }
    if (r.getInteger("year") != null) {
      a.put("year", r.getInteger("year"));
    }
    if (r.getString("genre") != null) {
      a.put("genre", r.getString("genre"));
    }
    starred(a, r);
    return a;
  }

  // ---- songs

  Future<JsonObject> song(SignedIn user, String id) {
    return songs(user, List.of(uuid(id))).compose(list -> list.isEmpty()
        ? Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"))
        : Future.succeededFuture(new JsonObject().put("song", list.getJsonObject(0))));
  }

  /** The songs the caller may see among {@code ids}, in the order asked (a song listed twice, as in a playlist, twice). */
  Future<JsonArray> songs(SignedIn user, List<UUID> ids) {
    return pg.preparedQuery(String.format(SONG, FIRST_ALBUM) + "LEFT JOIN albums al2 ON al2.id = " + FIRST_ALBUM
            + " WHERE " + VIS_T + " AND t.id = ANY($3)")
        .execute(viewer(user).addValue(ids.toArray(UUID[]::new)))
        .map(rows -> {
          java.util.Map<String, JsonObject> byId = new java.util.HashMap<>();
          songs(rows).forEach(o -> byId.put(((JsonObject) o).getString("id"), (JsonObject) o));
          JsonArray out = new JsonArray();
          ids.forEach(i -> {
            JsonObject s = byId.get(i.toString());
            if (s != null) {
              out.add(s);
            }
          });
          return out;
        });
  }

  /**
   * search3: every word of the query (a quoted query is one phrase) is a substring of the artist's name, of the
   * album's title or artist, of the song's title, artist or album, in any order ("queen bohemian"), ignoring case and
   * Latin diacritics ({@link SearchFold}, the same in SQL whatever the database's locale); an empty query ({@code ""}
   * too) matches everything, as clients that sync expect. search2 ({@code id3} false) answers the same matches as
   * {@code searchResult2}, its albums as directories.
   */
  Future<JsonObject> search(SignedIn user, String query, int artistCount, int artistOffset, int albumCount, int albumOffset,
                            int songCount, int songOffset, boolean id3) {
    String q = query == null ? "" : query.trim();
    String[] words;
    if (q.length() >= 2 && q.startsWith("\"") && q.endsWith("\"")) {
      String phrase = SearchFold.fold(q.substring(1, q.length() - 1).trim());
      words = phrase.isEmpty() ? new String[0] : new String[] {phrase};
    } else {
      words = java.util.Arrays.stream(SearchFold.fold(q).split("[\\s\\p{Z}]+")).filter(w -> !w.isEmpty()).toArray(String[]::new);
    }
    // $3 the folded words, $4 and $5 the count and offset, $6 and $7 the folding's translate() arguments
    String artistName = SearchFold.sql("coalesce(ar.name, '')", 6, 7);
    Future<RowSet<Row>> artists = pg.preparedQuery(ARTIST + "AND " + everyWordIn(artistName) + " ORDER BY " + SqlLower.sortKey("ar.name") + ", ar.id LIMIT $4 OFFSET $5")
        .execute(viewer(user).addValue(words).addValue(artistCount).addValue(artistOffset).addValue(SearchFold.FROM).addValue(SearchFold.TO));
    Future<RowSet<Row>> albums = pg.preparedQuery(ALBUM + "WHERE " + VIS_AL
            + " AND " + everyWordIn(SearchFold.sql("al.title", 6, 7) + " || chr(10) || " + artistName)
            + " ORDER BY " + SqlLower.sortKey("al.title") + ", al.id LIMIT $4 OFFSET $5")
        .execute(viewer(user).addValue(words).addValue(albumCount).addValue(albumOffset).addValue(SearchFold.FROM).addValue(SearchFold.TO));
    Future<RowSet<Row>> songs = pg.preparedQuery(String.format(SONG, FIRST_ALBUM) + "LEFT JOIN albums al2 ON al2.id = " + FIRST_ALBUM
            + " WHERE " + VIS_T + " AND " + everyWordIn(SearchFold.sql("t.title", 6, 7) + " || chr(10) || " + artistName
            + " || chr(10) || " + SearchFold.sql("coalesce(t.album_title, '')", 6, 7)) + " ORDER BY " + SqlLower.sortKey("t.title") + ", t.id LIMIT $4 OFFSET $5")
        .execute(viewer(user).addValue(words).addValue(songCount).addValue(songOffset).addValue(SearchFold.FROM).addValue(SearchFold.TO));
    return Future.all(artists, albums, songs).map(all -> {
      JsonArray a = new JsonArray();
      artists.result().forEach(r -> a.add(artist(r)));
      JsonArray al = new JsonArray();
      albums.result().forEach(r -> al.add(id3 ? album(r) : albumDirectory(album(r))));
      return new JsonObject().put(id3 ? "searchResult3" : "searchResult2", new JsonObject().put("artist", a).put("album", al)
          .put("song", songs(songs.result())));
    });
  }

  /** True when every word of $3 (none: always) is a substring of {@code haystack}. */
  private static String everyWordIn(String haystack) {
    return "NOT EXISTS (SELECT 1 FROM unnest($3::text[]) w WHERE strpos(" + haystack + ", w) = 0)";
  }

  /** getRandomSongs: up to {@code size} visible songs in random order, of {@code genre} (any case) and from..to year when given. */
  Future<JsonObject> randomSongs(SignedIn user, int size, String genre, Integer fromYear, Integer toYear) {
    Tuple params = viewer(user);
    StringBuilder where = new StringBuilder(" WHERE " + VIS_T);
    if (genre != null && !genre.isEmpty()) {
      params.addValue(genre);
      where.append(" AND ").append(SqlLower.of("t.genre")).append(" = ").append(SqlLower.of("$" + params.size() + "::text"));
    }
    if (fromYear != null) {
      params.addValue(fromYear);
      where.append(" AND t.year >= $").append(params.size());
    }
    if (toYear != null) {
      params.addValue(toYear);
      where.append(" AND t.year <= $").append(params.size());
    }
    params.addValue(size);
    return pg.preparedQuery(String.format(SONG, FIRST_ALBUM) + "LEFT JOIN albums al2 ON al2.id = " + FIRST_ALBUM + where
            + " ORDER BY random() LIMIT $" + params.size())
        .execute(params).map(rows -> new JsonObject().put("randomSongs", new JsonObject().put("song", songs(rows))));
  }

  /**
   * getStarred2 ({@code starred2}) and getStarred ({@code starred}, whose albums are directories): the artists, albums
   * and songs the caller starred and may still see, the latest star first.
   */
  Future<JsonObject> starred(SignedIn user, boolean id3) {
    Future<RowSet<Row>> artists = pg.preparedQuery(ARTIST + "AND lk.created_at IS NOT NULL ORDER BY lk.created_at DESC, ar.id").execute(viewer(user));
    Future<RowSet<Row>> albums = pg.preparedQuery(ALBUM + "WHERE " + VIS_AL + " AND lk.created_at IS NOT NULL ORDER BY lk.created_at DESC, al.id")
        .execute(viewer(user));
    Future<RowSet<Row>> songs = pg.preparedQuery(String.format(SONG, FIRST_ALBUM) + "LEFT JOIN albums al2 ON al2.id = " + FIRST_ALBUM
            + " WHERE " + VIS_T + " AND lk.created_at IS NOT NULL ORDER BY lk.created_at DESC, t.id")
        .execute(viewer(user));
    return Future.all(artists, albums, songs).map(all -> {
      JsonArray a = new JsonArray();
      artists.result().forEach(r -> a.add(artist(r)));
      JsonArray al = new JsonArray();
      albums.result().forEach(r -> al.add(id3 ? album(r) : albumDirectory(album(r))));
      return new JsonObject().put(id3 ? "starred2" : "starred", new JsonObject().put("artist", a).put("album", al).put("song", songs(songs.result())));
    });
  }

  /** An album as the folder model's child: a directory under its artist. */
  static JsonObject albumDirectory(JsonObject album) {
    JsonObject d = new JsonObject().put("id", album.getString("id"));
    if (album.getString("artistId") != null) {
      d.put("parent", album.getString("artistId"));
    }
    d.put("isDir", true).put("title", album.getString("name")).put("album", album.getString("name"));
    album.forEach(e -> {
      if (!d.containsKey(e.getKey()) && !"name".equals(e.getKey())) {
        d.put(e.getKey(), e.getValue());
      }
    });
    return d;
  }

  /**
   * getGenres: the genres of the songs the caller may see (spelled as the first of them, any case), with their counts, in
   * name order as a person reads it (the chorus_names collation, as the other name lists: "Électro" beside "Electro").
   */
  Future<JsonObject> genres(SignedIn user) {
    return pg.preparedQuery("SELECT min(t.genre) AS genre, count(DISTINCT t.id) AS song_count, count(DISTINCT al.id) AS album_count"
            + " FROM tracks t LEFT JOIN album_tracks at ON at.track_id = t.id LEFT JOIN albums al ON al.id = at.album_id AND " + VIS_AL
            + " WHERE " + VIS_T + " AND t.genre IS NOT NULL GROUP BY " + SqlLower.of("t.genre") + " ORDER BY " + SqlLower.sortKey("t.genre"))
        .execute(viewer(user)).map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("songCount", r.getLong("song_count")).put("albumCount", r.getLong("album_count"))
              .put("value", r.getString("genre"))));
          return new JsonObject().put("genres", new JsonObject().put("genre", out));
        });
  }

  /** getSongsByGenre: the songs of {@code genre} (any case) the caller may see, by title. */
  Future<JsonObject> songsByGenre(SignedIn user, String genre, int count, int offset) {
    return pg.preparedQuery(String.format(SONG, FIRST_ALBUM) + "LEFT JOIN albums al2 ON al2.id = " + FIRST_ALBUM + " WHERE " + VIS_T
            + " AND " + SqlLower.of("t.genre") + " = " + SqlLower.of("$3::text") + " ORDER BY " + SqlLower.sortKey("t.title") + ", t.id LIMIT $4 OFFSET $5")
        .execute(viewer(user).addValue(genre).addValue(count).addValue(offset))
        .map(rows -> new JsonObject().put("songsByGenre", new JsonObject().put("song", songs(rows))));
  }

  /** getTopSongs: the songs the caller may see by the artist named {@code artist} (any case), the most played first. */
  Future<JsonObject> topSongs(SignedIn user, String artist, int count) {
    return pg.preparedQuery(String.format(SONG, FIRST_ALBUM) + "LEFT JOIN albums al2 ON al2.id = " + FIRST_ALBUM + " WHERE " + VIS_T
            + " AND " + SqlLower.of("ar.name") + " = " + SqlLower.of("$3::text")
            + " ORDER BY t.play_count DESC, " + SqlLower.sortKey("t.title") + ", t.id LIMIT $4")
        .execute(viewer(user).addValue(artist).addValue(count))
        .map(rows -> new JsonObject().put("topSongs", new JsonObject().put("song", songs(rows))));
  }

  /** getScanStatus: Chorus has no scan (uploads are processed as they come); {@code count} is the songs the caller may see. */
  Future<JsonObject> scanStatus(SignedIn user) {
    return pg.preparedQuery("SELECT count(*) FROM tracks t WHERE " + VIS_T).execute(viewer(user))
        .map(rows -> new JsonObject().put("scanStatus", new JsonObject().put("scanning", false).put("count", rows.iterator().next().getLong(0))));
  }

  static JsonArray songs(RowSet<Row> rows) {
    JsonArray out = new JsonArray();
    rows.forEach(r -> out.add(song(r)));
    return out;
  }

  private static JsonObject song(Row r) {
    String id = r.getUUID("id").toString();
    UUID albumId = r.getUUID("album_id");
    JsonObject s = new JsonObject().put("id", id).put("isDir", false).put("title", r.getString("title"))
        .put("size", r.getLong("original_size")).put("contentType", r.getString("mime")).put("suffix", r.getString("format"))
        .put("duration", seconds(r.getLong("duration_ms"))).put("created", iso(r.getOffsetDateTime("created_at")))
        .put("type", "music").put("mediaType", "song").put("playCount", r.getLong("play_count"))
        .put("isVideo", false);
    if (albumId != null) {
      s.put("parent", albumId.toString()).put("albumId", albumId.toString()).put("album", r.getString("album_name"));
    } else if (r.getString("album_title") != null) {
      s.put("album", r.getString("album_title"));
    }
    if (albumId != null && Boolean.TRUE.equals(r.getBoolean("album_has_cover"))) {
      s.put("coverArt", albumId.toString());
    } else if (Boolean.TRUE.equals(r.getBoolean("has_cover"))) {
      s.put("coverArt", id);
    }
    if (r.getUUID("artist_id") != null) {
      s.put("artist", r.getString("artist_name")).put("artistId", r.getUUID("artist_id").toString());
    }
    if (r.getInteger("track_no") != null) {
      s.put("track", r.getInteger("track_no"));
    }
    if (r.getInteger("year") != null) {
      s.put("year", r.getInteger("year"));
    }
    if (r.getString("genre") != null) {
      s.put("genre", r.getString("genre"));
    }
    if (r.getInteger("bitrate") != null) {
      s.put("bitRate", Math.round(r.getInteger("bitrate") / 1000f));
    }
    if (r.getInteger("sample_rate") != null) {
      s.put("samplingRate", r.getInteger("sample_rate"));
    }
    if (r.getInteger("channels") != null) {
      s.put("channelCount", r.getInteger("channels"));
    }
    s.put("path", path(r.getString("artist_name"), s.getString("album"), r.getString("title"), r.getString("format")));
    JsonObject gain = new JsonObject();
    if (r.getDouble("replay_gain_db") != null) {
      gain.put("trackGain", r.getDouble("replay_gain_db"));
    }
    if (r.getDouble("true_peak_db") != null) {
      gain.put("trackPeak", Math.pow(10, r.getDouble("true_peak_db") / 20));
    }
    if (!gain.isEmpty()) {
      s.put("replayGain", gain);
    }
    starred(s, r);
    return s;
  }

  /**
   * A song's {@code path}, as a library on disk would lay it out ({@code Artist/Album/Title.suffix}, as Navidrome's):
   * players that show or sort by folder need one. A slash, backslash or control character in a name is {@code _}; no
   * artist or album is "Unknown Artist" or "Unknown Album".
   */
  static String path(String artist, String album, String title, String suffix) {
    return segment(artist, "Unknown Artist") + "/" + segment(album, "Unknown Album") + "/" + segment(title, "Untitled") + "." + suffix;
  }

  private static String segment(String name, String none) {
    String s = name == null ? "" : name.replaceAll("[/\\\\\\p{Cntrl}]", "_").trim();
    return s.isEmpty() || s.equals(".") || s.equals("..") ? none : s;
  }

  /** The caller's star ({@code starred}) and rating ({@code userRating}, 1-5; absent when unrated) of the row. */
  private static void starred(JsonObject o, Row r) {
    OffsetDateTime at = r.getOffsetDateTime("starred");
    if (at != null) {
      o.put("starred", iso(at));
    }
    Short rating = r.getShort("user_rating");
    if (rating != null) {
      o.put("userRating", rating.intValue());
    }
  }

  static long seconds(Long ms) {
    return ms == null ? 0 : Math.round(ms / 1000.0);
  }

  static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }

  /** A Subsonic id that is not one of ours cannot name anything: "not found", as for an unknown one. */
  static UUID uuid(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Not found: " + id);
    }
  }

  static List<UUID> uuids(List<String> ids) {
    List<UUID> out = new ArrayList<>();
    for (String id : ids) {
      out.add(uuid(id));
    }
    return out;
  }

  /**
   * The S3 key of the cover for {@code id} (an album, else a track) the caller may see; null when it has none. A track
   * without embedded art has the cover of the first album holding it that the caller may see and that has one (a
   * song's {@code coverArt} names that album, yet players ask with the song's id too, as Navidrome answers them).
   */
  Future<String> coverKey(SignedIn user, UUID id, boolean thumb) {
    String albumCover = "CASE WHEN $4 THEN coalesce(al.cover_thumb_key, al.cover_key) ELSE al.cover_key END";
    return pg.preparedQuery("SELECT " + albumCover + " FROM albums al WHERE al.id = $3 AND " + VIS_AL
            + " UNION ALL SELECT coalesce(t.cover_key, (SELECT " + albumCover + " FROM album_tracks at JOIN albums al ON al.id = at.album_id"
            + "   WHERE at.track_id = t.id AND al.cover_key IS NOT NULL AND " + VIS_AL + " ORDER BY al.created_at, al.id LIMIT 1))"
            + " FROM tracks t WHERE t.id = $3 AND " + VIS_T)
        .execute(viewer(user).addValue(id).addValue(thumb))
        .map(rows -> {
          for (Row r : rows) {
            if (r.getString(0) != null) {
              return r.getString(0);
            }
          }
          return null;
        });
  }
}

package io.chorus.library.subsonic;

import io.chorus.input.SqlLower;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lyrics from the uploads' tags: Subsonic's {@code getLyrics?artist&title} (plain text) and OpenSubsonic's
 * {@code getLyricsBySongId} (the songLyrics extension: lines, with their start times when the tag is LRC). Only songs
 * the caller may see are answered from.
 */
final class SubsonicLyrics {
  /** An LRC time tag, [mm:ss], [mm:ss.xx] or [mm:ss.xxx], at the start of a line (several may precede the words). */
  private static final Pattern TIME_TAG = Pattern.compile("^\\[(\\d{1,3}):(\\d{1,2})(?:[.:](\\d{1,3}))?]");
  /** An LRC header line ([ar:...], [ti:...], [offset:+250], ...), not words to show. */
  private static final Pattern HEADER = Pattern.compile("^\\[[a-zA-Z#]+:[^]]*]\\s*$");
  private static final Pattern OFFSET = Pattern.compile("^\\[offset:\\s*([+-]?\\d{1,7})\\s*]", Pattern.CASE_INSENSITIVE);

  private final Pool pg;
  private final SubsonicCatalog catalog;

  SubsonicLyrics(Pool pg, SubsonicCatalog catalog) {
    this.pg = pg;
    this.catalog = catalog;
  }

  /** One line to show: its start in ms (null when the lyrics are not timed) and its words. */
  record Line(Long startMs, String value) {
  }

  /** Lyrics read as lines: timed when any line carries an LRC time tag (then untimed lines and headers are left out). */
  record Parsed(boolean synced, long offsetMs, List<Line> lines) {
  }

  static Parsed parse(String lyrics) {
    List<Line> timed = new ArrayList<>();
    List<Line> plain = new ArrayList<>();
    long offset = 0;
    for (String raw : lyrics.split("\n", -1)) {
      String line = raw.strip();
      Matcher off = OFFSET.matcher(line);
      if (off.find()) {
        offset = Long.parseLong(off.group(1));
        continue;
      }
      List<Long> starts = new ArrayList<>();
      Matcher m = TIME_TAG.matcher(line);
      while (m.find()) {
        String frac = m.group(3) == null ? "0" : m.group(3);
        long ms = (Long.parseLong(m.group(1)) * 60 + Long.parseLong(m.group(2))) * 1000
            + Long.parseLong(frac) * (frac.length() == 1 ? 100 : frac.length() == 2 ? 10 : 1);
        starts.add(ms);
        line = line.substring(m.end()).strip();
        m = TIME_TAG.matcher(line);
      }
      if (!starts.isEmpty()) {
        for (Long start : starts) {
          timed.add(new Line(start, line));
        }
      } else if (!HEADER.matcher(line).matches()) {
        plain.add(new Line(null, raw.stripTrailing()));
      }
    }
    if (timed.isEmpty()) {
      return new Parsed(false, 0, plain);
    }
    timed.sort(Comparator.comparing(Line::startMs));
    return new Parsed(true, offset, timed);
  }

  /** getLyrics: the first song the caller may see with lyrics, this title and (when given) this artist, any case. */
  Future<JsonObject> byArtistAndTitle(SignedIn user, String artist, String title) {
    if (title == null || title.isBlank()) {
      // Subsonic's parameters are optional; without a title there is no song to look for
      return Future.succeededFuture(new JsonObject().put("lyrics", new JsonObject()));
    }
    Tuple params = Tuple.of(UUID.fromString(user.userId()), user.moderator(), title.strip());
    String byArtist = "";
    if (artist != null && !artist.isBlank()) {
      byArtist = " AND " + SqlLower.of("ar.name") + " = " + SqlLower.of("$4::text");
      params.addValue(artist.strip());
    }
    return pg.preparedQuery("SELECT t.title, ar.name AS artist, t.lyrics FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id"
            + " WHERE " + SubsonicCatalog.VIS_T + " AND t.lyrics IS NOT NULL AND " + SqlLower.of("t.title") + " = " + SqlLower.of("$3::text")
            + byArtist + " ORDER BY t.created_at, t.id LIMIT 1")
        .execute(params).map(rows -> {
          if (rows.size() == 0) {
            return new JsonObject().put("lyrics", new JsonObject());
          }
          Row r = rows.iterator().next();
          String words = String.join("\n", parse(r.getString("lyrics")).lines().stream().map(Line::value).toList());
          JsonObject out = new JsonObject().put("title", r.getString("title")).put("value", words);
          if (r.getString("artist") != null) {
            out.put("artist", r.getString("artist"));
          }
          return new JsonObject().put("lyrics", out);
        });
  }

  /** getLyricsBySongId: {@code lyricsList.structuredLyrics}, empty when the song has none; 70 for a song the caller may not see. */
  Future<JsonObject> bySongId(SignedIn user, String id) {
    UUID track = SubsonicCatalog.uuid(id);
    return catalog.songs(user, List.of(track)).compose(songs -> {
      if (songs.isEmpty()) {
        return Future.failedFuture(SubsonicResponse.failure(SubsonicResponse.NOT_FOUND, "Song not found"));
      }
      JsonObject song = songs.getJsonObject(0);
      return pg.preparedQuery("SELECT lyrics FROM tracks WHERE id = $1").execute(Tuple.of(track)).map(rows -> {
        JsonArray structured = new JsonArray();
        String lyrics = rows.size() == 0 ? null : rows.iterator().next().getString("lyrics");
        if (lyrics != null) {
          Parsed p = parse(lyrics);
          JsonArray lines = new JsonArray();
          for (Line l : p.lines()) {
            JsonObject line = new JsonObject();
            if (l.startMs() != null) {
              line.put("start", l.startMs());
            }
            lines.add(line.put("value", l.value()));
          }
          JsonObject entry = new JsonObject().put("displayTitle", song.getString("title")).put("lang", "xxx").put("synced", p.synced());
          if (song.getString("artist") != null) {
            entry.put("displayArtist", song.getString("artist"));
          }
          if (p.offsetMs() != 0) {
            entry.put("offset", p.offsetMs());
          }
          structured.add(entry.put("line", lines));
        }
        return new JsonObject().put("lyricsList", new JsonObject().put("structuredLyrics", structured));
      });
    });
  }
}

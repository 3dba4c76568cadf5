package io.chorus.library;

import io.chorus.input.Inputs;
import org.jaudiotagger.audio.AudioFile;
import org.jaudiotagger.audio.AudioFileIO;
import org.jaudiotagger.tag.FieldKey;
import org.jaudiotagger.tag.Tag;
import org.jaudiotagger.tag.images.Artwork;
import org.jaudiotagger.tag.reference.GenreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upload's tags (title, artist, album, track no., year, genre) and embedded cover art. jaudiotagger
 * reads MP3, Ogg Vorbis, FLAC, WAV and M4A (told the format the probe found, not the file's name); what
 * it lacks (and everything of Opus, which it does not read) comes from ffprobe's tags. A cover is kept
 * only when its bytes are a JPEG or PNG within {@code COVER_MAX_BYTES}. Blocking: run on a worker.
 */
final class Tags {
  private static final Logger LOG = LoggerFactory.getLogger(Tags.class);
  private static final Pattern LEADING_INT = Pattern.compile("^\\s*(\\d{1,4})");
  /** ID3v2.3's genre reference, "(17)" or "(17)Rock" (ID3v1 genre 17, then an optional refinement); also RX and CR. */
  private static final Pattern ID3_GENRE_REF = Pattern.compile("^\\((\\d{1,3}|RX|CR)\\)(.*)$", Pattern.DOTALL);

  static {
    // jaudiotagger logs every oddity of every file through java.util.logging
    java.util.logging.Logger.getLogger("org.jaudiotagger").setLevel(java.util.logging.Level.SEVERE);
  }

  /** The longest lyrics kept, in characters (a song's words run to a few thousand). */
  static final int LYRICS_MAX = 32_768;

  record Tagged(String title, String artist, String album, Integer trackNo, Integer year, String genre, byte[] cover, String coverMime,
                String lyrics) {
  }

  private Tags() {
  }

  static Tagged read(Path file, Probe.Media media, int coverMaxBytes) {
    String title = null;
    String artist = null;
    String album = null;
    String track = null;
    String year = null;
    String genre = null;
    String lyrics = null;
    byte[] cover = null;
    if (!media.format().equals("opus")) {
      try {
        AudioFile af = AudioFileIO.readAs(file.toFile(), media.format());
        Tag tag = af.getTag();
        if (tag != null) {
          title = field(tag, FieldKey.TITLE);
          artist = field(tag, FieldKey.ARTIST);
          album = field(tag, FieldKey.ALBUM);
          track = field(tag, FieldKey.TRACK);
          year = field(tag, FieldKey.YEAR);
          genre = field(tag, FieldKey.GENRE);
          lyrics = field(tag, FieldKey.LYRICS);
          Artwork art = tag.getFirstArtwork();
          cover = art == null ? null : art.getBinaryData();
        }
      } catch (Exception | LinkageError e) {
        LOG.debug("jaudiotagger could not read the tags of a {} upload: {}", media.format(), e.toString());
      }
    }
    Map<String, String> p = media.tags();
    title = first(title, p.get("title"));
    artist = first(artist, p.get("artist"), p.get("album_artist"));
    album = first(album, p.get("album"));
    track = first(track, p.get("track"), p.get("tracknumber"));
    year = first(year, p.get("date"), p.get("year"));
    genre = first(genre, p.get("genre"));
    // ffprobe names an ID3 USLT frame "lyrics-<language>" (and its description, if any); Vorbis comments LYRICS or
    // UNSYNCEDLYRICS
    lyrics = first(lyrics, p.get("lyrics"), p.get("unsyncedlyrics"), p.entrySet().stream().filter(e -> e.getKey().startsWith("lyrics-"))
        .sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).findFirst().orElse(null));
    String coverMime = cover == null || cover.length > coverMaxBytes ? null : imageMime(cover);
    return new Tagged(Inputs.cleanText(title, 255), Inputs.cleanText(artist, 255), Inputs.cleanText(album, 255), leadingInt(track), leadingInt(year), Inputs.cleanText(genreName(genre), 100),
        coverMime == null ? null : cover, coverMime, lyricsText(lyrics));
  }

  /**
   * Lyrics as text to keep: NFC, line breaks as {@code \n} (CR LF and lone CR alike), other control and bidi-override
   * characters left out, trailing spaces of each line and blank lines at either end trimmed, at most {@link #LYRICS_MAX}
   * characters; null when nothing visible is left.
   */
  static String lyricsText(String raw) {
    if (raw == null) {
      return null;
    }
    String n = java.text.Normalizer.normalize(raw.replace("\r\n", "\n").replace('\r', '\n'), java.text.Normalizer.Form.NFC);
    StringBuilder b = new StringBuilder(Math.min(n.length(), LYRICS_MAX));
    for (String line : n.split("\n", -1)) {
      String clean = Inputs.cleanText(line, LYRICS_MAX);
      if (b.length() > 0 || clean != null) {
        b.append(clean == null ? "" : clean).append('\n');
      }
      if (b.length() > LYRICS_MAX) {
        break;
      }
    }
    String s = b.toString().stripTrailing();
    if (s.isEmpty()) {
      return null;
    }
    return s.length() <= LYRICS_MAX ? s : s.substring(0, Character.isHighSurrogate(s.charAt(LYRICS_MAX - 1)) ? LYRICS_MAX - 1 : LYRICS_MAX);
  }

  /**
   * A genre as its name: ID3v2.3's reference syntax ("(17)", "(17)Rock", "(RX)") is the ID3v1 genre it names, as
   * jaudiotagger reads it in an ID3v2.3 tag (it translates a bare "17" in an ID3v2.4 tag too, but leaves "(17)" there
   * as it is, which taggers still write); an unknown number keeps its refinement, if any. Anything else is unchanged.
   */
  static String genreName(String genre) {
    if (genre == null) {
      return null;
    }
    Matcher m = ID3_GENRE_REF.matcher(genre.strip());
    if (!m.matches()) {
      return genre;
    }
    String name = switch (m.group(1)) {
      case "RX" -> "Remix";
      case "CR" -> "Cover";
      default -> GenreTypes.getInstanceOf().getValueForId(Integer.parseInt(m.group(1)));
    };
    String refinement = m.group(2).strip();
    return name != null ? name : refinement.isEmpty() ? genre : refinement;
  }

  /** JPEG or PNG by magic bytes, else null. */
  static String imageMime(byte[] b) {
    if (b.length > 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
      return "image/jpeg";
    }
    if (b.length > 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
      return "image/png";
    }
    return null;
  }

  private static String field(Tag tag, FieldKey key) {
    try {
      return tag.getFirst(key);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }


  private static Integer leadingInt(String s) {
    if (s == null) {
      return null;
    }
    Matcher m = LEADING_INT.matcher(s);
    return m.find() ? Integer.valueOf(m.group(1)) : null;
  }
}

package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides an upload's format from its content, never its name: the magic bytes pick a family, ffprobe
 * (a child process) must then find an audio stream of a matching codec with packets in it. MP3, Ogg
 * Vorbis, Ogg Opus, FLAC, WAV and AAC/ALAC in MP4 (M4A); anything else is {@code 415}. Raw AAC (ADTS) is
 * refused: it has no container to carry tags and seeking is unreliable. Blocking: run on a worker.
 */
final class Probe {
  private static final long TIMEOUT_MS = 60_000;

  /** What an upload is: the library's format name and MIME type, plus ffprobe's tags (lower-case keys). */
  record Media(String format, String mime, String codec, Long durationMs, Map<String, String> tags) {
  }

  private final MediaTools tools;

  Probe(MediaTools tools) {
    this.tools = tools;
  }

  Media probe(Path file) {
    String family = family(file);
    MediaTools.Result r = tools.ffprobe(List.of("-v", "error", "-count_packets",
        "-show_entries", "format=format_name,duration:format_tags:stream=codec_type,codec_name,nb_read_packets:stream_tags",
        "-of", "json", file.toString()), TIMEOUT_MS);
    JsonObject json;
    try {
      json = r.exitCode() == 0 ? new JsonObject(r.stdout()) : null;
    } catch (DecodeException e) {
      json = null;
    }
    if (json == null) {
      throw unsupported("the file is not readable audio (" + firstLine(r.stderr()) + ")");
    }
    JsonObject format = json.getJsonObject("format", new JsonObject());
    JsonObject audio = null;
    for (Object s : json.getJsonArray("streams", new JsonArray())) {
      if (s instanceof JsonObject o && "audio".equals(o.getString("codec_type"))) {
        audio = o;
        break;
      }
    }
    if (audio == null) {
      throw unsupported("the file has no audio stream");
    }
    if (parseLong(audio.getValue("nb_read_packets")) <= 0) {
      throw unsupported("the file has no audio data (truncated?)");
    }
    String container = format.getString("format_name", "");
    String codec = audio.getString("codec_name", "");
    String[] kind = kind(family, container, codec);
    Map<String, String> tags = new HashMap<>();
    putTags(tags, format.getJsonObject("tags"));
    putTags(tags, audio.getJsonObject("tags"));
    Double seconds = parseDouble(format.getValue("duration"));
    return new Media(kind[0], kind[1], codec, seconds == null ? null : Math.round(seconds * 1000), tags);
  }

  /** The magic-byte family: mp3, ogg, flac, wav or mp4; {@code 415} for anything else. */
  static String family(Path file) {
    byte[] h = new byte[12];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(h, 0, h.length);
    } catch (IOException e) {
      throw ErrorCode.INTERNAL.exception("cannot read the upload: " + e.getMessage());
    }
    if (n == 0) {
      throw ErrorCode.INVALID_ARGUMENT.exception("the file is empty");
    }
    if (n >= 3 && h[0] == 'I' && h[1] == 'D' && h[2] == '3') {
      return "id3";   // ID3v2 in front of MP3 (or, rarely, FLAC): ffprobe says which
    }
    if (n >= 4 && h[0] == 'O' && h[1] == 'g' && h[2] == 'g' && h[3] == 'S') {
      return "ogg";
    }
    if (n >= 4 && h[0] == 'f' && h[1] == 'L' && h[2] == 'a' && h[3] == 'C') {
      return "flac";
    }
    if (n >= 12 && h[0] == 'R' && h[1] == 'I' && h[2] == 'F' && h[3] == 'F' && h[8] == 'W' && h[9] == 'A' && h[10] == 'V' && h[11] == 'E') {
      return "wav";
    }
    if (n >= 8 && h[4] == 'f' && h[5] == 't' && h[6] == 'y' && h[7] == 'p') {
      return "mp4";
    }
    if (n >= 2 && (h[0] & 0xFF) == 0xFF && (h[1] & 0xE0) == 0xE0) {
      if ((h[1] & 0x06) == 0) {
        throw unsupported("raw AAC (ADTS) is not supported: upload it in an M4A container");
      }
      return "mp3";   // an MPEG audio frame sync without a tag
    }
    throw unsupported("unsupported file type: MP3, Ogg Vorbis/Opus, FLAC, WAV or AAC/M4A expected");
  }

  private static String[] kind(String family, String container, String codec) {
    List<String> names = List.of(container.split(","));
    if ((family.equals("mp3") || family.equals("id3")) && names.contains("mp3") && codec.equals("mp3")) {
      return new String[] {"mp3", "audio/mpeg"};
    }
    if ((family.equals("flac") || family.equals("id3")) && names.contains("flac") && codec.equals("flac")) {
      return new String[] {"flac", "audio/flac"};
    }
    if (family.equals("ogg") && names.contains("ogg") && (codec.equals("vorbis") || codec.equals("opus"))) {
      return codec.equals("opus") ? new String[] {"opus", "audio/ogg"} : new String[] {"ogg", "audio/ogg"};
    }
    if (family.equals("wav") && names.contains("wav")) {
      return new String[] {"wav", "audio/wav"};
    }
    if (family.equals("mp4") && names.contains("m4a") && (codec.equals("aac") || codec.equals("alac"))) {
      return new String[] {"m4a", "audio/mp4"};
    }
    throw unsupported("unsupported audio: " + codec + " in " + container
        + " (MP3, Ogg Vorbis/Opus, FLAC, WAV or AAC/M4A expected)");
  }

  private static void putTags(Map<String, String> out, JsonObject tags) {
    if (tags != null) {
      tags.forEach(e -> out.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), String.valueOf(e.getValue())));
    }
  }

  private static io.chorus.bus.ChorusException unsupported(String message) {
    return ErrorCode.UNSUPPORTED_MEDIA_TYPE.exception(message);
  }

  private static String firstLine(String s) {
    String line = s == null ? "" : s.strip().lines().findFirst().orElse("");
    // ffprobe prefixes messages with the file path, or with its demuxer's context and address ("[mp3 @ 0x55...] "):
    // keep the server's paths and memory out of the reply
    line = line.replaceAll("\\[[^\\]]* @ 0x[0-9a-fA-F]+\\] *", "").strip();
    int colon = line.lastIndexOf(": ");
    line = colon >= 0 ? line.substring(colon + 2) : line;
    return line.isEmpty() ? "unknown format" : line.length() > 200 ? line.substring(0, 200) : line;
  }

  private static long parseLong(Object v) {
    try {
      return v == null ? 0 : Long.parseLong(v.toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Double parseDouble(Object v) {
    try {
      return v == null ? null : Double.valueOf(v.toString());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}

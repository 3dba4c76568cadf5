package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A validated {@code PATCH /tracks/{id}} body: {@code title}, {@code artist} (null clears), {@code album},
 * {@code track_no}, {@code year}, {@code genre}, {@code tags} (the whole set: up to 32, each 1..64
 * characters, stored lower-case). Fields left out stay as they are; unknown fields are refused.
 */
record TrackEdit(Map<String, Object> columns, boolean artistSet, String artist, List<String> tags) {
  private static final Set<String> FIELDS = Set.of("title", "artist", "album", "track_no", "year", "genre", "tags");

  static TrackEdit parse(JsonObject body) {
    for (String f : body.fieldNames()) {
      if (!FIELDS.contains(f)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("unknown field '" + f + "' (allowed: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
      }
    }
    Map<String, Object> columns = new LinkedHashMap<>();
    if (body.containsKey("title")) {
      String title = name(body, "title", 255);
      if (title == null) {
        throw ErrorCode.INVALID_ARGUMENT.exception("title must not be empty");
      }
      columns.put("title", title);
    }
    if (body.containsKey("album")) {
      columns.put("album_title", name(body, "album", 255));
    }
    if (body.containsKey("genre")) {
      columns.put("genre", name(body, "genre", 100));
    }
    if (body.containsKey("track_no")) {
      columns.put("track_no", integer(body, "track_no", 1, 9999));
    }
    if (body.containsKey("year")) {
      columns.put("year", integer(body, "year", 0, 9999));
    }
    boolean artistSet = body.containsKey("artist");
    String artist = artistSet ? name(body, "artist", 255) : null;
    List<String> tags = body.containsKey("tags") ? tags(body.getValue("tags")) : null;
    if (columns.isEmpty() && !artistSet && tags == null) {
      throw ErrorCode.INVALID_ARGUMENT.exception("nothing to change: give at least one of " + String.join(", ", FIELDS.stream().sorted().toList()));
    }
    return new TrackEdit(columns, artistSet, artist, tags);
  }

  private static String name(JsonObject body, String field, int max) {
    Object v = body.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be a string or null");
    }
    return optionalName(field, (String) v, max);
  }

  /**
   * A title, artist, album or genre a client typed: null or blank (empty or spaces of any kind, as {@link Inputs#name}
   * trims them, so the same text clears an album's artist) gives null; otherwise the shared name rules
   * ({@link Inputs#name}: trimmed, NFC, 1..{@code max} characters, no control or bidirectional-control
   * characters, something visible), a broken rule {@code invalid_argument}. Text read from a file's tags is
   * cleaned instead ({@link Inputs#cleanText}): the uploader did not type it.
   */
  static String optionalName(String field, String value, int max) {
    String name = value == null ? "" : Inputs.name(field, value, 0, max);
    return name.isEmpty() ? null : name;
  }

  private static Integer integer(JsonObject body, String field, int min, int max) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < min || n.longValue() > max) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be an integer in " + min + ".." + max + " or null");
    }
    return n.intValue();
  }

  private static List<String> tags(Object v) {
    if (!(v instanceof JsonArray a)) {
      throw ErrorCode.INVALID_ARGUMENT.exception("tags must be an array of strings");
    }
    if (a.size() > 32) {
      throw ErrorCode.INVALID_ARGUMENT.exception("at most 32 tags");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object o : a) {
      if (!(o instanceof String s) || s.isBlank()) {
        throw ErrorCode.INVALID_ARGUMENT.exception("each tag must be a string of 1..64 characters");
      }
      out.add(Inputs.name("tag", s, 1, 64).toLowerCase(Locale.ROOT));
    }
    return new ArrayList<>(out);
  }
}

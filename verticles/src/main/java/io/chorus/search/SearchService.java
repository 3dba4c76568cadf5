package io.chorus.search;

import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Queries on the search engine (on a worker pool: scoring, or the call to OpenSearch, blocks). Input is checked here, so every
 * transport gets the same 400s: an empty or over-long query, an unknown type, a limit outside 1..100 and
 * a cursor this query did not hand out. The cursor is an offset bound to the query it continues.
 */
public final class SearchService {
  public static final int MAX_QUERY = 512;
  public static final int MAX_LIMIT = 100;
  public static final int MAX_OFFSET = 10_000;
  public static final int SUGGESTIONS = 10;

  private final SearchEngine engine;
  private final WorkerExecutor pool;
  private final List<String> types;

  public SearchService(SearchEngine engine, WorkerExecutor pool, List<String> types) {
    this.engine = engine;
    this.pool = pool;
    this.types = types;
  }

  public List<String> types() {
    return types;
  }

  /** Results grouped by type: {@code {"results": {"tracks": [...], ...}, "next_cursor": string|null}}. */
  public Future<JsonObject> search(String rawQ, String typesParam, Integer limit, String cursor, SignedIn viewer) {
    String q;
    List<String> wanted;
    int offset;
    try {
      q = query(rawQ);
      wanted = types(typesParam);
      if (limit < 1 || limit > MAX_LIMIT) {
        throw ErrorCode.INVALID_ARGUMENT.exception("limit must be 1.." + MAX_LIMIT);
      }
      // an empty cursor is an absent one (the first page), as for every paged list of the API
      offset = cursor == null || cursor.isEmpty() ? 0 : offset(cursor, q, wanted, limit);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return pool.executeBlocking(() -> {
      SearchEngine.Page page = engine.search(q, wanted, limit, offset, viewer);
      String next = page.more() && offset + limit <= MAX_OFFSET ? cursor(offset + limit, q, wanted, limit) : null;
      return new JsonObject().put("results", page.results()).put("next_cursor", next);
    }, false);
  }

  /** Up to 10 as-you-type suggestions: {@code {"suggestions": [{"type","id","text"}]}}. */
  public Future<JsonObject> suggest(String rawQ, SignedIn viewer) {
    String q;
    try {
      q = query(rawQ);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return pool.executeBlocking(() -> new JsonObject().put("suggestions", engine.suggest(q, viewer, SUGGESTIONS)), false);
  }

  /** The query as text, NFC: control characters become spaces; empty or over 512 characters (code points) is a 400. */
  static String query(String raw) {
    if (raw == null || raw.isBlank()) {
      throw ErrorCode.INVALID_ARGUMENT.exception("q is required");
    }
    // NFC, as every stored name (the Input rules): "e" + U+0301 is "é", so the analysers fold it to "e" (they
    // fold a precomposed letter's diacritic, but leave a combining mark in the word)
    String nfc = Normalizer.isNormalized(raw, Normalizer.Form.NFC) ? raw : Normalizer.normalize(raw, Normalizer.Form.NFC);
    // characters are code points (the Input rules), not UTF-16 units: an emoji is one, not two
    if (nfc.codePointCount(0, nfc.length()) > MAX_QUERY) {
      throw ErrorCode.INVALID_ARGUMENT.exception("q is longer than " + MAX_QUERY + " characters");
    }
    StringBuilder b = new StringBuilder(nfc.length());
    // every space character becomes a plain space (strip() alone keeps the no-break spaces U+00A0, U+2007, U+202F)
    nfc.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) || Character.isSpaceChar(c) || Character.getType(c) == Character.FORMAT
        || Character.getType(c) == Character.SURROGATE || Character.getType(c) == Character.UNASSIGNED ? ' ' : c));
    String q = b.toString().strip();
    if (q.isEmpty()) {
      throw ErrorCode.INVALID_ARGUMENT.exception("q has no searchable characters");
    }
    return q;
  }

  private List<String> types(String param) {
    if (param == null || param.isBlank()) {
      return types;
    }
    Set<String> out = new LinkedHashSet<>();
    // -1: every empty entry counts ("," or "tracks," is refused like "tracks,,users", not read as no type at all)
    for (String t : param.split(",", -1)) {
      String name = t.strip();
      if (!types.contains(name)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("unknown type '" + name + "': one of " + String.join(",", types));
      }
      out.add(name);
    }
    return List.copyOf(out);
  }

  static String cursor(int offset, String q, List<String> types, int limit) {
    String body = offset + "." + check(offset, q, types, limit);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes(StandardCharsets.UTF_8));
  }

  static int offset(String cursor, String q, List<String> types, int limit) {
    try {
      String body = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int dot = body.indexOf('.');
      int offset = io.chorus.input.Inputs.parseInt(body.substring(0, dot));
      if (offset < 1 || offset > MAX_OFFSET || !body.substring(dot + 1).equals(check(offset, q, types, limit))) {
        throw new IllegalArgumentException("not ours");
      }
      return offset;
    } catch (RuntimeException e) {
      throw ErrorCode.INVALID_ARGUMENT.exception("cursor is not one this query returned");
    }
  }

  /** Binds a cursor to its query (not a secret: a cursor only names an offset of a result the caller may see anyway). */
  private static String check(int offset, String q, List<String> types, int limit) {
    CRC32 crc = new CRC32();
    crc.update((offset + "\n" + q + "\n" + types + "\n" + limit).getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(crc.getValue());
  }
}

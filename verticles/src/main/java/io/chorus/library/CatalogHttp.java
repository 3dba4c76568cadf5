package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.web.Http;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Request parsing and responses shared by the catalog routes (albums, playlists, likes, moderation):
 * every bad input (malformed JSON, a wrong type, a malformed id or cursor) fails with
 * {@code invalid_argument} before any query runs, so it never reaches PostgreSQL as a 500.
 */
final class CatalogHttp {
  private CatalogHttp() {
  }

  /** See {@link Http#respond(RoutingContext, int, Supplier)}. */
  static void respond(RoutingContext ctx, int status, Supplier<Future<?>> action) {
    Http.respond(ctx, status, action);
  }

  /**
   * The body as a JSON object; an empty body, a body that is not JSON or JSON that is not an object fails with
   * {@code malformed_json}, as the accounts and rooms routes answer them (docs/api.md).
   */
  static JsonObject body(RoutingContext ctx) {
    JsonObject o = Http.jsonObject(ctx);
    if (o == null) {
      throw ErrorCode.MALFORMED_JSON.exception("a JSON object body is required");
    }
    return o;
  }

  static UUID uuid(String field, String value) {
    return Inputs.uuid(field, value);
  }

  static UUID pathId(RoutingContext ctx, String param) {
    return uuid(param, ctx.pathParam(param));
  }

  /** A positive 64-bit id in the path (playlist entries). */
  static long pathLong(RoutingContext ctx, String param) {
    try {
      long v = Inputs.parseLong(ctx.pathParam(param));
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ErrorCode.INVALID_ARGUMENT.exception(param + " must be a positive integer");
  }

  static String string(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be a string");
    }
    return (String) v;
  }

  /** An optional integer field; null when absent or JSON null. */
  static Integer integer(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() != ((Number) v).intValue()) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be an integer");
    }
    return ((Number) v).intValue();
  }

  /**
   * An optional flag: null when absent; present, it is true or false, and anything else ({@code null} included: a flag
   * has no "cleared" value, as {@code enabled} of {@code PUT /rooms/{id}/wave}) is refused.
   */
  static Boolean bool(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v == null ? b.containsKey(field) : !(v instanceof Boolean)) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be true or false");
    }
    return (Boolean) v;
  }

  /** {@code ?limit=}: 1..{@code max}, {@code dflt} when absent. */
  static int limit(RoutingContext ctx, int dflt, int max) {
    String v = ctx.request().getParam("limit");
    if (v == null) {
      return dflt;
    }
    try {
      int n = Inputs.parseInt(v);
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer 1-" + max);
  }


  static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}

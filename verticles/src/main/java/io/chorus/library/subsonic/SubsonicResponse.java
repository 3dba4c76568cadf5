package io.chorus.library.subsonic;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes OpenSubsonic answers: {@code f=json} ({@code {"subsonic-response": {...}}}), {@code f=jsonp}
 * (with {@code callback}) or XML (the default). A body is built once as JSON and rendered to XML by the
 * Subsonic convention: an object is an element whose scalar fields are attributes, an array repeats its
 * key's element, a scalar inside an array is an element's text. Errors are answered with HTTP 200 and
 * {@code status="failed"}, as every Subsonic client expects.
 */
final class SubsonicResponse {
  static final String API_VERSION = "1.16.1";
  static final String SERVER_TYPE = "chorus";
  static final String SERVER_VERSION = "0.1.0";
  private static final Pattern CALLBACK = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$.]{0,63}");
  /** Not a character XML 1.0 allows; the supplementary planes (emoji, musical symbols) are allowed. */
  private static final Pattern XML_INVALID = Pattern.compile("[^\\x09\\x0A\\x0D\\x20-\\uD7FF\\uE000-\\uFFFD\\x{10000}-\\x{10FFFF}]");

  // Subsonic error codes
  static final int MISSING_PARAMETER = 10;
  static final int CLIENT_TOO_OLD = 20;
  static final int WRONG_CREDENTIALS = 40;
  static final int AUTH_MECHANISM_NOT_SUPPORTED = 42;
  static final int CONFLICTING_AUTH = 43;
  static final int INVALID_API_KEY = 44;
  static final int NOT_AUTHORIZED = 50;
  static final int NOT_FOUND = 70;
  static final int GENERIC = 0;

  private SubsonicResponse() {
  }

  /** A failure a handler raises; rendered as a Subsonic error. */
  static final class Failure extends RuntimeException {
    final int code;

    Failure(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  static Failure failure(int code, String message) {
    return new Failure(code, message);
  }

  static void ok(RoutingContext ctx, JsonObject body) {
    JsonObject r = envelope("ok");
    body.forEach(e -> r.put(e.getKey(), e.getValue()));
    write(ctx, r);
  }

  static void error(RoutingContext ctx, int code, String message) {
    JsonObject r = envelope("failed").put("error", new JsonObject().put("code", code).put("message", message));
    write(ctx, r);
  }

  /** The error answer with an HTTP status other than 200 (the media methods' "not found" is a 404). */
  static void error(RoutingContext ctx, int httpStatus, int code, String message) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(httpStatus);
    }
    error(ctx, code, message);
  }

  private static JsonObject envelope(String status) {
    return new JsonObject().put("status", status).put("version", API_VERSION).put("type", SERVER_TYPE)
        .put("serverVersion", SERVER_VERSION).put("openSubsonic", true);
  }

  private static void write(RoutingContext ctx, JsonObject response) {
    String f = SubsonicRoutes.readableParam(ctx, "f");
    if ("json".equals(f)) {
      send(ctx, "application/json; charset=utf-8", new JsonObject().put("subsonic-response", response).encode());
    } else if ("jsonp".equals(f)) {
      String callback = SubsonicRoutes.readableParam(ctx, "callback");
      if (callback == null || !CALLBACK.matcher(callback).matches()) {
        callback = "callback";
      }
      send(ctx, "text/javascript; charset=utf-8", callback + "(" + new JsonObject().put("subsonic-response", response).encode() + ");");
    } else {
      StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
      element(xml, "subsonic-response", response, true);
      send(ctx, "text/xml; charset=utf-8", xml.toString());
    }
  }

  private static void send(RoutingContext ctx, String type, String body) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().getStatusCode() < 400) {
      ctx.response().setStatusCode(200);
    }
    end(ctx.response().putHeader("Content-Type", type), ctx.request().method(), Buffer.buffer(body));
  }

  /** Ends {@code out} with {@code bytes}; a HEAD answer says what GET would send (Vert.x sets no Content-Length on HEAD). */
  static void end(io.vertx.core.http.HttpServerResponse out, io.vertx.core.http.HttpMethod method, Buffer bytes) {
    if (method == io.vertx.core.http.HttpMethod.HEAD) {
      out.putHeader("Content-Length", Integer.toString(bytes.length()));
    }
    out.end(bytes);
  }

  static String xml(JsonObject response) {
    StringBuilder xml = new StringBuilder();
    element(xml, "subsonic-response", response, true);
    return xml.toString();
  }

  private static void element(StringBuilder out, String name, JsonObject o, boolean root) {
    out.append('<').append(name);
    if (root) {
      out.append(" xmlns=\"http://subsonic.org/restapi\"");
    }
    StringBuilder children = new StringBuilder();
    String text = null;
    for (Map.Entry<String, Object> e : o) {
      Object v = e.getValue();
      if (v instanceof JsonObject child) {
        element(children, e.getKey(), child, false);
      } else if (v instanceof JsonArray array) {
        for (Object item : array) {
          if (item instanceof JsonObject child) {
            element(children, e.getKey(), child, false);
          } else if (item != null) {
            children.append('<').append(e.getKey()).append('>').append(escape(String.valueOf(item))).append("</").append(e.getKey()).append('>');
          }
        }
      } else if ("value".equals(e.getKey()) && v != null) {
        text = String.valueOf(v);
      } else if (v != null) {
        out.append(' ').append(e.getKey()).append("=\"").append(escape(String.valueOf(v))).append('"');
      }
    }
    if (children.length() == 0 && text == null) {
      out.append("/>");
      return;
    }
    out.append('>');
    if (text != null) {
      out.append(escape(text));
    }
    out.append(children).append("</").append(name).append('>');
  }

  private static String escape(String s) {
    String clean = XML_INVALID.matcher(s).replaceAll("");
    StringBuilder b = new StringBuilder(clean.length() + 8);
    for (int i = 0; i < clean.length(); i++) {
      char c = clean.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        // as references: a parser turns a literal tab or line break inside an attribute value into a space
        case '\t' -> b.append("&#9;");
        case '\n' -> b.append("&#10;");
        case '\r' -> b.append("&#13;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}

package io.chorus.room;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.regex.Pattern;

/**
 * What vertx-web's SockJS transports would refuse with a bare-text 500 or 400, refused first with the one JSON
 * error (400 invalid_argument): a send whose body is empty or not a JSON array of strings (SockJS frames), a
 * jsonp/htmlfile poll without a valid callback name, a WebSocket transport asked for without the upgrade; and what
 * it answers with an empty 404, a send to a session it does not know, gets the JSON 404.
 * Mounted on the bridge's paths before the SockJS handler (after the body handler).
 */
final class SockJsInputs {
  /** vertx-web's own check of a callback name: letters, digits, {@code - _ .}. */
  private static final Pattern CALLBACK = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  /**
   * vertx-web's map of this Vert.x instance's SockJS sessions by id (SockJSImpl's, a name of its implementation:
   * BridgeTransportsTest's sends over xhr-polling fail at once if a vertx-web upgrade renames it).
   */
  private static final String SESSIONS = "_vertx.sockjssessions";

  private SockJsInputs() {
  }

  static void mount(Router router, String base) {
    router.post(base + "/:server/:session/xhr_send").handler(ctx -> frames(ctx, ctx.body().buffer()));
    router.post(base + "/:server/:session/jsonp_send").handler(ctx -> {
      String type = ctx.request().getHeader("Content-Type");
      boolean form = type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
      String d = form ? ctx.request().getFormAttribute("d") : null;
      frames(ctx, form ? (d == null ? null : Buffer.buffer(d)) : ctx.body().buffer());
    });
    // a receiving transport's GET opens or polls a session (it takes the queued frames): never for HEAD
    Http.getOnly(router.get(base + "/:server/:session/jsonp")).handler(SockJsInputs::callback);
    Http.getOnly(router.get(base + "/:server/:session/htmlfile")).handler(SockJsInputs::callback);
    router.get(base + "/websocket").handler(SockJsInputs::upgrade);
    router.get(base + "/:server/:session/websocket").handler(SockJsInputs::upgrade);
  }

  private static void frames(RoutingContext ctx, Buffer body) {
    if (body == null || body.length() == 0) {
      Http.error(ctx, ErrorCode.INVALID_ARGUMENT, "a SockJS send needs a body: a JSON array of frames (strings)");
      return;
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      parsed = null;
    }
    if (!(parsed instanceof JsonArray frames) || !frames.stream().allMatch(f -> f instanceof String)) {
      Http.error(ctx, ErrorCode.INVALID_ARGUMENT, "a SockJS send's body must be a JSON array of frames (strings)");
      return;
    }
    // vertx-web answers a send to a session it does not know with a bare 404: the same answer, with the JSON body
    if (ctx.vertx().sharedData().getLocalMap(SESSIONS).get(ctx.pathParam("session")) == null) {
      Http.error(ctx, ErrorCode.NOT_FOUND, "no such SockJS session: open it with a receiving transport first");
      return;
    }
    ctx.next();
  }

  private static void callback(RoutingContext ctx) {
    String c = ctx.request().getParam("c");
    if (c == null || !CALLBACK.matcher(c).matches()) {
      Http.error(ctx, ErrorCode.INVALID_ARGUMENT, "the callback parameter 'c' must be 1-128 letters, digits or - _ .");
      return;
    }
    ctx.next();
  }

  private static void upgrade(RoutingContext ctx) {
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      Http.error(ctx, ErrorCode.INVALID_ARGUMENT, "this transport is a WebSocket: send the upgrade (Upgrade: websocket)");
      return;
    }
    ctx.next();
  }
}

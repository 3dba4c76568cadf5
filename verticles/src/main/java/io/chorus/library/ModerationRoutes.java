package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.UUID;

import static io.chorus.library.CatalogHttp.body;
import static io.chorus.library.CatalogHttp.pathId;
import static io.chorus.library.CatalogHttp.respond;

/**
 * Reports ({@code POST /api/v1/{tracks|albums}/{id}/report}, any signed-in user who can see the
 * subject) and moderation under {@code /api/v1/moderation} (moderators and admins; others 403): the
 * queue, decisions and the audit log.
 */
final class ModerationRoutes {
  private final Access access;
  private final Moderation moderation;

  ModerationRoutes(Access access, Moderation moderation) {
    this.access = access;
    this.moderation = moderation;
  }

  void mount(Router router, BodyHandler body) {
    for (String type : new String[] {"track", "album"}) {
      router.post("/api/v1/" + type + "s/:id/report").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 201, () -> {
        UUID id = pathId(ctx, "id");
        String reason = reason(body(ctx), true);
        return access.caller(ctx).compose(me -> moderation.report(me, type, id, reason));
      }));
    }
    // the caller and their role first: without a token 401, without the role 403, whatever the query or body
    // holds; only a moderator learns the rules of the parameters (400)
    router.get("/api/v1/moderation/queue").handler(ctx -> respond(ctx, 200, () -> moderator(ctx).compose(me -> {
      String type = type(ctx.request().getParam("type", "track"), "type");
      io.chorus.web.KeysetCursor cursor = io.chorus.web.KeysetCursor.parse(ctx.request().getParam("cursor"), "cursor is malformed");
      int limit = CatalogHttp.limit(ctx, 50, 200);
      return moderation.queue(me, type, cursor, limit);
    })));
    router.get("/api/v1/moderation/audit").handler(ctx -> respond(ctx, 200, () -> moderator(ctx).compose(me -> {
      String typeParam = ctx.request().getParam("subject_type");
      String type = typeParam == null ? null : type(typeParam, "subject_type");
      String idParam = ctx.request().getParam("subject_id");
      UUID id = idParam == null ? null : CatalogHttp.uuid("subject_id", idParam);
      Long before = before(ctx.request().getParam("cursor"));
      int limit = CatalogHttp.limit(ctx, 100, 500);
      return moderation.audit(type, id, before, limit);
    })));
    router.post("/api/v1/moderation/:kind/:id").handler(access.authenticated(body)).handler(ctx -> respond(ctx, 200, () -> {
      String kind = ctx.pathParam("kind");
      if (!kind.equals("tracks") && !kind.equals("albums")) {
        throw ErrorCode.NOT_FOUND.exception("no route for " + ctx.request().path());
      }
      return moderator(ctx).compose(me -> {
        UUID id = pathId(ctx, "id");
        JsonObject b = body(ctx);
        String decision = CatalogHttp.string(b, "decision");
        if (decision == null || !Moderation.known(decision)) {
          throw ErrorCode.INVALID_ARGUMENT.exception("decision must be approve, reject, takedown or restore");
        }
        String reason = reason(b, decision.equals("reject") || decision.equals("takedown"));
        return moderation.decide(me, kind.substring(0, kind.length() - 1), id, decision, reason);
      });
    }));
  }

  /** The caller when they are a moderator or an admin; FORBIDDEN otherwise. */
  private Future<SignedIn> moderator(RoutingContext ctx) {
    return access.caller(ctx).compose(me -> me.moderator() ? Future.succeededFuture(me)
        : Future.failedFuture(ErrorCode.FORBIDDEN.exception("moderators only")));
  }

  private static String type(String value, String field) {
    if (!value.equals("track") && !value.equals("album")) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be track or album");
    }
    return value;
  }

  private static String reason(JsonObject b, boolean required) {
    String reason = Inputs.text("reason", CatalogHttp.string(b, "reason"), 500);
    if (reason != null && reason.isBlank()) {
      reason = null;
    }
    if (required && reason == null) {
      throw ErrorCode.INVALID_ARGUMENT.exception("reason is required");
    }
    return reason == null ? null : reason.strip();
  }

  private static Long before(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return null;
    }
    try {
      return io.chorus.input.Inputs.parseLong(cursor);
    } catch (NumberFormatException e) {
      throw ErrorCode.INVALID_ARGUMENT.exception("cursor is malformed");
    }
  }
}

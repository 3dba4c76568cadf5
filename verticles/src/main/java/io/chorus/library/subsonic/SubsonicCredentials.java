package io.chorus.library.subsonic;

import io.chorus.bus.ErrorCode;
import io.chorus.library.Access;
import io.chorus.web.Http;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * A signed-in user's OpenSubsonic credentials: app passwords (for token+salt clients) and API keys,
 * each shown once at creation. REST under {@code /api/v1/me/subsonic/credentials}.
 */
public final class SubsonicCredentials {
  /** A user keeps at most this many credentials. */
  static final int MAX_PER_USER = 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pg;
  /** Who the caller is (UNAUTHENTICATED without a valid token). */
  private final Access access;
  private final java.util.List<String> allowedOrigins;

  public SubsonicCredentials(Pool pg, Access access, java.util.List<String> allowedOrigins) {
    this.pg = pg;
    this.access = access;
    this.allowedOrigins = allowedOrigins;
  }

  public void mount(Router router) {
    String base = "/api/v1/me/subsonic/credentials";
    // browsers call these with a bearer token: the preflight and the answers follow CORS_ALLOWED_ORIGINS like every /api/v1 route
    router.route(base + "*").handler(io.chorus.web.Cors.handler(allowedOrigins));
    // the token is checked before the body is read: without a valid one the answer is 401, whatever the body holds (its size too)
    router.post(base).handler(access.authenticated(BodyHandler.create(false).setBodyLimit(4096))).handler(this::create);
    router.get(base).handler(this::list);
    router.delete(base + "/:id").handler(this::delete);
  }

  private void create(RoutingContext ctx) {
    // the caller first: without a valid token the answer is 401, whatever the body holds
    access.caller(ctx).compose(user -> {
      JsonObject body = body(ctx);
      Object kindValue = body.getValue("kind", "app_password");
      Object nameValue = body.getValue("name", "Subsonic client");
      if (!(kindValue instanceof String kind) || !(kind.equals("app_password") || kind.equals("api_key"))) {
        throw ErrorCode.INVALID_ARGUMENT.exception("kind must be \"app_password\" or \"api_key\"");
      }
      if (!(nameValue instanceof String raw) || raw.isBlank()) {
        throw ErrorCode.INVALID_ARGUMENT.exception("name must be a string of 1 to 64 characters");
      }
      String name = io.chorus.input.Inputs.name("name", raw, 1, 64);
      // app passwords are typed into clients: letters and digits only; API keys are longer
      String secret = kind.equals("app_password") ? randomToken(15) : randomToken(32);
      UUID id = UUID.randomUUID();
      // the user's row is locked first: concurrent requests count one after another, so the cap holds
      return pg.withTransaction(c -> c.preparedQuery("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
              .execute(Tuple.of(UUID.fromString(user.userId())))
              .compose(locked -> c.preparedQuery(
                  "INSERT INTO subsonic_credentials (id, user_id, kind, name, secret) SELECT $1, $2, $3, $4, $5"
                      + " WHERE (SELECT count(*) FROM subsonic_credentials WHERE user_id = $2) < $6")
                  .execute(Tuple.of(id, UUID.fromString(user.userId()), kind, name, kind.equals("api_key") ? SubsonicAuth.sha256(secret) : secret,
                      MAX_PER_USER))))
          .compose(r -> r.rowCount() == 1
              ? Future.succeededFuture(new JsonObject().put("id", id.toString()).put("kind", kind).put("name", name)
                  .put("username", user.name()).put(kind.equals("api_key") ? "api_key" : "password", secret))
              : Future.failedFuture(ErrorCode.CONFLICT.exception("at most " + MAX_PER_USER + " Subsonic credentials per user: delete one first")));
    })
        .onSuccess(created -> Http.json(ctx, 201, created))
        .onFailure(e -> Http.fail(ctx, e));
  }

  /**
   * The body as a JSON object; none at all means every default. Not JSON: the {@code DecodeException} goes to
   * {@link Http#fail}, which answers in our words ("the body is not valid JSON"), never Jackson's or a class name.
   */
  private static JsonObject body(RoutingContext ctx) {
    JsonObject o = Http.jsonObject(ctx);
    return o == null ? new JsonObject() : o;
  }

  private void list(RoutingContext ctx) {
    access.caller(ctx).compose(user -> pg.preparedQuery(
            "SELECT id, kind, name, created_at FROM subsonic_credentials WHERE user_id = $1 ORDER BY created_at, id")
        .execute(Tuple.of(UUID.fromString(user.userId()))))
        .onSuccess(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getUUID("id").toString()).put("kind", r.getString("kind"))
              .put("name", r.getString("name")).put("created_at", r.getOffsetDateTime("created_at").toInstant().toString())));
          Http.json(ctx, 200, new JsonObject().put("credentials", out));
        })
        .onFailure(e -> Http.fail(ctx, e));
  }

  private void delete(RoutingContext ctx) {
    // the caller first: without a valid token the answer is 401, whatever the id looks like
    access.caller(ctx).compose(user -> {
          UUID id;
          try {
            id = UUID.fromString(ctx.pathParam("id"));
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("id must be a UUID"));
          }
          return pg.preparedQuery("DELETE FROM subsonic_credentials WHERE id = $1 AND user_id = $2")
              .execute(Tuple.of(id, UUID.fromString(user.userId())));
        })
        .onSuccess(r -> {
          if (r.rowCount() == 0) {
            Http.error(ctx, ErrorCode.NOT_FOUND, "no such credential");
          } else {
            ctx.response().setStatusCode(204).end();
          }
        })
        .onFailure(e -> Http.fail(ctx, e));
  }

  private static String randomToken(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b).replace('-', 'x').replace('_', 'y');
  }
}

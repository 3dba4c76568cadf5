package io.chorus.accounts;

import io.chorus.bus.ErrorCode;
import io.chorus.web.RateLimiter;
import io.chorus.web.Cors;
import io.chorus.web.Bearer;
import io.chorus.web.Http;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The accounts REST API (issue 16) under {@code /api/v1/auth}, {@code /api/v1/users}, {@code /api/v1/friends}
 * and {@code /api/v1/admin}. Signed-in calls carry {@code Authorization: Bearer <access JWT>}. Token
 * responses also set the refresh token as an HttpOnly, SameSite=Strict cookie scoped to
 * {@code /api/v1/auth} for the web client (scripts in the page never see it).
 */
public final class AccountsRoutes {
  static final String REFRESH_COOKIE = "chorus_refresh";
  private static final String COOKIE_PATH = "/api/v1/auth";

  private final AccountsService accounts;
  private final FriendsService friends;
  private final Avatars avatars;
  private final List<String> allowedOrigins;

  public AccountsRoutes(AccountsService accounts, FriendsService friends, Avatars avatars, List<String> allowedOrigins) {
    this.accounts = accounts;
    this.friends = friends;
    this.avatars = avatars;
    this.allowedOrigins = allowedOrigins;
  }

  public void mount(Router router) {
    CorsHandler cors = Cors.handler(allowedOrigins);
    for (String prefix : List.of("/api/v1/auth*", "/api/v1/users*", "/api/v1/friends*", "/api/v1/admin*")) {
      router.route(prefix).handler(cors);
    }
    BodyHandler body = BodyHandler.create(false).setBodyLimit(16 * 1024);

    router.post("/api/v1/auth/register").handler(body).handler(ctx -> respondTokens(ctx, 201, () -> {
      JsonObject b = body(ctx);
      return accounts.register(string(b, "username"), string(b, "password"), string(b, "display_name"), RateLimiter.clientIp(ctx.request()));
    }));
    router.post("/api/v1/auth/login").handler(body).handler(ctx -> respondTokens(ctx, 200, () -> {
      JsonObject b = body(ctx);
      return accounts.login(string(b, "username"), string(b, "password"), RateLimiter.clientIp(ctx.request()));
    }));
    router.post("/api/v1/auth/refresh").handler(body).handler(ctx -> respondTokens(ctx, 200, () -> accounts.refresh(refreshToken(ctx))));
    router.post("/api/v1/auth/logout").handler(body).handler(ctx -> {
      String auth = ctx.request().getHeader("Authorization");
      respond(ctx, 204, () -> {
        try {
          return auth != null ? caller(ctx).compose(accounts::logout) : accounts.logoutWithRefresh(refreshToken(ctx));
        } finally {
          // only after the token is read: the request's getCookie answers the response's cookie of that name once
          // one is added, so clearing first made every cookie sign-out an "invalid refresh token"
          clearCookie(ctx);
        }
      });
    });
    router.post("/api/v1/auth/logout-all").handler(ctx -> {
      clearCookie(ctx);
      authed(ctx, 204, accounts::logoutAll);
    });

    router.get("/api/v1/users/me").handler(ctx -> authed(ctx, 200, accounts::me));
    router.patch("/api/v1/users/me").handler(body).handler(ctx -> authed(ctx, 200, p -> {
      JsonObject b = body(ctx);
      onlyFields(b, PROFILE_FIELDS);
      return accounts.updateMe(p, string(b, "display_name"), string(b, "bio"));
    }));
    router.put("/api/v1/users/me/password").handler(body).handler(ctx -> authed(ctx, 204, p -> {
      JsonObject b = body(ctx);
      return accounts.changePassword(p, string(b, "old_password"), string(b, "new_password"));
    }));
    router.put("/api/v1/users/me/avatar").handler(BodyHandler.create(false).setBodyLimit(avatars.maxBytes()))
        .handler(ctx -> authed(ctx, 200, p -> avatars.upload(p, ctx.request().getHeader("Content-Type"), ctx.body().buffer())));
    router.get("/api/v1/users/:id/avatar").handler(ctx -> avatars.serve(ctx, userId(ctx)));
    router.get("/api/v1/users/:id").handler(ctx -> authed(ctx, 200, p -> accounts.publicProfile(userId(ctx))));
    router.get("/api/v1/users").handler(ctx -> authed(ctx, 200, p ->
        accounts.search(ctx.request().getParam("q"), intParam(ctx.request().getParam("limit"), 20))));

    router.get("/api/v1/friends").handler(ctx -> authed(ctx, 200, friends::list));
    router.get("/api/v1/friends/requests").handler(ctx -> authed(ctx, 200, friends::requests));
    router.post("/api/v1/friends/requests").handler(body).handler(ctx -> authed(ctx, 0, p -> {
      String to = string(body(ctx), "user_id");
      if (to == null) {
        throw ErrorCode.INVALID_ARGUMENT.exception("user_id is required");
      }
      return friends.request(p, UserRepo.canonicalId(to)).onSuccess(r -> ctx.response().setStatusCode("pending".equals(r.getString("status")) ? 201 : 200));
    }));
    router.post("/api/v1/friends/requests/:id/accept").handler(ctx -> authed(ctx, 200, p -> friends.accept(p, userId(ctx))));
    router.post("/api/v1/friends/requests/:id/decline").handler(ctx -> authed(ctx, 204, p -> friends.decline(p, userId(ctx))));
    router.delete("/api/v1/friends/requests/:id").handler(ctx -> authed(ctx, 204, p -> friends.cancel(p, userId(ctx))));
    router.delete("/api/v1/friends/:id").handler(ctx -> authed(ctx, 204, p -> friends.unfriend(p, userId(ctx))));

    router.put("/api/v1/admin/users/:id/roles").handler(body)
        .handler(ctx -> authed(ctx, 200, p -> accounts.setRoles(p, userId(ctx), body(ctx).getValue("roles"))));
    router.post("/api/v1/admin/users/:id/disable").handler(ctx -> authed(ctx, 200, p -> accounts.setDisabled(p, userId(ctx), true)));
    router.post("/api/v1/admin/users/:id/enable").handler(ctx -> authed(ctx, 200, p -> accounts.setDisabled(p, userId(ctx), false)));
  }

  /** Runs {@code action} for the verified caller; {@code status} 0 means the action sets it. */
  private void authed(RoutingContext ctx, int status, Function<Principal, Future<?>> action) {
    respond(ctx, status, () -> caller(ctx).compose(action::apply));
  }

  /**
   * The caller of {@code Authorization: Bearer <access token>} (docs/api.md; RFC 6750): without the header, with a bare
   * token (no scheme) or another scheme ({@code Basic}, ...), {@code UNAUTHENTICATED}, as on every route of the node.
   */
  private Future<Principal> caller(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String token = Bearer.token(header);
    if (token == null && header != null) {
      return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("Authorization must be: Bearer <access token>"));
    }
    return accounts.tokens().verifyToken(token);
  }

  private void respond(RoutingContext ctx, int status, Supplier<Future<?>> action) {
    Http.respond(ctx, status, action, RateLimiter::fail);
  }

  /** A token answer, with the refresh token as a cookie that lives as long as the token's session (docs/api.md). */
  private void respondTokens(RoutingContext ctx, int status, Supplier<Future<AccountsService.Tokens>> action) {
    ctx.response().putHeader("Cache-Control", "no-store");
    respond(ctx, status, () -> action.get().map(pair -> {
      // rounded up: a session just started has its whole REFRESH_TOKEN_TTL_DAYS left, not a second less
      long left = Math.max(0, (java.time.Duration.between(java.time.Instant.now(), pair.refreshExpiresAt()).toMillis() + 999) / 1000);
      ctx.response().addCookie(Cookie.cookie(REFRESH_COOKIE, pair.json().getString("refresh_token"))
          .setHttpOnly(true).setSameSite(CookieSameSite.STRICT).setPath(COOKIE_PATH).setMaxAge(left)
          .setSecure(ctx.request().isSSL()));
      return pair.json();
    }));
  }

  private static void clearCookie(RoutingContext ctx) {
    ctx.response().addCookie(Cookie.cookie(REFRESH_COOKIE, "").setHttpOnly(true).setSameSite(CookieSameSite.STRICT).setPath(COOKIE_PATH).setMaxAge(0));
  }

  /**
   * The {@code :id} of the path in the canonical (lower-case) form: a UUID in capitals finds the same row in
   * PostgreSQL, so every comparison ("yourself"), Redis key and bus message after it must name it as tokens do.
   */
  private static String userId(RoutingContext ctx) {
    return UserRepo.canonicalId(ctx.pathParam("id"));
  }

  /** The refresh token from the JSON body, else from the cookie. */
  private static String refreshToken(RoutingContext ctx) {
    String fromBody = ctx.body().length() > 0 ? string(body(ctx), "refresh_token") : null;
    if (fromBody != null) {
      return fromBody;
    }
    Cookie c = ctx.request().getCookie(REFRESH_COOKIE);
    return c == null ? null : c.getValue();
  }

  private static JsonObject body(RoutingContext ctx) {
    JsonObject o = Http.jsonObject(ctx);
    if (o == null) {
      throw ErrorCode.MALFORMED_JSON.exception("a JSON object body is required");
    }
    return o;
  }

  /** What {@code PATCH /users/me} changes (docs/api.md); any other field is refused, as the library's PATCHes refuse theirs. */
  private static final List<String> PROFILE_FIELDS = List.of("bio", "display_name");

  private static void onlyFields(JsonObject b, List<String> allowed) {
    for (String f : b.fieldNames()) {
      if (!allowed.contains(f)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("unknown field '" + f + "' (allowed: " + String.join(", ", allowed) + ")");
      }
    }
  }

  private static String string(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be a string");
    }
    return (String) v;
  }

  /** {@code limit}: absent gives {@code dflt}; otherwise an integer in 1..50 (docs/api.md), else 400. */
  private static int intParam(String v, int dflt) {
    if (v == null) {
      return dflt;
    }
    try {
      int n = io.chorus.input.Inputs.parseInt(v.strip());
      if (n >= 1 && n <= 50) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer between 1 and 50");
  }
}

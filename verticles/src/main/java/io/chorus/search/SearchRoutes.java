package io.chorus.search;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Bearer;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/v1/search?q=&types=&limit=&cursor=} and {@code GET /api/v1/search/suggest?q=}. Anonymous
 * callers see public documents; a Bearer access JWT adds the caller's own (and everything for moderators);
 * a bad token is a 401, not a silent anonymous search.
 */
final class SearchRoutes {
  private static final int DEFAULT_LIMIT = 20;
  private final SearchService search;
  private final SignedIn.Verifier users;

  SearchRoutes(SearchService search, SignedIn.Verifier users) {
    this.search = search;
    this.users = users;
  }

  void mount(Router router) {
    router.get("/api/v1/search/suggest").handler(this::suggest);
    router.get("/api/v1/search").handler(this::search);
  }

  private Future<SignedIn> caller(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      return Future.succeededFuture(null);
    }
    String jwt = Bearer.jwt(header, null);
    return jwt == null ? Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("Authorization must be: Bearer <access token>"))
        : users.verify(jwt);
  }

  private void search(RoutingContext ctx) {
    String q = ctx.request().getParam("q");
    String types = ctx.request().getParam("types");
    String cursor = ctx.request().getParam("cursor");
    // a bad token is 401 before any parameter is looked at, limit included (as q, types and cursor)
    caller(ctx).compose(who -> {
          int limit;
          try {
            limit = io.chorus.input.Inputs.parseInt(ctx.request().getParam("limit", String.valueOf(DEFAULT_LIMIT)));
          } catch (NumberFormatException e) {
            throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer from 1 to " + SearchService.MAX_LIMIT);
          }
          return search.search(q, types, limit, cursor, who);
        })
        .onSuccess(body -> Http.json(ctx, 200, body))
        .onFailure(e -> Http.fail(ctx, e));
  }

  private void suggest(RoutingContext ctx) {
    String q = ctx.request().getParam("q");
    caller(ctx).compose(who -> search.suggest(q, who))
        .onSuccess(body -> Http.json(ctx, 200, body))
        .onFailure(e -> Http.fail(ctx, e));
  }
}

package io.chorus.web;

import io.chorus.bus.ErrorCode;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The router's last handler, for a request no route answered: {@code 404 not_found} when no route serves its path,
 * {@code 405 method_not_allowed} with {@code Allow} (RFC 9110 15.5.6) when routes serve the path with other methods,
 * and {@code 204} with {@code Allow} to a plain {@code OPTIONS} (one the CORS handler does not answer as a preflight).
 * vertx-web finds the 405 itself only when no route at all matches a request, which never happens here: the web
 * client's static files ({@code /*}) and this handler match every path and method.
 */
public final class NoRoute {
  /**
   * Route metadata of a route that only refuses its method (as {@code HEAD /api/v1/wave} answers 405): its method
   * is not one {@code Allow} lists.
   */
  public static final String REFUSES = "chorus.refuses";

  private record Served(Pattern path, Set<HttpMethod> methods) {
  }

  private final List<Served> routes = new ArrayList<>();

  private NoRoute(Router router) {
    for (Route route : router.getRoutes()) {
      Set<HttpMethod> methods = route.methods();
      if (methods == null || methods.isEmpty() || route.getPath() == null || Boolean.TRUE.equals(route.getMetadata(REFUSES))
          || route.getPath().endsWith("*") || !route.isExactPath() && !route.isRegexPath()) {
        // a handler for every method (CORS, the static files), a refusal, or one in front of a whole prefix (the body
        // limits of POST /rest/* and POST /eventbus/*, whose sub-router serves GET too): none names an endpoint's methods
        continue;
      }
      routes.add(new Served(pattern(route), Set.copyOf(methods)));
    }
  }

  /** The handler for {@code router}'s routes as they are now: create it once every route is mounted. */
  public static NoRoute of(Router router) {
    return new NoRoute(router);
  }

  /** The path as vertx-web matches it: {@code :name} is one non-empty segment, and it matches with or without a trailing slash. */
  private static Pattern pattern(Route route) {
    String path = route.getPath();
    StringBuilder regex = new StringBuilder();
    Matcher param = Pattern.compile(":[A-Za-z0-9_$]+").matcher(path);
    int at = 0;
    while (param.find()) {
      regex.append(Pattern.quote(path.substring(at, param.start()))).append("[^/]+");
      at = param.end();
    }
    String rest = path.substring(at);
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    return Pattern.compile(regex.append(Pattern.quote(rest)).append("/?").toString());
  }

  /** The methods the routes serving {@code path} take, in alphabetical order; empty when none serves it. */
  public Set<String> allowed(String path) {
    Set<String> methods = new TreeSet<>();
    for (Served r : routes) {
      if (r.path().matcher(path).matches()) {
        r.methods().forEach(m -> methods.add(m.name()));
      }
    }
    return methods;
  }

  public void handle(RoutingContext ctx) {
    Set<String> allowed = allowed(ctx.normalizedPath());
    if (allowed.isEmpty()) {
      Http.error(ctx, ErrorCode.NOT_FOUND, "no route for " + ctx.request().path());
      return;
    }
    String message = ctx.request().method().name() + " is not allowed on " + ctx.request().path() + ": it takes " + String.join(", ", allowed);
    allowed.add(HttpMethod.OPTIONS.name());
    ctx.response().putHeader("Allow", String.join(", ", allowed));
    if (ctx.request().method() == HttpMethod.OPTIONS) {
      ctx.response().setStatusCode(204).end();
      return;
    }
    Http.error(ctx, ErrorCode.METHOD_NOT_ALLOWED, message);
  }
}

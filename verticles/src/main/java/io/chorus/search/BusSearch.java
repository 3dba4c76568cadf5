package io.chorus.search;

import io.chorus.bus.Addresses;
import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Addresses#SEARCH_QUERY}: the REST search for other features and nodes, answered from this node's
 * index (the clustered bus spreads requests over the search nodes). The request is
 * {@code {"q","types"?: "tracks,albums"|[...],"limit"?,"cursor"?,"viewer"?: {"user_id","roles"?}}}; the
 * viewer is vouched for by the sender (the address is internal: the bridge exposes only {@code client.*}).
 * Failures are {@link ErrorCode} codes, as REST maps them to 4xx.
 */
final class BusSearch {
  private static final int DEFAULT_LIMIT = 20;
  private final SearchService search;

  BusSearch(SearchService search) {
    this.search = search;
  }

  void handle(Message<Object> m) {
    Future<JsonObject> answer;
    try {
      if (!(m.body() instanceof JsonObject body)) {
        throw ErrorCode.MALFORMED_JSON.exception("the request must be a JSON object");
      }
      answer = search.search(body.getValue("q") instanceof String q ? q : null, types(body.getValue("types")), limit(body.getValue("limit")),
          cursor(body.getValue("cursor")), viewer(body.getValue("viewer")));
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onSuccess(m::reply).onFailure(e -> {
      ErrorCode code = ErrorCode.of(e);
      m.fail(code.code(), code == ErrorCode.INTERNAL ? "search failed" : e.getMessage());
    });
  }

  private static String types(Object v) {
    if (v == null || v instanceof String) {
      return (String) v;
    }
    if (v instanceof JsonArray a) {
      List<String> out = new ArrayList<>();
      a.forEach(t -> out.add(String.valueOf(t)));
      return String.join(",", out);
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("types must be a comma-separated string or an array of type names");
  }

  private static int limit(Object v) {
    if (v == null) {
      return DEFAULT_LIMIT;
    }
    if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      return n < 0 || n > Integer.MAX_VALUE ? 0 : (int) n;
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("limit must be an integer from 1 to " + SearchService.MAX_LIMIT);
  }

  private static String cursor(Object v) {
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw ErrorCode.INVALID_ARGUMENT.exception("cursor must be the next_cursor string of the previous page");
  }

  private static SignedIn viewer(Object v) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o) || !(o.getValue("user_id") instanceof String id) || id.isBlank()) {
      throw ErrorCode.INVALID_ARGUMENT.exception("viewer must be {\"user_id\", \"roles\"?}");
    }
    List<String> roles = new ArrayList<>();
    if (o.getValue("roles") instanceof JsonArray a) {
      a.forEach(r -> roles.add(String.valueOf(r)));
    } else if (o.getValue("roles") != null) {
      throw ErrorCode.INVALID_ARGUMENT.exception("viewer.roles must be an array");
    }
    return new SignedIn(id, null, 0, List.copyOf(roles));
  }
}

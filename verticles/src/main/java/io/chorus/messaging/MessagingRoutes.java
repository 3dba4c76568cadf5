package io.chorus.messaging;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.web.Cors;
import io.chorus.web.Http;
import io.chorus.web.RateLimiter;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The messenger's REST API under {@code /api/v1/conversations} (docs/api.md, Messenger). Every call needs
 * {@code Authorization: Bearer <access JWT>}, checked before the path's ids and before the body is read; then the
 * ids (a malformed one is 400), then the body (JSON object, types, the input rules), and only then the database, so a
 * bad request changes nothing.
 */
final class MessagingRoutes {
  /** Bodies: a 4000-character message is at most 16,000 bytes of UTF-8, escaped JSON up to six bytes a character. */
  static final int MAX_BODY = 64 * 1024;
  private static final List<String> PATCH_CONVERSATION = List.of("title");
  private static final List<String> PATCH_MESSAGE = List.of("text");
  private static final List<String> PATCH_MEMBER = List.of("role");

  private final SignedIn.Verifier users;
  private final Conversations conversations;
  private final Messages messages;
  private final Typing typing;
  private final MessageSearch search;
  private final List<String> allowedOrigins;
  private final RateLimiter limiter;
  private final int writesPerWindow;
  private final Function<MessagingRoutes, AttachmentRoutes> attachmentRoutes;

  /** {@code attachmentRoutes}: the upload and download routes, given this class's caller check and write count. */
  MessagingRoutes(SignedIn.Verifier users, Conversations conversations, Messages messages, Typing typing, MessageSearch search,
                  RateLimiter limiter, int writesPerWindow, List<String> allowedOrigins,
                  Function<MessagingRoutes, AttachmentRoutes> attachmentRoutes) {
    this.attachmentRoutes = attachmentRoutes;
    this.users = users;
    this.conversations = conversations;
    this.messages = messages;
    this.typing = typing;
    this.search = search;
    this.limiter = limiter;
    this.writesPerWindow = writesPerWindow;
    this.allowedOrigins = allowedOrigins;
  }

  void mount(Router router) {
    router.route("/api/v1/conversations*").handler(Cors.handler(allowedOrigins));
    Handler<RoutingContext> body = authenticated(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    String base = "/api/v1/conversations";

    router.post(base).handler(body).handler(ctx -> authed(ctx, 0, me -> {
      JsonObject b = body(ctx);
      String type = string(b, "type");
      if ("direct".equals(type)) {
        UUID other = uuid("user_id", string(b, "user_id"));
        Conversations.checkOther(me, other);
        return write(me, () -> conversations.direct(me, other)).map(made -> status(ctx, made.created() ? 201 : 200, made.conversation()));
      }
      if ("group".equals(type)) {
        String title = Inputs.name("title", string(b, "title"), 1, Conversations.MAX_TITLE);
        List<UUID> ids = uuids(b, "user_ids");
        Conversations.checkGroupSize(me, ids);
        return write(me, () -> conversations.group(me, title, ids)).map(made -> status(ctx, 201, made.conversation()));
      }
      throw ErrorCode.INVALID_ARGUMENT.exception("type must be direct or group");
    }));
    router.get(base).handler(ctx -> authed(ctx, 200, me ->
        conversations.list(me, ctx.request().getParam("before"), limit(ctx))));
    // before /:id, which would read "search" as a malformed conversation id; a read, not rate-counted (MessageSearch)
    router.get(base + "/search").handler(ctx -> authed(ctx, 200, me -> {
      String q = Inputs.name("q", ctx.request().getParam("q"), 1, MessageSearch.MAX_QUERY);
      List<String> terms = MessageSearch.terms(q);
      String in = ctx.request().getParam("conversation_id");
      UUID conversation = in == null ? null : uuid("conversation_id", in);
      return search.search(me, terms, conversation, ctx.request().getParam("before"), limit(ctx, 20, 50));
    }));
    router.get(base + "/:id").handler(ctx -> authed(ctx, 200, me -> conversations.get(me, pathId(ctx, "id"))));
    router.patch(base + "/:id").handler(body).handler(ctx -> authed(ctx, 200, me -> {
      UUID id = pathId(ctx, "id");
      JsonObject b = only(body(ctx), PATCH_CONVERSATION);
      String title = Inputs.name("title", string(b, "title"), 1, Conversations.MAX_TITLE);
      return write(me, () -> conversations.rename(me, id, title));
    }));
    router.post(base + "/:id/members").handler(body).handler(ctx -> authed(ctx, 200, me -> {
      UUID id = pathId(ctx, "id");
      UUID user = uuid("user_id", string(body(ctx), "user_id"));
      return write(me, () -> conversations.addMember(me, id, user));
    }));
    router.patch(base + "/:id/members/:user_id").handler(body).handler(ctx -> authed(ctx, 200, me -> {
      UUID id = pathId(ctx, "id");
      UUID user = pathId(ctx, "user_id");
      JsonObject b = only(body(ctx), PATCH_MEMBER);
      String role = string(b, "role");
      Conversations.checkRole(role);
      return write(me, () -> conversations.setRole(me, id, user, role));
    }));
    router.delete(base + "/:id/members/:user_id").handler(ctx -> authed(ctx, 204, me -> {
      UUID id = pathId(ctx, "id");
      UUID user = pathId(ctx, "user_id");
      return write(me, () -> conversations.removeMember(me, id, user));
    }));

    attachmentRoutes.apply(this).mount(router, base);
    router.post(base + "/:id/messages").handler(body).handler(ctx -> authed(ctx, 0, me -> {
      UUID id = pathId(ctx, "id");
      JsonObject b = body(ctx);
      List<UUID> attachments = attachmentIds(b);
      // with an attachment the text may be left out (a photo without a caption), never given empty
      String text = attachments.isEmpty() || b.getValue("text") != null ? text(b) : null;
      String clientId = string(b, "client_message_id");
      // 1-64 characters (code points, as every length of the input rules: 64 emoji are 128 UTF-16 units)
      if (clientId != null && (clientId.isEmpty() || clientId.codePointCount(0, clientId.length()) > Messages.MAX_CLIENT_ID)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("client_message_id must be 1-" + Messages.MAX_CLIENT_ID + " characters");
      }
      if (clientId != null) {
        Inputs.text("client_message_id", clientId, Messages.MAX_CLIENT_ID);
      }
      String replyTo = string(b, "reply_to");
      UUID answered = replyTo == null ? null : uuid("reply_to", replyTo);
      return write(me, () -> messages.send(me, id, text, clientId, answered, attachments)).map(sent -> status(ctx, sent.created() ? 201 : 200, sent.message()));
    }));
    router.get(base + "/:id/messages").handler(ctx -> authed(ctx, 200, me -> {
      UUID id = pathId(ctx, "id");
      return messages.list(me, id, seqParam(ctx, "before_seq"), seqParam(ctx, "after_seq"), limit(ctx));
    }));
    router.patch(base + "/:id/messages/:message_id").handler(body).handler(ctx -> authed(ctx, 200, me -> {
      UUID id = pathId(ctx, "id");
      UUID message = pathId(ctx, "message_id");
      String text = text(only(body(ctx), PATCH_MESSAGE));
      return write(me, () -> messages.edit(me, id, message, text));
    }));
    router.delete(base + "/:id/messages/:message_id").handler(ctx -> authed(ctx, 200, me -> {
      UUID id = pathId(ctx, "id");
      UUID message = pathId(ctx, "message_id");
      return write(me, () -> messages.delete(me, id, message));
    }));
    // no body: nothing to say but "typing"; not counted as a change (nothing is stored, and Typing sends at most one
    // event per member and conversation every 2 s however often it is called)
    router.post(base + "/:id/typing").handler(authenticated(BodyHandler.create(false).setBodyLimit(1024)))
        .handler(ctx -> authed(ctx, 204, me -> typing.typing(me, pathId(ctx, "id"))));
    // the emoji is a path segment (percent-encoded UTF-8): no body
    router.put(base + "/:id/messages/:message_id/reactions/:emoji").handler(ctx -> authed(ctx, 200, me -> reaction(ctx, me, true)));
    router.delete(base + "/:id/messages/:message_id/reactions/:emoji").handler(ctx -> authed(ctx, 200, me -> reaction(ctx, me, false)));
    router.post(base + "/:id/read").handler(body).handler(ctx -> authed(ctx, 200, me -> {
      UUID id = pathId(ctx, "id");
      Object seq = body(ctx).getValue("seq");
      if (!(seq instanceof Integer || seq instanceof Long) || ((Number) seq).longValue() < 0) {
        throw ErrorCode.INVALID_ARGUMENT.exception("seq must be an integer >= 0");
      }
      return messages.read(me, id, ((Number) seq).longValue());
    }));
  }

  private Future<JsonObject> reaction(RoutingContext ctx, String me, boolean add) {
    UUID id = pathId(ctx, "id");
    UUID message = pathId(ctx, "message_id");
    String emoji = emoji(ctx.pathParam("emoji"));
    return write(me, () -> messages.react(me, id, message, emoji, add));
  }

  // ---- the caller

  /**
   * The body handler of a call that needs a token, with the token checked before the body is read (the request stays
   * paused meanwhile), so a caller without a valid one gets 401 whatever its body holds (as the library's routes do).
   */
  private Handler<RoutingContext> authenticated(BodyHandler body) {
    // the caller, then the path's ids, then the body (docs/api.md): a malformed id is 400 whatever the body's size
    return Http.checkedBeforeBody(ctx -> users.caller(ctx).map(me -> {
      ctx.pathParams().forEach(MessagingRoutes::uuid);
      return me;
    }), body);
  }

  /** The verified caller (for the attachment routes, which share this class's checks). */
  Future<SignedIn> caller(RoutingContext ctx) {
    return users.caller(ctx);
  }

  /** Runs {@code action} as the verified caller ({@code status} 0: the action sets it); 429 with {@code Retry-After} over a limit. */
  private void authed(RoutingContext ctx, int status, Function<String, Future<?>> action) {
    Http.respond(ctx, status, () -> users.caller(ctx).compose(me -> action.apply(me.userId())), RateLimiter::fail);
  }

  /**
   * A change, counted on the caller's {@code RATE_LIMIT_MESSENGER_WRITES} (key {@code ratelimit:{messenger:<uid>}}) once
   * the request has been read and checked (a refused request costs nothing), before the database.
   */
  <T> Future<T> write(String me, Supplier<Future<T>> change) {
    return limiter.hit("messenger", me, writesPerWindow, "changes in the messenger").compose(x -> change.get());
  }

  private static JsonObject status(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status);
    return body;
  }

  // ---- parsing: every failure is invalid_argument or malformed_json, before any query

  private static JsonObject body(RoutingContext ctx) {
    JsonObject o = Http.jsonObject(ctx);
    if (o == null) {
      throw ErrorCode.MALFORMED_JSON.exception("a JSON object body is required");
    }
    return o;
  }

  /** A PATCH body: a field it does not change is refused (a typo would otherwise answer 200 and change nothing). */
  private static JsonObject only(JsonObject b, List<String> allowed) {
    for (String f : b.fieldNames()) {
      if (!allowed.contains(f)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("unknown field '" + f + "' (allowed: " + String.join(", ", allowed) + ")");
      }
    }
    if (b.isEmpty()) {
      throw ErrorCode.INVALID_ARGUMENT.exception("nothing to change: give " + String.join(", ", allowed));
    }
    return b;
  }

  private static String string(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be a string");
    }
    return (String) v;
  }

  /** A message text: 1-4000 characters after NFC, line breaks and tabs allowed, other control characters not. */
  private static String text(JsonObject b) {
    String raw = string(b, "text");
    if (raw == null) {
      throw ErrorCode.INVALID_ARGUMENT.exception("text is required");
    }
    // a CR LF or a lone CR is stored as a line feed, as the bio is (docs/api.md, Accounts)
    String t = Inputs.text("text", raw.replace("\r\n", "\n").replace('\r', '\n'), Messages.MAX_TEXT);
    // only spaces of any kind (a no-break or an ideographic space too, which String.isBlank lets through) or other
    // invisible characters (zero-width, lone marks) is no text: a reader would see an empty message
    if (!Inputs.hasVisible(t)) {
      throw ErrorCode.INVALID_ARGUMENT.exception("text must be 1-" + Messages.MAX_TEXT + " characters with a visible one, not only spaces");
    }
    return t;
  }

  /** A reaction: 1-8 characters after NFC with a visible one, no spaces or control characters (an emoji, a ZWJ sequence). */
  static String emoji(String raw) {
    String e = Inputs.text("emoji", raw == null ? "" : raw, 8);
    if (e.isEmpty() || !Inputs.hasVisible(e) || e.codePoints().anyMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp))) {
      throw ErrorCode.INVALID_ARGUMENT.exception("emoji must be 1-8 characters with a visible one and no spaces");
    }
    return e;
  }

  static UUID uuid(String field, String value) {
    return Inputs.uuid(field, value);
  }

  private static UUID pathId(RoutingContext ctx, String param) {
    return uuid(param, ctx.pathParam(param));
  }

  private static List<UUID> uuids(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray a)) {
      throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be an array of user ids");
    }
    // duplicates are dropped here (the body limit bounds the array); the member limit counts the distinct ids and the caller
    java.util.Set<UUID> out = new java.util.LinkedHashSet<>();
    for (Object o : a) {
      if (!(o instanceof String s)) {
        throw ErrorCode.INVALID_ARGUMENT.exception(field + " must be an array of user ids");
      }
      out.add(uuid(field + "[]", s));
    }
    return new ArrayList<>(out);
  }

  /** {@code attachment_ids}: absent or an array of 1-10 distinct attachment ids (a repeated one is refused, not merged). */
  private static List<UUID> attachmentIds(JsonObject b) {
    Object v = b.getValue("attachment_ids");
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray a) || a.size() > Attachments.MAX_PER_MESSAGE) {
      throw ErrorCode.INVALID_ARGUMENT.exception("attachment_ids must be an array of at most " + Attachments.MAX_PER_MESSAGE + " attachment ids");
    }
    java.util.Set<UUID> out = new java.util.LinkedHashSet<>();
    for (Object o : a) {
      if (!(o instanceof String s)) {
        throw ErrorCode.INVALID_ARGUMENT.exception("attachment_ids must be an array of attachment ids");
      }
      if (!out.add(uuid("attachment_ids[]", s))) {
        throw ErrorCode.INVALID_ARGUMENT.exception("attachment_ids names " + s + " twice");
      }
    }
    return new ArrayList<>(out);
  }

  /** {@code ?limit=}: 1-200, 50 when absent. */
  private static int limit(RoutingContext ctx) {
    return limit(ctx, 50, 200);
  }

  /** {@code ?limit=}: 1-{@code max}, {@code absent} when absent. */
  private static int limit(RoutingContext ctx, int absent, int max) {
    String v = ctx.request().getParam("limit");
    if (v == null) {
      return absent;
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

  /** {@code ?before_seq=} / {@code ?after_seq=}: an integer >= 0, or absent. */
  private static Long seqParam(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return null;
    }
    try {
      long n = Inputs.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ErrorCode.INVALID_ARGUMENT.exception(name + " must be an integer >= 0");
  }
}

package io.chorus.room;

import io.chorus.bus.ErrorCode;
import io.chorus.web.RateLimiter;
import io.chorus.web.Bearer;
import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.chorus.proto.room.CreateRoomRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * REST for the listen-together page: {@code POST /api/v1/listen/rooms} {@code {host_id?, host_name?,
 * track_url | track_id}} creates a room (the same room gRPC CreateRoom makes) and answers {@code 201
 * {room_id, host_id, token}} with the host's participant token; the page then attaches over the
 * seed WebSocket and the SockJS bridge with that token. A missing {@code host_id} gets a random one.
 * With {@code Authorization: Bearer <access JWT>} the room is the account's: {@code host_id} defaults to the
 * account's id, which only its own signed-in caller may propose (a wave room needs its host to be an account).
 * Creation is rate-limited per client IP like {@code POST /api/v1/rooms} (429 {@code rate_limited}).
 */
public final class ListenRoutes {
  static final int MAX_BODY = 16 * 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ListenRoutes() {
  }

  /**
   * {@code createLimit}: rooms per client IP and window of {@code limiter} (0: unlimited), counted on
   * the same counter as {@code POST /api/v1/rooms} (both create the same rooms).
   */
  public static void mount(Router router, RoomClient rooms, ParticipantTokens tokens, RateLimiter limiter, int createLimit,
                           SignedIn.Verifier accounts) {
    router.post("/api/v1/listen/rooms")
        .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
        .handler(ctx -> signedIn(ctx, accounts).onComplete(ar -> {
          if (ar.failed()) {
            Http.fail(ctx, ar.cause());
          } else {
            create(ctx, rooms, tokens, limiter, createLimit, ar.result() == null ? "" : ar.result().userId(),
                ar.result() == null || ar.result().name() == null ? "" : ar.result().name());
          }
        }));
  }

  /**
   * The sign-in of a presented {@code Authorization: Bearer} token (null without one); a bad token, or one where no
   * accounts are served, fails UNAUTHENTICATED before anything else is looked at.
   */
  private static Future<SignedIn> signedIn(RoutingContext ctx, SignedIn.Verifier accounts) {
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization == null) {
      return Future.succeededFuture(null);
    }
    String jwt = Bearer.token(authorization);
    if (jwt == null || accounts == null) {
      return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("Authorization must be Bearer <access token>"));
    }
    return accounts.verify(jwt)
        .recover(e -> Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("access token refused: " + e.getMessage())));
  }

  private static void create(RoutingContext ctx, RoomClient rooms, ParticipantTokens tokens, RateLimiter limiter, int createLimit,
                             String account, String username) {
    JsonObject body;
    try {
      body = Http.jsonObject(ctx);
    } catch (io.chorus.bus.ChorusException e) {
      Http.error(ctx, e.code(), e.getMessage());
      return;
    }
    if (body == null) {
      Http.error(ctx, ErrorCode.MALFORMED_JSON, "body must be a JSON object {host_id, host_name, track_url}");
      return;
    }
    String hostId;
    String hostName;
    String trackUrl;
    String trackId;
    try {
      hostId = optionalString(body, "host_id");
      hostName = optionalString(body, "host_name");
      trackUrl = optionalString(body, "track_url");
      trackId = optionalString(body, "track_id");
    } catch (IllegalArgumentException e) {
      Http.error(ctx, ErrorCode.INVALID_ARGUMENT, e.getMessage());
      return;
    }
    if ((trackUrl == null || trackUrl.isBlank()) && (trackId == null || trackId.isEmpty())) {
      Http.error(ctx, ErrorCode.INVALID_ARGUMENT, "track_url or track_id is required");
      return;
    }
    if (hostId == null || hostId.isBlank()) {
      hostId = account.isEmpty() ? "u-" + HexFormat.of().formatHex(randomBytes()) : account;
    }
    String host = hostId;
    if ((hostName == null || hostName.isEmpty()) && !account.isEmpty() && host.equals(account)) {
      hostName = username;   // as on /ws: a signed-in member's name defaults to the username
    }
    CreateRoomRequest req = CreateRoomRequest.newBuilder().setHostId(host).setHostName(hostName == null ? "" : hostName)
        .setTrackUrl(trackUrl == null ? "" : trackUrl).setTrackId(trackId == null ? "" : trackId).build();
    limiter.hit(RateLimiter.ROOM_CREATE, RateLimiter.clientIp(ctx.request()), createLimit, "rooms created from this address")
        .compose(v -> rooms.create(req, false, account)).onComplete(ar -> {
      if (ar.failed()) {
        RateLimiter.fail(ctx, ar.cause());
        return;
      }
      RoomState room = ar.result();
      Http.json(ctx, 201, new JsonObject().put("room_id", room.roomId()).put("host_id", host)
          .put("token", tokens.issue(room.roomId(), host, "host")));
    });
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  private static String optionalString(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return (String) v;
  }
}

package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.proto.room.SetPlaybackRequest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SockJS event-bus bridge at {@code /eventbus}: deny by default; in: clock sync and host
 * controls; out: room events. The hook checks the participant token (header {@code token}) on
 * REGISTER and SEND, requires current membership to listen to a room, and stamps the verified
 * sender into the {@code actor} header, replacing whatever the client sent.
 */
public final class RoomBridge {
  private static final Logger LOG = LoggerFactory.getLogger(RoomBridge.class);
  private static final Pattern ROOM_ADDRESS = Pattern.compile(Pattern.quote(Addresses.ROOM_EVENTS_PREFIX) + "([A-Za-z0-9]{4,32})");

  private final Vertx vertx;
  private final RoomClient rooms;
  private final ParticipantTokens tokens;
  private final List<String> allowedOrigins;

  public RoomBridge(Vertx vertx, RoomClient rooms, ParticipantTokens tokens, List<String> allowedOrigins) {
    this.vertx = vertx;
    this.rooms = rooms;
    this.tokens = tokens;
    this.allowedOrigins = allowedOrigins;
  }

  public Router router() {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .setMaxAddressLength(128)
        .setMaxHandlersPerSocket(16)
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLOCK))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.ROOM_CONTROL_IN))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(ROOM_ADDRESS.pattern()));
    return SockJSHandler.create(vertx, new SockJSHandlerOptions().setRegisterWriteHandler(false))
        .bridge(options, this::onEvent);
  }

  /** The consumers behind the inbound addresses; local so a reply comes from the node the client talks to. */
  public List<MessageConsumer<JsonObject>> consumers() {
    MessageConsumer<JsonObject> clock = vertx.eventBus().localConsumer(Addresses.CLOCK, msg -> {
      long t1 = System.currentTimeMillis();
      Object t0 = msg.body() == null ? null : msg.body().getValue("t0");
      msg.reply(ClockSync.reply(t0, t1));
    });
    MessageConsumer<JsonObject> control = vertx.eventBus().localConsumer(Addresses.ROOM_CONTROL_IN, msg -> {
      String actor = msg.headers().get("actor");
      JsonObject body = msg.body();
      if (actor == null || body == null) {
        msg.fail(ErrorCode.UNAUTHENTICATED.code(), "no verified sender");
        return;
      }
      Object position = body.getValue("position");
      long positionMs = position instanceof Number n ? Math.round(n.doubleValue() * 1000) : -1;
      SetPlaybackRequest req = SetPlaybackRequest.newBuilder().setRoomId(RoomIds.normalize(body.getString("room_id")))
          .setAction(String.valueOf(body.getValue("action"))).setPositionMs(Math.max(positionMs, 0))
          .setTimestamp(positionMs < 0 ? -1 : positionMs / 1000).build();
      rooms.control(req, actor)
          .onSuccess(room -> msg.reply(new JsonObject().put("ok", true).put("version", room.version())))
          .onFailure(e -> {
            ErrorCode code = ErrorCode.of(e);
            msg.fail(code.code(), String.valueOf(e.getMessage()));
          });
    });
    return List.of(clock, control);
  }

  private void onEvent(BridgeEvent event) {
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> event.complete(originAllowed(event.socket().headers().get("origin")));
      case REGISTER -> register(event);
      case SEND -> send(event);
      case PUBLISH -> event.complete(false);
      default -> event.complete(true);
    }
  }

  private void register(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    Matcher m = ROOM_ADDRESS.matcher(raw.getString("address", ""));
    if (!m.matches()) {
      event.complete(false);
      return;
    }
    String roomId = m.group(1);
    ParticipantTokens.Identity id;
    try {
      id = tokens.verify(token(raw), roomId);
    } catch (ChorusException e) {
      LOG.debug("Bridge REGISTER to {} refused: {}", roomId, e.getMessage());
      event.complete(false);
      return;
    }
    rooms.member(roomId, id.participantId())
        .onComplete(ar -> event.complete(ar.succeeded() && ar.result().isMember(id.participantId())));
  }

  private void send(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    String address = raw.getString("address", "");
    JsonObject headers = new JsonObject();
    if (Addresses.ROOM_CONTROL_IN.equals(address)) {
      Object body = raw.getValue("body");
      if (!(body instanceof JsonObject b) || !(b.getValue("room_id") instanceof String roomId)) {
        event.complete(false);
        return;
      }
      try {
        ParticipantTokens.Identity id = tokens.verify(token(raw), RoomIds.normalize(roomId));
        headers.put("actor", id.participantId());
      } catch (ChorusException e) {
        event.complete(false);
        return;
      }
    }
    // whatever headers the client sent are replaced by the verified ones
    raw.put("headers", headers);
    event.setRawMessage(raw);
    event.complete(true);
  }

  private static String token(JsonObject raw) {
    JsonObject headers = raw.getJsonObject("headers");
    return headers == null ? null : headers.getString("token");
  }

  private boolean originAllowed(String origin) {
    return origin == null || allowedOrigins.contains("*") || allowedOrigins.contains(origin);
  }
}

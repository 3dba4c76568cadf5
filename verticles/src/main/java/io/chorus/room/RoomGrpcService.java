package io.chorus.room;

import io.chorus.bus.Addresses;
import io.chorus.realtime.Hub;
import io.chorus.realtime.Sequencer;
import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.proto.room.ChangeTrackRequest;
import io.chorus.proto.room.CreateRoomRequest;
import io.chorus.proto.room.GetStateRequest;
import io.chorus.proto.room.JoinRoomRequest;
import io.chorus.proto.room.LeaveRoomRequest;
import io.chorus.proto.room.RoomEvent;
import io.chorus.proto.room.RoomResponse;
import io.chorus.proto.room.RoomServiceService;
import io.chorus.proto.room.SetPlaybackRequest;
import io.chorus.proto.room.TransferHostRequest;
import io.chorus.proto.room.WatchRoomRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.impl.GrpcWriteStreamBase;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.StatusException;

/**
 * Seed 000's gRPC RoomService (plus Chorus's additions), forwarding to the RoomVerticle over the
 * bus. Callers hold the API key, so they act as trusted services: no participant token needed.
 */
public final class RoomGrpcService extends RoomServiceService {
  /** Events a WatchRoom stream may have waiting for a client that does not read before it is ended (RESOURCE_EXHAUSTED). */
  static final int MAX_WAITING_EVENTS = 256;
  private final Vertx vertx;
  private final Hub hub;
  private final RoomClient rooms;
  private final ParticipantTokens tokens;

  /** Rooms a signed-in user creates count on REST's per-IP creation limit (null: no limit). */
  private final io.chorus.web.RateLimiter limiter;
  private final int createLimit;

  public RoomGrpcService(Vertx vertx, Hub hub, RoomClient rooms, ParticipantTokens tokens) {
    this(vertx, hub, rooms, tokens, null, 0);
  }

  /** {@code limiter}, {@code createLimit}: RATE_LIMIT_ROOM_CREATE, counted for calls made with a user's access JWT. */
  public RoomGrpcService(Vertx vertx, Hub hub, RoomClient rooms, ParticipantTokens tokens, io.chorus.web.RateLimiter limiter,
                         int createLimit) {
    this.limiter = limiter;
    this.createLimit = createLimit;
    this.vertx = vertx;
    this.hub = hub;
    this.rooms = rooms;
    this.tokens = tokens;
  }

  /**
   * A call made with a user's access JWT (not the service API key) acts as that user: it creates and
   * joins as them, controls as them (host rules apply), and may not name anybody else.
   */
  private static String caller() {
    return io.chorus.web.Caller.user();
  }

  /** The signed-in caller's username ("" when unknown): the name a member it makes has unless the call gives one. */
  private static String signedInName() {
    io.chorus.web.SignedIn who = io.chorus.web.Caller.signedIn();
    return who == null || who.name() == null ? "" : who.name();
  }

  /** The actor of a command: the signed-in caller, or "" for a trusted service. */
  private static String actor() {
    String user = caller();
    return user == null ? "" : user;
  }

  private static <T> Future<T> notYou(String field) {
    return Future.failedFuture(new StatusException(GrpcStatus.PERMISSION_DENIED, field + " must be the signed-in caller's id"));
  }

  @Override
  public Future<RoomResponse> createRoom(CreateRoomRequest request) {
    String user = caller();
    if (user != null) {
      if (!request.getHostId().isEmpty() && !request.getHostId().equals(user)) {
        return notYou("host_id");
      }
      // as on /ws: a signed-in member's name defaults to the username
      request = request.toBuilder().setHostId(user)
          .setHostName(request.getHostName().isEmpty() ? signedInName() : request.getHostName()).build();
    }
    CreateRoomRequest req = request;
    // a signed-in user is no trusted service: its rooms count on the per-IP limit of the REST creates (one counter)
    Future<Void> allowed = user == null || limiter == null || io.chorus.web.Caller.address() == null ? Future.succeededFuture()
        : limiter.hit(io.chorus.web.RateLimiter.ROOM_CREATE, io.chorus.web.Caller.address(), createLimit, "rooms created from this address");
    // with the API key (no user) an account's id is PERMISSION_DENIED (RoomClient): it belongs to the account
    return allowed.compose(v -> rooms.create(req, false, user == null ? "" : user)).map(room -> response(room, req.getHostId(), "host"))
        .recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> joinRoom(JoinRoomRequest request) {
    String user = caller();
    if (user != null && !request.getUserId().isEmpty() && !request.getUserId().equals(user)) {
      return notYou("user_id");
    }
    JoinRoomRequest normalized = request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId()))
        .setUserId(user != null ? user : request.getUserId())
        .setUserName(user != null && request.getUserName().isEmpty() ? signedInName() : request.getUserName()).build();
    // a signed-in caller proved the id, so it may re-join; a service names a new id
    return rooms.join(normalized, false, user == null, user == null ? "" : user).map(room -> response(room, normalized.getUserId(), "participant"))
        .recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> setPlayback(SetPlaybackRequest request) {
    return rooms.control(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build(), actor())
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> getState(GetStateRequest request) {
    return rooms.get(RoomIds.normalize(request.getRoomId())).map(room -> room.toResponse(System.currentTimeMillis()))
        .recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> leaveRoom(LeaveRoomRequest request) {
    String user = caller();
    if (user != null && !request.getUserId().isEmpty() && !request.getUserId().equals(user)) {
      return notYou("user_id");
    }
    return rooms.leave(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId()))
            .setUserId(user != null ? user : request.getUserId()).build(), false)
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> transferHost(TransferHostRequest request) {
    return rooms.transfer(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build(), actor())
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  @Override
  public Future<RoomResponse> changeTrack(ChangeTrackRequest request) {
    return rooms.changeTrack(request.toBuilder().setRoomId(RoomIds.normalize(request.getRoomId())).build(), actor())
        .map(room -> room.toResponse(System.currentTimeMillis())).recover(RoomGrpcService::status);
  }

  /**
   * Streams the current state, then one event per change, until the client cancels or the room
   * expires. The stream's bus consumer is released as soon as the client cancels (or the connection
   * fails), not at the room's next event; a cancel is normal and logs nothing. Events are written in version
   * order (events made through different nodes cross on the bus: a {@link Sequencer} holds one that skips a
   * version up to {@link RoomFanout#HOLD_MS}), each with the room after that change ({@link WatchedRoom}); the
   * changes the first state already shows are not sent again.
   */
  @Override
  protected void watchRoom(WatchRoomRequest request, WriteStream<RoomEvent> response) {
    String roomId = RoomIds.normalize(request.getRoomId());
    GrpcServerResponse<?, ?> grpc = (GrpcServerResponse<?, ?>) response;
    Watch watch = new Watch();
    onCancel(grpc, watch::release);
    grpc.exceptionHandler(e -> watch.release());
    io.chorus.web.SignedIn who = io.chorus.web.Caller.signedIn();
    if (who != null) {
      endWithTheSignIn(who, watch, grpc);
    }
    rooms.get(roomId).onFailure(e -> {
      if (!watch.released) {
        watch.release();
        grpc.fail(toStatus(e));
      }
    }).onSuccess(found -> {
      if (watch.released) {
        return; // cancelled while the room was looked up
      }
      // one write at a time, in version order; the first is the room as read once the subscription is made
      io.vertx.core.Promise<Void> info = io.vertx.core.Promise.promise();
      Future<?>[] chain = {info.future()};
      RoomState[] shown = {null};
      long[] infoVersion = {-1};
      java.util.function.Consumer<JsonObject> onEvent = event -> {
        if (watch.released) {
          return;
        }
        if ("room_ended".equals(event.getString("type"))) {
          // the room is gone (RoomLifecycle.end): a last room_closed event after the ones before it, then the stream ends
          // with OK, rather than failing NOT_FOUND on reading a state that no longer exists
          watch.release();
          chain[0].transform(ignored -> write(response, RoomEvent.newBuilder().setType("room_closed")
                  .setState(RoomResponse.newBuilder().setRoomId(roomId)).build()))
              .onComplete(ar -> {
                if (ar.succeeded()) {
                  response.end();
                }
              });
          return;
        }
        if (watch.waiting >= MAX_WAITING_EVENTS || grpc.writeQueueFull()) {
          // a watcher that does not take its events: ended, rather than events kept for it without bound
          watch.release();
          grpc.fail(new StatusException(GrpcStatus.RESOURCE_EXHAUSTED, "too slow: the stream fell "
              + MAX_WAITING_EVENTS + " events behind; watch the room again"));
          return;
        }
        watch.waiting++;
        chain[0] = chain[0].transform(ignored -> {
          if (event.getLong("version", -1L) <= infoVersion[0]) {
            return Future.succeededFuture(null); // the first state shows it already
          }
          RoomState next = shown[0] == null ? null : WatchedRoom.apply(shown[0], event);
          // a change the event does not describe fully (a skipped version, a quiet join in a big room): read the room
          return next != null ? Future.succeededFuture(next) : rooms.get(roomId);
        }).compose(now -> {
          if (now == null || watch.released) {
            return Future.succeededFuture();
          }
          shown[0] = now;
          return write(response, RoomEvent.newBuilder().setType(event.getString("type", "")).setUserId(event.getString("user_id", ""))
              .setState(now.toResponse(System.currentTimeMillis())).build());
        }).onComplete(ar -> watch.waiting--)
            .onFailure(e -> {
              boolean open = !watch.released;
              watch.release();
              if (open && e instanceof ChorusException) {
                grpc.fail(toStatus(e));
              }
            });
      };
      Sequencer<JsonObject> order = new Sequencer<>(-1, RoomFanout.HOLD_MS, true, new Sequencer.Timers() {
        @Override
        public long set(long delayMs, Runnable action) {
          return vertx.setTimer(delayMs, t -> action.run());
        }

        @Override
        public void cancel(long id) {
          vertx.cancelTimer(id);
        }
      }, onEvent, Sequencer::release);
      watch.order = order;
      Hub.Subscription subscription = hub.subscribe(Addresses.roomEvents(roomId), d -> {
        JsonObject event = d.json();
        if (event == null || watch.released) {
          return;
        }
        if (event.getValue("version") instanceof Number v) {
          order.offer(v.longValue(), event);
        } else {
          order.release(); // a room_ended without a version (its state already gone): after everything held
          onEvent.accept(event);
        }
      });
      watch.subscription = subscription;
      subscription.ready().compose(v -> watch.listening).compose(v -> watch.released ? Future.succeededFuture(null) : rooms.get(roomId)).onComplete(ar -> {
        if (watch.released) {
          info.tryComplete();
          return;
        }
        // the room as it is now that the subscription is made: every later change comes as an event
        RoomState room = ar.succeeded() && ar.result() != null ? ar.result() : found;
        shown[0] = room;
        infoVersion[0] = room.version();
        write(response, RoomEvent.newBuilder().setType("room_info").setState(room.toResponse(System.currentTimeMillis())).build())
            .onComplete(w -> {
              if (w.failed()) {
                watch.release();
              }
              info.tryComplete();
            });
      });
    });
  }

  /**
   * A stream opened with a user's access JWT ends as that user's sockets do (UNAUTHENTICATED): when the account is
   * disabled, when the sign-in session ends (sign-out, logout-all, a password change) and when the token expires.
   * The stream's first state waits until it listens for those events, so one that comes after it is heard.
   */
  private void endWithTheSignIn(io.chorus.web.SignedIn who, Watch watch, GrpcServerResponse<?, ?> grpc) {
    java.util.function.Consumer<String> end = why -> {
      if (!watch.released) {
        watch.release();
        grpc.fail(new StatusException(GrpcStatus.UNAUTHENTICATED, why + ": watch the room again with a new token"));
      }
    };
    MessageConsumer<JsonObject> disabled = vertx.eventBus().consumer(Addresses.USER_DISABLED, m -> {
      if (m.body() != null && who.userId().equals(m.body().getString("user_id"))) {
        end.accept("the account was disabled");
      }
    });
    MessageConsumer<JsonObject> signedOut = vertx.eventBus().consumer(Addresses.USER_SESSIONS_REVOKED, m -> {
      io.chorus.web.SignedIn.SessionsEnded ended = io.chorus.web.SignedIn.SessionsEnded.from(m.body());
      if (ended != null && who.userId().equals(ended.userId()) && ended.ends(who.sessionId())) {
        end.accept("the sign-in session ended");
      }
    });
    long expiry = vertx.setTimer(Math.max(1, who.expiresAtMillis() - System.currentTimeMillis()), t -> end.accept("the access token expired"));
    watch.listening = Future.all(disabled.completion(), signedOut.completion()).mapEmpty();
    watch.onRelease = () -> {
      disabled.unregister();
      signedOut.unregister();
      vertx.cancelTimer(expiry);
    };
  }

  /** Vert.x gRPC throws (rather than fails the future) on a write to a stream that has failed. */
  private static Future<Void> write(WriteStream<RoomEvent> response, RoomEvent event) {
    try {
      return response.write(event);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** A WatchRoom stream's bus consumer, released once (cancel, connection failure, write failure). Event-loop confined. */
  private static final class Watch {
    boolean released;
    Sequencer<JsonObject> order;
    /** Events received and not yet written (each waits for the write before it, which waits for the client's window). */
    int waiting;
    Hub.Subscription subscription;
    /** Done once a signed-in stream listens for the end of its sign-in (at once for a service's stream). */
    Future<Void> listening = Future.succeededFuture();
    /** Stops listening for the end of the sign-in (nothing for a service's stream). */
    Runnable onRelease = () -> { };

    void release() {
      if (!released) {
        onRelease.run();
      }
      released = true;
      if (order != null) {
        order.close();
      }
      if (subscription != null) {
        subscription.close();
        subscription = null;
      }
    }
  }

  /**
   * Runs {@code release} when the client cancels the call. Vert.x gRPC 5.0 reports a cancel (an HTTP/2
   * RST_STREAM) only to the response's error handler, which its public interface does not expose
   * (the response's exception handler is not called for it), hence the implementation class.
   */
  private static void onCancel(GrpcServerResponse<?, ?> grpc, Runnable release) {
    if (grpc instanceof GrpcWriteStreamBase<?, ?> stream) {
      if (stream.isCancelled()) {
        release.run();
      } else {
        stream.errorHandler(error -> release.run());
      }
    }
  }

  private RoomResponse response(RoomState room, String userId, String role) {
    return room.toResponse(System.currentTimeMillis()).toBuilder()
        .setParticipantToken(tokens.issue(room.roomId(), userId, role)).build();
  }

  private static <T> Future<T> status(Throwable e) {
    return Future.failedFuture(toStatus(e));
  }

  static StatusException toStatus(Throwable e) {
    if (e instanceof io.chorus.web.RateLimiter.RateLimited) {
      return new StatusException(GrpcStatus.valueOf(ErrorCode.RATE_LIMITED.grpcStatus()), e.getMessage());
    }
    ErrorCode code = e instanceof ChorusException ce ? ce.code() : ErrorCode.of(e);
    return new StatusException(GrpcStatus.valueOf(code.grpcStatus()), code == ErrorCode.INTERNAL ? "internal error" : e.getMessage());
  }
}

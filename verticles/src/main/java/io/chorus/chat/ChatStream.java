package io.chorus.chat;

import io.chorus.realtime.ErrorFrame;
import io.chorus.realtime.Fanout;
import io.chorus.realtime.Frame;
import io.chorus.realtime.Sequencer;
import io.chorus.realtime.WsSink;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One chat socket's ordered, gap-free, duplicate-free stream. Every message has a per-room
 * {@code seq} assigned atomically with its write; the stream's {@link Sequencer} only ever sends
 * {@code message_created} for the next seq. Events that arrive ahead of a gap wait for the missing
 * ones: messages sent through different nodes cross on the bus, and the missing event normally
 * arrives a moment later. Only a gap still open after {@link #GAP_GRACE_MS} is read from Redis
 * ({@code after=lastSeq}): reading at once made every stream of a busy room hit Redis for each
 * crossing (bench-chat: 12 reads per message at 500 msg/s). A read also returns the room's head seq,
 * and everything up to the head is then known (missing numbers were deleted). Reads also run shortly
 * after the socket opens, covering the moment the bus registration takes to reach other nodes.
 * Writes go through the real-time core's slow-consumer policy. Event-loop confined.
 */
final class ChatStream {
  private static final int FIRST_PAGE = 50;
  private static final long[] CATCH_UP_MS = {300, 1500};
  static final long GAP_GRACE_MS = 50;

  private final Vertx vertx;
  private final WsSink sink;
  private final String roomId;
  private final String participantId;
  private final ChatService chat;
  private final List<JsonObject> early = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private final Sequencer.Timers sequencerTimers;
  /** Set once the replay is written; until then live events wait in {@code early}. */
  private Sequencer<Pending> order;
  /**
   * The oldest seq the client can have: the first replayed one when it connected without {@code after} (the newest
   * page only); with {@code after} it may have everything before. Edits and deletions of older messages are not sent.
   */
  private long oldestHeld = 1;
  private boolean fetching;
  private boolean fetchAgain;
  private boolean closed;
  /** The account of a signed-in socket (null for a participant token): ended when the account is disabled. */
  String userId;
  /** The sign-in session whose access token opened a signed-in socket (null for a participant token). */
  String sessionId;

  ChatStream(Vertx vertx, WsSink sink, String roomId, String participantId, ChatService chat) {
    this.vertx = vertx;
    this.sink = sink;
    this.roomId = roomId;
    this.participantId = participantId;
    this.chat = chat;
    this.sequencerTimers = new Sequencer.Timers() {
      @Override
      public long set(long delayMs, Runnable action) {
        return vertx.setTimer(delayMs, t -> action.run());
      }

      @Override
      public void cancel(long id) {
        vertx.cancelTimer(id);
      }
    };
  }

  String roomId() {
    return roomId;
  }

  String participantId() {
    return participantId;
  }

  WsSink sink() {
    return sink;
  }

  boolean isClosed() {
    return closed;
  }

  /** A timer of this socket's (e.g. its token's expiry), cancelled when the stream closes. */
  void timer(long id) {
    timers.add(id);
  }

  /** Replays from {@code after} (empty: the newest page), then goes live. */
  void start(String after) {
    chat.list(roomId, after, after.isEmpty() ? FIRST_PAGE : chat.pageMax()).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        // 4000 + the HTTP status, as every refusal: a malformed cursor is 4400, an unknown message id 4404 (REST's 404)
        io.chorus.bus.ErrorCode code = io.chorus.bus.ErrorCode.of(ar.cause());
        sendError(code.slug(), String.valueOf(ar.cause().getMessage()));
        sink.socket().close((short) (4000 + code.httpStatus()), code.slug());
        return;
      }
      ChatStore.Page page = ar.result();
      long last = 0;
      if (!after.isEmpty() && after.matches("\\d{1,18}")) {
        last = Long.parseLong(after);
      }
      for (JsonObject m : page.messages()) {
        last = Math.max(last, m.getLong("seq"));
        sendCreated(m, true);
      }
      if (!page.more()) {
        last = Math.max(last, page.head());
      }
      if (after.isEmpty()) {
        oldestHeld = page.messages().isEmpty() ? last + 1 : page.messages().get(0).getLong("seq");
      }
      order = new Sequencer<>(last, GAP_GRACE_MS, false, sequencerTimers, this::send, s -> fetch());
      write(new JsonObject().put("type", "synced").put("room_id", roomId).put("participant_id", participantId)
          .put("last_seq", last).put("head_seq", page.head()));
      List<JsonObject> held = new ArrayList<>(early);
      early.clear();
      held.forEach(e -> onEvent(e, null));
      if (page.more()) {
        fetch();
      }
      for (long delay : CATCH_UP_MS) {
        timers.add(vertx.setTimer(delay, t -> fetch()));
      }
    });
  }

  /**
   * {@code frame}: the event already encoded (once per node, not once per socket) when it is a
   * {@code message_created} exactly as this stream would write it.
   */
  void onEvent(JsonObject event, Frame frame) {
    if (closed) {
      return;
    }
    if (order == null) {
      early.add(event);
      return;
    }
    long seq = event.getLong("seq", 0L);
    switch (event.getString("type", "")) {
      case "message_created" -> order.offer(seq, new Pending(event.getJsonObject("message"), frame));
      case "message_updated" -> {
        if (seq < oldestHeld) {
          return;   // older than what the client was given
        }
        if (seq <= order.last()) {
          write(event);
        } else {
          order.replaceHeld(seq, new Pending(event.getJsonObject("message"), null));
        }
      }
      case "message_deleted" -> {
        if (seq < oldestHeld) {
          return;
        }
        if (seq <= order.last()) {
          write(event);
        } else {
          order.skip(seq);
        }
      }
      case "room_ended" -> {
        write(event);
        sink.socket().close((short) 1000, "room ended");
      }
      default -> {
        // nothing else is part of the chat stream
      }
    }
  }

  /** Reads everything after the last seq sent from Redis; one read at a time. */
  private void fetch() {
    if (closed || order == null) {
      return;
    }
    if (fetching) {
      fetchAgain = true;
      return;
    }
    fetching = true;
    chat.list(roomId, Long.toString(order.last()), chat.pageMax()).onComplete(ar -> {
      fetching = false;
      if (closed) {
        return;
      }
      if (ar.failed()) {
        // Redis hiccup: try again shortly rather than spin
        timers.add(vertx.setTimer(500, t -> fetch()));
        return;
      }
      ChatStore.Page page = ar.result();
      for (JsonObject m : page.messages()) {
        long seq = m.getLong("seq");
        if (seq > order.last()) {
          Pending newer = order.heldAt(seq);
          sendCreated(newer != null ? newer.message() : m, false);
          order.advanceTo(seq);
        }
      }
      if (!page.more()) {
        order.advanceTo(page.head());
      }
      if (page.more() || fetchAgain) {
        fetchAgain = false;
        fetch();
      }
    });
  }

  private void send(Pending p) {
    if (p.frame() != null) {
      writeEncoded(p.frame());
    } else {
      sendCreated(p.message(), false);
    }
  }

  private void sendCreated(JsonObject message, boolean replay) {
    JsonObject ev = new JsonObject().put("type", "message_created").put("room_id", roomId).put("seq", message.getLong("seq"))
        .put("message", message);
    if (replay) {
      ev.put("replay", true);
    }
    write(ev);
  }

  void sendError(String code, String message) {
    write(ErrorFrame.of(code, message));
  }

  /** The answer to a client's ping, under the same slow-socket policy as events: a client that pings but never reads is closed. */
  void sendPong() {
    write(new JsonObject().put("type", "pong"));
  }

  private void write(JsonObject frame) {
    writeEncoded(Frame.of(frame.encode()));
  }

  private void writeEncoded(Frame frame) {
    if (!closed) {
      // too slow: the client reconnects with after=<last seq> and misses nothing
      Fanout.offer(sink, frame, null);
    }
  }

  void close() {
    closed = true;
    timers.forEach(vertx::cancelTimer);
    if (order != null) {
      order.close();
    }
  }

  private record Pending(JsonObject message, Frame frame) {
  }
}

package io.chorus.chat;

import io.chorus.gateway.SocketDrop;
import io.chorus.gateway.TextFrame;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * One chat socket's ordered, gap-free, duplicate-free stream. Every message has a per-room
 * {@code seq} assigned atomically with its write; the stream keeps the last seq it sent and only
 * ever sends {@code message_created} for {@code lastSeq + 1}. Events that arrive ahead of a gap wait
 * for the missing ones: messages sent through different nodes cross on the bus, and the missing
 * event normally arrives a moment later. Only a gap still open after {@link #GAP_GRACE_MS} is read
 * from Redis ({@code after=lastSeq}): reading at once made every stream of a busy room hit Redis for
 * each crossing (bench-chat: 12 reads per message at 500 msg/s). A read also returns the room's head seq,
 * and everything up to the head is then known (missing numbers were deleted). Reads also run shortly
 * after the socket opens, covering the moment the bus registration takes to reach other nodes.
 * Event-loop confined.
 */
final class ChatStream {
  private static final int FIRST_PAGE = 50;
  private static final long[] CATCH_UP_MS = {300, 1500};
  static final long GAP_GRACE_MS = 50;

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final String roomId;
  private final ChatService chat;
  /** Messages ahead of a gap; {@code frame}: the bus event's encoding, shared by this node's streams. */
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final Set<Long> deletedAhead = new HashSet<>();
  private final List<JsonObject> early = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private long lastSeq = -1;
  private long gapTimer = -1;
  private boolean started;
  private boolean fetching;
  private boolean fetchAgain;
  private boolean closed;
  private final SocketDrop drop;
  private final io.netty.channel.Channel connection;

  private final String participantId;

  ChatStream(Vertx vertx, ServerWebSocket ws, String roomId, String participantId, ChatService chat, SocketDrop drop,
             io.netty.channel.Channel connection) {
    this.vertx = vertx;
    this.participantId = participantId;
    this.drop = drop;
    this.connection = connection;
    this.ws = ws;
    this.roomId = roomId;
    this.chat = chat;
  }

  String roomId() {
    return roomId;
  }

  String participantId() {
    return participantId;
  }

  ServerWebSocket socket() {
    return ws;
  }

  boolean isClosed() {
    return closed;
  }

  /** A timer of this socket's (e.g. its token's expiry), cancelled when the stream closes. */
  void timer(long id) {
    timers.add(id);
  }

  /** Replays from {@code after} (empty: the newest page), then goes live. */
  void start(String after, String participantId) {
    chat.list(roomId, after, after.isEmpty() ? FIRST_PAGE : chat.pageMax()).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        sendError(io.chorus.bus.ErrorCode.of(ar.cause()).slug(), String.valueOf(ar.cause().getMessage()));
        ws.close((short) 4400, "bad cursor");
        return;
      }
      ChatStore.Page page = ar.result();
      lastSeq = 0;
      if (!after.isEmpty() && after.matches("\\d{1,18}")) {
        lastSeq = Long.parseLong(after);
      }
      for (JsonObject m : page.messages()) {
        sendCreated(m, true);
      }
      if (!page.more()) {
        lastSeq = Math.max(lastSeq, page.head());
      }
      started = true;
      write(new JsonObject().put("type", "synced").put("room_id", roomId).put("participant_id", participantId)
          .put("last_seq", lastSeq).put("head_seq", page.head()));
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
  void onEvent(JsonObject event, TextFrame frame) {
    if (closed) {
      return;
    }
    if (!started) {
      early.add(event);
      return;
    }
    String type = event.getString("type", "");
    long seq = event.getLong("seq", 0L);
    switch (type) {
      case "message_created" -> {
        if (seq > lastSeq) {
          pending.put(seq, new Pending(event.getJsonObject("message"), frame));
          drain();
        }
      }
      case "message_updated" -> {
        if (seq <= lastSeq) {
          write(event);
        } else if (pending.containsKey(seq)) {
          pending.put(seq, new Pending(event.getJsonObject("message"), null));
        }
      }
      case "message_deleted" -> {
        if (seq <= lastSeq) {
          write(event);
        } else {
          pending.remove(seq);
          deletedAhead.add(seq);
          drain();
        }
      }
      case "room_ended" -> {
        write(event);
        ws.close((short) 1000, "room ended");
      }
      default -> {
        // playback and presence events are not part of the chat stream
      }
    }
  }

  private void drain() {
    while (true) {
      long next = lastSeq + 1;
      Pending p = pending.remove(next);
      if (p != null) {
        if (p.frame() != null) {
          lastSeq = next;
          writeEncoded(p.frame());
        } else {
          sendCreated(p.message(), false);
        }
      } else if (deletedAhead.remove(next)) {
        lastSeq = next;
      } else {
        break;
      }
    }
    if (pending.isEmpty()) {
      if (gapTimer >= 0) {
        vertx.cancelTimer(gapTimer);
        gapTimer = -1;
      }
    } else if (gapTimer < 0) {
      gapTimer = vertx.setTimer(GAP_GRACE_MS, t -> {
        gapTimer = -1;
        if (!pending.isEmpty()) {
          fetch();
        }
      });
    }
  }

  /** Reads everything after {@code lastSeq} from Redis; one read at a time. */
  private void fetch() {
    if (closed || !started) {
      return;
    }
    if (fetching) {
      fetchAgain = true;
      return;
    }
    fetching = true;
    chat.list(roomId, Long.toString(lastSeq), chat.pageMax()).onComplete(ar -> {
      fetching = false;
      if (closed) {
        return;
      }
      if (ar.failed()) {
        // Redis hiccup: try again shortly rather than spin
        timers.add(vertx.setTimer(500, t -> fetch()));
        return;
      }
      boolean more;
      {
        ChatStore.Page page = ar.result();
        for (JsonObject m : page.messages()) {
          if (m.getLong("seq") > lastSeq) {
            Pending newer = pending.get(m.getLong("seq"));
            sendCreated(newer != null ? newer.message() : m, false);
          }
        }
        more = page.more();
        if (!more) {
          lastSeq = Math.max(lastSeq, page.head());
        }
        pending.headMap(lastSeq, true).clear();
        deletedAhead.removeIf(s -> s <= lastSeq);
      }
      if (more || fetchAgain) {
        fetchAgain = false;
        fetch();
      } else {
        drain();
      }
    });
  }

  private void sendCreated(JsonObject message, boolean replay) {
    long seq = message.getLong("seq");
    lastSeq = Math.max(lastSeq, seq);
    JsonObject ev = new JsonObject().put("type", "message_created").put("room_id", roomId).put("seq", seq).put("message", message);
    if (replay) {
      ev.put("replay", true);
    }
    write(ev);
  }

  void sendError(String code, String message) {
    write(new JsonObject().put("type", "error").put("code", code).put("message", message));
  }

  private void write(JsonObject frame) {
    writeEncoded(TextFrame.of(frame.encode()));
  }

  private void writeEncoded(TextFrame frame) {
    if (closed || ws.isClosed()) {
      return;
    }
    if (ws.writeQueueFull()) {
      // too slow: it reconnects with after=<last seq> and misses nothing
      drop.close(ws, connection, (short) 1013, "too slow: reconnect with after=<last seq>");
      return;
    }
    frame.writeTo(ws);
  }

  void close() {
    closed = true;
    timers.forEach(vertx::cancelTimer);
    if (gapTimer >= 0) {
      vertx.cancelTimer(gapTimer);
    }
  }

  private record Pending(JsonObject message, TextFrame frame) {
  }
}

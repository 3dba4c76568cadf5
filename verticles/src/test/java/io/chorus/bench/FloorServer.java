package io.chorus.bench;

import io.chorus.realtime.Frame;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fan-out benchmark's floor (scripts/bench-fanout, system {@code floor}): the least work a server
 * can do for that benchmark's protocol, to show what any server can reach on this machine with these
 * generators. It speaks the Socket.IO 4 peer's wire protocol (Engine.IO 4 over WebSocket only, the main
 * namespace: open packet, CONNECT, {@code room_info}, {@code control} → {@code room_event}), so both
 * generators use their Socket.IO clients unchanged; it keeps no state beyond the sockets of each room,
 * checks nothing, runs as ONE process (no hop between processes, no Redis) on both event loops, with
 * the epoll transport, and encodes each event once for all listeners.
 *
 * <pre>java -cp … io.chorus.bench.FloorServer 3201,3202,3203</pre>
 * Prints {@code floor: listening on …} when every port is bound; {@code GET /ready} answers 200.
 */
public final class FloorServer extends AbstractVerticle {
  private static final List<FloorServer> LOOPS = new CopyOnWriteArrayList<>();
  private static final AtomicLong IDS = new AtomicLong();
  private static final AtomicLong VERSION = new AtomicLong();
  // a ping every 25 s keeps socket.io-client's heartbeat check (pingInterval + pingTimeout) satisfied
  private static final String OPEN = "{\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":60000,\"maxPayload\":1000000,\"sid\":\"";

  private final List<Integer> ports;
  /** This event loop's sockets per room: touched only on this verticle's context. */
  private final Map<String, List<ServerWebSocket>> rooms = new HashMap<>();
  private Context context;

  private FloorServer(List<Integer> ports) {
    this.ports = ports;
  }

  @Override
  public void start(Promise<Void> started) {
    context = vertx.getOrCreateContext();
    LOOPS.add(this);
    vertx.setPeriodic(25_000, t -> rooms.values().forEach(list -> list.forEach(ws -> ws.writeTextMessage("2"))));
    List<Future<?>> listening = new ArrayList<>();
    for (int port : ports) {
      listening.add(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .webSocketHandler(this::accept)
          .requestHandler(req -> req.response().setStatusCode("/ready".equals(req.path()) ? 200 : 404).end())
          .listen());
    }
    Future.all(listening).<Void>mapEmpty().onComplete(started);
  }

  private void accept(ServerWebSocket ws) {
    if (!ws.path().startsWith("/socket.io/")) {
      ws.close((short) 1008, "not here");
      return;
    }
    String roomId = param(ws.query(), "room_id");
    String userId = param(ws.query(), "user_id");
    String sid = "f" + IDS.incrementAndGet();
    ws.writeTextMessage("0" + OPEN + sid + "\"}");
    ws.textMessageHandler(text -> {
      if (text.startsWith("40")) {
        rooms.computeIfAbsent(roomId, k -> new ArrayList<>()).add(ws);
        ws.writeTextMessage("40{\"sid\":\"" + sid + "\"}");
        ws.writeTextMessage("42[\"room_info\"," + new JsonObject().put("type", "room_info").put("room_id", roomId)
            .put("you", userId).put("timestamp", System.currentTimeMillis() / 1000).encode() + "]");
      } else if (text.startsWith("42[\"control\"")) {
        JsonObject msg = new JsonArray(text.substring(2)).getJsonObject(1);
        String event = "42[\"room_event\"," + new JsonObject().put("type", msg.getString("action")).put("room_id", roomId)
            .put("user_id", userId).put("user_name", userId).put("position", msg.getValue("position"))
            .put("timestamp", System.currentTimeMillis() / 1000).put("version", VERSION.incrementAndGet()).encode() + "]";
        Frame frame = Frame.of(event);
        for (FloorServer loop : LOOPS) {
          if (loop == this) {
            loop.deliver(roomId, frame);
          } else {
            loop.context.runOnContext(v -> loop.deliver(roomId, frame));
          }
        }
      }
    });
    ws.closeHandler(v -> {
      List<ServerWebSocket> list = rooms.get(roomId);
      if (list != null && list.remove(ws) && list.isEmpty()) {
        rooms.remove(roomId);
      }
    });
  }

  private void deliver(String roomId, Frame frame) {
    List<ServerWebSocket> list = rooms.get(roomId);
    if (list != null) {
      for (ServerWebSocket ws : list) {
        frame.writeTo(ws);
      }
    }
  }

  private static String param(String query, String name) {
    if (query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith(name + "=")) {
          return kv.substring(name.length() + 1);
        }
      }
    }
    return "";
  }

  public static void main(String[] args) throws Exception {
    List<Integer> ports = new ArrayList<>();
    for (String p : (args.length > 0 ? args[0] : "3201,3202,3203").split(",")) {
      ports.add(Integer.parseInt(p.trim()));
    }
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
    vertx.deployVerticle(() -> new FloorServer(ports), new DeploymentOptions().setInstances(loops))
        .toCompletionStage().toCompletableFuture().get();
    System.out.println("floor: listening on " + ports + " with " + loops + " event loops, transport "
        + (vertx.isNativeTransportEnabled() ? "native" : "NIO"));
  }
}

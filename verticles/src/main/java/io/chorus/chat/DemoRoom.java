package io.chorus.chat;

import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.chorus.infra.Infra;
import io.chorus.room.RoomStore;
import io.chorus.room.RoomsConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * The {@code seed} command's sample conference room {@code DEMO42} (its PostgreSQL row and host membership come from
 * {@code db/seeds/001_sample_data.sql}): its live room in Redis, made as a REST create makes one (host
 * {@code demo-host}, no track), so the room can be joined over REST, the seed {@code /ws}, gRPC and the bridge right
 * after seeding. Idempotent: a live DEMO42 is left as it is; a gone one (expired, ended) is made again and its row
 * is active again with a fresh {@code expires_at}.
 */
public final class DemoRoom {
  public static final String ID = "DEMO42";
  public static final String HOST_ID = "demo-host";
  static final String HOST_NAME = "Demo Host";
  static final String TITLE = "Demo room";

  private DemoRoom() {
  }

  /** True when the live room was made now, false when it was there already. */
  public static Future<Boolean> ensure(Infra infra, ChorusConfig config) {
    RoomsConfig rooms = RoomsConfig.of(config);
    int max = Math.min(50, rooms.maxUsers());
    RoomStore store = new RoomStore(infra.redisApi(), rooms.ttlHours());
    return store.create(ID, HOST_ID, HOST_NAME, new RoomStore.Track("", "", "", 0), max, TITLE, "seed", false)
        .map(state -> true)
        .recover(e -> ErrorCode.of(e) == ErrorCode.ALREADY_EXISTS ? Future.succeededFuture(false) : Future.failedFuture(e))
        .compose(made -> !made ? Future.succeededFuture(false) : revive(infra, rooms, max).map(true));
  }

  /** The row and the caches of a room made live again: active, the demo host its host and an open member. */
  private static Future<Void> revive(Infra infra, RoomsConfig rooms, int max) {
    Instant expires = Instant.now().plusSeconds(rooms.ttlHours() * 3600L);
    ConferenceRepo repo = new ConferenceRepo(infra.pg());
    ChatStore chat = new ChatStore(infra.redisApi(), ChatConfig.of(infra.config()).ttlHours(), rooms.ttlHours(),
        ChatConfig.of(infra.config()).historyMax());
    return infra.pg().preparedQuery("UPDATE rooms SET status = 'active', host_participant_id = $2, max_participants = $3, "
            + "updated_at = NOW(), expires_at = $4 WHERE id = $1")
        .execute(Tuple.of(ID, HOST_ID, max, expires.atOffset(java.time.ZoneOffset.UTC)))
        .compose(v -> repo.addParticipant(ID, HOST_ID, HOST_NAME, "host", null, null))
        .compose(v -> chat.dropMeta(ID))
        .compose(v -> chat.putParticipant(ID, HOST_ID, new JsonObject().put("participant_id", HOST_ID)
            .put("display_name", HOST_NAME).put("role", "host").put("joined_at", Instant.now().toString())));
  }
}

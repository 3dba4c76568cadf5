package io.chorus.chat;

import io.chorus.config.ChorusConfig;
import io.livekit.server.AccessToken;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.RoomAdmin;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import io.livekit.server.VideoGrant;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * LiveKit access tokens (seed 002's {@code POST /media/token}), made with LiveKit's own server SDK
 * ({@code io.livekit:livekit-server}) and signed with {@code LIVEKIT_API_KEY}/{@code LIVEKIT_API_SECRET}:
 * identity = participant id, name = display name, grants roomJoin on the room's
 * {@code livekit_room_name}, publish, subscribe and data; the current host also gets roomAdmin.
 */
public final class MediaTokens {
  private final ChatConfig config;

  public MediaTokens(ChatConfig config) {
    this.config = config;
  }

  public JsonObject issue(String livekitRoom, String participantId, String displayName, boolean host) {
    AccessToken token = new AccessToken(config.livekitApiKey(), config.livekitApiSecret());
    long ttlMs = config.livekitTokenTtlSeconds() * 1000L;
    token.setTtl(ttlMs);
    token.setIdentity(participantId);
    token.setName(displayName);
    List<VideoGrant> grants = new ArrayList<>(List.of(new RoomJoin(true), new RoomName(livekitRoom), new CanPublish(true),
        new CanSubscribe(true), new CanPublishData(true)));
    if (host) {
      grants.add(new RoomAdmin(true));
    }
    token.addGrants(grants);
    return new JsonObject().put("token", token.toJwt()).put("url", config.livekitUrl()).put("room_name", livekitRoom)
        .put("identity", participantId).put("expires_at", Instant.now().plusMillis(ttlMs).toString());
  }
}

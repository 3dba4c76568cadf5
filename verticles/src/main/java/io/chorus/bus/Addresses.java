package io.chorus.bus;

/**
 * Every event bus address Chorus uses. Internal addresses start with {@code chorus.}; addresses a
 * browser may see through the SockJS bridge start with {@link #CLIENT_PREFIX} and nothing else does.
 */
public final class Addresses {
  private Addresses() {
  }

  /** Prefix of every address exposed through the SockJS bridge. */
  public static final String CLIENT_PREFIX = "client.";

  /** Node-to-node probe: each node answers a {@code NodePing} with a {@code NodePong}. */
  public static final String NODE_PING = "chorus.node.ping";
  /** Per-node variant of {@link #NODE_PING}: {@code chorus.node.ping.<nodeId>}. */
  public static String nodePing(String nodeId) {
    return NODE_PING + "." + nodeId;
  }

  /**
   * Room commands (a RoomCommand as JSON), served by RoomVerticle on every node with the room role.
   * Node-local: a node's own senders reach its own RoomVerticle (a clustered send would round-robin
   * commands over the nodes and cross more of their events on the way back); see {@link #ROOM_COMMAND_REMOTE}.
   */
  public static final String ROOM_COMMAND = "chorus.room.command";

  /** The clustered twin of {@link #ROOM_COMMAND}, for nodes that run only the gateway role. */
  public static final String ROOM_COMMAND_REMOTE = "chorus.room.command.remote";

  /**
   * A room's playback and presence events (seed 000 JSON): {@code client.room.<ID>}; bridge members
   * and gRPC WatchRoom listen. Chat has its own namespace ({@link #chatEvents}).
   */
  public static final String ROOM_EVENTS_PREFIX = CLIENT_PREFIX + "room.";

  public static String roomEvents(String roomId) {
    return ROOM_EVENTS_PREFIX + roomId;
  }

  /** A room's chat events (message_created/updated/deleted, room_ended): {@code client.chat.<ID>}. */
  public static final String CHAT_EVENTS_PREFIX = CLIENT_PREFIX + "chat.";

  public static String chatEvents(String roomId) {
    return CHAT_EVENTS_PREFIX + roomId;
  }

  /** A signed-in user's own events (presence of friends, messages): {@code client.user.<uid>}. */
  public static final String USER_EVENTS_PREFIX = CLIENT_PREFIX + "user.";

  public static String userEvents(String userId) {
    return USER_EVENTS_PREFIX + userId;
  }

  /**
   * A node's room fan-out: {@code chorus.room.fanout.<nodeId>}, registered once when the node starts.
   * Room events are sent to the nodes holding the room's sockets (known from the room state), so a
   * socket that just joined cannot miss an event while a fresh subscription spreads through the cluster.
   */
  public static String roomFanout(String nodeId) {
    return "chorus.room.fanout." + nodeId;
  }

  /**
   * A participant left or was removed: {@code {room_id, participant_id, version}}, published to every node (one
   * consumer per node for the bridge and one for /ws/chat, one per gateway instance for /ws, registered at start),
   * which end that participant's live subscriptions to the room at once (quiet big rooms publish no user_left).
   */
  public static final String ROOM_REVOKED = "chorus.room.revoked";

  /**
   * A room changed (a join, a leave, playback, the queue, by any API): {@code {room_id}}, sent on the node that made
   * the change at most once a minute per room, where the conference feature renews the room's lifetime.
   */
  public static final String ROOM_ACTIVITY = "chorus.room.activity";

  /**
   * A room has a new host (REST/gRPC/bridge/seed /ws transfer, the host leaving, the first joiner of a room its host
   * left empty): {@code {room_id, host_id, version}}, published on the node that made the change only, where the
   * conference feature records it in PostgreSQL {@code rooms} and the Redis caches.
   */
  public static final String ROOM_HOST = "chorus.room.host";

  /**
   * A member joined a room or made one, by any API (REST, seed /ws, gRPC, quiet big rooms too):
   * {@code {room_id, participant_id, name, host_id, joined_at, title, max_users, created_at}}, published on the node
   * that made the join only, where the conference feature records the membership (batched).
   */
  public static final String ROOM_JOINED = "chorus.room.joined";

  /** Host commands from bridge clients (SEND {room_id, action, position}; the bridge stamps the sender). */
  public static final String ROOM_CONTROL_IN = CLIENT_PREFIX + "room-control";

  /** NTP-style clock sync over the bridge: request {@code {t0}}, reply {@code {t0,t1,t2}}. */
  public static final String CLOCK = CLIENT_PREFIX + "clock";

  /** A broadcast session's frames: {@code chorus.stream.<id>.frames}, Buffer {@code [kind][payload]}. */
  public static String streamFrames(String sessionId) {
    return "chorus.stream." + sessionId + ".frames";
  }

  /** A broadcast session's control events (JSON {@code {type: finished|source_left|source_joined}}). */
  public static String streamControl(String sessionId) {
    return "chorus.stream." + sessionId + ".control";
  }

  /** An admin disabled a user, {@code {user_id}}; every node closes that user's sockets at once. */
  public static final String USER_DISABLED = "chorus.user.disabled";

  /**
   * Sessions of a user ended (sign-out, sign-out everywhere, a password change's other sessions, a reused refresh
   * token), {@code {user_id, session_ids: [...]}}; every node closes the user channels opened with those sessions.
   */
  public static final String USER_SESSIONS_REVOKED = "chorus.user.sessions-revoked";

  /**
   * A moderator took a library track or album down: {@code {"type":"takedown","subject_type":"track"|"album",
   * "subject_id"}}, published to every node, which stop its streams, search hits and room playback at once.
   */
  public static final String LIBRARY_TAKEDOWN = "chorus.library.takedown";

  /**
   * A track's processing ended: {@code {"track_id","status":"ready"|"failed"}}, published to every node by the
   * worker that finished it; streams drop the row they kept of it (a failed track streams no more).
   */
  public static final String LIBRARY_TRACK_PROCESSED = "chorus.library.track-processed";

  /**
   * A search on the clustered bus: {@code {"q","types"?,"limit"?,"cursor"?,"viewer"?:{"user_id","roles"}}} → the
   * JSON of {@code GET /api/v1/search}; failures carry the error code. Every search node answers from its own index.
   */
  public static final String SEARCH_QUERY = "chorus.search.query";

}

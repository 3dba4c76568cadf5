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

  /** Room commands, served by RoomVerticle on every node (local consumers: no network hop). */
  public static final String ROOM_CREATE = "chorus.room.create";
  public static final String ROOM_JOIN = "chorus.room.join";
  public static final String ROOM_LEAVE = "chorus.room.leave";
  public static final String ROOM_CONTROL = "chorus.room.control";
  public static final String ROOM_TRANSFER = "chorus.room.transfer";
  public static final String ROOM_TRACK = "chorus.room.track";
  public static final String ROOM_GET = "chorus.room.get";
  /** GetStateRequest + header {@code user}: the room without its member list, plus that member if present. */
  public static final String ROOM_MEMBER = "chorus.room.member";

  /** A room's events (seed 000 JSON): {@code client.room.<ID>}; bridge members may listen. */
  public static final String ROOM_EVENTS_PREFIX = CLIENT_PREFIX + "room.";

  public static String roomEvents(String roomId) {
    return ROOM_EVENTS_PREFIX + roomId;
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
   * A participant left or was removed: {@code {room_id, participant_id}}, published to every node (one
   * consumer per node for the bridge and one for /ws/chat, registered at start), which end that
   * participant's live subscriptions to the room at once (quiet big rooms publish no user_left).
   */
  public static final String ROOM_REVOKED = "chorus.room.revoked";

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

  /** Issue 16: an admin disabled a user, {@code {user_id}}; every node closes that user's sockets at once. */
  public static final String USER_DISABLED = "chorus.user.disabled";

  /** A signed-in user's own events (presence of friends, friend requests): {@code client.user.<userId>}. */
  public static final String USER_EVENTS_PREFIX = CLIENT_PREFIX + "user.";

  public static String clientUser(String userId) {
    return USER_EVENTS_PREFIX + userId;
  }
}

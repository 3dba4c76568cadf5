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
}

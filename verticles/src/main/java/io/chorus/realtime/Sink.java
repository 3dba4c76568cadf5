package io.chorus.realtime;

/**
 * A client connection the real-time core writes events to: a WebSocket, a SockJS session, an
 * operator's socket. The core decides what happens when it cannot keep up ({@link Fanout#offer}).
 */
public interface Sink {
  boolean isClosed();

  /** True while the connection holds as much unsent data as it may. */
  boolean writeQueueFull();

  void write(Frame frame);

  /**
   * Writes the frame at once if the connection can take it without queueing, in one look at its state (the
   * policy's fast path: a writable socket needs no {@link #writeQueueFull} and {@link #write} looking again); false
   * when it did not write, and the policy goes on as usual.
   */
  default boolean writeNow(Frame frame) {
    return false;
  }

  /** The slow-consumer policy's end: close (1013) and drop the connection if the close is not taken. */
  void closeSlow();

  /** The connection broke under a write: close it without ceremony (its close handler cleans up). */
  void abort();
}

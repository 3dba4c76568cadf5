package io.chorus.library;

/** A processing step failed; the message is the track's {@code failure_reason} (shown to its owner). */
public final class TrackFailure extends RuntimeException {
  public TrackFailure(String reason) {
    super(reason);
  }

  public TrackFailure(String reason, Throwable cause) {
    super(reason, cause);
  }

  /** The reason for an ffmpeg/ffprobe run that exited non-zero. */
  static TrackFailure of(Ffmpeg.Result r) {
    return new TrackFailure(r.describe());
  }
}

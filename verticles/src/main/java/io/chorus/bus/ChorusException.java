package io.chorus.bus;

/** A failure with a Chorus error code; business classes fail their futures with it. */
public final class ChorusException extends RuntimeException {
  private final ErrorCode code;

  public ChorusException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}

package io.chorus.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Every error Chorus puts on the bus, with an explicit integer code (stable across releases, never
 * an ordinal) and its HTTP and gRPC equivalents. This is the only place where those mappings live.
 */
public enum ErrorCode {
  INVALID_ARGUMENT(4000, 400, "INVALID_ARGUMENT"),
  MALFORMED_JSON(4001, 400, "INVALID_ARGUMENT"),
  /** A WebSocket frame whose {@code type} the socket does not take. */
  UNKNOWN_TYPE(4002, 400, "INVALID_ARGUMENT"),
  UNAUTHENTICATED(4010, 401, "UNAUTHENTICATED"),
  FORBIDDEN(4030, 403, "PERMISSION_DENIED"),
  NOT_FOUND(4040, 404, "NOT_FOUND"),
  METHOD_NOT_ALLOWED(4050, 405, "UNIMPLEMENTED"),
  REQUEST_TIMEOUT(4080, 408, "DEADLINE_EXCEEDED"),
  ALREADY_EXISTS(4090, 409, "ALREADY_EXISTS"),
  ROOM_FULL(4091, 409, "RESOURCE_EXHAUSTED"),
  CONFLICT(4092, 409, "ABORTED"),
  QUEUE_FULL(4093, 409, "RESOURCE_EXHAUSTED"),
  GONE(4100, 410, "FAILED_PRECONDITION"),
  PAYLOAD_TOO_LARGE(4130, 413, "INVALID_ARGUMENT"),
  UNSUPPORTED_MEDIA_TYPE(4150, 415, "INVALID_ARGUMENT"),
  RANGE_NOT_SATISFIABLE(4160, 416, "OUT_OF_RANGE"),
  TOO_MANY_OPERATORS(4290, 409, "RESOURCE_EXHAUSTED"),
  RATE_LIMITED(4291, 429, "RESOURCE_EXHAUSTED"),
  INTERNAL(5000, 500, "INTERNAL"),
  UNAVAILABLE(5030, 503, "UNAVAILABLE"),
  TIMEOUT(5040, 504, "DEADLINE_EXCEEDED");

  private final int code;
  private final int httpStatus;
  private final String grpcStatus;

  ErrorCode(int code, int httpStatus, String grpcStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
    this.grpcStatus = grpcStatus;
  }

  public int code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** Name of the {@code io.vertx.grpc.common.GrpcStatus} / {@code io.grpc.Status.Code} constant. */
  public String grpcStatus() {
    return grpcStatus;
  }

  /** The snake-case code used in JSON error bodies, e.g. {@code not_found}. */
  public String slug() {
    return name().toLowerCase();
  }

  public ChorusException exception(String message) {
    return new ChorusException(this, message);
  }

  public static ErrorCode ofCode(int code) {
    for (ErrorCode e : values()) {
      if (e.code == code) {
        return e;
      }
    }
    return INTERNAL;
  }

  /** Maps any failure (a bus reply failure, a ChorusException, anything else) to an error code. */
  public static ErrorCode of(Throwable t) {
    if (t instanceof ChorusException ce) {
      return ce.code();
    }
    if (t instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return TIMEOUT;
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return UNAVAILABLE;
      }
      return ofCode(re.failureCode());
    }
    return INTERNAL;
  }
}

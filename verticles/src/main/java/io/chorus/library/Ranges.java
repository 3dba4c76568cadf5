package io.chorus.library;

import io.chorus.bus.ErrorCode;

/**
 * HTTP {@code Range} for one representation (RFC 9110 §14): a single {@code bytes=a-b}, {@code bytes=a-}
 * or {@code bytes=-n}. A header that is not that (other units, several ranges, bad syntax) is ignored
 * and the whole representation is sent, as the RFC allows; a range that starts past the end is
 * {@code 416}.
 */
final class Ranges {
  /** Inclusive byte positions. */
  record Range(long start, long end) {
    long length() {
      return end - start + 1;
    }
  }

  private Ranges() {
  }

  /** The range to send, or null for the whole; throws {@code RANGE_NOT_SATISFIABLE}. */
  static Range parse(String header, long size) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
      return null;
    }
    String spec = h.substring(6).strip();
    if (spec.contains(",")) {
      return null;
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String first = spec.substring(0, dash).strip();
    String last = spec.substring(dash + 1).strip();
    if (first.isEmpty()) {
      long n = position(last);
      if (n < 0) {
        return null;
      }
      if (n == 0 || size == 0) {
        throw unsatisfiable(size);
      }
      return new Range(Math.max(0, size - n), size - 1);
    }
    long start = position(first);
    long end = last.isEmpty() ? Long.MAX_VALUE : position(last);
    if (start < 0 || end < start) {
      return null;
    }
    if (start >= size) {
      throw unsatisfiable(size);
    }
    return new Range(start, Math.min(end, size - 1));
  }

  /**
   * A byte position: its digits' value, {@link Long#MAX_VALUE} for more digits than a long holds (a position
   * past any file, not a syntax error), -1 when it is not digits.
   */
  private static long position(String digits) {
    if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static RuntimeException unsatisfiable(long size) {
    return ErrorCode.RANGE_NOT_SATISFIABLE.exception("the range is outside the " + size + " bytes of the file");
  }
}

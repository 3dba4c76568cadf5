package io.chorus.web;

import io.chorus.bus.ErrorCode;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.UUID;

/**
 * A keyset paging position: the last row's sort time and id, opaque to clients (URL-safe Base64 of both), so a page
 * goes on after that row however many rows were added or removed since.
 */
public record KeysetCursor(OffsetDateTime at, UUID id) {

  public String encode() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** Null for an absent cursor; {@code invalid_argument} with {@code malformed} for one this server did not make. */
  public static KeysetCursor parse(String value, String malformed) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      String s = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
      int bar = s.indexOf('|');
      return new KeysetCursor(OffsetDateTime.parse(s.substring(0, bar)), UUID.fromString(s.substring(bar + 1)));
    } catch (RuntimeException e) {
      throw ErrorCode.INVALID_ARGUMENT.exception(malformed);
    }
  }
}

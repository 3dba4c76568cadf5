package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Ids of a room's queue items: minted by the server on add, named by clients on remove and move. */
final class QueueItems {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private QueueItems() {
  }

  /** A new item id: 16 hex digits (unique within a room's queue of at most ROOM_QUEUE_MAX items). */
  static String newId() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** INVALID_ARGUMENT for anything that cannot be an item id (an unknown one is the script's not_found). */
  static String requireId(String itemId) {
    if (itemId == null || !ID.matcher(itemId).matches()) {
      throw new ChorusException(ErrorCode.INVALID_ARGUMENT, "item_id must be a queue item's id (1-64 letters, digits, '_' or '-')");
    }
    return itemId;
  }
}

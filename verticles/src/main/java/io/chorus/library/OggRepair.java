package io.chorus.library;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Removes the header packets an Ogg Vorbis stream repeats after its first three. Some encoders write the
 * identification, comment and setup headers again inside the stream (Debian's hyperrogue-music has four such
 * files, e.g. {@code hr-savino-ocean.ogg}, the repeat on the first audio page). Players skip them (libvorbis calls
 * a header packet in the audio "not audio"), but ffmpeg 7 refuses the file ("Header processing failed: Invalid data
 * found when processing input") when the repeat comes early, so an upload that plays everywhere would be refused.
 * The audio packets, their pages' granule positions and every other logical stream are kept as they are; pages
 * left empty are dropped and the stream's later pages renumbered, every changed page gets its CRC again.
 */
final class OggRepair {
  private static final int MAX_PAGE = 27 + 255 + 255 * 255;
  private static final int[] CRC = crcTable();

  private OggRepair() {
  }

  /** Rewrites {@code file} in place when it is an Ogg file with repeated Vorbis headers; whether it did. */
  static boolean repair(Path file) throws IOException {
    boolean needed;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      needed = rewrite(in, OutputStream.nullOutputStream());
    }
    if (!needed) {
      return false;
    }
    Path tmp = Files.createTempFile(file.getParent(), "ogg-repair", ".tmp");
    try {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
           OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
        rewrite(in, out);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Per logical stream: whether it is Vorbis, packets begun so far, whether the packet in progress is dropped. */
  private static final class Stream {
    boolean vorbis;
    int packets;
    boolean dropping;
    int pagesDropped;
  }

  /**
   * Copies the pages of {@code in} to {@code out} without repeated Vorbis header packets; whether anything
   * changed. Anything that is not a well-formed sequence of Ogg pages is left to the probe: nothing changes.
   */
  static boolean rewrite(InputStream in, OutputStream out) throws IOException {
    Map<Integer, Stream> streams = new HashMap<>();
    byte[] page = new byte[MAX_PAGE];
    boolean changed = false;
    while (true) {
      int n = in.readNBytes(page, 0, 27);
      if (n == 0) {
        return changed;
      }
      if (n < 27 || page[0] != 'O' || page[1] != 'g' || page[2] != 'g' || page[3] != 'S' || page[4] != 0) {
        return false;
      }
      int segments = page[26] & 0xff;
      if (in.readNBytes(page, 27, segments) < segments) {
        return false;
      }
      int bodyLength = 0;
      for (int i = 0; i < segments; i++) {
        bodyLength += page[27 + i] & 0xff;
      }
      int start = 27 + segments;
      if (in.readNBytes(page, start, bodyLength) < bodyLength) {
        return false;
      }
      int flags = page[5] & 0xff;
      int serial = intLe(page, 14);
      Stream s = streams.computeIfAbsent(serial, k -> new Stream());
      // the page rebuilt: kept lacing values and body bytes
      byte[] lacing = new byte[segments];
      byte[] body = new byte[bodyLength];
      int keptSegments = 0;
      int keptBytes = 0;
      boolean continued = (flags & 1) != 0;
      boolean firstKeptContinues = false;
      int offset = start;
      int seg = 0;
      while (seg < segments) {
        boolean newPacket = !(seg == 0 && continued);
        // this piece: segments up to one under 255 (the packet's end) or the page's end
        int first = seg;
        int bytes = 0;
        boolean ends = false;
        while (seg < segments) {
          int len = page[27 + seg] & 0xff;
          bytes += len;
          seg++;
          if (len < 255) {
            ends = true;
            break;
          }
        }
        if (newPacket) {
          if (s.packets == 0 && (flags & 2) != 0) {
            s.vorbis = startsWith(page, offset, offset + bytes, (byte) 1, "vorbis");
          }
          // a header packet (odd first byte) after the three headers: a repeat
          s.dropping = s.vorbis && s.packets >= 3 && bytes > 0 && (page[offset] & 1) == 1;
          s.packets++;
        }
        if (!s.dropping) {
          if (keptSegments == 0 && !newPacket) {
            firstKeptContinues = true;
          }
          System.arraycopy(page, 27 + first, lacing, keptSegments, seg - first);
          System.arraycopy(page, offset, body, keptBytes, bytes);
          keptSegments += seg - first;
          keptBytes += bytes;
        } else {
          changed = true;
        }
        offset += bytes;
        if (ends) {
          s.dropping = false;
        }
      }
      if (keptSegments == 0 && segments > 0 && (flags & 6) == 0) {
        s.pagesDropped++;   // nothing left on it: the page goes, the stream's later pages are renumbered
        changed = true;
        continue;
      }
      int newFlags = firstKeptContinues ? flags | 1 : flags & ~1;
      int sequence = intLe(page, 18) - s.pagesDropped;
      boolean pageChanged = keptSegments != segments || newFlags != flags || s.pagesDropped > 0;
      if (!pageChanged) {
        out.write(page, 0, start + bodyLength);
        continue;
      }
      byte[] rebuilt = new byte[27 + keptSegments + keptBytes];
      System.arraycopy(page, 0, rebuilt, 0, 27);
      rebuilt[5] = (byte) newFlags;
      putIntLe(rebuilt, 18, sequence);
      rebuilt[26] = (byte) keptSegments;
      System.arraycopy(lacing, 0, rebuilt, 27, keptSegments);
      System.arraycopy(body, 0, rebuilt, 27 + keptSegments, keptBytes);
      putIntLe(rebuilt, 22, 0);
      putIntLe(rebuilt, 22, crc(rebuilt));
      out.write(rebuilt);
      changed = true;
    }
  }

  private static boolean startsWith(byte[] b, int at, int end, byte type, String magic) {
    if (end - at < 1 + magic.length() || b[at] != type) {
      return false;
    }
    for (int i = 0; i < magic.length(); i++) {
      if (b[at + 1 + i] != magic.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static int intLe(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }

  private static void putIntLe(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  /** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0, no final XOR (java.util.zip's is reflected). */
  static int crc(byte[] data) {
    int c = 0;
    for (byte x : data) {
      c = (c << 8) ^ CRC[((c >>> 24) ^ x) & 0xff];
    }
    return c;
  }

  private static int[] crcTable() {
    int[] t = new int[256];
    for (int i = 0; i < 256; i++) {
      int r = i << 24;
      for (int k = 0; k < 8; k++) {
        r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04c11db7 : r << 1;
      }
      t[i] = r;
    }
    return t;
  }
}

package io.chorus.library;

import java.nio.file.Files;
import java.nio.file.Path;

/** The Debian music files the processing tests use (installed by scripts/install-test-deps); a missing one fails clearly. */
final class ProcessingMusic {
  static final Path WARZONE = Path.of("/usr/share/games/warzone2100/music/albums");
  /** Opus, stereo, 48 kHz, about 5 minutes. */
  static final Path TRACK3 = WARZONE.resolve("original_soundtrack/track3.opus");
  /** A file ffmpeg rejects ("Header processing failed: Invalid data found when processing input"). */
  static final Path REJECTED = Path.of("/usr/share/hyperrogue/music/hr-savino-caribbean.ogg");
  /** Vorbis that decodes. */
  static final Path VORBIS = Path.of("/usr/share/hyperrogue/music/hr3-crossroads.ogg");

  private ProcessingMusic() {
  }

  static Path require(Path p) {
    if (!Files.isRegularFile(p)) {
      throw new AssertionError(p + " is missing: run scripts/install-test-deps (Debian packages warzone2100-music, hyperrogue-music)");
    }
    return p;
  }

  static Path warzone(String album, String file) {
    return require(WARZONE.resolve(album).resolve(file));
  }
}

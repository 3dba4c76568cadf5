package io.chorus.library;

import io.chorus.config.ConfigLoader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The real music of the Debian packages scripts/install-test-deps installs (never committed), and test
 * inputs made from it with the bundled ffmpeg into a temp dir. A missing file fails the test naming the
 * package; nothing is skipped.
 */
final class TestMusic {
  static final Path WARZONE = Path.of("/usr/share/games/warzone2100/music/albums/aftermath_soundtrack");
  static final Path SINGULARITY = Path.of("/usr/share/games/singularity/music");
  static final Path DRASCULA = Path.of("/usr/share/scummvm/drascula");

  private static final MediaTools TOOLS = new MediaTools(LibraryConfig.from(ConfigLoader.defaults()));

  private TestMusic() {
  }

  static Path require(Path file, String pkg) {
    if (!Files.isRegularFile(file)) {
      throw new AssertionError(file + " is missing: install the Debian package " + pkg + " (scripts/install-test-deps)");
    }
    return file;
  }

  /** A real Ogg Opus file (warzone2100-music), 2.9 MB, no title tag. */
  static Path opus() {
    return require(WARZONE.resolve("track17.opus"), "warzone2100-music");
  }

  static Path cover() {
    return require(WARZONE.resolve("albumcover.png"), "warzone2100-music");
  }

  /** A real Ogg Vorbis file with tags (singularity-music): ARTIST Maxstack, TITLE Aberrations. */
  static Path vorbis() {
    return require(SINGULARITY.resolve("Aberrations.ogg"), "singularity-music");
  }

  /** drascula-music: the same file under several language folders (identical bytes). */
  static Path drascula(String lang, String track) {
    return require(DRASCULA.resolve(lang).resolve(track), "drascula-music");
  }

  static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("chorus-music-");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Transcodes the first {@code seconds} of a real file with the bundled ffmpeg ({@code codecArgs}, e.g.
   * {@code -c:a libmp3lame}) into {@code out}, with tags; a unique comment makes the bytes unique per call.
   */
  static Path make(Path source, Path out, int seconds, List<String> codecArgs, String... tags) {
    List<String> args = new ArrayList<>(List.of("-hide_banner", "-nostdin", "-v", "error", "-y", "-i", source.toString()));
    boolean cover = codecArgs.contains("-cover");
    if (cover) {
      args.addAll(List.of("-i", cover().toString(), "-map", "0:a:0", "-map", "1:v:0", "-c:v", "copy",
          "-disposition:v:0", "attached_pic", "-id3v2_version", "3"));
    } else {
      args.addAll(List.of("-map", "0:a:0"));
    }
    args.addAll(List.of("-t", Integer.toString(seconds), "-metadata", "comment=" + UUID.randomUUID()));
    for (int i = 0; i < tags.length; i += 2) {
      args.addAll(List.of("-metadata", tags[i] + "=" + tags[i + 1]));
    }
    codecArgs.stream().filter(a -> !a.equals("-cover")).forEach(args::add);
    args.add(out.toString());
    MediaTools.Result r = TOOLS.ffmpeg(args, 120_000);
    if (r.exitCode() != 0 || !Files.exists(out)) {
      throw new AssertionError("ffmpeg failed making " + out.getFileName() + ": " + r.stderr());
    }
    return out;
  }

  static byte[] bytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path file, byte[] data) {
    try {
      return Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(Path file) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}

package io.chorus.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decodes any audio ffmpeg reads to mono float PCM at {@link Fingerprinter#SAMPLE_RATE} Hz, running ffmpeg
 * as a child process (a crash or a hostile file cannot take the JVM down). The binary is
 * {@code FFMPEG_PATH} when set, else the LGPL build bundled with {@code org.bytedeco:ffmpeg}, which needs
 * {@code LD_LIBRARY_PATH} on its folder and the {@code libva*.so.2} names the jar leaves out.
 * (A private twin of {@code io.chorus.library.Ffmpeg}; the two are to be unified.) Blocking: call it on
 * a worker thread.
 */
final class ClipDecoder {
  private final String configured;
  private String path;

  /** Decoding failed because the input is not audio ffmpeg can read (its stderr tail as the message). */
  static final class NotAudioException extends IOException {
    NotAudioException(String message) {
      super(message);
    }
  }

  ClipDecoder(String ffmpegPath) {
    this.configured = ffmpegPath == null ? "" : ffmpegPath.trim();
  }

  synchronized String path() throws IOException {
    if (path == null) {
      if (!configured.isEmpty()) {
        path = configured;
      } else {
        path = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Path dir = Path.of(path).getParent();
        for (String lib : List.of("libva", "libva-drm")) {
          Path link = dir.resolve(lib + ".so.2");
          if (!Files.exists(link) && Files.exists(dir.resolve(lib + ".so"))) {
            try {
              Files.createSymbolicLink(link, dir.resolve(lib + ".so"));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
              // another thread or process made it first
            }
          }
        }
      }
    }
    return path;
  }

  /** Decodes {@code input}, at most {@code maxSeconds} of it (0: all). */
  float[] decode(Path input, double maxSeconds, long timeoutMs, String... filters) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", input.toString()));
    if (maxSeconds > 0) {
      cmd.addAll(List.of("-t", Double.toString(maxSeconds)));
    }
    if (filters.length > 0) {
      cmd.addAll(List.of("-af", String.join(",", filters)));
    }
    cmd.addAll(List.of("-vn", "-ac", "1", "-ar", Integer.toString(Fingerprinter.SAMPLE_RATE), "-f", "f32le", "-"));
    return pcm(run(cmd, timeoutMs));
  }

  /** Runs an ffmpeg command line (without the binary) and returns its stdout. */
  byte[] ffmpeg(List<String> args, long timeoutMs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(path());
    cmd.addAll(args);
    return run(cmd, timeoutMs);
  }

  private byte[] run(List<String> cmd, long timeoutMs) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (configured.isEmpty()) {
      Map<String, String> env = pb.environment();
      String dir = Path.of(path()).getParent().toString();
      String old = env.get("LD_LIBRARY_PATH");
      env.put("LD_LIBRARY_PATH", old == null || old.isEmpty() ? dir : dir + ":" + old);
    }
    Path err = Files.createTempFile("chorus-ffmpeg", ".err");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
      Thread reader = new Thread(() -> {
        try (InputStream in = p.getInputStream()) {
          in.transferTo(out);
        } catch (IOException ignored) {
          // the process was killed: the exit status tells
        }
      }, "ffmpeg-stdout");
      reader.setDaemon(true);
      reader.start();
      if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException("ffmpeg timed out after " + timeoutMs + " ms");
      }
      reader.join(timeoutMs);
      if (p.exitValue() != 0) {
        String msg = Files.readString(err).strip();
        if (msg.length() > 300) {
          msg = msg.substring(msg.length() - 300);
        }
        throw new NotAudioException(msg.isEmpty() ? "ffmpeg exit " + p.exitValue() : msg);
      }
      return out.toByteArray();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while decoding", e);
    } finally {
      Files.deleteIfExists(err);
    }
  }

  /** Little-endian float32 bytes → samples. */
  static float[] pcm(byte[] bytes) {
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}

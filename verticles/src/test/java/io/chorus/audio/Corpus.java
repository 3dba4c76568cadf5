package io.chorus.audio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The real music of the Debian packages scripts/install-test-deps installs, decoded with the bundled
 * ffmpeg to the fingerprinter's PCM, and the clip conditions (noise, MP3, phone band) of the tests and
 * the benchmark.
 */
public final class Corpus {
  public static final Path WARZONE = Path.of("/usr/share/games/warzone2100/music/albums");
  public static final Path SINGULARITY = Path.of("/usr/share/games/singularity/music");
  public static final Path HYPERROGUE = Path.of("/usr/share/hyperrogue/music");
  static final int RATE = Fingerprinter.SAMPLE_RATE;

  public record Song(String name, float[] pcm) {
  }

  private final ClipDecoder decoder = new ClipDecoder(io.chorus.library.LibraryConfig.from(io.chorus.config.ConfigLoader.defaults()));

  /** The audio files under {@code dir} with this extension, sorted; fails naming the package when none. */
  public static List<Path> files(Path dir, String ext) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new AssertionError(dir + " is missing: run scripts/install-test-deps (Debian music packages)");
    }
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> out = s.filter(p -> p.getFileName().toString().endsWith(ext)).sorted().toList();
      if (out.isEmpty()) {
        throw new AssertionError("no *" + ext + " under " + dir + ": run scripts/install-test-deps");
      }
      return out;
    }
  }

  /** The identify benches' library: every warzone2100 and singularity track, whole, decoded on two threads. */
  public List<Song> libraryTracks() throws Exception {
    List<Path> files = new ArrayList<>(files(WARZONE, ".opus"));
    files.addAll(files(SINGULARITY, ".ogg"));
    return decode(files, 2);
  }

  /** The identify benches' music that is not in the library (negatives): every hyperrogue track ffmpeg reads. */
  public List<Song> heldOutTracks() throws Exception {
    return decode(files(HYPERROGUE, ".ogg"), 2);
  }

  /** Decodes the files on {@code threads} threads; files ffmpeg rejects are left out (some hyperrogue files). */
  public List<Song> decode(List<Path> files, int threads) throws Exception {
    return decode(files, threads, 0);
  }

  /** The first {@code maxSeconds} (0: all) of each file. */
  public List<Song> decode(List<Path> files, int threads, int maxSeconds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Song>> jobs = new ArrayList<>();
      for (Path f : files) {
        jobs.add(pool.submit(() -> {
          // decoded once per build tree: decoding hours of music dominates a run on a shared 2-core machine
          Path cached = Path.of("target", "audio-pcm", f.getParent().getFileName() + "-" + f.getFileName() + "-" + Files.size(f) + (maxSeconds > 0 ? "-" + maxSeconds + "s" : "") + ".f32");
          if (Files.exists(cached)) {
            return new Song(f.getFileName().toString(), ClipDecoder.pcm(Files.readAllBytes(cached)));
          }
          try {
            float[] pcm = decoder.decode(f, maxSeconds, 300_000);
            Files.createDirectories(cached.getParent());
            Path tmp = Files.createTempFile(cached.getParent(), "pcm", ".tmp");
            Files.write(tmp, floats(pcm));
            Files.move(tmp, cached, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new Song(f.getFileName().toString(), pcm);
          } catch (ClipDecoder.NotAudioException e) {
            return null;
          }
        }));
      }
      List<Song> out = new ArrayList<>();
      for (Future<Song> j : jobs) {
        Song s = j.get();
        if (s != null && s.pcm().length > RATE * 12) {
          out.add(s);
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A clip of {@code seconds} at a random offset. */
  public static float[] clip(float[] pcm, double seconds, Random random) {
    int len = (int) (seconds * RATE);
    int start = random.nextInt(Math.max(1, pcm.length - len));
    float[] out = new float[Math.min(len, pcm.length - start)];
    System.arraycopy(pcm, start, out, 0, out.length);
    return out;
  }

  /** Adds white (or pink) Gaussian noise at {@code snrDb} relative to the clip's own power. */
  public static float[] noisy(float[] clip, double snrDb, boolean pink, Random random) {
    double power = 0;
    for (float v : clip) {
      power += v * v;
    }
    power /= Math.max(1, clip.length);
    double[] noise = new double[clip.length];
    double b0 = 0, b1 = 0, b2 = 0;
    double np = 0;
    for (int i = 0; i < clip.length; i++) {
      double w = random.nextGaussian();
      if (pink) {   // Paul Kellet's economy pink filter
        b0 = 0.99765 * b0 + w * 0.0990460;
        b1 = 0.96300 * b1 + w * 0.2965164;
        b2 = 0.57000 * b2 + w * 1.0526913;
        w = b0 + b1 + b2 + w * 0.1848;
      }
      noise[i] = w;
      np += w * w;
    }
    np /= Math.max(1, clip.length);
    double gain = Math.sqrt(power / Math.max(1e-20, np) / Math.pow(10, snrDb / 10));
    float[] out = new float[clip.length];
    for (int i = 0; i < clip.length; i++) {
      out[i] = (float) (clip[i] + gain * noise[i]);
    }
    return out;
  }

  /** The clip encoded to MP3 at {@code kbps} (44.1 kHz, as a phone app would send) and decoded back. */
  public float[] mp3(float[] clip, int kbps) throws IOException {
    Path raw = Files.createTempFile("clip", ".f32");
    Path mp3 = Files.createTempFile("clip", ".mp3");
    try {
      Files.write(raw, floats(clip));
      decoder.ffmpeg(List.of("-loglevel", "error", "-y", "-f", "f32le", "-ar", Integer.toString(RATE), "-ac", "1",
          "-i", raw.toString(), "-ar", "44100", "-c:a", "libmp3lame", "-b:a", kbps + "k", mp3.toString()), 30_000);
      return decoder.decode(mp3, 0, 30_000);
    } finally {
      Files.deleteIfExists(raw);
      Files.deleteIfExists(mp3);
    }
  }

  /** The MP3 bytes of a clip (for REST tests). */
  public byte[] mp3Bytes(float[] clip, int kbps) throws IOException {
    Path raw = Files.createTempFile("clip", ".f32");
    Path mp3 = Files.createTempFile("clip", ".mp3");
    try {
      Files.write(raw, floats(clip));
      decoder.ffmpeg(List.of("-loglevel", "error", "-y", "-f", "f32le", "-ar", Integer.toString(RATE), "-ac", "1",
          "-i", raw.toString(), "-ar", "44100", "-c:a", "libmp3lame", "-b:a", kbps + "k", mp3.toString()), 30_000);
      return Files.readAllBytes(mp3);
    } finally {
      Files.deleteIfExists(raw);
      Files.deleteIfExists(mp3);
    }
  }

  /** {@code clip} as the second audio stream of an M4A whose first (the default one, as many channels) is silence. */
  public byte[] m4aAfterASilentStream(float[] clip) throws IOException {
    Path raw = Files.createTempFile("clip", ".f32");
    Path m4a = Files.createTempFile("clip", ".m4a");
    try {
      Files.write(raw, floats(clip));
      decoder.ffmpeg(List.of("-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-f", "f32le",
          "-ar", Integer.toString(RATE), "-ac", "1", "-i", raw.toString(), "-map", "0:a", "-map", "1:a", "-shortest", "-ar", "44100",
          "-ac", "2", "-c:a", "aac", "-b:a", "96k", "-f", "mp4", m4a.toString()), 30_000);
      return Files.readAllBytes(m4a);
    } finally {
      Files.deleteIfExists(raw);
      Files.deleteIfExists(m4a);
    }
  }

  /** A phone held to a speaker: 300–3400 Hz (2nd-order Butterworth high- and low-pass, twice each). */
  public static float[] phone(float[] clip) {
    float[] out = biquad(biquad(clip, 300, true), 300, true);
    out = biquad(biquad(out, 3400, false), 3400, false);
    return out;
  }

  private static float[] biquad(float[] x, double fc, boolean highPass) {
    double w0 = 2 * Math.PI * fc / RATE;
    double alpha = Math.sin(w0) / (2 * Math.sqrt(0.5));
    double cos = Math.cos(w0);
    double b0 = highPass ? (1 + cos) / 2 : (1 - cos) / 2;
    double b1 = highPass ? -(1 + cos) : 1 - cos;
    double b2 = b0;
    double a0 = 1 + alpha;
    double a1 = -2 * cos;
    double a2 = 1 - alpha;
    float[] y = new float[x.length];
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    for (int i = 0; i < x.length; i++) {
      double v = (b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
      x2 = x1;
      x1 = x[i];
      y2 = y1;
      y1 = v;
      y[i] = (float) v;
    }
    return y;
  }

  public static byte[] floats(float[] pcm) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(pcm.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(pcm);
    return b.array();
  }
}

package io.chorus.library;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link OggRepair} on real files: Debian's hyperrogue-music has Vorbis streams that repeat their three header
 * packets (on the first audio page in hr-savino-ocean.ogg), which ffmpeg 7 refuses; repaired, ffmpeg reads them and
 * every audio packet is still there, in order, on pages with valid CRCs.
 */
class OggRepairTest {
  private static final Path OCEAN = Path.of("/usr/share/hyperrogue/music/hr-savino-ocean.ogg");
  private static final Path PALACE = Path.of("/usr/share/hyperrogue/music/hr-savino-palace.ogg");

  @Test
  void repeatedHeadersAreRemovedAndFfmpegReadsTheFile(@TempDir Path dir) throws Exception {
    Path file = Files.copy(ProcessingMusic.require(OCEAN), dir.resolve("ocean.ogg"));
    assertThatThrownBy(() -> AudioProbe.run(FfmpegTest.FFMPEG, file, FfmpegTest.TIMEOUT)).isInstanceOf(TrackFailure.class)
        .hasMessageContaining("Invalid data found");
    byte[] before = Files.readAllBytes(file);

    assertThat(OggRepair.repair(file)).isTrue();
    byte[] after = Files.readAllBytes(file);
    List<byte[]> packetsBefore = packets(before);
    List<byte[]> packetsAfter = packets(after);
    // the three headers once, then the audio packets of the original, in order: only the repeat is gone
    assertThat(packetsBefore.size() - packetsAfter.size()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      assertThat(packetsAfter.get(i)).isEqualTo(packetsBefore.get(i));
    }
    List<byte[]> audioBefore = packetsBefore.stream().skip(3).filter(p -> p.length == 0 || (p[0] & 1) == 0).toList();
    assertThat(packetsAfter.subList(3, packetsAfter.size())).containsExactlyElementsOf(audioBefore);
    assertThat(audioBefore).hasSize(packetsBefore.size() - 6);

    AudioProbe.Info info = AudioProbe.run(FfmpegTest.FFMPEG, file, FfmpegTest.TIMEOUT);
    assertThat(info.codec()).isEqualTo("vorbis");
    assertThat(info.durationMs()).isBetween(60_000L, 600_000L);
    Path pcm = dir.resolve("ocean.f32");
    Decode.toPcm(FfmpegTest.FFMPEG, file, pcm, FfmpegTest.TIMEOUT);
    assertThat(Files.size(pcm) / 4 / Decode.SAMPLE_RATE).isBetween(info.durationMs() / 1000 - 1, info.durationMs() / 1000 + 1);

    // once is enough: the repaired file is left as it is
    assertThat(OggRepair.repair(file)).isFalse();
    assertThat(Files.readAllBytes(file)).isEqualTo(after);
  }

  @Test
  void aRepeatAfterAudioPagesIsRemovedToo(@TempDir Path dir) throws Exception {
    Path file = Files.copy(ProcessingMusic.require(PALACE), dir.resolve("palace.ogg"));
    List<byte[]> before = packets(Files.readAllBytes(file));
    assertThat(OggRepair.repair(file)).isTrue();
    List<byte[]> after = packets(Files.readAllBytes(file));
    assertThat(before.size() - after.size()).isEqualTo(3);
    assertThat(after.subList(3, after.size())).allMatch(p -> p.length == 0 || (p[0] & 1) == 0);
  }

  @Test
  void wellFormedFilesAndOtherFormatsAreLeftAlone(@TempDir Path dir) throws Exception {
    for (Path source : new Path[] {ProcessingMusic.VORBIS, TestMusic.opus(), TestMusic.vorbis()}) {
      Path file = Files.copy(ProcessingMusic.require(source), dir.resolve(source.getFileName()));
      assertThat(OggRepair.repair(file)).as(source.toString()).isFalse();
      assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(source));
    }
    // not Ogg at all, or an Ogg page cut short: nothing to do, the probe decides
    byte[] notOgg = "ID3\u0004 not an ogg file at all, but long enough for a page header".getBytes();
    assertThat(OggRepair.rewrite(new ByteArrayInputStream(notOgg), new ByteArrayOutputStream())).isFalse();
    byte[] cut = Arrays.copyOf(Files.readAllBytes(ProcessingMusic.require(OCEAN)), 5000);
    assertThat(OggRepair.rewrite(new ByteArrayInputStream(cut), new ByteArrayOutputStream())).isFalse();
  }

  /** The packets of a file's Ogg pages, checking each page's CRC on the way. */
  static List<byte[]> packets(byte[] file) {
    List<byte[]> out = new ArrayList<>();
    ByteArrayOutputStream packet = new ByteArrayOutputStream();
    int pos = 0;
    while (pos < file.length) {
      assertThat(new String(file, pos, 4)).isEqualTo("OggS");
      int segments = file[pos + 26] & 0xff;
      int body = 0;
      for (int i = 0; i < segments; i++) {
        body += file[pos + 27 + i] & 0xff;
      }
      byte[] page = Arrays.copyOfRange(file, pos, pos + 27 + segments + body);
      int stored = (page[22] & 0xff) | (page[23] & 0xff) << 8 | (page[24] & 0xff) << 16 | (page[25] & 0xff) << 24;
      Arrays.fill(page, 22, 26, (byte) 0);
      assertThat(OggRepair.crc(page)).as("CRC of the page at %d", pos).isEqualTo(stored);
      int at = pos + 27 + segments;
      for (int i = 0; i < segments; i++) {
        int len = file[pos + 27 + i] & 0xff;
        packet.write(file, at, len);
        at += len;
        if (len < 255) {
          out.add(packet.toByteArray());
          packet.reset();
        }
      }
      pos = at;
    }
    return out;
  }
}

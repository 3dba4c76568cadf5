package io.chorus.library;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AudioProbeTest {

  @Test
  void readsTheAudioStreamAndFallsBackToTheFormat() {
    String json = """
        {"streams":[{"codec_name":"opus","sample_rate":"48000","channels":2}],
         "format":{"duration":"299.090000","bit_rate":"46752"}}""";
    assertThat(AudioProbe.parse(json)).isEqualTo(new AudioProbe.Info(299_090, 48_000, 2, 46_752, "opus"));
  }

  @Test
  void theBitrateIsTheFilesAverageNotTheStreamsNominalOne() {
    // Vorbis states its encoder's nominal bitrate on the stream; the file's size over its duration is what it holds
    String vorbis = """
        {"streams":[{"codec_name":"vorbis","sample_rate":"44100","channels":2,"bit_rate":"499821","duration":"70.000000"}],
         "format":{"nb_streams":1,"duration":"70.000000","size":"2779334","bit_rate":"317638"}}""";
    assertThat(AudioProbe.parse(vorbis).bitrate()).isEqualTo(317_638);
    // no bit_rate on the format: size × 8 / duration
    String noFormatRate = """
        {"streams":[{"codec_name":"vorbis","sample_rate":"44100","channels":2,"bit_rate":"499821"}],
         "format":{"nb_streams":1,"duration":"70.000000","size":"2779334","bit_rate":"N/A"}}""";
    assertThat(AudioProbe.parse(noFormatRate).bitrate()).isEqualTo(317_638);
    // another stream (an MP3's cover art) counts in the size: the audio stream's own figure stands
    String withCover = """
        {"streams":[{"codec_name":"mp3","sample_rate":"44100","channels":2,"bit_rate":"192000"}],
         "format":{"nb_streams":2,"duration":"100.000000","size":"3400000","bit_rate":"272000"}}""";
    assertThat(AudioProbe.parse(withCover).bitrate()).isEqualTo(192_000);
  }

  @Test
  void aRealVorbisFileShowsItsAverageBitrate() {
    // hyperrogue-music's hr-domina-hunting.ogg: 2,779,334 bytes over 70 s, about 317 kbit/s; its stream says 500
    java.nio.file.Path file = ProcessingMusic.require(java.nio.file.Path.of("/usr/share/hyperrogue/music/hr-domina-hunting.ogg"));
    AudioProbe.Info info = AudioProbe.run(FfmpegTest.FFMPEG, file, FfmpegTest.TIMEOUT);
    assertThat(info.durationMs()).isEqualTo(70_000);
    assertThat(info.bitrate()).isBetween(310_000, 325_000);
  }

  @Test
  void noAudioStreamOrNoJsonIsAClearFailure() {
    assertThatThrownBy(() -> AudioProbe.parse("{\"streams\":[],\"format\":{}}")).isInstanceOf(TrackFailure.class).hasMessage("the file has no audio stream");
    assertThatThrownBy(() -> AudioProbe.parse("")).isInstanceOf(TrackFailure.class);
  }
}

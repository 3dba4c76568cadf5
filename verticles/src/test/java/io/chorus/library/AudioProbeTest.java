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
  void noAudioStreamOrNoJsonIsAClearFailure() {
    assertThatThrownBy(() -> AudioProbe.parse("{\"streams\":[],\"format\":{}}")).isInstanceOf(TrackFailure.class).hasMessage("the file has no audio stream");
    assertThatThrownBy(() -> AudioProbe.parse("")).isInstanceOf(TrackFailure.class);
  }
}

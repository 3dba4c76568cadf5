package io.chorus.library;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoudnessTest {
  /** What ffmpeg 7.1 prints at the end of {@code -af ebur128=peak=true:framelog=quiet}. */
  static final String SUMMARY = """
      Stream mapping:
        Stream #0:0 -> #0:0 (opus (native) -> pcm_s16le (native))
      [Parsed_ebur128_0 @ 0x7f0948001e80] Summary:

        Integrated loudness:
          I:         -17.4 LUFS
          Threshold: -27.5 LUFS

        Loudness range:
          LRA:         8.7 LU
          Threshold: -37.4 LUFS
          LRA low:   -23.1 LUFS
          LRA high:  -14.4 LUFS

        True peak:
          Peak:        1.2 dBFS
      [out#0/null @ 0x564dc9d2d600] video:0KiB audio:56080KiB subtitle:0KiB other streams:0KiB global headers:0KiB
      """;

  @Test
  void parsesIntegratedLoudnessAndTruePeak() {
    Loudness.Result r = Loudness.parse(SUMMARY);
    assertThat(r.integratedLufs()).isEqualTo(-17.4);
    assertThat(r.truePeakDb()).isEqualTo(1.2);
    assertThat(r.replayGainDb()).isEqualTo(-0.6);
  }

  /** Silence has no gain: +52 dB (to bring -70 LUFS to -18) would blast whatever a player plays next at that gain. */
  @Test
  void silenceHasTheFloorAnInfinitePeakIsClampedAndNoGain() {
    String silent = SUMMARY.replace("-17.4 LUFS", "-70.0 LUFS").replace("1.2 dBFS", "-inf dBFS");
    Loudness.Result r = Loudness.parse(silent);
    assertThat(r.integratedLufs()).isEqualTo(-70.0);
    assertThat(r.truePeakDb()).isEqualTo(-200.0);
    assertThat(r.replayGainDb()).isNull();
  }

  @Test
  void replayGainBringsTheTrackToMinus18Lufs() {
    assertThat(Loudness.replayGain(-18, -1)).isEqualTo(0.0);
    assertThat(Loudness.replayGain(-9.5, 1.5)).isEqualTo(-8.5);
    assertThat(Loudness.replayGain(-23.25, -6)).isEqualTo(5.25);
  }

  /** A positive gain lifts the true peak to 0 dBTP at most (rsgain's default clip protection); a cut is never limited. */
  @Test
  void aPositiveGainStopsWhereThePeakWouldClip() {
    assertThat(Loudness.replayGain(-40, -10)).isEqualTo(10.0);
    assertThat(Loudness.replayGain(-69.9, -45.5)).isEqualTo(45.5);
    assertThat(Loudness.replayGain(-30, 0.5)).isEqualTo(0.0);
    assertThat(Loudness.replayGain(-10, 3)).isEqualTo(-8.0);
  }

  @Test
  void noSummaryIsAClearFailure() {
    assertThatThrownBy(() -> Loudness.parse("[in#0 @ 0x1] Error opening input: Invalid data found when processing input"))
        .isInstanceOf(TrackFailure.class).hasMessageContaining("no loudness summary");
  }
}

package io.chorus.library;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure parts of streaming: Range parsing (RFC 9110) and the stream URL signatures. */
class RangesAndSignaturesTest {

  /** Chromium loading an <audio> element of a 1,645,847-byte Ogg file read its last 72,983 and 7,447 bytes: no play. */
  @Test
  void aPlayIsTheLastByteWithHalfTheFileOrFourMinutes() {
    long size = 1_645_847;
    assertThat(StreamRoutes.isPlay(null, size, 90_000L)).isTrue();
    assertThat(StreamRoutes.isPlay(new Ranges.Range(0, size - 1), size, 90_000L)).isTrue();
    assertThat(StreamRoutes.isPlay(new Ranges.Range(size / 2, size - 1), size, 90_000L)).isTrue();
    assertThat(StreamRoutes.isPlay(new Ranges.Range(size / 2 + 1, size - 1), size, null)).isFalse();
    assertThat(StreamRoutes.isPlay(new Ranges.Range(1_572_864, size - 1), size, 90_000L)).isFalse();
    assertThat(StreamRoutes.isPlay(new Ranges.Range(1_638_400, size - 1), size, 90_000L)).isFalse();
    assertThat(StreamRoutes.isPlay(new Ranges.Range(0, size - 2), size, 90_000L)).isFalse();
    // a 10-minute track: four minutes and a bit are a play (41 % of the file), the last three are not
    assertThat(StreamRoutes.isPlay(new Ranges.Range(size - size * 41 / 100, size - 1), size, 600_000L)).isTrue();
    assertThat(StreamRoutes.isPlay(new Ranges.Range(size - size * 3 / 10, size - 1), size, 600_000L)).isFalse();
  }

  @Test
  void rangesFollowTheRfc() {
    assertThat(Ranges.parse(null, 1000)).isNull();
    assertThat(Ranges.parse("bytes=0-99", 1000)).isEqualTo(new Ranges.Range(0, 99));
    assertThat(Ranges.parse("bytes=500-", 1000)).isEqualTo(new Ranges.Range(500, 999));
    assertThat(Ranges.parse("bytes=-100", 1000)).isEqualTo(new Ranges.Range(900, 999));
    assertThat(Ranges.parse("bytes=-5000", 1000)).isEqualTo(new Ranges.Range(0, 999));
    assertThat(Ranges.parse("bytes=990-5000", 1000)).isEqualTo(new Ranges.Range(990, 999));
    assertThat(Ranges.parse("BYTES= 1-2 ", 1000)).isEqualTo(new Ranges.Range(1, 2));
    assertThat(Ranges.parse("bytes=0-0", 1000).length()).isEqualTo(1);
    // ignored: the whole representation
    assertThat(Ranges.parse("bytes=0-99999999999999999999999", 1000)).isEqualTo(new Ranges.Range(0, 999));
    assertThat(Ranges.parse("bytes=-99999999999999999999999", 1000)).isEqualTo(new Ranges.Range(0, 999));
    for (String ignored : List.of("items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=abc", "bytes=", "bytes=1", "bytes=-", "bytes=+5-9", "bytes=1-+9")) {
      assertThat(Ranges.parse(ignored, 1000)).as(ignored).isNull();
    }
    for (String unsatisfiable : List.of("bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=5000-6000",
        "bytes=99999999999999999999999-", "bytes=99999999999999999999999-99999999999999999999999")) {
      assertThatThrownBy(() -> Ranges.parse(unsatisfiable, 1000)).as(unsatisfiable)
          .isInstanceOfSatisfying(ChorusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RANGE_NOT_SATISFIABLE));
    }
  }

  @Test
  void signaturesBindTrackFormatBitrateExpiryAndUser() {
    StreamUrls urls = new StreamUrls("a-test-secret-of-enough-length", 600);
    SignedIn user = new SignedIn("11111111-1111-1111-1111-111111111111", "u", 0, List.of("moderator"));
    long now = 1_800_000_000L;
    String url = urls.sign("t1", "mp3", "128", user, now);
    Matcher m = Pattern.compile("format=(\\w+)&max_bitrate=(\\d+)&exp=(\\d+)&u=([\\w-]+)&m=1&sig=([\\w-]+)$").matcher(url);
    assertThat(m.find()).as(url).isTrue();
    StreamUrls.Grant g = urls.verify("t1", "mp3", "128", m.group(3), m.group(4), "1", m.group(5), now + 10);
    assertThat(g.viewer().userId()).isEqualTo(user.userId());
    assertThat(g.viewer().moderator()).isTrue();
    assertThat(g.expiresAt()).isEqualTo(now + 600);

    String exp = m.group(3);
    String u = m.group(4);
    String sig = m.group(5);
    assertCode(() -> urls.verify("t2", "mp3", "128", exp, u, "1", sig, now), ErrorCode.FORBIDDEN);
    assertCode(() -> urls.verify("t1", "original", "128", exp, u, "1", sig, now), ErrorCode.FORBIDDEN);
    assertCode(() -> urls.verify("t1", "mp3", "320", exp, u, "1", sig, now), ErrorCode.FORBIDDEN);
    assertCode(() -> urls.verify("t1", "mp3", "128", exp, u, null, sig, now), ErrorCode.FORBIDDEN);   // not a moderator
    assertCode(() -> urls.verify("t1", "mp3", "128", exp, null, "1", sig, now), ErrorCode.FORBIDDEN);
    assertCode(() -> urls.verify("t1", "mp3", "128", Long.toString(now + 9999), u, "1", sig, now), ErrorCode.FORBIDDEN);
    assertCode(() -> urls.verify("t1", "mp3", "128", "soon", u, "1", sig, now), ErrorCode.FORBIDDEN);
    assertCode(() -> new StreamUrls("another-secret-of-enough-length", 600).verify("t1", "mp3", "128", exp, u, "1", sig, now),
        ErrorCode.FORBIDDEN);
    assertCode(() -> urls.verify("t1", "mp3", "128", exp, u, "1", sig, now + 601), ErrorCode.UNAUTHENTICATED);

    // anonymous grants carry no user
    String anon = urls.sign("t1", "original", null, null, now);
    assertThat(anon).doesNotContain("&u=").doesNotContain("max_bitrate");
    String anonSig = anon.substring(anon.indexOf("&sig=") + 5);
    String anonExp = anon.replaceAll(".*&exp=(\\d+).*", "$1");
    assertThat(urls.verify("t1", "original", null, anonExp, null, null, anonSig, now).viewer()).isNull();
  }

  private static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(ChorusException.class, e -> assertThat(e.code()).isEqualTo(code));
  }
}

package io.chorus.input;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one input validation (issue 14 item 10): ids, names, free text and track URLs. */
class InputsTest {

  private static void refused(Runnable call, String fieldInMessage) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(ChorusException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(e.getMessage()).startsWith(fieldInMessage + " ");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "user-123", "a.b_c:d@e-f", "550e8400-e29b-41d4-a716-446655440000", "x", ".a", "a..b"})
  void acceptsIds(String id) {
    assertThat(Inputs.id("user_id", id)).isEqualTo(id);
  }

  @Test
  void acceptsAnIdOfExactly128() {
    assertThat(Inputs.id("user_id", "a".repeat(128))).hasSize(128);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "<x>", "../..", ".", "..", "...", "a/b c", "a/b", "a\u0000b", "a\nb", "bob\u202E", "é", "a%20b",
      " bob", "bob ", "a?b", "a#b"})
  void refusesIds(String id) {
    refused(() -> Inputs.id("user_id", id), "user_id");
  }

  @Test
  void refusesMissingAndLongIds() {
    refused(() -> Inputs.id("host_id", null), "host_id");
    refused(() -> Inputs.id("client_id", "a".repeat(129)), "client_id");
  }

  @Test
  void namesAreTrimmedAndNfcNormalised() {
    assertThat(Inputs.name("user_name", "  Jane  ", 1, 64)).isEqualTo("Jane");
    // line breaks around a name are trimmed like spaces (inside it they are refused)
    assertThat(Inputs.name("user_name", "\r\nJane\n\u2029", 1, 64)).isEqualTo("Jane");
    // e + combining acute (NFD) becomes the one precomposed é
    assertThat(Inputs.name("user_name", "Rene\u0301", 1, 64)).isEqualTo("Ren\u00e9");
    assertThat(Inputs.name("user_name", "Ren\u00e9", 1, 64)).isEqualTo("Ren\u00e9");
    // what people use in names stays: scripts, emoji with ZWJ, inner spaces
    assertThat(Inputs.name("user_name", "\u674e\u96f7 \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67", 1, 64))
        .isEqualTo("\u674e\u96f7 \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67");
    assertThat(Inputs.name("user_name", "\u05e9\u05dc\u05d5\u05dd", 1, 64)).isEqualTo("\u05e9\u05dc\u05d5\u05dd");
  }

  @Test
  void optionalNamesMayBeEmpty() {
    assertThat(Inputs.name("user_name", null, 0, 64)).isEmpty();
    assertThat(Inputs.name("user_name", "", 0, 64)).isEmpty();
    assertThat(Inputs.name("user_name", "   ", 0, 64)).isEmpty();
    // every kind of Unicode space is blank, the no-break ones too (contract B, 16)
    assertThat(Inputs.name("host_name", "\u00a0\u3000", 0, 64)).isEmpty();
    assertThat(Inputs.name("user_name", "\u00a0Jane\u202f\u2007", 1, 64)).isEqualTo("Jane");
    refused(() -> Inputs.name("display_name", "   ", 1, 50), "display_name");
    refused(() -> Inputs.name("display_name", null, 1, 50), "display_name");
  }

  @Test
  void nameLengthCountsCodePoints() {
    // 64 emoji are 128 UTF-16 chars: 64 characters as people count them
    String emoji = "\ud83c\udfb5".repeat(64);
    assertThat(Inputs.name("user_name", emoji, 1, 64)).isEqualTo(emoji);
    refused(() -> Inputs.name("user_name", emoji + "x", 1, 64), "user_name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Ja\u0000ne", "Jane\nDoe", "Ja\rne", "Ja\tne", "Jane\u007f", "Jane\u0085", "Jane\u2028Doe", "Ja\u2029ne",
      "Jane\u202E", "\u202Eenaj", "Jane\u202A", "Jane\u202D", "Jane\u2066x", "Jane\u2069", "Jane\u200E", "Jane\u200F", "Jane\u061C",
      "\u200B", "\u200B\u200C\u200D", "\u2060\uFEFF", "\u200B \u200B", "\u3164", "\u2800\u2800", "\u0301", "Jane\ud800"})
  void refusesControlBidiAndInvisibleNames(String name) {
    refused(() -> Inputs.name("user_name", name, 0, 64), "user_name");
  }

  @Test
  void freeTextKeepsLineBreaksButNoOtherControls() {
    assertThat(Inputs.text("description", "line 1\nline 2\r\n\tindented", 5000)).isEqualTo("line 1\nline 2\r\n\tindented");
    assertThat(Inputs.text("description", null, 5000)).isNull();
    refused(() -> Inputs.text("description", "a\u0000b", 5000), "description");
    refused(() -> Inputs.text("description", "a\u202Eb", 5000), "description");
    refused(() -> Inputs.text("description", "x".repeat(5001), 5000), "description");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://example.com/track.mp3", "http://example.com:8080/a.mp3?x=1#t", "HTTPS://EXAMPLE.COM/A.MP3",
      "https://user@example.com/a.mp3", "/media/track.mp3", "/a", "https://[::1]:8443/a.mp3", "https://example.com"})
  void acceptsTrackUrls(String url) {
    assertThat(Inputs.trackUrl("track_url", url, true)).isEqualTo(url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"javascript:alert(1)", "JavaScript:alert(1)", "data:audio/mp3;base64,AAAA", "file:///etc/passwd",
      "ftp://example.com/a.mp3", "//evil.example/a.mp3", "/\\evil.example/a.mp3", "/\\\\evil.example/a.mp3", "track.mp3", "t", "https://", "https:///a.mp3", "https://:80/a",
      "https://example.com/a b.mp3", "https://example.com/a\n", "https://example.com/\u0000", " https://example.com/a.mp3",
      "https://example.com/\u202Ea", "https://example.com/\u200Ba", "vbscript:x", "http:example.com"})
  void refusesTrackUrls(String url) {
    refused(() -> Inputs.trackUrl("track_url", url, true), "track_url");
  }

  @Test
  void textFromFilesIsCleanedNotRefused() {
    assertThat(Inputs.cleanText("T\u0085i\u2028t\u009bl\u200ee", 255)).isEqualTo("T i t le");
    assertThat(Inputs.cleanText(" \u00a0Cafe\u0301\u202e\u3000", 255)).isEqualTo("Caf\u00e9");
    assertThat(Inputs.cleanText("\u00a0\u3164", 255)).as("nothing visible").isNull();
    assertThat(Inputs.cleanText("\u200b\u0301", 255)).isNull();
    assertThat(Inputs.cleanText(null, 255)).isNull();
    assertThat(Inputs.cleanText("abcdef", 3)).isEqualTo("abc");
    assertThat(Inputs.cleanText("a\u0000b\tc", 255)).isEqualTo("a b c");
  }

  @Test
  void trackUrlLengthAndPresence() {
    String longest = "https://example.com/" + "a".repeat(2048 - 20);
    assertThat(Inputs.trackUrl("track_url", longest, true)).hasSize(2048);
    refused(() -> Inputs.trackUrl("track_url", longest + "a", true), "track_url");
    refused(() -> Inputs.trackUrl("track_url", "", true), "track_url");
    refused(() -> Inputs.trackUrl("track_url", null, true), "track_url");
    assertThat(Inputs.trackUrl("track_url", "", false)).isEmpty();
    assertThat(Inputs.trackUrl("track_url", null, false)).isEmpty();
  }

  @Test
  void anIdOfOnlyDotsIsRefusedAtAnyLength() {
    refused(() -> Inputs.id("user_id", ".".repeat(128)), "user_id");
    assertThat(Inputs.id("user_id", ".".repeat(127) + "a")).hasSize(128);
  }

  @Test
  void nameBoundsAreInclusive() {
    assertThat(Inputs.name("display_name", "ab", 2, 4)).isEqualTo("ab");
    assertThat(Inputs.name("display_name", "abcd", 2, 4)).isEqualTo("abcd");
    refused(() -> Inputs.name("display_name", "a", 2, 4), "display_name");
    refused(() -> Inputs.name("display_name", "abcde", 2, 4), "display_name");
    // the bounds apply after trimming
    assertThat(Inputs.name("display_name", "   abcd   ", 2, 4)).isEqualTo("abcd");
    // a visible character with invisible ones around it is a name
    assertThat(Inputs.name("display_name", "\u200Bx\u200B", 1, 4)).isEqualTo("\u200Bx\u200B");
  }

  @Test
  void freeTextIsNormalisedButNotTrimmedAndCountsCodePoints() {
    assertThat(Inputs.text("description", "  Rene\u0301  ", 100)).isEqualTo("  Ren\u00e9  ");
    assertThat(Inputs.text("description", "", 100)).isEmpty();
    String emoji = "\ud83c\udfb5".repeat(10);
    assertThat(Inputs.text("description", emoji, 10)).isEqualTo(emoji);
    refused(() -> Inputs.text("description", emoji + "x", 10), "description");
    refused(() -> Inputs.text("description", "a\u2028b", 100), "description");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://user@/a.mp3", "https://user@:80/a.mp3", "https://example.com\u00a0/a.mp3", "https://example.com/a\tb",
      "HTTPS:/example.com/a.mp3", "https//example.com/a.mp3"})
  void refusesTrackUrlsWithoutAHostOrWithHiddenSpaces(String url) {
    refused(() -> Inputs.trackUrl("track_url", url, true), "track_url");
  }

  @Test
  void integersAreAsciiDigitsWithAnOptionalMinus() {
    assertThat(Inputs.parseInt("3")).isEqualTo(3);
    assertThat(Inputs.parseInt("007")).isEqualTo(7);
    assertThat(Inputs.parseInt("-5")).isEqualTo(-5);
    assertThat(Inputs.parseInt(Integer.toString(Integer.MAX_VALUE))).isEqualTo(Integer.MAX_VALUE);
    assertThat(Inputs.parseLong("99999999999")).isEqualTo(99_999_999_999L);
  }

  /** Integer.parseInt takes any script's digits (٣ is 3) and a leading +: a client's integer is ASCII digits only. */
  @ParameterizedTest
  @ValueSource(strings = {"\u0663", "\u0663\u0662\u0660", "\uff13", "\u0969", "1\u0663", "+3", "-", "", " 3", "3 ", "1.5", "0x10", "--1",
      "99999999999"})
  void otherIntegersAreRefused(String value) {
    assertThatThrownBy(() -> Inputs.parseInt(value)).isInstanceOf(NumberFormatException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "https://example.com?x=1", "https://example.com#t=30", "https://u:p@example.com/a.mp3"})
  void acceptsTrackUrlsAtTheEdges(String url) {
    assertThat(Inputs.trackUrl("track_url", url, false)).isEqualTo(url);
  }
}

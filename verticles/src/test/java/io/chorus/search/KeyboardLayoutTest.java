package io.chorus.search;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KeyboardLayoutTest {
  @Test
  void latinTypedForRussian() {
    assertThat(KeyboardLayout.swap("rbyj")).isEqualTo("кино");
    assertThat(KeyboardLayout.swap("ghbdtn")).isEqualTo("привет");
    assertThat(KeyboardLayout.swap("Uheggf rhjdb")).isEqualTo("Группа крови");
    // punctuation keys are letters next to letters: "j,kfrf" is «облака», "`krf" «ёлка», "[jhjij" «хорошо»
    assertThat(KeyboardLayout.swap("j,kfrf")).isEqualTo("облака");
    assertThat(KeyboardLayout.swap("`krf")).isEqualTo("ёлка");
    assertThat(KeyboardLayout.swap("[jhjij")).isEqualTo("хорошо");
    assertThat(KeyboardLayout.swap("gj;fh")).isEqualTo("пожар");
  }

  @Test
  void russianTypedForLatin() {
    assertThat(KeyboardLayout.swap("руддщ")).isEqualTo("hello");
    assertThat(KeyboardLayout.swap("Тфгешдгы")).isEqualTo("Nautilus");
  }

  @Test
  void punctuationBetweenWordsStays() {
    assertThat(KeyboardLayout.swap("rbyj, ghbdtn.")).isEqualTo("кино, привет.");
    assertThat(KeyboardLayout.swap("123 - 456")).isEqualTo("123 - 456");
  }
}

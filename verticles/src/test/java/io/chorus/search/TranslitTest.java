package io.chorus.search;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TranslitTest {
  @Test
  void cyrillicToLatin() {
    assertThat(Translit.toLatin("Кино")).isEqualTo("kino");
    assertThat(Translit.toLatin("Группа крови")).isEqualTo("gruppa krovi");
    assertThat(Translit.toLatin("Щука, ёжик и Хохлома")).isEqualTo("shchuka, ezhik i khokhloma");
    assertThat(Translit.toLatin("Ария 2024!")).isEqualTo("ariya 2024!");
  }

  @Test
  void latinToCyrillic() {
    assertThat(Translit.toCyrillic("Gruppa Krovi")).isEqualTo("группа крови");
    assertThat(Translit.toCyrillic("kino")).isEqualTo("кино");
    assertThat(Translit.toCyrillic("Nautilus Pompilius")).isEqualTo("наутилус помпилиус");
    assertThat(Translit.toCyrillic("Zhanna Aguzarova")).isEqualTo("жанна агузарова");
    assertThat(Translit.toCyrillic("Chaif")).isEqualTo("чаиф");
    assertThat(Translit.toCyrillic("Tsoy")).isEqualTo("цой");
    assertThat(Translit.toCyrillic("Kyiv")).isEqualTo("кыив");
  }

  @Test
  void otherScript() {
    assertThat(Translit.other("Кино")).isEqualTo("kino");
    assertThat(Translit.other("kino")).isEqualTo("кино");
    assertThat(Translit.other("1234 !?")).isNull();
    assertThat(Translit.other("Кино live")).contains("кино ливе").contains("kino live");
  }
}

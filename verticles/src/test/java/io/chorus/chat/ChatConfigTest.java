package io.chorus.chat;

import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Seed 002's settings: defaults and every refusal names its variable. */
class ChatConfigTest {
  static ChatConfig parse(String key, Object value) {
    JsonObject json = ConfigLoader.defaults();
    if (key != null) {
      json.put(key, value);
    }
    // the feature's own record, as the composition root parses it at start
    return ChatConfig.of(io.chorus.ChorusNode.validate(json));
  }

  @Test
  void defaults() {
    ChatConfig c = parse(null, null);
    assertThat(c.ttlHours()).isEqualTo(6);
    assertThat(c.maxMessageLength()).isEqualTo(2000);
    assertThat(c.displayNameMin()).isEqualTo(1);
    assertThat(c.displayNameMax()).isEqualTo(50);
    assertThat(c.rateWindowSeconds()).isEqualTo(60);
    assertThat(c.rateRoomCreate()).isEqualTo(10);
    assertThat(c.livekitApiKey()).isEqualTo("devkey");
    assertThat(c.livekitApiSecret().length()).isGreaterThanOrEqualTo(32);
  }

  @Test
  void badValuesNameTheirVariable() {
    assertThatThrownBy(() -> parse("LIVEKIT_API_SECRET", "short")).isInstanceOf(ConfigException.class).hasMessageContaining("LIVEKIT_API_SECRET");
    assertThatThrownBy(() -> parse("LIVEKIT_API_KEY", "")).isInstanceOf(ConfigException.class).hasMessageContaining("LIVEKIT_API_KEY");
    assertThatThrownBy(() -> parse("DISPLAY_NAME_PATTERN", "([a-z")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("DISPLAY_NAME_PATTERN");
    assertThatThrownBy(() -> parse("DISPLAY_NAME_MIN_LENGTH", 60)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("DISPLAY_NAME_MIN_LENGTH");
    assertThatThrownBy(() -> parse("CHAT_MAX_MESSAGE_LENGTH", 0)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHAT_MAX_MESSAGE_LENGTH");
    assertThatThrownBy(() -> parse("RATE_LIMIT_CHAT_MESSAGES", -1)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("RATE_LIMIT_CHAT_MESSAGES");
    assertThatThrownBy(() -> parse("ROOM_CLEANUP_INTERVAL_SECONDS", "soon")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("ROOM_CLEANUP_INTERVAL_SECONDS");
    assertThat(parse("RATE_LIMIT_ROOM_CREATE", 0).rateRoomCreate()).isZero();
  }
}
